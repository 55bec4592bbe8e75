//! Vault through vaultrs 0.8, hardened per `shared/reference/BACKENDS-NOTES.md`: vaultrs's
//! reqwest client is replaced by one that never follows redirects (vaultrs would forward
//! `X-Vault-Token` to another host) and has timeouts (vaultrs has none); every setting is given
//! explicitly so vaultrs reads no `VAULT_*` variable itself (its `VAULT_SKIP_VERIFY` parsing
//! disables verification on an empty value); tokens are trimmed and checked before they reach
//! a header (vaultrs panics on control characters). Nothing here logs or `Debug`s a secret.

pub mod error;

use std::time::{Duration, Instant};

use vaultrs::client::{Client, VaultClient, VaultClientSettingsBuilder};

use crate::config::credentials::{checked, vault_token};
use crate::config::{Secret, VaultAuth, VaultRef, VaultSettings};
use error::{from_vaultrs, VaultError};

/// Connecting must not eat the whole request timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What `lookup-self` says about the token in use.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenStatus {
    pub ttl_secs: u64,
    pub creation_ttl_secs: u64,
    pub renewable: bool,
    pub policies: Vec<String>,
}

/// `sys/health` in short.
#[derive(Clone, Debug, PartialEq)]
pub struct Health {
    pub initialized: bool,
    pub sealed: bool,
    pub version: String,
}

struct State {
    client: VaultClient,
    /// When the token should be renewed (2/3 of its TTL), if it can be.
    renew_at: Option<Instant>,
}

/// A logged-in Vault client shared by every instance that reads its token from Vault.
pub struct VaultSession {
    settings: VaultSettings,
    state: tokio::sync::Mutex<State>,
    /// Where the Vault token came from ("VAULT_TOKEN", "approle login", …), for the run log.
    token_source: String,
}

impl std::fmt::Debug for VaultSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The vaultrs client's Debug holds the token: never print it.
        f.debug_struct("VaultSession").field("address", &self.settings.address).finish_non_exhaustive()
    }
}

/// vaultrs's client with our HTTP client inside. `token` is already checked.
fn build_client(s: &VaultSettings, token: &Secret) -> Result<VaultClient, VaultError> {
    reqwest::Url::parse(&s.address).map_err(|e| VaultError::Config(format!("bad Vault address: {e}")))?;
    let mut b = VaultClientSettingsBuilder::default();
    b.address(&s.address)
        .token(token.expose())
        .verify(!s.skip_verify)
        .ca_certs(Vec::new())
        .identity(None)
        .timeout(Some(s.timeout));
    if let Some(ns) = &s.namespace {
        b.set_namespace(ns.clone());
    }
    let settings = b.build().map_err(|e| VaultError::Config(format!("Vault settings: {e}")))?;
    let mut client = VaultClient::new(settings).map_err(|e| VaultError::Config(format!("Vault client: {e}")))?;
    let mut hb = reqwest013::Client::builder()
        .redirect(reqwest013::redirect::Policy::none())
        .timeout(s.timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(s.timeout))
        .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")));
    if s.skip_verify {
        tracing::warn!(address = %s.address, "Vault TLS verification is off (skip_verify)");
        hb = hb.tls_danger_accept_invalid_certs(true);
    }
    if s.address.starts_with("http://") {
        // Same workaround as vaultrs (reqwest#2988): no platform verifier for plain HTTP.
        hb = hb.tls_certs_only(Vec::new());
    } else if let Some(ca) = &s.ca_cert {
        let pem = std::fs::read(ca).map_err(|e| VaultError::Config(format!("cannot read {}: {e}", ca.display())))?;
        let certs = reqwest013::Certificate::from_pem_bundle(&pem)
            .map_err(|e| VaultError::Config(format!("{} is not PEM: {e}", ca.display())))?;
        hb = hb.tls_certs_merge(certs);
    }
    let http = hb.build().map_err(|e| VaultError::Config(format!("Vault HTTP client: {e}")))?;
    client.http = rustify::clients::reqwest::Client::new(s.address.as_str(), http);
    Ok(client)
}

