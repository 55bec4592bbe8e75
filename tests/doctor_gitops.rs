//! `flightdeck doctor` (the real binary) on the GitOps rows: the remote reachable (`git
//! ls-remote`) and pushable (a dry-run push that writes nothing), and the policy file found
//! and valid — for a good remote (the simulator's repository, with its policy), a remote that
//! does not exist, and a repository whose `policy.toml` has a mistake (file:line named, with
//! the hint). Configs come from `tests/fixtures/doctor/gitops.toml`.

#[path = "client_support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use flightdeck::client::git::Git;
use flightdeck_sim::Sim;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doctor").join(name)
}

/// The gitops fixture filled in for `sim`'s dev instance and `remote`.
fn config_for(sim: &Sim, remote: &str, dir: &Path) -> PathBuf {
    let inst = support::instance(sim, 0);
    let text = std::fs::read_to_string(fixture("gitops.toml")).expect("fixture");
    let text = text.replace("{SERVER}", &inst.base_url).replace("{TOKEN}", &inst.token).replace("{REMOTE}", remote);
    let path = dir.join("gitops.toml");
    std::fs::write(&path, text).expect("write");
    path
}

async fn doctor(home: &Path, cfg: &Path) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    cmd.arg("doctor").arg("--config").arg(cfg).env_clear().env("HOME", home);
    cmd.env("XDG_STATE_HOME", home.join("state")).env("XDG_CACHE_HOME", home.join("cache"));
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    let out = tokio::task::spawn_blocking(move || cmd.output());
    tokio::time::timeout(support::SAFETY, out).await.expect("doctor finishes").expect("join").expect("runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The table row named `name` (its status and detail), and the advice line under it, if any.
fn row(out: &str, name: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = out.lines().collect();
    let i = lines.iter().position(|l| l.starts_with(&format!("{name} "))).unwrap_or_else(|| panic!("no {name}: {out}"));
    let advice = lines.get(i + 1).filter(|l| l.trim_start().starts_with('→')).map(|l| l.trim().to_string());
    (lines[i].to_string(), advice)
}

fn status(row_line: &str, name: &str) -> String {
    row_line[name.len()..].split_whitespace().next().unwrap_or_default().to_string()
}

/// A bare repository (branch main) holding `policy.toml` = `policy`.
fn repo_with_policy(dir: &Path, policy: &str) -> String {
    let git = Git::new().with_identity("Test", "test@example.com");
    let bare = dir.join("gitops.git");
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git.run(dir, &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()]).unwrap();
    git.run(&work, &["init", "-q", "-b", "main"]).unwrap();
    std::fs::write(work.join("policy.toml"), policy).unwrap();
    git.run(&work, &["add", "policy.toml"]).unwrap();
    git.run(&work, &["commit", "-q", "-m", "policy"]).unwrap();
    git.run(&work, &["push", "-q", bare.to_str().unwrap(), "main"]).unwrap();
    format!("file://{}", bare.display())
}

#[tokio::test]
async fn a_good_remote_with_a_valid_policy_is_all_well_and_nothing_is_pushed() {
    let sim = support::sim().await;
    let home = tempfile::tempdir().unwrap();
    let remote = sim.git_remote();
    let bare = sim.git_dir().expect("the simulator has a repository");
    let refs_before = Git::new().run(&bare, &["for-each-ref"]).unwrap().stdout;
    let out = doctor(home.path(), &config_for(&sim, &remote, home.path())).await;
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let (remote_row, _) = row(&t, "git remote");
    assert_eq!(status(&remote_row, "git remote"), "ok", "{t}");
    assert!(remote_row.contains(&remote) && remote_row.contains("main at "), "{t}");
    let (push_row, _) = row(&t, "git push");
    assert_eq!(status(&push_row, "git push"), "ok", "{t}");
    assert!(push_row.contains("dry run") && push_row.contains("SSH agent"), "{t}");
    let (policy_row, _) = row(&t, "policy file");
    assert_eq!(status(&policy_row, "policy file"), "ok", "{t}");
    assert!(policy_row.contains("policy.toml: valid, environments dev → staging → prod"), "{t}");
    // The dry run wrote nothing: the remote's refs are as they were.
    assert_eq!(Git::new().run(&bare, &["for-each-ref"]).unwrap().stdout, refs_before);
    sim.shutdown().await;
}

