//! Vault (and OpenBao) over plain HTTP, hardened per `shared/reference/BACKENDS-NOTES.md`: one
//! reqwest client that never follows redirects (a redirect would carry `X-Vault-Token` to
//! another host) and has timeouts; every setting comes from `VaultSettings`, so no `VAULT_*`
//! variable is read behind our back; tokens are trimmed and checked before they reach a header.
//! Answers are read leniently: every field is optional except the one a call exists for (the
//! token of a login, the value of a secret), because Vault and OpenBao differ by version in
//! what they send (OpenBao 2.x sends no `performance_standby` and, when sealed, no cluster
//! fields). Nothing here logs or `Debug`s a secret.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

pub mod error;

use crate::config::credentials::{checked, vault_token};
use crate::config::{Secret, VaultAuth, VaultRef, VaultSettings};
use error::{decode_error, from_status, from_transport, VaultError};

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

/// Every answer's envelope; only `data` and `auth` are read, both optional.
#[derive(Deserialize)]
struct Envelope<D> {
    data: Option<D>,
    auth: Option<AuthWire>,
}

/// `auth` of a login or renewal. No `Debug`: it holds the token.
#[derive(Deserialize)]
struct AuthWire {
    client_token: String,
    #[serde(default)]
    lease_duration: u64,
    #[serde(default)]
    renewable: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LookupWire {
    ttl: u64,
    creation_ttl: u64,
    /// Absent on some versions; `null` where a token has none.
    renewable: Option<bool>,
    policies: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct KvWire {
    data: Option<serde_json::Map<String, Value>>,
    metadata: Option<KvMetaWire>,
}

#[derive(Deserialize)]
struct KvMetaWire {
    version: Option<u64>,
}

/// `sys/health`: Vault 1.x adds `performance_standby`, replication and cluster fields that
/// OpenBao leaves out; none of them is needed.
#[derive(Deserialize, Default)]
#[serde(default)]
struct HealthWire {
    initialized: bool,
    sealed: bool,
    standby: bool,
    version: String,
}

/// The HTTP side: address, namespace, and the client.
struct Http {
    client: reqwest::Client,
    base: String,
    namespace: Option<String>,
}

impl Http {
    fn new(s: &VaultSettings) -> Result<Self, VaultError> {
        let url = url::Url::parse(&s.address).map_err(|e| VaultError::Config(format!("bad Vault address: {e}")))?;
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(s.timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(s.timeout))
            .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")));
        if s.skip_verify {
            tracing::warn!(address = %s.address, "Vault TLS verification is off (skip_verify)");
            b = b.danger_accept_invalid_certs(true);
        }
        if let Some(ca) = s.ca_cert.as_ref().filter(|_| url.scheme() == "https") {
            let pem =
                std::fs::read(ca).map_err(|e| VaultError::Config(format!("cannot read {}: {e}", ca.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| VaultError::Config(format!("{} is not PEM: {e}", ca.display())))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let client = b.build().map_err(|e| VaultError::Config(format!("Vault HTTP client: {e}")))?;
        let base = s.address.trim_end_matches('/').to_string();
        Ok(Self { client, base, namespace: s.namespace.clone() })
    }

    /// Send one request to `/v1/<path>`; returns the status and body, or a transport error.
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&Secret>,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Vec<u8>), VaultError> {
        let mut headers = HeaderMap::new();
        // What Vault's own CLI and SDKs send (some proxies route on it).
        headers.insert("x-vault-request", HeaderValue::from_static("true"));
        if let Some(t) = token.filter(|t| !t.is_empty()) {
            let mut v = HeaderValue::from_str(t.expose())
                .map_err(|_| VaultError::BadToken("the Vault token is not a valid header value".into()))?;
            v.set_sensitive(true);
            headers.insert("x-vault-token", v);
        }
        if let Some(ns) = &self.namespace {
            let v = HeaderValue::from_str(ns).map_err(|_| VaultError::Config("bad Vault namespace".into()))?;
            headers.insert("x-vault-namespace", v);
        }
        let mut req = self.client.request(method, format!("{}/v1/{path}", self.base)).headers(headers);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| from_transport(&e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| from_transport(&e))?;
        Ok((status, bytes.to_vec()))
    }

    /// A call whose 2xx answer is an envelope with `data: D`; other statuses are errors.
    async fn call<D: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&Secret>,
        body: Option<&Value>,
    ) -> Result<Envelope<D>, VaultError> {
        let (status, bytes) = self.send(method, path, token, body).await?;
        if !status.is_success() {
            return Err(from_status(status.as_u16(), &bytes, path));
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            // 204: success without a body.
            return Ok(Envelope { data: None, auth: None });
        }
        serde_json::from_slice(&bytes).map_err(|e| decode_error(status.as_u16(), path, &e))
    }

    async fn health(&self) -> Result<Health, VaultError> {
        let (status, bytes) = self.send(Method::GET, "sys/health", None, None).await?;
        match status.as_u16() {
            // Active, standby, DR secondary, performance standby: all carry the health body.
            200 | 429 | 472 | 473 => {
                let h: HealthWire =
                    serde_json::from_slice(&bytes).map_err(|e| decode_error(status.as_u16(), "sys/health", &e))?;
                Ok(Health { initialized: h.initialized, sealed: h.sealed, standby: h.standby, version: h.version })
            }
            501 => Err(VaultError::Api { code: 501, path: "sys/health".into(), message: "not initialized".into() }),
            503 => Err(VaultError::Sealed),
            code => Err(from_status(code, &bytes, "sys/health")),
        }
    }
}

struct State {
    token: Secret,
    /// When the token should be renewed (2/3 of its TTL), if it can be.
    renew_at: Option<Instant>,
}

/// A logged-in Vault client shared by every instance that reads its token from Vault.
pub struct VaultSession {
    settings: VaultSettings,
    http: Http,
    state: tokio::sync::Mutex<State>,
    /// Where the Vault token came from ("VAULT_TOKEN", "approle login", …), for the run log.
    token_source: String,
}

impl std::fmt::Debug for VaultSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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
        let mut session = Self {
            http: Http::new(settings)?,
            settings: settings.clone(),
            state: tokio::sync::Mutex::new(State { token, renew_at: None }),
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

    async fn token(&self) -> Secret {
        self.state.lock().await.token.clone()
    }

    /// AppRole or Kubernetes login; returns the source description. Holds the state lock, so
    /// concurrent readers wait for one login instead of each logging in.
    async fn login(&self) -> Result<String, VaultError> {
        let mut st = self.state.lock().await;
        let (mount, body, source) = match &self.settings.auth {
            VaultAuth::Token => return Err(VaultError::NoToken),
            VaultAuth::AppRole { mount, role_id, secret_id } => (
                mount,
                json!({ "role_id": role_id, "secret_id": secret_id.expose() }),
                format!("approle login ({mount})"),
            ),
            VaultAuth::Kubernetes { mount, role, jwt_file } => {
                let raw = std::fs::read_to_string(jwt_file).map_err(|e| {
                    VaultError::BadToken(format!("cannot read the service-account token {}: {e}", jwt_file.display()))
                })?;
                let jwt = checked(&raw, "service-account token").map_err(VaultError::BadToken)?;
                (
                    mount,
                    json!({ "role": role, "jwt": jwt.expose() }),
                    format!("kubernetes login ({mount}, role {role})"),
                )
            }
        };
        let path = format!("auth/{mount}/login");
        let env: Envelope<Value> = self.http.call(Method::POST, &path, None, Some(&body)).await?;
        let auth = env.auth.ok_or_else(|| VaultError::Api {
            code: 200,
            path: path.clone(),
            message: "the login answer has no auth block".into(),
        })?;
        st.token = checked(&auth.client_token, "Vault token").map_err(VaultError::BadToken)?;
        st.renew_at = renew_time(auth.renewable, auth.lease_duration);
        Ok(source)
    }

    /// `auth/token/lookup-self`.
    pub async fn lookup(&self) -> Result<TokenStatus, VaultError> {
        let token = self.token().await;
        let env: Envelope<LookupWire> =
            self.http.call(Method::GET, "auth/token/lookup-self", Some(&token), None).await?;
        let r = env.data.unwrap_or_default();
        Ok(TokenStatus {
            ttl_secs: r.ttl,
            creation_ttl_secs: r.creation_ttl,
            renewable: r.renewable.unwrap_or(false),
            policies: r.policies.unwrap_or_default(),
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
        let (due, token) = {
            let st = self.state.lock().await;
            (st.renew_at.is_some_and(|t| force || Instant::now() >= t), st.token.clone())
        };
        if !due {
            return Ok(false);
        }
        let renewed: Result<Envelope<Value>, VaultError> =
            self.http.call(Method::POST, "auth/token/renew-self", Some(&token), Some(&json!({}))).await;
        match renewed.map(|e| e.auth) {
            Ok(Some(auth)) => {
                self.state.lock().await.renew_at = renew_time(auth.renewable, auth.lease_duration);
                tracing::info!(lease_secs = auth.lease_duration, "Vault token renewed");
                Ok(true)
            }
            other => {
                let err = match other {
                    Err(e) => e,
                    _ => VaultError::Api {
                        code: 200,
                        path: "auth/token/renew-self".into(),
                        message: "the renewal answer has no auth block".into(),
                    },
                };
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
        let path = format!("{}/data/{}", r.mount, r.path);
        let query = version.map(|v| format!("?version={v}")).unwrap_or_default();
        let token = self.token().await;
        let env: Envelope<KvWire> = self.http.call(Method::GET, &format!("{path}{query}"), Some(&token), None).await?;
        let kv = env.data.ok_or_else(|| VaultError::NotFound { path: format!("{}/{}", r.mount, r.path) })?;
        let value =
            kv.data.as_ref().and_then(|d| d.get(&r.key)).and_then(Value::as_str).ok_or_else(|| {
                VaultError::KeyMissing { path: format!("{}/{}", r.mount, r.path), key: r.key.clone() }
            })?;
        let value = checked(value, &format!("value of {r}")).map_err(VaultError::BadToken)?;
        Ok(Versioned { value, version: kv.metadata.and_then(|m| m.version).unwrap_or(0) })
    }

    /// `sys/health` (unauthenticated).
    pub async fn health(&self) -> Result<Health, VaultError> {
        self.http.health().await
    }
}

/// `sys/health` without logging in (for `doctor` when no token is available).
pub async fn health_only(settings: &VaultSettings) -> Result<Health, VaultError> {
    Http::new(settings)?.health().await
}

fn renew_time(renewable: bool, lease_secs: u64) -> Option<Instant> {
    (renewable && lease_secs > 0).then(|| Instant::now() + Duration::from_secs(lease_secs * 2 / 3))
}