impl VaultSession {
    /// Log in as the settings say (`env` supplies `VAULT_TOKEN` and `HOME`). `env` is read
    /// before the returned future starts, so the future is `Send` whatever `env` is.
    pub fn connect<'a>(
        settings: &'a VaultSettings,
        env: crate::config::argocd_cli::Env<'_>,
    ) -> impl std::future::Future<Output = Result<Self, VaultError>> + Send + 'a {
        let from_env = match &settings.auth {
            VaultAuth::Token => match vault_token(env) {
                Ok(Some(found)) => Ok(found),
                Ok(None) => Err(VaultError::NoToken),
                Err(e) => Err(VaultError::BadToken(e)),
            },
            _ => Ok((Secret::new(""), String::new())),
        };
        async move { Self::connect_with(settings, from_env?).await }
    }

    async fn connect_with(settings: &VaultSettings, found: (Secret, String)) -> Result<Self, VaultError> {
        let (token, token_source) = found;
        let client = build_client(settings, &token)?;
        let session = Self {
            settings: settings.clone(),
            state: tokio::sync::Mutex::new(State { client, renew_at: None }),
            token_source,
        };
        let mut session = session;
        match settings.auth {
            VaultAuth::Token => {
                let status = session.lookup().await?;
                session.schedule(&status).await;
            }
            _ => session.token_source = session.login().await?,
        }
        Ok(session)
    }

    pub fn settings(&self) -> &VaultSettings {
        &self.settings
    }

    /// Where the Vault token came from (never the token).
    pub fn token_source(&self) -> &str {
        &self.token_source
    }

    /// AppRole or Kubernetes login; returns the source description.
    async fn login(&self) -> Result<String, VaultError> {
        let mut st = self.state.lock().await;
        let (auth, source) = match &self.settings.auth {
            VaultAuth::Token => return Err(VaultError::NoToken),
            VaultAuth::AppRole { mount, role_id, secret_id } => {
                let a = vaultrs::auth::approle::login(&st.client, mount, role_id, secret_id.expose())
                    .await
                    .map_err(|e| from_vaultrs(e, &format!("auth/{mount}/login")))?;
                (a, format!("approle login ({mount})"))
            }
            VaultAuth::Kubernetes { mount, role, jwt_file } => {
                let raw = std::fs::read_to_string(jwt_file).map_err(|e| {
                    VaultError::BadToken(format!("cannot read the service-account token {}: {e}", jwt_file.display()))
                })?;
                let jwt = checked(&raw, "service-account token").map_err(VaultError::BadToken)?;
                let a = vaultrs::auth::kubernetes::login(&st.client, mount, role, jwt.expose())
                    .await
                    .map_err(|e| from_vaultrs(e, &format!("auth/{mount}/login")))?;
                (a, format!("kubernetes login ({mount}, role {role})"))
            }
        };
        let token = checked(&auth.client_token, "Vault token").map_err(VaultError::BadToken)?;
        st.client.set_token(token.expose());
        st.renew_at = renew_time(auth.renewable, auth.lease_duration);
        Ok(source)
    }

    /// `auth/token/lookup-self`.
    pub async fn lookup(&self) -> Result<TokenStatus, VaultError> {
        let st = self.state.lock().await;
        let r = vaultrs::token::lookup_self(&st.client).await.map_err(|e| from_vaultrs(e, "auth/token/lookup-self"))?;
        Ok(TokenStatus {
            ttl_secs: r.ttl,
            creation_ttl_secs: r.creation_ttl,
            renewable: r.renewable.unwrap_or(false),
            policies: r.policies,
        })
    }

    async fn schedule(&self, status: &TokenStatus) {
        let left = if status.ttl_secs == 0 { 0 } else { status.ttl_secs };
        let mut st = self.state.lock().await;
        // Renew at 2/3 of the creation TTL: `ttl - creation/3` seconds from now.
        st.renew_at = (status.renewable && left > 0)
            .then(|| Instant::now() + Duration::from_secs(left.saturating_sub(status.creation_ttl_secs / 3)));
    }

    /// Renew the token if it is due (or `force`); a token that cannot be renewed any more is
    /// replaced by a fresh login where the auth method allows it. Returns true if it renewed.
    pub async fn renew_if_due(&self, force: bool) -> Result<bool, VaultError> {
        let due = {
            let st = self.state.lock().await;
            st.renew_at.is_some_and(|t| force || Instant::now() >= t)
        };
        if !due {
            return Ok(false);
        }
        let renewed = {
            let st = self.state.lock().await;
            vaultrs::token::renew_self(&st.client, None).await
        };
        match renewed {
            Ok(auth) => {
                self.state.lock().await.renew_at = renew_time(auth.renewable, auth.lease_duration);
                tracing::info!(lease_secs = auth.lease_duration, "Vault token renewed");
                Ok(true)
            }
            Err(e) => {
                let err = from_vaultrs(e, "auth/token/renew-self");
                if matches!(self.settings.auth, VaultAuth::Token) {
                    return Err(err);
                }
                self.login().await?;
                Ok(true)
            }
        }
    }

    /// Renew due tokens until the session is dropped (spawned by the console).
    pub async fn keep_alive(self: std::sync::Arc<Self>) {
        loop {
            let wait = {
                let st = self.state.lock().await;
                st.renew_at.map(|t| t.saturating_duration_since(Instant::now()))
            };
            let Some(wait) = wait else { return };
            tokio::time::sleep(wait.max(Duration::from_secs(1))).await;
            if let Err(e) = self.renew_if_due(false).await {
                tracing::warn!(error = %e, "Vault token renewal failed");
                return;
            }
        }
    }

    /// Read one key of a KV v2 secret. An invalid/expired token is replaced once by a fresh
    /// login (AppRole, Kubernetes) and the read retried once; a policy denial is final.
    pub async fn read(&self, r: &VaultRef) -> Result<Secret, VaultError> {
        self.renew_if_due(false).await.ok();
        match self.read_once(r).await {
            Err(VaultError::InvalidToken { .. }) if !matches!(self.settings.auth, VaultAuth::Token) => {
                self.login().await?;
                self.read_once(r).await
            }
            other => other,
        }
    }

    async fn read_once(&self, r: &VaultRef) -> Result<Secret, VaultError> {
        let path = format!("{}/data/{}", r.mount, r.path);
        let endpoint = vaultrs::api::kv2::requests::ReadSecretRequest::builder()
            .mount(r.mount.as_str())
            .path(r.path.as_str())
            .build()
            .map_err(|e| VaultError::Config(format!("KV request: {e}")))?;
        let resp = {
            let st = self.state.lock().await;
            vaultrs::api::exec_with_result(&st.client, endpoint).await.map_err(|e| from_vaultrs(e, &path))?
        };
        let value = resp
            .data
            .get(&r.key)
            .and_then(|v| v.as_str())
            .ok_or_else(|| VaultError::KeyMissing { path: format!("{}/{}", r.mount, r.path), key: r.key.clone() })?;
        checked(value, &format!("value of {r}")).map_err(VaultError::BadToken)
    }

    /// `sys/health` (unauthenticated).
    pub async fn health(&self) -> Result<Health, VaultError> {
        let st = self.state.lock().await;
        health_with(&st.client).await
    }
}

/// `sys/health` without logging in (for `doctor` when no token is available).
pub async fn health_only(settings: &VaultSettings) -> Result<Health, VaultError> {
    let client = build_client(settings, &Secret::new(""))?;
    health_with(&client).await
}

async fn health_with(client: &VaultClient) -> Result<Health, VaultError> {
    let h = vaultrs::sys::health(client).await.map_err(|e| from_vaultrs(e, "sys/health"))?;
    Ok(Health { initialized: h.initialized, sealed: h.sealed, version: h.version })
}

fn renew_time(renewable: bool, lease_secs: u64) -> Option<Instant> {
    (renewable && lease_secs > 0).then(|| Instant::now() + Duration::from_secs(lease_secs * 2 / 3))
}
