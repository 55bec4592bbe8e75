//! The one async facade over one Argo CD instance: transport (TLS options, gzip, timeouts),
//! authentication (Bearer token, or session login cached and renewed once on 401), retries
//! with backoff and jitter for idempotent reads only, and a tracing span per request.
//! The endpoint methods live in `apps.rs`; this file is the request core they all share.
//! `stream` + `framing` read the watch stream, `watch` supervises it per instance, `wire`
//! holds the wire types, `follow` follows an operation, `diff` compares live and desired,
//! `lifecycle` creates and deletes Applications.

pub mod apps;
pub mod diff;
pub mod follow;
pub mod framing;
pub mod lifecycle;
pub mod logs;
pub mod manifests;
mod probe;
pub mod rollout;
pub mod stream;
pub mod tree;
pub mod watch;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_TYPE};
use reqwest::{Method, Response};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::backoff::Backoff;
use super::error::{ClientError, Ctx};
use crate::config::{Auth, InstanceConfig, Secret};
use wire::SessionWire;

/// Tries of an idempotent GET on connect errors and 502/503/504 (never for writes).
pub const GET_TRIES: u32 = 3;
/// Backoff between those tries.
pub const RETRY_BACKOFF: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
/// Connecting must not take the whole request timeout on a black-holed address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client of one instance. Cheap to clone (an `Arc` inside); `instance` is the index of
/// the instance in the configuration, stamped on every `AppKey` it produces.
#[derive(Clone)]
pub struct ArgoClient {
    inner: Arc<Inner>,
    instance: usize,
    /// Where to fetch the token again when Argo CD answers 401 (a Vault secret).
    refetch: Option<Arc<dyn super::credentials::TokenSource>>,
    /// The git HTTPS credential promotions and ledger writes of this estate use (`None` =
    /// the user's own git setup).
    git_auth: Option<Arc<super::git::credentials::GitAuth>>,
    /// Whether this instance may be written to (read-only mode refuses every write).
    writes: super::Writes,
}

struct Inner {
    http: reqwest::Client,
    cfg: InstanceConfig,
    /// `cfg.server` without a trailing slash.
    server: String,
    /// Session token from `POST /session` (login auth only).
    session: tokio::sync::Mutex<Option<Secret>>,
    /// `spec.syncPolicy.automated` of apps whose auto-sync we paused, so resuming restores it.
    paused: Mutex<HashMap<String, serde_json::Value>>,
    /// Where to report a credential read again after a 401 (set once by the executor), so
    /// the run log shows it.
    credential_tx: std::sync::OnceLock<tokio::sync::mpsc::Sender<crate::app::Msg>>,
}

impl std::fmt::Debug for ArgoClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the config: it holds the credentials (redacted, but still).
        f.debug_struct("ArgoClient").field("instance", &self.instance).field("server", &self.inner.server).finish()
    }
}

/// One request to send: method, API path, query, JSON body, and what it is for.
#[derive(Clone, Debug)]
pub(crate) struct Req {
    pub method: Method,
    /// Path under the server root, e.g. `/api/v1/applications` (logged; never a query).
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub ctx: Ctx,
    /// A long-lived stream: no overall timeout, no compression.
    pub stream: bool,
    /// Ask for Server-Sent Events (`Accept: text/event-stream`): the server then writes a
    /// keep-alive every 15 s, so a silent stream can be told from a quiet estate.
    pub sse: bool,
}

impl Req {
    pub fn new(method: Method, path: impl Into<String>, ctx: Ctx) -> Self {
        Self { method, path: path.into(), query: Vec::new(), body: None, ctx, stream: false, sse: false }
    }
    pub fn query(mut self, k: &str, v: impl Into<String>) -> Self {
        self.query.push((k.to_string(), v.into()));
        self
    }
    /// Whether sending this changes something on the server: every method but GET, and a
    /// GET with `refresh` (Argo CD then patches the app's refresh annotation).
    pub fn writes(&self) -> bool {
        self.method != Method::GET || self.query.iter().any(|(k, _)| k == "refresh")
    }
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = Some(body.to_string().into_bytes());
        self
    }
}

