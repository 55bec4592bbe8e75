//! A unique canary secret kept in the simulator's Vault (as the Argo CD token, which Argo CD
//! rejects, so every failing path runs: 401 → fetch again → retry → error) must appear in none
//! of: the log file at `FLIGHTDECK_LOG=trace`, the console's screen and raw PTY output, the
//! headless commands' stdout and stderr.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::pty::Pty;

const CANARY: &str = "canary.c4n4ry-7f3e9d1b.vaultsecret";

fn write_config(sim: &flightdeck_sim::Sim, dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doctor/vault.toml"))
        .expect("fixture")
        .replace("{SERVER}", &sim.instances()[0].base_url)
        .replace("{VAULT}", &sim.vault_addr());
    let p = dir.join("canary.toml");
    std::fs::write(&p, text).expect("write");
    p
}

/// Every file under `dir`, concatenated (the log directory).
fn all_files(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(all_files(&p));
            } else if let Ok(b) = std::fs::read(&p) {
                out.extend(b);
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_canary_never_leaks() {
    let sim = Arc::new(common::calm_sim(4).await);
    sim.vault_put_secret("secret", "argocd/dev", [("token", CANARY)]);
    let home = tempfile::tempdir().expect("tmp");
    let cfg = write_config(&sim, home.path());
    let root = sim.vault_root_token();
    let sim2 = sim.clone();
    let home_path = home.path().to_path_buf();
    let cfg2 = cfg.clone();
    tokio::task::spawn_blocking(move || {
        let env = [("VAULT_TOKEN", root.as_str()), ("FLIGHTDECK_LOG", "trace")];
        // The console: wait until the token was fetched again after Argo CD's 401.
        let mut pty = Pty::spawn(&["--config", cfg2.to_str().expect("utf8")], &home_path, 100, 30, &env);
        pty.wait_for("the refetch after 401", |_| sim2.vault_request_count("secret/data/argocd/dev") >= 2);
        pty.pump();
        let screen = pty.screen();
        pty.send("q");
        pty.wait_exit();
        assert!(!screen.contains(CANARY), "canary on screen:\n{screen}");
        assert!(!pty.raw_contains(CANARY.as_bytes()), "canary in raw PTY output");
        // The headless commands, with a failing request each.
        for args in [&["status"][..], &["doctor"][..], &["sync", "x", "--env", "dev"][..]] {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"))
                .args(args)
                .arg("--config")
                .arg(&cfg2)
                .env_clear()
                .env("HOME", &home_path)
                .env("XDG_STATE_HOME", home_path.join("state"))
                .env("XDG_CONFIG_HOME", home_path.join("config"))
                .envs(env)
                .output()
                .expect("runs");
            assert!(!out.status.success(), "{args:?} should fail with a rejected token");
            assert!(!contains(&out.stdout, CANARY), "{args:?}: canary on stdout");
            assert!(!contains(&out.stderr, CANARY), "{args:?}: canary on stderr");
        }
        let logs = all_files(&home_path.join("state"));
        assert!(!logs.is_empty(), "the log file was written");
        assert!(!contains(&logs, CANARY), "canary in the log file");
        // The failing paths did run and were logged (so the absence above means something).
        assert!(contains(&logs, "fetching the token again"), "{}", String::from_utf8_lossy(&logs));
        assert!(contains(&logs, "token from vault secret/argocd/dev"));
        // The Vault token is a secret too.
        assert!(!contains(&logs, &root), "Vault token in the log file");
    })
    .await
    .expect("pty thread");
}

const CANARY_FILE: &str = "canary.f1le-83b2c7.configtoken";
const CANARY_ENV: &str = "canary.3nv-41d9a0.envtoken";
const CANARY_CLI: &str = "canary.cl1-9e77f2.argocdcli";
const CANARY_GIT: &str = "canary.g1t-0c5a18.gittoken";

/// Every file under `dir` but `skip`, by path.
fn files(dir: &Path, skip: &[&Path], out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if skip.iter().any(|s| *s == p) {
            continue;
        }
        if p.is_dir() {
            files(&p, skip, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, b));
        }
    }
}

