//! A release of several services (`flightdeck promote A B --from dev --to staging`) end to end
//! against the simulator and its real Git repository: one combined diff first, one commit
//! touching both overlays, both apps followed to the promoted version, one trail record naming
//! both services. When one part cannot be promoted (nothing to promote, an unknown service)
//! nothing is committed — the bare remote's branch does not move — and the error names it.

mod common;

use std::path::Path;

use flightdeck::client::git::Git;
use flightdeck_sim::Sim;

fn image(sim: &Sim, instance: usize, app: &str) -> String {
    sim.app_json(instance, app).unwrap()["status"]["summary"]["images"][0].as_str().unwrap().to_string()
}

fn head(bare: &Path) -> String {
    Git::new().run(bare, &["rev-parse", "main"]).unwrap().stdout.trim().to_string()
}

/// The first two services (sorted) whose dev runs something staging does not.
fn two_services(sim: &Sim) -> (String, String) {
    let mut dev = sim.app_names(0);
    dev.sort();
    let mut moving = dev.iter().map(|a| common::service_of(a, "dev")).filter(|s| {
        let staging = format!("{s}-staging");
        image(sim, 0, &format!("{s}-dev")) != image(sim, 1, &staging)
    });
    let a = moving.next().expect("a service with a newer version in dev");
    let b = moving.next().expect("a second one");
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_is_one_commit_and_both_apps_reach_the_version() {
    let sim = common::calm_sim(4).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (a, b) = two_services(&sim);
    let (tag_a, tag_b) =
        [&a, &b].map(|s| image(&sim, 0, &format!("{s}-dev")).rsplit_once(':').unwrap().1.to_string()).into();
    let bare = sim.git_dir().unwrap();
    let before = head(&bare);

    let args =
        ["promote", &a, &b, "--from", "dev", "--to", "staging", "--ticket", "CHG-21", "--reason", "train", "--wait"];
    let out = common::finish_advancing(&sim, 1, 0, common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    // One combined diff (both overlays), then the one commit.
    let diff_a =
        stdout.find(&format!("+++ b/apps/{a}/overlays/staging/kustomization.yaml")).expect("a's overlay in the diff");
    let diff_b =
        stdout.find(&format!("+++ b/apps/{b}/overlays/staging/kustomization.yaml")).expect("b's overlay in the diff");
    let said = stdout.find(&format!("release {a}, {b} dev → staging: commit ")).expect("the release's line");
    assert!(diff_a < said && diff_b < said, "the diff comes first: {stdout}");
    assert!(stdout.contains("; done"), "followed to its end: {stdout}");
    assert!(stderr.contains(&format!("{a}: healthy")) && stderr.contains(&format!("{b}: healthy")), "{stderr}");

    // Exactly one new commit on the remote, touching both overlays, with the trailers.
    let git = Git::new();
    let count = git.run(&bare, &["rev-list", "--count", &format!("{before}..main")]).unwrap().stdout;
    assert_eq!(count.trim(), "1", "one commit for the release");
    let files = git.run(&bare, &["show", "--name-only", "--format=", "main"]).unwrap().stdout;
    let mut files: Vec<&str> = files.lines().filter(|l| !l.is_empty()).collect();
    files.sort_unstable();
    let mut want = [a.as_str(), b.as_str()].map(|s| format!("apps/{s}/overlays/staging/kustomization.yaml")).to_vec();
    want.sort();
    assert_eq!(files, want);
    let log = git.run(&bare, &["log", "-1", "--format=%s%n%(trailers:only,unfold)", "main"]).unwrap().stdout;
    assert!(log.starts_with(&format!("release {a}, {b} dev -> staging: {a} {tag_a}, {b} {tag_b}\n")), "{log}");
    assert!(log.contains("Change-Ticket: CHG-21\n") && log.contains("Requested-by: dave\n"), "{log}");

    // Both staging apps run what dev runs.
    for (s, tag) in [(&a, &tag_a), (&b, &tag_b)] {
        let now = image(&sim, 1, &format!("{s}-staging"));
        assert!(now.ends_with(&format!(":{tag}")), "{s} runs {now}");
    }

    // One trail record for the release, naming both services.
    let trail = common::finish(common::headless(&cfg, home.path(), &["audit", "-o", "json"])).await;
    let text = common::text(&trail.stdout);
    let runs: Vec<&str> =
        text.lines().filter(|l| l.contains("\"event\":\"action\"") || l.contains("\"event\": \"action\"")).collect();
    let releases: Vec<_> = text.matches(&format!("release from dev: {a} {tag_a}, {b} {tag_b}")).collect();
    assert_eq!(releases.len(), 1, "one record for the release: {text} ({runs:?})");

    // staging → prod as a developer: ONE approval request for the release; approved by two,
    // it runs as filed, in one commit touching both prod overlays.
    common::commit_policy_without_freezes(&sim, home.path());
    for user in ["alice", "bob"] {
        common::operator_config(&sim, home.path(), user);
    }
    let before = head(&bare);
    let args = ["promote", &a, &b, "--from", "staging", "--to", "prod", "--ticket", "CHG-22", "--reason", "train"];
    let out = common::run_as(home.path(), "dave", &args).await;
    let said = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", common::text(&out.stderr));
    let ids: Vec<&str> = said.split_whitespace().filter(|w| w.starts_with("req-")).collect();
    assert_eq!(ids.len(), 1, "one request for the release: {said}");
    assert!(said.contains(&format!("release {a}, {b} staging → prod")), "{said}");
    let id = ids[0].to_string();
    assert_eq!(head(&bare), before, "nothing committed before the approvals");
    for user in ["alice", "bob"] {
        let out = common::run_as(home.path(), user, &["approve", &id, "--comment", "ok"]).await;
        assert_eq!(out.status.code(), Some(0), "{}{}", common::text(&out.stdout), common::text(&out.stderr));
    }
    let count = git.run(&bare, &["rev-list", "--count", &format!("{before}..main")]).unwrap().stdout;
    assert_eq!(count.trim(), "1", "the approved release is one commit");
    let files = git.run(&bare, &["show", "--name-only", "--format=", "main"]).unwrap().stdout;
    for s in [&a, &b] {
        assert!(files.contains(&format!("apps/{s}/overlays/prod/kustomization.yaml")), "{files}");
    }
    let log = git.run(&bare, &["log", "-1", "--format=%(trailers:only,unfold)", "main"]).unwrap().stdout;
    assert!(log.contains(&format!("Flightdeck-Request: {id}\n")) && log.contains("Approved-by: bob\n"), "{log}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_atomic_release_where_one_part_fails_commits_nothing() {
    let sim = common::calm_sim(4).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (a, b) = two_services(&sim);
    let bare = sim.git_dir().unwrap();

    // b alone first: its staging overlay then already has dev's version.
    let alone = ["promote", &b, "--from", "dev", "--to", "staging"];
    let out = common::finish(common::headless(&cfg, home.path(), &alone)).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let before = head(&bare);
    let overlay_a = format!("main:apps/{a}/overlays/staging/kustomization.yaml");
    let a_before = Git::new().run(&bare, &["show", &overlay_a]).unwrap().stdout;

    // The release of a and b: b has nothing to promote, so a is not promoted either.
    let args = ["promote", &a, &b, "--from", "dev", "--to", "staging"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "usage-class refusal: stdout {stdout}\nstderr {stderr}");
    assert!(stderr.contains(&format!("{b}: nothing to promote")), "names the failing service and why: {stderr}");
    assert!(stderr.contains("nothing of the release was promoted"), "{stderr}");
    assert_eq!(head(&bare), before, "nothing committed");
    assert_eq!(Git::new().run(&bare, &["show", &overlay_a]).unwrap().stdout, a_before);

    // An unknown service stops it before anything is planned.
    let args = ["promote", &a, "no-such-service", "--from", "dev", "--to", "staging"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown service \"no-such-service\""), "{stderr}");
    assert_eq!(head(&bare), before, "nothing committed");
    sim.shutdown().await;
}
