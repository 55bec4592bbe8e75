//! `flightdeck doctor` (the real binary) on each broken setup in `tests/fixtures/doctor/`,
//! against the simulator's Argo CD and Vault: the right row fails with the right advice, and
//! the exit code is 0 only when everything is well. The Vault rows against both the simulated
//! Vault and OpenBao (all well, policy denied, sealed) are in `vault_doctor.rs`.

#[path = "client_support/mod.rs"]
mod support;
mod vault_support;

use flightdeck_sim::Sim;
use vault_support::doctor::{doctor, fixture, text};

/// Fill a fixture with the simulator's Argo CD (instance 0) and Vault.
fn config_for(sim: &Sim, name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    vault_support::doctor::config_for(&support::instance(sim, 0).base_url, &sim.vault_addr(), name)
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