impl ArgoClient {
    /// Build the HTTP client for one instance (TLS options read here, so a bad CA file
    /// fails at start-up, not on the first request).
    pub fn new(cfg: &InstanceConfig) -> Result<Self, ClientError> {
        let server = cfg.server.trim_end_matches('/').to_string();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(ClientError::Config(format!("server URL {server:?} needs http:// or https://")));
        }
        let mut b = reqwest::Client::builder()
            .gzip(true)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("flightdeck/", env!("CARGO_PKG_VERSION")));
        if cfg.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        if let Some(path) = &cfg.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| ClientError::Config(format!("cannot read CA file {}: {e}", path.display())))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| ClientError::Config(format!("CA file {} is not PEM: {e}", path.display())))?;
            b = b.add_root_certificate(cert);
        }
        let http = b.build().map_err(|e| ClientError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                cfg: cfg.clone(),
                server,
                session: tokio::sync::Mutex::new(None),
                paused: Mutex::new(HashMap::new()),
                credential_tx: std::sync::OnceLock::new(),
            }),
            instance: 0,
            refetch: None,
            git_auth: None,
            writes: super::Writes::from_cause(cfg.read_only.clone()),
        })
    }

    /// Whether this instance may be written to: the one check (`client::writes`) its request
    /// core and the promotions' git pushes make.
    pub fn writes(&self) -> &super::Writes {
        &self.writes
    }

    /// The same client, fetching its token again from `source` once when Argo CD answers 401
    /// (the secret may have been rotated), then retrying the request once.
    pub fn with_refetch(mut self, source: Arc<dyn super::credentials::TokenSource>) -> Self {
        self.refetch = Some(source);
        self
    }

    /// The same client, handing git `auth` for promotions and ledger writes.
    pub fn with_git_auth(mut self, auth: Option<Arc<super::git::credentials::GitAuth>>) -> Self {
        self.git_auth = auth;
        self
    }

    /// The git credential attached by [`Self::with_git_auth`].
    pub fn git_auth(&self) -> Option<&Arc<super::git::credentials::GitAuth>> {
        self.git_auth.as_ref()
    }

    /// Report credentials read again after a 401 as `Msg::CredentialChanged` on `tx` (the
    /// first call wins; clones share it).
    pub fn report_credentials_to(&self, tx: tokio::sync::mpsc::Sender<crate::app::Msg>) {
        let _ = self.inner.credential_tx.set(tx);
    }

    fn report_credential(&self, outcome: &str) {
        if let Some(tx) = self.inner.credential_tx.get() {
            let source = format!("{} {outcome}", self.inner.cfg.auth_source);
            // A full channel only loses this notice; the log file has it too.
            let _ = tx.try_send(crate::app::Msg::CredentialChanged { instance: self.instance, source });
        }
    }

    /// The same client, stamping `instance` on the keys it produces.
    pub fn with_instance(mut self, instance: usize) -> Self {
        self.instance = instance;
        self
    }

    pub fn instance(&self) -> usize {
        self.instance
    }

    pub fn config(&self) -> &InstanceConfig {
        &self.inner.cfg
    }

    pub(crate) fn paused(&self) -> &Mutex<HashMap<String, serde_json::Value>> {
        &self.inner.paused
    }

    /// Send, retrying idempotent reads, re-logging in once on 401; non-2xx → `Err`. A write
    /// in read-only mode is refused here, before anything is sent.
    pub(crate) async fn execute(&self, req: &Req) -> Result<Response, ClientError> {
        if req.writes() {
            let what = format!("{} {}", req.method, req.path);
            self.writes.check(&what).map_err(ClientError::ReadOnly)?;
        }
        let span = tracing::info_span!(
            "argocd",
            instance = %self.inner.cfg.name,
            method = %req.method,
            path = %req.path,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.execute_inner(req).instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(r) => {
                span.record("status", r.status().as_u16());
                span.in_scope(|| tracing::debug!("ok"));
            }
            Err(e) => {
                if let Some(s) = e.status() {
                    span.record("status", s);
                }
                span.in_scope(|| tracing::debug!(kind = ?e.kind(), "failed"));
            }
        }
        result
    }

    async fn execute_inner(&self, req: &Req) -> Result<Response, ClientError> {
        let idempotent = req.method == Method::GET;
        let mut relogged = false;
        let mut attempt = 0;
        let mut token = self.token(false).await?;
        loop {
            attempt += 1;
            let retry_allowed = idempotent && attempt < GET_TRIES;
            match self.once(req, token.as_ref()).await {
                Ok(resp) if resp.status().is_success() => return Ok(resp),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    // A 401 means nothing was executed, so even a write may be re-sent.
                    if status == 401 && !relogged && matches!(self.inner.cfg.auth, Auth::Login { .. }) {
                        relogged = true;
                        attempt -= 1;
                        token = self.token(true).await?;
                        continue;
                    }
                    if let (401, false, Some(source)) = (status, relogged, &self.refetch) {
                        relogged = true;
                        attempt -= 1;
                        tracing::info!(source = %source.describe(), "401: fetching the token again");
                        let fresh = match source.fetch().await {
                            Ok(t) => {
                                self.report_credential("✓ (read again after a 401)");
                                t
                            }
                            Err(e) => {
                                self.report_credential("✗ (reading it again after a 401 failed)");
                                return Err(e);
                            }
                        };
                        *self.inner.session.lock().await = Some(fresh.clone());
                        token = Some(fresh);
                        continue;
                    }
                    if retry_allowed && matches!(status, 502..=504) {
                        tokio::time::sleep(RETRY_BACKOFF.delay(attempt)).await;
                        continue;
                    }
                    return Err(error_from_response(resp, req.ctx.clone()).await);
                }
                Err(e) if retry_allowed && e.is_connect() => {
                    tracing::debug!(attempt, "connect failed, retrying");
                    tokio::time::sleep(RETRY_BACKOFF.delay(attempt)).await;
                }
                Err(e) => return Err(self.transport_error(req, e)),
            }
        }
    }

    async fn once(&self, req: &Req, token: Option<&Secret>) -> Result<Response, reqwest::Error> {
        let url = format!("{}{}", self.inner.server, req.path);
        let mut rb = self.inner.http.request(req.method.clone(), url).query(&req.query);
        if req.stream {
            // Compressed chunked streams may be buffered by the encoder; events are small.
            rb = rb.header(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
            if req.sse {
                rb = rb.header(ACCEPT, HeaderValue::from_static("text/event-stream"));
            }
        } else {
            rb =
                rb.timeout(self.inner.cfg.request_timeout).header(ACCEPT, HeaderValue::from_static("application/json"));
        }
        if let Some(t) = token {
            rb = rb.bearer_auth(t.expose());
        }
        if req.method != Method::GET {
            // Argo CD compares the whole value: `application/json; charset=utf-8` gets 415.
            rb = rb.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            if let Some(body) = &req.body {
                rb = rb.body(body.clone());
            }
        }
        rb.send().await
    }

    /// The Bearer token to send, logging in first when the auth is a login.
    async fn token(&self, renew: bool) -> Result<Option<Secret>, ClientError> {
        match &self.inner.cfg.auth {
            // A token fetched again after a 401 replaces the configured one.
            Auth::None | Auth::Token(_) if self.refetch.is_some() => {
                let cached = self.inner.session.lock().await.clone();
                Ok(cached.or_else(|| match &self.inner.cfg.auth {
                    Auth::Token(t) => Some(t.clone()),
                    _ => None,
                }))
            }
            Auth::None => Ok(None),
            Auth::Token(t) => Ok(Some(t.clone())),
            Auth::Login { username, password } => {
                let mut cached = self.inner.session.lock().await;
                if renew || cached.is_none() {
                    *cached = Some(self.login(username, password).await?);
                }
                Ok(cached.clone())
            }
        }
    }

    async fn login(&self, username: &str, password: &Secret) -> Result<Secret, ClientError> {
        let body = serde_json::json!({ "username": username, "password": password.expose() });
        let req = Req::new(Method::POST, "/api/v1/session", Ctx::new("login", None)).json(&body);
        let resp = self.once(&req, None).await.map_err(|e| self.transport_error(&req, e))?;
        if !resp.status().is_success() {
            return Err(error_from_response(resp, req.ctx).await);
        }
        let session: SessionWire = self.decode(&req, resp).await?;
        if session.token.is_empty() {
            return Err(ClientError::Decode { what: "POST /api/v1/session".into(), detail: "no token".into() });
        }
        Ok(Secret::new(session.token))
    }

    /// Send and decode a JSON answer.
    pub(crate) async fn call<T: DeserializeOwned>(&self, req: Req) -> Result<T, ClientError> {
        let resp = self.execute(&req).await?;
        self.decode(&req, resp).await
    }

    async fn decode<T: DeserializeOwned>(&self, req: &Req, resp: Response) -> Result<T, ClientError> {
        let bytes = resp.bytes().await.map_err(|e| self.transport_error(req, e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Decode { what: format!("{} {}", req.method, req.path), detail: e.to_string() })
    }

    pub(crate) fn transport_error(&self, req: &Req, e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            // Name the instance: with several, "which one is slow" is the first question.
            return ClientError::Timeout {
                what: format!("{} {} on {}", req.method, req.path, self.inner.cfg.name),
                after: self.inner.cfg.request_timeout,
            };
        }
        if e.is_decode() || e.is_body() {
            return ClientError::Decode { what: format!("{} {}", req.method, req.path), detail: chain(&e) };
        }
        ClientError::Connect { server: self.inner.server.clone(), detail: chain(&e) }
    }
}

/// Build the typed error from a non-2xx response (body read best-effort).
pub(crate) async fn error_from_response(resp: Response, ctx: Ctx) -> ClientError {
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap_or_default();
    ClientError::from_body(status, &body, ctx)
}

/// The error and its causes, without the URL (reqwest puts it in Display).
fn chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    if parts.is_empty() {
        parts.push(e.without_url_string());
    }
    parts.join(": ")
}

/// `reqwest::Error::without_url` consumes; this is its Display without the URL.
trait WithoutUrl {
    fn without_url_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_string(&self) -> String {
        if self.is_connect() {
            "connection failed".into()
        } else if self.is_timeout() {
            "timed out".into()
        } else {
            "request failed".into()
        }
    }
}
