//! Vault (and OpenBao) through vaultrs 0.8, the project's Vault client: every request is a
//! vaultrs API function (AppRole/Kubernetes login, token lookup/renewal, KV v2 read) or, where
//! a vaultrs response type is stricter than what Vault and OpenBao send, one of our lenient
//! rustify endpoints executed by vaultrs (`endpoints.rs`). vaultrs's HTTP client is replaced by
//! a hardened one (`http.rs`); its errors are mapped in one place (`error.rs`). Tokens are
//! trimmed and checked before they reach a header (vaultrs panics on control characters).
//! Nothing here logs or `Debug`s a secret (vaultrs's `AuthInfo` and client settings would).

use std::sync::Arc;
use std::time::{Duration, Instant};

use vaultrs::api::kv2::requests::ReadSecretRequest;
use vaultrs::client::VaultClient;

mod endpoints;
pub mod error;
mod http;

use crate::config::credentials::{checked, vault_token};
use crate::config::{Secret, VaultAuth, VaultRef, VaultSettings};
use error::{from_vaultrs, VaultError};

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
    /// An unsealed standby (HTTP 429): it forwards requests to the active node.
    pub standby: bool,
    pub version: String,
}

/// A KV v2 value and the version it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned {
    pub value: Secret,
    pub version: u64,
}

struct State {
    /// The client that sends the current token. A new token gets a new client, so a request
    /// clones this `Arc` and runs without holding the lock.
    client: Arc<VaultClient>,
    /// When the token should be renewed (2/3 of its TTL), if it can be.
    renew_at: Option<Instant>,
}

/// A logged-in Vault client shared by every instance that reads its token from Vault.
pub struct VaultSession {
    settings: VaultSettings,
    /// Without a token: `sys/health` and logins (a stale token has no business there).
    anonymous: VaultClient,
    state: tokio::sync::Mutex<State>,
    /// Where the Vault token came from ("VAULT_TOKEN", "approle login", …), for the run log.
    token_source: String,
}

