//! The Conductor HTTP client: the request core (timeouts, the error body of Conductor's
//! exception mapper → a [`Failure`] with a kind to branch on), the Orkes application token
//! (exchanged at `POST /api/token`, sent as `X-Authorization`, refreshed only when the
//! server answers EXPIRED_TOKEN / INVALID_TOKEN, once per call), and retries of idempotent
//! reads on 502/503/504 and transport errors. POSTs are never blindly retried: starting a
//! workflow or completing a task twice is exactly what must not happen. Endpoints are in
//! [`api`], wire types in [`wire`].

pub mod api;
pub mod defs;
pub mod handlers;
pub mod wire;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::config::{ConductorSettings, Secret};
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure};

/// Attempts of an idempotent read before giving up on a transient error.
const READ_TRIES: u32 = 3;
const READ_BACKOFF: super::backoff::Backoff =
    super::backoff::Backoff::new(Duration::from_millis(200), Duration::from_secs(2));

/// Orkes application credentials (the secret never in `Debug`).
#[derive(Clone)]
pub struct AppKey {
    pub key_id: String,
    pub secret: Secret,
}

impl std::fmt::Debug for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppKey").field("key_id", &self.key_id).field("secret", &"<redacted>").finish()
    }
}

/// A client of one Conductor server; cheap to clone (shares its connection pool and token).
#[derive(Clone)]
pub struct ConductorClient {
    http: reqwest::Client,
    api: String,
    key: Option<AppKey>,
    /// The current token; `None` until the first call (or without credentials).
    token: Arc<Mutex<Option<Secret>>>,
    /// The one write check (`client::writes`): read-only mode refuses every call that
    /// changes the server before it is sent.
    writes: super::Writes,
}

impl std::fmt::Debug for ConductorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConductorClient").field("api", &self.api).field("key", &self.key).finish()
    }
}

/// What one request is: method, path under `/api`, query and body.
pub struct Call<'a> {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'a str, String)>,
    pub body: Option<Value>,
    /// Longer than the client's timeout (a batch long-poll).
    pub timeout: Option<Duration>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self { method, path: path.into(), query: Vec::new(), body: None, timeout: None }
    }
    pub fn query(mut self, k: &'a str, v: impl ToString) -> Self {
        self.query.push((k, v.to_string()));
        self
    }
    pub fn body(mut self, b: Value) -> Self {
        self.body = Some(b);
        self
    }
}

/// A raw answer: status and body text.
pub struct Answer {
    pub status: u16,
    pub text: String,
}

