//! `flightdeck doctor` (the real binary) on each broken setup in `tests/fixtures/doctor/`,
//! against the simulator's Argo CD and Vault: the right row fails with the right advice, and
//! the exit code is 0 only when everything is well.

#[path = "client_support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use flightdeck_sim::Sim;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doctor").join(name)
}

/// Fill `{SERVER}`/`{VAULT}` of a fixture into a temp dir; returns (dir, config path).
fn config_for(sim: &Sim, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    let server = support::instance(sim, 0).base_url;
    let text = text.replace("{SERVER}", &server).replace("{VAULT}", &sim.vault_addr());
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

/// Run `flightdeck doctor --config <cfg>` with a clean environment under `home`.
async fn doctor(home: &Path, cfg: &Path, vault_token: Option<&str>) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    cmd.arg("doctor").arg("--config").arg(cfg).env_clear().env("HOME", home).env("FLIGHTDECK_LOG", "trace");
    cmd.env("XDG_STATE_HOME", home.join("state")).env("XDG_CONFIG_HOME", home.join("config"));
    if let Some(t) = vault_token {
        cmd.env("VAULT_TOKEN", t);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output());
    tokio::time::timeout(support::SAFETY, out).await.expect("doctor finishes").expect("join").expect("runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn all_well_exits_zero_and_names_the_vault_source() {
    let sim = support::sim().await;
    let inst = support::instance(&sim, 0);
    sim.vault_put_secret("secret", "argocd/dev", [("token", inst.token.as_str())]);
    let (dir, cfg) = config_for(&sim, "vault.toml");
    let out = doctor(dir.path(), &cfg, Some(&sim.vault_root_token())).await;
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("token from vault secret/argocd/dev"), "{t}");
    assert!(t.contains("unsealed"), "{t}");
    assert!(t.contains("from VAULT_TOKEN"), "{t}");
    assert!(t.contains("dev who") && t.contains("admin"), "{t}");
    assert!(t.contains("sync ✓"), "{t}");
    assert!(!t.contains(&inst.token), "the Argo CD token was printed");
}

#[tokio::test]
async fn sealed_vault_says_unseal() {
    let sim = support::sim().await;
    sim.vault_seal(true);
    let (dir, cfg) = config_for(&sim, "vault.toml");
    let out = doctor(dir.path(), &cfg, Some(&sim.vault_root_token())).await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("sealed") && t.contains("vault operator unseal"), "{t}");
}

#[tokio::test]
async fn policy_denied_says_which_policy_is_missing() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/dev", [("token", "x.y.z")]);
    let narrow = sim.vault_create_token(&["secret/data/other/"], 3600, true);
    let (dir, cfg) = config_for(&sim, "vault.toml");
    let out = doctor(dir.path(), &cfg, Some(&narrow)).await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("permission denied") && t.contains("policy granting read on secret/data/argocd/dev"), "{t}");
}

#[tokio::test]
async fn no_vault_token_says_vault_login() {
    let sim = support::sim().await;
    let (dir, cfg) = config_for(&sim, "vault.toml");
    let out = doctor(dir.path(), &cfg, None).await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("no Vault token") && t.contains("vault login"), "{t}");
}

#[tokio::test]
async fn a_rejected_argo_token_says_how_to_get_a_new_one() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/dev", [("token", "stale.token.value")]);
    let (dir, cfg) = config_for(&sim, "vault.toml");
    let out = doctor(dir.path(), &cfg, Some(&sim.vault_root_token())).await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("generate-token") && t.contains("--sso"), "{t}");
}

#[tokio::test]
async fn bad_config_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = doctor(dir.path(), &fixture("bad.toml"), None).await;
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("bad.toml:4"), "{t}");
}

#[tokio::test]
async fn unreachable_instance_is_reported() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = doctor(dir.path(), &fixture("unreachable.toml"), None).await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("dev reachable") && t.contains("FAIL"), "{t}");
}