impl std::fmt::Debug for VaultSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // vaultrs's client and settings `Debug` the token: never print them.
        f.debug_struct("VaultSession").field("address", &self.settings.address).finish_non_exhaustive()
    }
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
        let anonymous = http::build(settings)?;
        let client = Arc::new(http::with_token(&anonymous, &token));
        let mut session = Self {
            anonymous,
            settings: settings.clone(),
            state: tokio::sync::Mutex::new(State { client, renew_at: None }),
            token_source,
        };
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

    async fn client(&self) -> Arc<VaultClient> {
        self.state.lock().await.client.clone()
    }

    /// AppRole or Kubernetes login; returns the source description. Holds the state lock, so
    /// concurrent readers wait for one login instead of each logging in.
    async fn login(&self) -> Result<String, VaultError> {
        let mut st = self.state.lock().await;
        let c = &self.anonymous;
        let (auth, mount, source) = match &self.settings.auth {
            VaultAuth::Token => return Err(VaultError::NoToken),
            VaultAuth::AppRole { mount, role_id, secret_id } => (
                vaultrs::auth::approle::login(c, mount, role_id, secret_id.expose()).await,
                mount,
                format!("approle login ({mount})"),
            ),
            VaultAuth::Kubernetes { mount, role, jwt_file } => {
                let raw = std::fs::read_to_string(jwt_file).map_err(|e| {
                    VaultError::BadToken(format!("cannot read the service-account token {}: {e}", jwt_file.display()))
                })?;
                let jwt = checked(&raw, "service-account token").map_err(VaultError::BadToken)?;
                (
                    vaultrs::auth::kubernetes::login(c, mount, role, jwt.expose()).await,
                    mount,
                    format!("kubernetes login ({mount}, role {role})"),
                )
            }
        };
        let auth = auth.map_err(|e| from_vaultrs(e, &format!("auth/{mount}/login")))?;
        let token = checked(&auth.client_token, "Vault token").map_err(VaultError::BadToken)?;
        st.client = Arc::new(http::with_token(&self.anonymous, &token));
        st.renew_at = renew_time(auth.renewable, auth.lease_duration);
        Ok(source)
    }

    /// `auth/token/lookup-self`.
    pub async fn lookup(&self) -> Result<TokenStatus, VaultError> {
        let client = self.client().await;
        let r = vaultrs::token::lookup_self(&*client).await.map_err(|e| from_vaultrs(e, "auth/token/lookup-self"))?;
        Ok(TokenStatus {
            ttl_secs: r.ttl,
            creation_ttl_secs: r.creation_ttl,
            renewable: r.renewable.unwrap_or(false),
            policies: r.policies,
        })
    }

    async fn schedule(&self, status: &TokenStatus) {
        let left = status.ttl_secs;
        let mut st = self.state.lock().await;
        // Renew at 2/3 of the creation TTL: `ttl - creation/3` seconds from now.
        st.renew_at = (status.renewable && left > 0)
            .then(|| Instant::now() + Duration::from_secs(left.saturating_sub(status.creation_ttl_secs / 3)));
    }

    /// Renew the token if it is due (or `force`); a token that cannot be renewed any more is
    /// replaced by a fresh login where the auth method allows it. Returns true if it renewed.
    pub async fn renew_if_due(&self, force: bool) -> Result<bool, VaultError> {
        let (due, client) = {
            let st = self.state.lock().await;
            (st.renew_at.is_some_and(|t| force || Instant::now() >= t), st.client.clone())
        };
        if !due {
            return Ok(false);
        }
        match vaultrs::token::renew_self(&*client, None).await {
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

    /// Read one key of a KV v2 secret (its newest version).
    pub async fn read(&self, r: &VaultRef) -> Result<Secret, VaultError> {
        self.read_version(r, None).await.map(|v| v.value)
    }

    /// Read one key of a KV v2 secret at `version` (`None`: the newest). An invalid/expired
    /// token is replaced once by a fresh login (AppRole, Kubernetes) and the read retried
    /// once; a policy denial is final.
    pub async fn read_version(&self, r: &VaultRef, version: Option<u64>) -> Result<Versioned, VaultError> {
        self.renew_if_due(false).await.ok();
        match self.read_once(r, version).await {
            Err(VaultError::InvalidToken { .. }) if !matches!(self.settings.auth, VaultAuth::Token) => {
                self.login().await?;
                self.read_once(r, version).await
            }
            other => other,
        }
    }

    async fn read_once(&self, r: &VaultRef, version: Option<u64>) -> Result<Versioned, VaultError> {
        let at = format!("{}/{}", r.mount, r.path);
        let client = self.client().await;
        // vaultrs's own KV v2 request; its `kv2::read` would drop the version read.
        let endpoint = ReadSecretRequest { mount: r.mount.clone(), path: r.path.clone(), version };
        let kv = match vaultrs::api::exec_with_result(&*client, endpoint).await {
            Ok(kv) => kv,
            Err(vaultrs::error::ClientError::ResponseDataEmptyError) => return Err(VaultError::NotFound { path: at }),
            Err(e) => return Err(from_vaultrs(e, &format!("{}/data/{}", r.mount, r.path))),
        };
        let value = kv
            .data
            .get(&r.key)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| VaultError::KeyMissing { path: at, key: r.key.clone() })?;
        let value = checked(value, &format!("value of {r}")).map_err(VaultError::BadToken)?;
        Ok(Versioned { value, version: kv.metadata.version })
    }

    /// `sys/health` (unauthenticated).
    pub async fn health(&self) -> Result<Health, VaultError> {
        endpoints::health(&self.anonymous).await
    }
}

/// `sys/health` without logging in (for `doctor` when no token is available).
pub async fn health_only(settings: &VaultSettings) -> Result<Health, VaultError> {
    endpoints::health(&http::build(settings)?).await
}

fn renew_time(renewable: bool, lease_secs: u64) -> Option<Instant> {
    (renewable && lease_secs > 0).then(|| Instant::now() + Duration::from_secs(lease_secs * 2 / 3))
}
