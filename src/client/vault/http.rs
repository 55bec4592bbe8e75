//! vaultrs's `VaultClient` with our HTTP client inside, hardened per
//! `shared/reference/BACKENDS-NOTES.md`: vaultrs's own reqwest (0.13) client is replaced by one
//! that never follows redirects (vaultrs's would carry `X-Vault-Token` to another host) and has
//! timeouts (vaultrs has none). Every setting is given explicitly, so vaultrs reads no `VAULT_*`
//! variable itself (its `VAULT_SKIP_VERIFY` parsing disables verification on an empty value).
//! The only place reqwest appears under `vault/`: every request goes through vaultrs.

use std::time::Duration;

use vaultrs::client::{Client, VaultClient, VaultClientSettingsBuilder};

use super::error::VaultError;
use crate::config::{Secret, VaultSettings};

/// Connecting must not eat the whole request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The token-less client a session starts from: health and logins use it as is, every token
/// gets a copy (`with_token`).
pub(super) fn build(s: &VaultSettings) -> Result<VaultClient, VaultError> {
    // vaultrs's address setter panics on a bad URL, its middleware on a bad header value.
    let url = url::Url::parse(&s.address).map_err(|e| VaultError::Config(format!("bad Vault address: {e}")))?;
    if s.namespace.as_deref().is_some_and(|ns| ns.chars().any(char::is_control)) {
        return Err(VaultError::Config("bad Vault namespace".into()));
    }
    let mut b = VaultClientSettingsBuilder::default();
    b.address(&s.address).token("").verify(!s.skip_verify).ca_certs(Vec::new()).identity(None).timeout(Some(s.timeout));
    if let Some(ns) = &s.namespace {
        b.set_namespace(ns.clone());
    }
    let settings = b.build().map_err(|e| VaultError::Config(format!("Vault settings: {e}")))?;
    let mut client = VaultClient::new(settings).map_err(|e| VaultError::Config(format!("Vault client: {e}")))?;
    // A Vault behind a path (`https://proxy/vault`) is asked `/vault/v1/…`, as Vault's CLI
    // joins them; vaultrs's middleware would put its `v1` in front of the whole path, so the
    // path goes into that `v1` and the client's base is the bare origin.
    let prefix = url.path().trim_matches('/');
    let mut base = url.clone();
    if !prefix.is_empty() {
        client.middle.version = format!("{prefix}/{}", client.middle.version);
        base.set_path("");
    }
    client.http = rustify::clients::reqwest::Client::new(base.as_str(), hardened(s)?);
    Ok(client)
}

/// A copy of `base` that sends `token` (already checked: vaultrs panics on a header value
/// with control characters). Cheap: the HTTP client inside is shared.
pub(super) fn with_token(base: &VaultClient, token: &Secret) -> VaultClient {
    let mut c = VaultClient {
        http: rustify::clients::reqwest::Client::new(&base.http.base, base.http.http.clone()),
        middle: base.middle.clone(),
        settings: base.settings.clone(),
    };
    c.set_token(token.expose());
    c
}

/// No redirects, timeouts, our user agent and the TLS settings of `VaultSettings`.
fn hardened(s: &VaultSettings) -> Result<reqwest013::Client, VaultError> {
    let mut b = reqwest013::Client::builder()
        .redirect(reqwest013::redirect::Policy::none())
        .timeout(s.timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(s.timeout))
        .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")));
    if s.skip_verify {
        tracing::warn!(address = %s.address, "Vault TLS verification is off (skip_verify)");
        b = b.tls_danger_accept_invalid_certs(true);
    }
    if s.address.starts_with("http://") {
        // As vaultrs does (reqwest#2988): no platform verifier for plain HTTP.
        b = b.tls_certs_only(Vec::new());
    } else if let Some(ca) = &s.ca_cert {
        let pem = std::fs::read(ca).map_err(|e| VaultError::Config(format!("cannot read {}: {e}", ca.display())))?;
        let certs = reqwest013::Certificate::from_pem_bundle(&pem)
            .map_err(|e| VaultError::Config(format!("{} is not PEM: {e}", ca.display())))?;
        b = b.tls_certs_merge(certs);
    }
    b.build().map_err(|e| VaultError::Config(format!("Vault HTTP client: {e}")))
}

/// Whether a transport error (rustify's `RequestError`/`ResponseError` source) is our timeout.
pub(super) fn timed_out(e: &anyhow::Error) -> bool {
    e.downcast_ref::<reqwest013::Error>().is_some_and(reqwest013::Error::is_timeout)
}