#[tokio::test]
async fn without_a_configured_remote_doctor_says_rbac_only_once_and_passes() {
    let sim = support::sim().await;
    let home = tempfile::tempdir().unwrap();
    let cfg = config_for(&sim, "", home.path());
    // No [gitops] remote: governance is opt-in, so no repository is guessed (the apps'
    // repository is often private, reached with other credentials) and nothing fails.
    let text_cfg = std::fs::read_to_string(&cfg).unwrap().replace("remote = \"\"\n", "");
    std::fs::write(&cfg, text_cfg).unwrap();
    let out = doctor(home.path(), &cfg).await;
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    let (policy_row, _) = row(&t, "policy");
    assert_eq!(status(&policy_row, "policy"), "ok", "{t}");
    assert!(policy_row.contains("no Flightdeck policy: Argo CD RBAC only"), "{t}");
    assert_eq!(t.matches("RBAC only").count(), 1, "said once: {t}");
    assert!(!t.contains(&sim.git_remote()), "the apps' repository is not probed: {t}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_missing_remote_fails_with_advice() {
    let sim = support::sim().await;
    let home = tempfile::tempdir().unwrap();
    let missing = format!("file://{}/nowhere/gitops.git", home.path().display());
    let out = doctor(home.path(), &config_for(&sim, &missing, home.path())).await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    let (remote_row, advice) = row(&t, "git remote");
    assert_eq!(status(&remote_row, "git remote"), "FAIL", "{t}");
    assert!(remote_row.contains("does not appear to be a git repository"), "{t}");
    let advice = advice.expect("advice under the row");
    assert!(advice.contains(&format!("no Git repository at {missing}")) && advice.contains("[gitops] remote"), "{t}");
    assert_eq!(status(&row(&t, "git push").0, "git push"), "skip", "{t}");
    assert_eq!(status(&row(&t, "policy file").0, "policy file"), "skip", "{t}");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_invalid_policy_names_its_line_and_the_hint() {
    let sim = support::sim().await;
    let home = tempfile::tempdir().unwrap();
    let bad = std::fs::read_to_string(fixture("policy-invalid.toml")).unwrap();
    let remote = repo_with_policy(home.path(), &bad);
    let out = doctor(home.path(), &config_for(&sim, &remote, home.path())).await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert_eq!(status(&row(&t, "git remote").0, "git remote"), "ok", "{t}");
    assert_eq!(status(&row(&t, "git push").0, "git push"), "ok", "{t}");
    let (policy_row, advice) = row(&t, "policy file");
    assert_eq!(status(&policy_row, "policy file"), "FAIL", "{t}");
    assert!(policy_row.contains("policy.toml:7:"), "the line is named: {t}");
    assert!(advice.is_some_and(|a| a.len() > 4), "the hint is given: {t}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_repository_without_a_policy_warns_but_passes() {
    let sim = support::sim().await;
    let home = tempfile::tempdir().unwrap();
    // Any other file: the repository exists and has a HEAD, but no policy.toml.
    let remote = repo_with_policy(home.path(), "");
    let git = Git::new().with_identity("Test", "test@example.com");
    let work = home.path().join("work");
    git.run(&work, &["mv", "policy.toml", "README"]).unwrap();
    git.run(&work, &["commit", "-q", "-m", "no policy"]).unwrap();
    git.run(&work, &["push", "-q", home.path().join("gitops.git").to_str().unwrap(), "main"]).unwrap();
    let out = doctor(home.path(), &config_for(&sim, &remote, home.path())).await;
    let t = text(&out);
    assert!(out.status.success(), "a warning is not a failure: {t}");
    let (policy_row, advice) = row(&t, "policy file");
    assert_eq!(status(&policy_row, "policy file"), "warn", "{t}");
    assert!(advice.is_some_and(|a| a.contains("flightdeck config example policy")), "{t}");
    sim.shutdown().await;
}
