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
