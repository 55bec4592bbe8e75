//! The Vault client against the simulator's Vault: token sources (VAULT_TOKEN, a token file
//! with a trailing newline, AppRole, Kubernetes), renewal, re-login on an expired token, sealed
//! Vault, 403 policy denial vs bad token, the redirect that must not carry the token, and the
//! Argo CD 401 → fetch again from Vault → retry once path.

#[path = "client_support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;

use flightdeck::client::credentials::{clients, resolve};
use flightdeck::client::vault::VaultSession;
use flightdeck::client::vault_error::VaultError;
use flightdeck::config::{Config, InstanceConfig, Secret, VaultAuth, VaultRef, VaultSettings};
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
async fn reads_a_secret_with_vault_token_and_sends_the_namespace() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/prod", [("token", "argo-token-1")]);
    let root = sim.vault_root_token();
    let mut s = settings(&sim, VaultAuth::Token);
    s.namespace = Some("team-a/".into());
    let v = VaultSession::connect(&s, &env_of(&[("VAULT_TOKEN", &root)])).await.expect("connect");
    assert_eq!(v.token_source(), "VAULT_TOKEN");
    assert_eq!(v.read(&reference("secret/argocd/prod#token")).await.expect("read").expose(), "argo-token-1");
    assert_eq!(sim.vault_last_namespace().as_deref(), Some("team-a/"));
    let missing = v.read(&reference("secret/argocd/prod#nokey")).await.unwrap_err();
    assert!(matches!(missing, VaultError::KeyMissing { .. }), "{missing:?}");
    let nothing = v.read(&reference("secret/argocd/none#token")).await.unwrap_err();
    assert!(matches!(nothing, VaultError::NotFound { .. }), "{nothing:?}");
}

#[tokio::test]
async fn vault_token_file_with_a_trailing_newline_works() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/dev", [("token", "t-dev")]);
    let home = tempfile::tempdir().expect("tmp");
    let file = home.path().join(".vault-token");
    std::fs::write(&file, format!("{}\n", sim.vault_root_token())).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let h = home.path().to_string_lossy().into_owned();
    let v = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[("HOME", &h)])).await.expect("connect");
    assert!(v.token_source().ends_with(".vault-token"));
    assert_eq!(v.read(&reference("secret/argocd/dev")).await.expect("read").expose(), "t-dev");
    // A token with an embedded control character is refused before it reaches a header.
    let bad = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[("VAULT_TOKEN", "a\u{7f}b")])).await;
    assert!(matches!(bad, Err(VaultError::BadToken(_))), "{bad:?}");
    let none = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[])).await;
    assert!(matches!(none, Err(VaultError::NoToken)));
}

#[tokio::test]
async fn sealed_vault_policy_denial_and_bad_token_are_told_apart() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/prod", [("token", "x")]);
    sim.vault_put_secret("secret", "other/thing", [("token", "y")]);
    let narrow = sim.vault_create_token(&["secret/data/argocd/"], 3600, true);
    let v = VaultSession::connect(&settings(&sim, VaultAuth::Token), &env_of(&[("VAULT_TOKEN", &narrow)]))
        .await
        .expect("connect");
    assert!(v.read(&reference("secret/argocd/prod")).await.is_ok());
    let denied = v.read(&reference("secret/other/thing")).await.unwrap_err();
    assert!(matches!(denied, VaultError::PolicyDenied { .. }), "{denied:?}");
    assert!(denied.hint().contains("policy"));
    sim.vault_seal(true);
    assert_eq!(v.read(&reference("secret/argocd/prod")).await.unwrap_err(), VaultError::Sealed);
    assert!(matches!(v.health().await, Err(VaultError::Sealed)));
    sim.vault_seal(false);
    assert!(!v.health().await.expect("health").sealed);
    sim.vault_expire_token(&narrow);
    let expired = v.read(&reference("secret/argocd/prod")).await.unwrap_err();
    assert!(matches!(expired, VaultError::InvalidToken { .. }), "{expired:?}");
    assert!(expired.hint().contains("vault login"));
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
async fn approle_login_renews_and_relogs_after_expiry() {
    let sim = support::sim().await;
    sim.vault_put_secret("secret", "argocd/prod", [("token", "p")]);
    let (role_id, secret_id) = sim.vault_approle();
    let auth = VaultAuth::AppRole { mount: "approle".into(), role_id, secret_id: Secret::new(secret_id) };
    let v = VaultSession::connect(&settings(&sim, auth), &env_of(&[])).await.expect("login");
    assert_eq!(v.token_source(), "approle login (approle)");
    assert_eq!(sim.vault_request_count("auth/approle/login"), 1);
    // Renewal: a forced renew asks Vault and the token lives on.
    assert!(v.renew_if_due(true).await.expect("renew"));
    assert_eq!(sim.vault_request_count("auth/token/renew-self"), 1);
    let status = v.lookup().await.expect("lookup");
    assert!(status.renewable && status.ttl_secs > 3000, "{status:?}");
    // Not due yet: nothing is sent.
    assert!(!v.renew_if_due(false).await.expect("not due"));
    assert_eq!(sim.vault_request_count("auth/token/renew-self"), 1);
    // Expired login token: the read logs in again once and succeeds.
    let bad = VaultAuth::AppRole { mount: "approle".into(), role_id: "nope".into(), secret_id: Secret::new("nope") };
    assert!(VaultSession::connect(&settings(&sim, bad), &env_of(&[])).await.is_err());
    assert!(v.lookup().await.expect("lookup").ttl_secs > 0);
    sim.vault_expire_logins();
    assert_eq!(v.read(&reference("secret/argocd/prod")).await.expect("read after re-login").expose(), "p");
    assert_eq!(sim.vault_request_count("auth/approle/login"), 3);
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
async fn argo_401_fetches_the_token_again_once_and_retries_once() {
    let sim = support::sim().await;
    let inst = support::instance(&sim, 0);
    // Vault first holds a stale token; it is rotated after the client was built.
    sim.vault_put_secret("secret", "argocd/dev", [("token", "stale.token.value")]);
    let mut c = InstanceConfig::new(inst.name.clone(), inst.base_url.clone());
    c.vault = Some(reference("secret/argocd/dev#token"));
    c.auth_source = "token from vault secret/argocd/dev".into();
    let mut cfg = Config { instances: vec![c], ..Config::default() };
    cfg.vault = settings(&sim, VaultAuth::Token);
    let root = sim.vault_root_token();
    let resolved = resolve(&mut cfg, &env_of(&[("VAULT_TOKEN", &root)])).await.expect("resolve");
    assert_eq!(resolved.log, vec![format!("{}: token from vault secret/argocd/dev ✓", inst.name)]);
    let client = clients(&cfg, &resolved).expect("clients").remove(0);
    assert_eq!(sim.vault_request_count("secret/data/argocd/dev"), 1);
    sim.vault_put_secret("secret", "argocd/dev", [("token", inst.token.as_str())]);
    let (apps, _) = client.list().await.expect("list after refetch");
    assert!(!apps.is_empty());
    assert_eq!(sim.vault_request_count("secret/data/argocd/dev"), 2, "fetched again exactly once");
    // Still bad after the refetch: one retry only, then the 401 is reported.
    sim.vault_put_secret("secret", "argocd/dev", [("token", "still.stale.value")]);
    let fresh = clients(&cfg, &resolved).expect("clients").remove(0);
    let e = fresh.list().await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(sim.vault_request_count("secret/data/argocd/dev"), 3);
    let _ = Arc::strong_count(resolved.vault.as_ref().expect("session"));
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
