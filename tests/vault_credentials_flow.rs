//! Credentials end to end: clients built for headless commands (no resolved Vault session) still
//! read a rotated token from Vault once on 401; the re-read reaches the model as
//! `Msg::CredentialChanged` (source, never the secret); a user configured without a password is
//! asked for it on the terminal (masked) before the console starts, and a headless command
//! without a terminal refuses with exit 2 and says what to configure; an argocd context with no
//! token says how to get one with SSO.

mod common;
#[path = "client_support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::pty::Pty;
use flightdeck::app::Msg;
use flightdeck::client::credentials::{clients, Resolved};
use flightdeck::config::{Auth, Config, InstanceConfig, Secret, VaultAuth, VaultRef, VaultSettings};

fn approle(sim: &flightdeck_sim::Sim) -> VaultSettings {
    let (role_id, secret_id) = sim.vault_approle();
    VaultSettings {
        address: sim.vault_addr(),
        auth: VaultAuth::AppRole { mount: "approle".into(), role_id, secret_id: Secret::new(secret_id) },
        ..VaultSettings::default()
    }
}

/// One instance whose token is kept in Vault, currently holding `held` (a stale one).
fn vault_config(sim: &flightdeck_sim::Sim, held: &str) -> Config {
    let inst = support::instance(sim, 0);
    let mut c = InstanceConfig::new(inst.name.clone(), inst.base_url.clone());
    c.vault = Some(VaultRef::parse("secret/argocd/dev#token").expect("ref"));
    c.auth = Auth::Token(Secret::new(held));
    c.auth_source = "token from vault secret/argocd/dev".into();
    Config { instances: vec![c], vault: approle(sim), ..Config::default() }
}

#[tokio::test]
async fn headless_clients_without_a_session_read_the_rotated_token_once_on_401() {
    let sim = support::sim().await;
    let inst = support::instance(&sim, 0);
    // What the command read at start has been rotated since: Vault holds the new token.
    sim.vault_put_secret("secret", "argocd/dev", [("token", inst.token.as_str())]);
    let cfg = vault_config(&sim, "rotated.away.token");
    let client = clients(&cfg, &Resolved::default()).expect("clients").remove(0);
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    client.report_credentials_to(tx);
    assert_eq!(sim.vault_request_count("secret/data/argocd/dev"), 0, "nothing read before a 401");
    let (apps, _) = client.list().await.expect("list after the lazy refetch");
    assert!(!apps.is_empty());
    assert_eq!(sim.vault_request_count("secret/data/argocd/dev"), 1, "read again exactly once");

    // The model hears where the credential came from, and nothing secret.
    let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("in time").expect("a message");
    let Msg::CredentialChanged { instance, source } = msg.clone() else { panic!("unexpected {msg:?}") };
    assert_eq!(instance, 0);
    assert_eq!(source, "token from vault secret/argocd/dev ✓ (read again after a 401)");
    assert!(!format!("{msg:?}").contains(&inst.token));
    let mut model = flightdeck::session::model_from(&cfg);
    assert_eq!(model.instances[0].credential.as_deref(), Some("token from vault secret/argocd/dev"));
    flightdeck::app::update(&mut model, msg, &flightdeck::config::keymap::builtin());
    assert_eq!(model.instances[0].credential.as_deref(), Some(source.as_str()));

    // Vault sealed when the 401 comes: the failed re-read is reported, and the call fails.
    sim.vault_seal(true);
    let again = clients(&vault_config(&sim, "stale.token.value"), &Resolved::default()).expect("clients").remove(0);
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    again.report_credentials_to(tx);
    let e = again.list().await.unwrap_err();
    assert!(e.to_string().contains("sealed"), "{e}");
    let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("in time").expect("a message");
    let expected = "token from vault secret/argocd/dev ✗ (reading it again after a 401 failed)";
    assert!(matches!(&msg, Msg::CredentialChanged { source, .. } if source == expected), "{msg:?}");
}

fn login_config(sim: &flightdeck_sim::Sim, dir: &std::path::Path) -> std::path::PathBuf {
    let inst = support::instance(sim, 0);
    let text = format!(
        "[[instance]]\nname = \"{}\"\nenv = \"{}\"\nserver = \"{}\"\nusername = \"admin\"\n",
        inst.name, inst.env, inst.base_url
    );
    let p = dir.join("login.toml");
    std::fs::write(&p, text).expect("write");
    p
}

#[tokio::test]
async fn headless_without_a_terminal_refuses_to_prompt_with_exit_2() {
    let sim = support::sim().await;
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = login_config(&sim, dir.path());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_flightdeck"))
            .args(["--config", cfg.to_str().expect("utf-8"), "status"])
            .env("HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .stdin(Stdio::null())
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no terminal to ask on") && stderr.contains("password_env"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_asks_for_the_password_masked_before_the_terminal_goes_raw() {
    let sim = support::sim().await;
    let inst = support::instance(&sim, 0);
    let home = tempfile::tempdir().expect("tmp");
    let cfg = login_config(&sim, home.path());
    let prompt = format!("Password for admin@{}: ", inst.name);
    tokio::task::spawn_blocking(move || {
        let mut pty = Pty::spawn(&["--config", cfg.to_str().expect("utf-8")], home.path(), 120, 30, &[]);
        pty.wait_text(prompt.trim_end());
        // Nothing of the console yet: the prompt comes before the alternate screen.
        assert!(!pty.raw_contains(b"\x1b[?1049h"), "the terminal went raw before the prompt");
        // A typo erased with backspace, then the right password.
        pty.send("passwox\x7f\x7fword");
        pty.wait_text("********");
        pty.send("\r");
        pty.wait_for("the console, logged in", |s| s.contains("connect") && s.contains("password typed at the prompt"));
        // The keys were never echoed (the run log says "password typed…", so look for the typo).
        assert!(!pty.raw_contains(b"passwox"), "the password was echoed");
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0, "screen:\n{}", pty.screen());
    })
    .await
    .expect("pty test");
}

#[test]
fn an_argocd_context_without_a_token_says_how_to_log_in_with_sso() {
    let dir = tempfile::tempdir().expect("tmp");
    let cli = dir.path().join("argocd.yaml");
    std::fs::write(
        &cli,
        "contexts:\n- name: sso\n  server: argocd.example.com\n  user: sso\ncurrent-context: sso\nservers:\n- server: argocd.example.com\nusers:\n- name: sso\n  refresh-token: only-a-refresh-token\n",
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cli, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let o = flightdeck::config::Overrides { argocd_config: Some(cli), ..Default::default() };
    let none = |_: &str| None;
    let c = flightdeck::config::load_from(&o, &none, None).expect("loads");
    let src = &c.instances[0].auth_source;
    assert!(src.contains("argocd login argocd.example.com --sso") && src.contains("picks the token up"), "{src}");
    assert!(!src.contains("only-a-refresh-token"));
}
