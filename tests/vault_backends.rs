//! Every Vault scenario twice: against the simulator's Vault and against a real OpenBao
//! (`bao server -dev`, skipped with one line where `bao` is missing). Token sources
//! (`VAULT_TOKEN`, `~/.vault-token`), AppRole with a secret-id file, KV v2 versions, renewal
//! of a short-lived token, policy denial vs bad token vs sealed, and Argo CD's 401 → read the
//! rotated token again once → retry once. `doctor` runs in `vault_doctor.rs`.

mod vault_support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use flightdeck::client::credentials::{clients, resolve};
use flightdeck::client::vault::error::VaultError;
use flightdeck::client::vault::VaultSession;
use flightdeck::config::{Config, InstanceConfig, Overrides, VaultAuth, VaultRef};
use vault_support::World;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k: &str| m.get(k).cloned()
}

fn reference(s: &str) -> VaultRef {
    VaultRef::parse(s).expect("reference")
}

fn private_file(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

both!(token_sources, approle_with_a_secret_id_file, kv_versions, renewal_with_a_short_ttl);
both!(denial_seal_and_bad_token_are_told_apart, argo_401_reads_the_rotated_token_once);

async fn token_sources(w: World) {
    w.put("argocd/prod", &[("token", "argo-token-1")]).await;
    let root = w.root();
    let v = VaultSession::connect(&w.settings(VaultAuth::Token), &env_of(&[("VAULT_TOKEN", &root)]))
        .await
        .expect("connect");
    assert_eq!(v.token_source(), "VAULT_TOKEN");
    assert_eq!(v.read(&reference("secret/argocd/prod#token")).await.expect("read").expose(), "argo-token-1");
    let missing = v.read(&reference("secret/argocd/prod#nokey")).await.unwrap_err();
    assert!(matches!(missing, VaultError::KeyMissing { .. }), "{}: {missing:?}", w.name());
    let nothing = v.read(&reference("secret/argocd/none#token")).await.unwrap_err();
    assert!(matches!(nothing, VaultError::NotFound { .. }), "{}: {nothing:?}", w.name());
    // The root token never expires and is not renewable.
    let status = v.lookup().await.expect("lookup");
    assert!(status.ttl_secs == 0 && !status.renewable, "{}: {status:?}", w.name());
    // ~/.vault-token as Vault's CLI writes it, with a trailing newline.
    let home = tempfile::tempdir().expect("tmp");
    private_file(&home.path().join(".vault-token"), &format!("{root}\n"));
    let h = home.path().to_string_lossy().into_owned();
    let f = VaultSession::connect(&w.settings(VaultAuth::Token), &env_of(&[("HOME", &h)])).await.expect("connect");
    assert!(f.token_source().ends_with(".vault-token"));
    assert_eq!(f.read(&reference("secret/argocd/prod")).await.expect("read").expose(), "argo-token-1");
}

async fn approle_with_a_secret_id_file(w: World) {
    w.put("argocd/prod", &[("token", "p")]).await;
    let (role_id, secret_id) = w.approle().await;
    let dir = tempfile::tempdir().expect("tmp");
    private_file(&dir.path().join("secret-id"), &format!("{secret_id}\n"));
    let text = format!(
        "[vault]\naddress = \"{}\"\nauth = \"approle\"\nrole_id = \"{role_id}\"\nsecret_id_file = \"secret-id\"\n\n\
         [[instance]]\nname = \"dev\"\nserver = \"{}\"\nvault = \"secret/argocd/prod#token\"\n",
        w.addr(),
        w.sim.instances()[0].base_url,
    );
    let path = dir.path().join("flightdeck.toml");
    private_file(&path, &text);
    let o = Overrides { config_file: Some(path), ..Default::default() };
    let none = |_: &str| None;
    let cfg = flightdeck::config::load_from(&o, &none, None).expect("config loads");
    let v = VaultSession::connect(&cfg.vault, &none).await.expect("login");
    assert_eq!(v.token_source(), "approle login (approle)");
    let status = v.lookup().await.expect("lookup");
    assert!(status.renewable && status.ttl_secs > 3000, "{}: {status:?}", w.name());
    assert!(status.policies.iter().any(|p| p == "argocd-read"), "{}: {status:?}", w.name());
    assert_eq!(v.read(&reference("secret/argocd/prod")).await.expect("read").expose(), "p");
    // A wrong secret id is refused at login.
    let bad =
        VaultAuth::AppRole { mount: "approle".into(), role_id, secret_id: flightdeck::config::Secret::new("nope") };
    assert!(VaultSession::connect(&w.settings(bad), &none).await.is_err());
    // The login's token ends (expired or revoked): the next read logs in again, once.
    let logins = w.requests("auth/approle/login");
    w.end_logins().await;
    assert_eq!(v.read(&reference("secret/argocd/prod")).await.expect("read after re-login").expose(), "p");
    assert_eq!(w.requests("auth/approle/login"), logins + 1, "{}: one new login", w.name());
}

async fn kv_versions(w: World) {
    w.put("argocd/dev", &[("token", "first")]).await;
    w.put("argocd/dev", &[("token", "second")]).await;
    let s = w.approle_settings().await;
    let v = VaultSession::connect(&s, &env_of(&[])).await.expect("login");
    let r = reference("secret/argocd/dev#token");
    let newest = v.read_version(&r, None).await.expect("newest");
    assert_eq!((newest.value.expose(), newest.version), ("second", 2));
    let first = v.read_version(&r, Some(1)).await.expect("version 1");
    assert_eq!((first.value.expose(), first.version), ("first", 1));
    let gone = v.read_version(&r, Some(9)).await.unwrap_err();
    assert_eq!(gone, VaultError::NotFound { path: "secret/argocd/dev".into() }, "{}", w.name());
}

async fn renewal_with_a_short_ttl(w: World) {
    w.put("argocd/dev", &[("token", "t")]).await;
    let token = w.token(&["secret/data/"], 3, true).await;
    let v = std::sync::Arc::new(
        VaultSession::connect(&w.settings(VaultAuth::Token), &env_of(&[("VAULT_TOKEN", &token)]))
            .await
            .expect("connect"),
    );
    let expires = Instant::now() + Duration::from_secs(3);
    let keeper = tokio::spawn(v.clone().keep_alive());
    // Renewal is due at 2/3 of the TTL: the TTL Vault reports goes back up before it runs out.
    let mut last = v.lookup().await.expect("lookup").ttl_secs;
    loop {
        assert!(Instant::now() < expires + Duration::from_secs(10), "{}: never renewed", w.name());
        let ttl = v.lookup().await.expect("the token must stay valid").ttl_secs;
        if ttl > last {
            break;
        }
        last = ttl;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Renewed in time: past the first TTL the token still answers (a late renewal would
    // find it expired). Measured on the server, not on this loop's clock, which a loaded
    // machine slows.
    while Instant::now() < expires + Duration::from_millis(500) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(v.lookup().await.is_ok(), "{}: renewed only after expiry", w.name());
    assert_eq!(v.read(&reference("secret/argocd/dev")).await.expect("read").expose(), "t");
    keeper.abort();
}

async fn denial_seal_and_bad_token_are_told_apart(w: World) {
    w.put("argocd/prod", &[("token", "x")]).await;
    w.put("other/thing", &[("token", "y")]).await;
    let narrow = w.token(&["secret/data/argocd/"], 3600, true).await;
    let v = VaultSession::connect(&w.settings(VaultAuth::Token), &env_of(&[("VAULT_TOKEN", &narrow)]))
        .await
        .expect("connect");
    assert!(v.read(&reference("secret/argocd/prod")).await.is_ok());
    let denied = v.read(&reference("secret/other/thing")).await.unwrap_err();
    assert!(matches!(denied, VaultError::PolicyDenied { .. }), "{}: {denied:?}", w.name());
    assert!(denied.hint().contains("policy"));
    let bad =
        VaultSession::connect(&w.settings(VaultAuth::Token), &env_of(&[("VAULT_TOKEN", "hvs.not-a-token")])).await;
    assert!(matches!(bad, Err(VaultError::InvalidToken { .. })), "{}: {bad:?}", w.name());
    assert!(!v.health().await.expect("health").sealed);
    w.seal().await;
    assert_eq!(v.read(&reference("secret/argocd/prod")).await.unwrap_err(), VaultError::Sealed, "{}", w.name());
    assert_eq!(v.health().await.unwrap_err(), VaultError::Sealed, "{}", w.name());
}

async fn argo_401_reads_the_rotated_token_once(w: World) {
    let inst = w.sim.instances().into_iter().next().expect("instance");
    // Vault first holds a stale token; it is rotated after the client was built.
    w.put("argocd/dev", &[("token", "stale.token.value")]).await;
    let mut c = InstanceConfig::new(inst.name.clone(), inst.base_url.clone());
    c.vault = Some(reference("secret/argocd/dev#token"));
    c.auth_source = "token from vault secret/argocd/dev".into();
    let mut cfg = Config { instances: vec![c], vault: w.settings(VaultAuth::Token), ..Config::default() };
    let root = w.root();
    let resolved = resolve(&mut cfg, &env_of(&[("VAULT_TOKEN", &root)])).await.expect("resolve");
    assert_eq!(resolved.log, vec![format!("{}: token from vault secret/argocd/dev ✓", inst.name)]);
    let reads = || w.requests("secret/data/argocd/dev");
    assert_eq!(reads(), 1);
    let client = clients(&cfg, &resolved).expect("clients").remove(0);
    w.put("argocd/dev", &[("token", inst.token.as_str())]).await;
    let (apps, _) = client.list().await.expect("list after the re-read");
    assert!(!apps.is_empty());
    assert_eq!(reads(), 2, "{}: read again exactly once", w.name());
    // Still bad after the re-read: one retry only, then the 401 is reported.
    w.put("argocd/dev", &[("token", "still.stale.value")]).await;
    let fresh = clients(&cfg, &resolved).expect("clients").remove(0);
    assert_eq!(fresh.list().await.unwrap_err().status(), Some(401));
    assert_eq!(reads(), 3, "{}", w.name());
}
