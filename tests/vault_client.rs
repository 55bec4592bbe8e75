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

/// A server on an ephemeral port that reads one request and answers `reply` (`None`: never
/// answers, holding the connection); its request line comes back on the channel.
async fn one_request(reply: Option<&'static str>) -> (String, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.expect("accept");
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.expect("read");
            assert!(n > 0, "the client hung up mid-request");
            head.extend_from_slice(&buf[..n]);
        }
        let line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_string();
        tx.send(line).ok();
        match reply {
            Some(body) => {
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                sock.write_all(resp.as_bytes()).await.expect("write");
            }
            // Hold the connection until the client gives up.
            None => while sock.read(&mut buf).await.is_ok_and(|n| n > 0) {},
        }
    });
    (addr, rx)
}

#[tokio::test]
async fn a_vault_behind_a_path_is_asked_under_that_path() {
    let body = r#"{"initialized":true,"sealed":false,"standby":false,"version":"2.7.2"}"#;
    let (addr, line) = one_request(Some(body)).await;
    let s = VaultSettings { address: format!("{addr}/vault/"), ..VaultSettings::default() };
    let h = flightdeck::client::vault::health_only(&s).await.expect("health");
    assert_eq!(h.version, "2.7.2");
    // As Vault's CLI joins VAULT_ADDR's path and `/v1/…` (vaultrs alone would ask /v1/vault/…).
    let line = line.await.expect("request line");
    assert!(line.starts_with("GET /vault/v1/sys/health"), "{line}");
}

#[tokio::test]
async fn a_vault_that_never_answers_times_out() {
    let (addr, line) = one_request(None).await;
    let s = VaultSettings { address: addr, timeout: std::time::Duration::from_millis(300), ..VaultSettings::default() };
    let e = flightdeck::client::vault::health_only(&s).await.unwrap_err();
    assert_eq!(e, VaultError::Unreachable("timed out".into()));
    assert!(line.await.expect("request line").starts_with("GET /v1/sys/health"));
}
