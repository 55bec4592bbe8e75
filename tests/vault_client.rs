//! The Vault client against what only the simulator's Vault can do: the namespace header it
//! records, the redirect trap that must never see the token, Kubernetes login, renewal
//! counted per request and a TTL set from outside. What both the simulator and OpenBao can
//! do is in `vault_backends.rs`.

#[path = "client_support/mod.rs"]
mod support;

use std::collections::HashMap;

use flightdeck::client::vault::error::VaultError;
use flightdeck::client::vault::VaultSession;
use flightdeck::config::{Secret, VaultAuth, VaultRef, VaultSettings};
use flightdeck_sim::Sim;

fn settings(sim: &Sim, auth: VaultAuth) -> VaultSettings {
    VaultSettings { address: sim.vault_addr(), auth, ..VaultSettings::default() }
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k: &str| m.get(k).cloned()
}

fn reference(s: &str) -> VaultRef {
    VaultRef::parse(s).expect("reference")
}

#[tokio::test]
async fn sends_the_namespace() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/prod", [("token", "argo-token-1")]);
    let root = sim.vault_root_token();
    let mut s = settings(&sim, VaultAuth::Token);
    s.namespace = Some("team-a/".into());
    let v = VaultSession::connect(&s, &env_of(&[("VAULT_TOKEN", &root)])).await.expect("connect");
    assert_eq!(v.read(&reference("secret/argocd/prod#token")).await.expect("read").expose(), "argo-token-1");
    assert_eq!(sim.vault_last_namespace().as_deref(), Some("team-a/"));
}

#[tokio::test]
async fn a_token_with_control_characters_or_none_is_refused() {
    let sim = support::sim().await;
    // A token with an embedded control character is refused before it reaches a header.
    let bad = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[("VAULT_TOKEN", "a\u{7f}b")])).await;
    assert!(matches!(bad, Err(VaultError::BadToken(_))), "{bad:?}");
    let none = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[])).await;
    assert!(matches!(none, Err(VaultError::NoToken)));
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_token_never_reaches_the_other_host() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/prod", [("token", "x")]);
    let root = sim.vault_root_token();
    let v = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[("VAULT_TOKEN", &root)]))
        .await
        .expect("connect");
    sim.vault_redirect_next();
    let e = v.read(&reference("secret/argocd/prod")).await.unwrap_err();
    assert_eq!(e, VaultError::Redirect { code: 307 });
    assert!(sim.vault_trap_tokens().is_empty(), "the token followed the redirect");
    assert_eq!(sim.vault_request_count("sys/trap"), 0);
}

#[tokio::test]
async fn a_forced_renewal_asks_once_and_one_not_due_asks_nothing() {
    let sim = support::sim().await;
    let (role_id, secret_id) = sim.vault_approle();
    let auth = VaultAuth::AppRole { mount: "approle".into(), role_id, secret_id: Secret::new(secret_id) };
    let v = VaultSession::connect(&settings(&sim, auth), &env_of(&[])).await.expect("login");
    assert_eq!(sim.vault_request_count("auth/approle/login"), 1);
    assert!(v.renew_if_due(true).await.expect("renew"));
    assert_eq!(sim.vault_request_count("auth/token/renew-self"), 1);
    let status = v.lookup().await.expect("lookup");
    assert!(status.renewable && status.ttl_secs > 3000, "{status:?}");
    assert!(!v.renew_if_due(false).await.expect("not due"));
    assert_eq!(sim.vault_request_count("auth/token/renew-self"), 1);
}

#[tokio::test]
async fn kubernetes_login_reads_the_service_account_jwt() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/staging", [("token", "k")]);
    let (role, jwt) = sim.vault_kubernetes();
    let dir = tempfile::tempdir().expect("tmp");
    let jwt_file = dir.path().join("token");
    std::fs::write(&jwt_file, format!("{jwt}\n")).expect("write");
    let auth = VaultAuth::Kubernetes { mount: "kubernetes".into(), role, jwt_file };
    let v = VaultSession::connect(&settings(&sim, auth), &env_of(&[])).await.expect("login");
    assert!(v.token_source().starts_with("kubernetes login"));
    assert_eq!(v.read(&reference("secret/argocd/staging")).await.expect("read").expose(), "k");
}

#[tokio::test]
async fn a_token_near_expiry_is_renewed_before_it_expires() {
    let sim = support::sim().await;
    let token = sim.vault_create_token(&["secret/data/"], 3600, true);
    // 600 s left of 3600: past 2/3 of its life, so renewal is due at once.
    sim.vault_set_token_ttl(&token, 600);
    let v = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[("VAULT_TOKEN", &token)]))
        .await
        .expect("connect");
    assert!(v.renew_if_due(false).await.expect("renew"));
    let left = sim.vault_token_ttl(&token).expect("ttl");
    assert!(left > 3000, "renewed to its full TTL, got {left}");
    // A non-renewable token is never sent to renew-self.
    let fixed = sim.vault_create_token(&["secret/data/"], 600, false);
    let w = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[("VAULT_TOKEN", &fixed)]))
        .await
        .expect("connect");
    let before = sim.vault_request_count("auth/token/renew-self");
    assert!(!w.renew_if_due(true).await.expect("nothing to do"));
    assert_eq!(sim.vault_request_count("auth/token/renew-self"), before);
}
