//! The promotion's and the ledger's git runners get the HTTPS token of `[gitops]
//! https_token_vault`: every client built by `credentials::clients` carries the git credential,
//! `PromoteSettings::for_client` reads the token from the simulator's Vault and its runner
//! hands it to the git child through `GIT_ASKPASS` + `FLIGHTDECK_GIT_TOKEN`, as does
//! `LedgerPaths::with_git_auth`. A stand-in git program records what a real git would see.
//! Without the key, git gets nothing extra (the user's SSH agent and git config).

#[path = "client_support/mod.rs"]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use flightdeck::client::credentials::{clients, Resolved};
use flightdeck::client::engine::embedded::LedgerPaths;
use flightdeck::client::git::credentials::{TOKEN_VAR, USERNAME_VAR};
use flightdeck::client::git::promote::PromoteSettings;
use flightdeck::client::git::Git;
use flightdeck::config::credentials::GitCredentials;
use flightdeck::config::{Auth, Config, Secret, VaultAuth, VaultRef, VaultSettings};

const CANARY: &str = "ghs_promote-canary-7d1c";

/// A "git" that writes the credential variables it was started with to `<itself>.env`.
fn recording_git(dir: &Path) -> std::path::PathBuf {
    let script = dir.join("fake-git");
    let body = format!(
        "#!/bin/sh\nprintf '%s\\n%s\\n%s\\n' \"$GIT_ASKPASS\" \"${TOKEN_VAR}\" \"${USERNAME_VAR}\" > \"$0.env\"\n"
    );
    std::fs::write(&script, body).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn seen(script: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(script.with_extension("env")).unwrap();
    text.lines().map(str::to_string).collect()
}

fn config(sim: &flightdeck_sim::Sim, git: GitCredentials) -> Config {
    let inst = support::instance(sim, 0);
    let (role_id, secret_id) = sim.vault_approle();
    Config {
        instances: vec![support::config(&inst, Auth::Token(Secret::new(inst.token.clone())))],
        vault: VaultSettings {
            address: sim.vault_addr(),
            auth: VaultAuth::AppRole { mount: "approle".into(), role_id, secret_id: Secret::new(secret_id) },
            ..VaultSettings::default()
        },
        git,
        ..Config::default()
    }
}

#[tokio::test]
async fn the_promotion_and_ledger_git_get_the_vault_token_through_askpass() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "git/github", [("token", CANARY)]);
    let git = GitCredentials {
        https_token_vault: VaultRef::parse("secret/git/github#token").ok(),
        https_username: Some("deploy-bot".into()),
    };
    let list = clients(&config(&sim, git), &Resolved::default()).expect("clients");
    let auth = list[0].git_auth().expect("the client carries the git credential");
    assert!(!format!("{auth:?}").contains(CANARY), "Debug shows the source, not the token");

    let dir = tempfile::tempdir().unwrap();
    let script = recording_git(dir.path());
    let settings = PromoteSettings::for_client(&list[0]).await.expect("token read from Vault");
    let settings = PromoteSettings { git: Some(Git::new().with_program(&script)), ..settings };
    settings.runner().run(dir.path(), &["push"]).expect("stand-in git runs");
    let env = seen(&script);
    let exe = std::env::current_exe().unwrap();
    assert_eq!(env, [exe.display().to_string(), CANARY.to_string(), "deploy-bot".to_string()]);
    assert!(!format!("{:?}", settings.runner()).contains(CANARY), "the runner's Debug is redacted");

    let paths = LedgerPaths::default().with_git_auth(list[0].git_auth()).await.expect("token read");
    Git::new().with_program(&script).with_env(paths.git_env.clone()).run(dir.path(), &["fetch"]).unwrap();
    assert_eq!(seen(&script)[1], CANARY, "the ledger's git gets the same token");
    sim.shutdown().await;
}

#[tokio::test]
async fn without_a_git_token_git_keeps_the_users_own_setup() {
    let sim = support::sim().await;
    let list = clients(&config(&sim, GitCredentials::default()), &Resolved::default()).expect("clients");
    assert!(list[0].git_auth().is_none());
    let dir = tempfile::tempdir().unwrap();
    let script = recording_git(dir.path());
    let settings = PromoteSettings::for_client(&list[0]).await.expect("nothing to read");
    assert!(settings.git_env.is_empty());
    let settings = PromoteSettings { git: Some(Git::new().with_program(&script)), ..settings };
    settings.runner().run(dir.path(), &["push"]).unwrap();
    // Nothing of ours: GIT_ASKPASS as the test process has it (normally unset), no token.
    assert_eq!(seen(&script)[1], "");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_missing_git_token_fails_the_promotion_with_advice() {
    let sim = support::sim().await;
    let git =
        GitCredentials { https_token_vault: VaultRef::parse("secret/git/nowhere#token").ok(), ..Default::default() };
    let list = clients(&config(&sim, git), &Resolved::default()).expect("clients");
    let err = PromoteSettings::for_client(&list[0]).await.expect_err("no such secret");
    assert!(err.message.contains("vault secret/git/nowhere#token"), "{err:?}");
    assert!(err.hint.as_deref().is_some_and(|h| h.contains("doctor")), "{err:?}");
    sim.shutdown().await;
}