/// A canary per place a credential can come from — the config file (`token`), the
/// environment (`token_env`, and git's token), the argocd CLI's config (`argocd_context`) —
/// each as a token Argo CD refuses, so every failing path runs. None may appear in the log
/// file, the screen, a crash's output, the command line of Flightdeck or of the git it runs,
/// nor in any file Flightdeck writes (only the config files the user wrote hold them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canaries_from_the_config_the_environment_and_the_argocd_cli_never_leak() {
    let sim = Arc::new(common::calm_sim(4).await);
    let home = tempfile::tempdir().expect("tmp");
    let h = home.path().to_path_buf();
    let urls: Vec<String> = sim.instances().into_iter().map(|i| i.base_url).collect();
    let hostport = urls[2].trim_start_matches("http://").split('/').next().expect("host").to_string();
    // The argocd CLI's config, as `argocd login` leaves it (0600).
    let cli_dir = h.join("argocd");
    std::fs::create_dir_all(&cli_dir).expect("dir");
    let cli = cli_dir.join("config");
    let yaml = format!(
        "contexts:\n- name: simprod\n  server: {hostport}\n  user: simprod\ncurrent-context: simprod\nservers:\n\
         - server: {hostport}\n  plain-text: true\nusers:\n- auth-token: {CANARY_CLI}\n  name: simprod\n"
    );
    std::fs::write(&cli, yaml).expect("write");
    std::fs::set_permissions(&cli, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("chmod");
    let cfg = h.join("flightdeck.toml");
    let text = format!(
        "[[instance]]\nname = \"dev\"\nenv = \"dev\"\nserver = \"{}\"\ntoken = \"{CANARY_FILE}\"\n\n\
         [[instance]]\nname = \"staging\"\nenv = \"staging\"\nserver = \"{}\"\ntoken_env = \"STAGING_TOKEN\"\n\n\
         [[instance]]\nname = \"prod\"\nenv = \"prod\"\nserver = \"{}\"\nargocd_context = \"simprod\"\n\n\
         [gitops]\nremote = \"{}\"\n",
        urls[0],
        urls[1],
        urls[2],
        sim.git_remote()
    );
    flightdeck::config::write_private(&cfg, &text).expect("write");
    // git through a wrapper that notes its command line, then runs the real one.
    let real_git =
        String::from_utf8(std::process::Command::new("sh").args(["-c", "command -v git"]).output().expect("sh").stdout)
            .expect("utf8")
            .trim()
            .to_string();
    let bin = h.join("bin");
    std::fs::create_dir_all(&bin).expect("dir");
    let seen = h.join("git-cmdlines");
    let wrapper = format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{real_git}' \"$@\"\n", seen.display());
    std::fs::write(bin.join("git"), wrapper).expect("write");
    std::fs::set_permissions(bin.join("git"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let cli_dir_s = cli_dir.display().to_string();
    let env: Vec<(&str, &str)> = vec![
        ("PATH", &path),
        ("STAGING_TOKEN", CANARY_ENV),
        ("FLIGHTDECK_GIT_TOKEN", CANARY_GIT),
        ("ARGOCD_CONFIG_DIR", &cli_dir_s),
        ("FLIGHTDECK_LOG", "trace"),
    ];
    let canaries = [CANARY_FILE, CANARY_ENV, CANARY_CLI, CANARY_GIT];
    let (env2, cfg2, h2) =
        (env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>(), cfg.clone(), h.clone());
    let sim2 = sim.clone();
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env2.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut pty = Pty::spawn(&["--config", cfg2.to_str().expect("utf8")], &h2, 100, 30, &env);
        // Every instance refused its token; the ledger's git ran.
        pty.wait_for("the three refusals", |_| (0..3).all(|i| sim2.request_count(i, "/api/v1/applications") > 0));
        pty.wait_for("git run by the ledger", |_| std::fs::metadata(h2.join("git-cmdlines")).is_ok());
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", pty.pid())).expect("cmdline");
        pty.pump();
        let screen = pty.screen();
        pty.send("q");
        pty.wait_exit();
        for c in canaries {
            assert!(!screen.contains(c) && !pty.raw_contains(c.as_bytes()), "{c} on the terminal");
            assert!(!contains(&cmdline, c), "{c} in Flightdeck's command line");
        }
        // A crash prints none of them either.
        let mut crash_env = env.clone();
        crash_env.push(("FLIGHTDECK_TEST_PANIC", "1"));
        crash_env.push(("RUST_BACKTRACE", "full"));
        let mut crash = Pty::spawn(&["--config", cfg2.to_str().expect("utf8")], &h2, 100, 30, &crash_env);
        assert_eq!(crash.wait_exit(), 101, "the deliberate crash");
        for c in canaries {
            assert!(!crash.raw_contains(c.as_bytes()), "{c} in the crash output");
        }
        // Headless commands, each failing on the refused tokens.
        for args in [&["status"][..], &["doctor"][..], &["sync", "x", "--env", "dev"][..]] {
            let out = common::command(&cfg2, &h2, args).envs(env.iter().copied()).output().expect("runs");
            for c in canaries {
                assert!(!contains(&out.stdout, c) && !contains(&out.stderr, c), "{args:?}: {c} printed");
            }
        }
    })
    .await
    .expect("pty thread");
    // git's command lines, as the wrapper saw them.
    let git_lines = std::fs::read(h.join("git-cmdlines")).expect("git ran");
    assert!(contains(&git_lines, "fetch"), "{}", String::from_utf8_lossy(&git_lines));
    // Every file Flightdeck wrote under its home (logs, caches, the trail, the ledger's
    // repository), the log at trace level among them.
    let mut written = Vec::new();
    files(&h, &[cfg.as_path(), cli.as_path(), bin.as_path()], &mut written);
    assert!(written.iter().any(|(p, _)| p.to_string_lossy().contains("flightdeck.log")), "the log was written");
    for c in canaries {
        assert!(!contains(&git_lines, c), "{c} on git's command line");
        for (p, bytes) in &written {
            assert!(!contains(bytes, c), "{c} in {}", p.display());
        }
    }
}