impl ConductorClient {
    /// A client for `settings`, with the secret already resolved (`key`).
    pub fn new(settings: &ConductorSettings, key: Option<AppKey>) -> Result<Self, Failure> {
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Failure::new(ErrorKind::Usage, format!("cannot build the Conductor client: {e}")))?;
        Ok(Self { http, api: settings.api_url(), key, token: Arc::new(Mutex::new(None)), writes: Default::default() })
    }

    /// The same client under `writes` (read-only mode refuses every change before it leaves).
    pub fn with_writes(mut self, writes: super::Writes) -> Self {
        self.writes = writes;
        self
    }

    /// `http://host/api`, for messages.
    pub fn api_url(&self) -> &str {
        &self.api
    }

    /// Whether this client sends Orkes credentials.
    pub fn has_auth(&self) -> bool {
        self.key.is_some()
    }

    /// Exchange the application key for a token (`POST /api/token`).
    async fn fresh_token(&self) -> Result<Option<Secret>, Failure> {
        let Some(key) = &self.key else { return Ok(None) };
        let body = serde_json::json!({ "keyId": key.key_id, "keySecret": key.secret.expose() });
        let resp = self
            .http
            .post(format!("{}/token", self.api))
            .json(&body)
            .send()
            .await
            .map_err(|e| transport(&self.api, &e))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        if status == 404 {
            return Err(Failure::new(
                ErrorKind::Usage,
                format!("{} has no /api/token: an OSS server without auth", self.api),
            )
            .with_hint("remove key_id and the key secret from [conductor]"));
        }
        if !(200..300).contains(&status) {
            return Err(http_failure(status, &text, "exchange the application key for a token"));
        }
        let token = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["token"].as_str().map(str::to_string))
            .filter(|t| !t.is_empty() && !t.chars().any(char::is_control))
            .ok_or_else(|| Failure::new(ErrorKind::Decode, "the token answer holds no usable token"))?;
        Ok(Some(Secret::new(token)))
    }

    async fn token(&self, renew: bool) -> Result<Option<Secret>, Failure> {
        if self.key.is_none() {
            return Ok(None);
        }
        let mut held = self.token.lock().await;
        if renew || held.is_none() {
            *held = self.fresh_token().await?;
        }
        Ok(held.clone())
    }

    /// Send `call`; refresh the token once when the server says it expired; retry reads on
    /// transient errors. Any status is returned; [`ConductorClient::ok`] turns errors into failures.
    pub async fn send(&self, call: &Call<'_>) -> Result<Answer, Failure> {
        // Every method but GET changes the server; so does a task poll (it claims tasks).
        if call.method != Method::GET || call.path.starts_with("/tasks/poll") {
            self.writes.check(&format!("Conductor {} {}", call.method, call.path))?;
        }
        let idempotent = matches!(call.method, Method::GET | Method::PUT | Method::DELETE);
        let mut renewed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.token(false).await?;
            let mut req =
                self.http.request(call.method.clone(), format!("{}{}", self.api, call.path)).query(&call.query);
            if let Some(t) = &token {
                req = req.header("X-Authorization", t.expose());
            }
            if let Some(b) = &call.body {
                req = req.json(b);
            }
            if let Some(t) = call.timeout {
                req = req.timeout(t);
            }
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) if idempotent && attempt < READ_TRIES && !e.is_timeout() => {
                    tokio::time::sleep(READ_BACKOFF.delay(attempt)).await;
                    continue;
                }
                Err(e) => return Err(transport(&self.api, &e)),
            };
            let status = resp.status();
            let text = resp.text().await.map_err(|e| transport(&self.api, &e))?;
            if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                && token.is_some()
                && !renewed
                && token_expired(&text)
            {
                renewed = true;
                self.token(true).await?;
                continue;
            }
            if idempotent && attempt < READ_TRIES && matches!(status.as_u16(), 502..=504) {
                tokio::time::sleep(READ_BACKOFF.delay(attempt)).await;
                continue;
            }
            return Ok(Answer { status: status.as_u16(), text });
        }
    }

    /// [`ConductorClient::send`], a non-2xx status as a failure saying what was being done.
    pub async fn ok(&self, call: &Call<'_>, what: &str) -> Result<Answer, Failure> {
        let a = self.send(call).await?;
        if (200..300).contains(&a.status) {
            Ok(a)
        } else {
            Err(http_failure(a.status, &a.text, what))
        }
    }

    /// [`ConductorClient::ok`] with the body parsed as `T`.
    pub async fn json<T: serde::de::DeserializeOwned>(&self, call: &Call<'_>, what: &str) -> Result<T, Failure> {
        let a = self.ok(call, what).await?;
        serde_json::from_str(&a.text)
            .map_err(|e| Failure::new(ErrorKind::Decode, format!("unexpected answer to {what} from Conductor: {e}")))
    }
}

/// The 401/403 the Orkes SDKs treat as "get a new token": body `error` EXPIRED_TOKEN or
/// INVALID_TOKEN, or a body that is not JSON at all.
fn token_expired(text: &str) -> bool {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => matches!(v["error"].as_str(), Some("EXPIRED_TOKEN" | "INVALID_TOKEN")),
        Err(_) => true,
    }
}

fn transport(api: &str, e: &reqwest::Error) -> Failure {
    if e.is_timeout() {
        Failure::new(ErrorKind::Timeout, format!("Conductor at {api} did not answer in time"))
    } else {
        Failure::new(ErrorKind::Unavailable, format!("cannot reach Conductor at {api}"))
            .with_hint("check [conductor] url and that the server runs (`flightdeck doctor`)")
    }
}

/// A Conductor error answer (`{status, message, instance, retryable}`) as a failure.
pub fn http_failure(status: u16, text: &str, what: &str) -> Failure {
    let message = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| text.chars().take(200).collect());
    let kind = match status {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        400 | 412 | 422 => ErrorKind::Rejected,
        408 | 504 => ErrorKind::Timeout,
        _ => ErrorKind::Unavailable,
    };
    let f = Failure::new(kind, format!("cannot {what}: Conductor answered {status}: {}", clean(&message)));
    match kind {
        ErrorKind::Unauthorized | ErrorKind::Forbidden => {
            f.with_hint("check [conductor] key_id and its secret, and the application's permissions")
        }
        ErrorKind::Unavailable => f.with_hint("Conductor is unavailable; nothing was changed by this call"),
        _ => f,
    }
}
