//! `[engine]` and `[conductor]`: which engine keeps requests, decisions and runs — the
//! embedded Git-ref ledger (the default) or Conductor — and how to reach Conductor: its base
//! URL (the API is under `/api`), optional Orkes application credentials (key id + secret,
//! the secret from the environment or Vault, exchanged at `/api/token`), the task domain, the
//! worker id and how many tasks one `flightdeck worker` runs at once. The variables the
//! official Conductor SDKs read (`CONDUCTOR_SERVER_URL`, `CONDUCTOR_AUTH_KEY`,
//! `CONDUCTOR_AUTH_SECRET`) fill what the file leaves out.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::vault::{SpanErr, VaultRef};
use super::Secret;

/// Which engine keeps requests, decisions and runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngineKind {
    /// The approvals ledger on a Git ref of the GitOps remote.
    #[default]
    Embedded,
    /// Workflow executions, HUMAN approval tasks and `flightdeck worker` on Conductor.
    Conductor,
}

/// Where the Orkes application secret comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum KeySecret {
    Value(Secret),
    Vault(VaultRef),
}

/// The effective `[conductor]` settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ConductorSettings {
    /// The server's base URL; the API is `<url>/api`.
    pub url: String,
    pub key_id: Option<String>,
    pub key_secret: Option<KeySecret>,
    /// Task domain the worker polls and workflows route Flightdeck's tasks to.
    pub domain: Option<String>,
    /// This worker's id in polls (default: host name and process id).
    pub worker_id: Option<String>,
    /// Tasks one worker runs at once.
    pub concurrency: usize,
    pub request_timeout: Duration,
}

impl ConductorSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_id: None,
            key_secret: None,
            domain: None,
            worker_id: None,
            concurrency: 4,
            request_timeout: Duration::from_secs(30),
        }
    }

    /// `http://host:8080/api`.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.url.trim_end_matches('/').trim_end_matches("/api"))
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEngine {
    kind: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConductor {
    url: Option<Spanned<String>>,
    key_id: Option<String>,
    key_secret_env: Option<Spanned<String>>,
    key_secret_vault: Option<Spanned<String>>,
    domain: Option<String>,
    worker_id: Option<String>,
    concurrency: Option<Spanned<usize>>,
    timeout_secs: Option<u64>,
}

/// Check both sections; errors point at the key, with what to do.
pub(super) fn settings(
    engine: Option<RawEngine>,
    raw: Option<RawConductor>,
    env: &dyn Fn(&str) -> Option<String>,
    err: SpanErr,
) -> Result<(EngineKind, Option<ConductorSettings>), super::ConfigError> {
    let kind = match engine.and_then(|e| e.kind) {
        None => EngineKind::Embedded,
        Some(k) => match k.get_ref().as_str() {
            "embedded" => EngineKind::Embedded,
            "conductor" => EngineKind::Conductor,
            other => {
                return Err(err(
                    k.span(),
                    format!("engine kind {other:?} is not one Flightdeck knows"),
                    "use kind = \"embedded\" (the Git ledger) or kind = \"conductor\"".into(),
                ))
            }
        },
    };
    let raw_given = raw.is_some();
    let raw = raw.unwrap_or_default();
    let env_url = env("CONDUCTOR_SERVER_URL").filter(|u| !u.trim().is_empty());
    let url = match (&raw.url, env_url) {
        (Some(u), _) => {
            let text = u.get_ref().trim().to_string();
            if crate::config::server::base_url(&text, false, None).is_err() || !text.starts_with("http") {
                return Err(err(
                    u.span(),
                    format!("{text:?} is not a Conductor URL"),
                    "use e.g. url = \"https://conductor.example.com\" (the API is under /api)".into(),
                ));
            }
            Some(text)
        }
        (None, Some(e)) => Some(e.trim().to_string()),
        (None, None) => None,
    };
    let Some(url) = url else {
        if kind == EngineKind::Conductor || raw_given {
            let span = raw.url.as_ref().map(|u| u.span()).unwrap_or(0..0);
            return Err(err(
                span,
                "the Conductor engine needs the server's URL".into(),
                "set [conductor] url = \"https://conductor.example.com\" (or CONDUCTOR_SERVER_URL)".into(),
            ));
        }
        return Ok((kind, None));
    };
    let mut s = ConductorSettings::new(url);
    s.key_id = raw.key_id.clone().or_else(|| env("CONDUCTOR_AUTH_KEY")).filter(|k| !k.trim().is_empty());
    if let Some(v) = &raw.key_secret_vault {
        let r = VaultRef::parse(v.get_ref()).map_err(|w| {
            err(
                v.span(),
                format!("bad vault reference: {w}"),
                "write e.g. key_secret_vault = \"secret/conductor#secret\"".into(),
            )
        })?;
        s.key_secret = Some(KeySecret::Vault(r));
    } else if let Some(name) = &raw.key_secret_env {
        let value = env(name.get_ref()).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
            err(
                name.span(),
                format!("environment variable {} is not set", name.get_ref()),
                format!("export {}=<the application secret>, or use key_secret_vault", name.get_ref()),
            )
        })?;
        s.key_secret = Some(KeySecret::Value(Secret::new(value.trim())));
    } else if let Some(v) = env("CONDUCTOR_AUTH_SECRET").filter(|v| !v.trim().is_empty()) {
        s.key_secret = Some(KeySecret::Value(Secret::new(v.trim())));
    }
    if s.key_id.is_some() != s.key_secret.is_some() {
        return Err(err(
            raw.url.as_ref().map(|u| u.span()).unwrap_or(0..0),
            "Conductor credentials need both a key id and a secret".into(),
            "set key_id and key_secret_env (or key_secret_vault), or neither for a server without auth".into(),
        ));
    }
    s.domain = raw.domain.filter(|d| !d.trim().is_empty());
    s.worker_id = raw.worker_id.filter(|w| !w.trim().is_empty());
    if let Some(c) = raw.concurrency {
        if *c.get_ref() == 0 || *c.get_ref() > 256 {
            return Err(err(c.span(), "concurrency must be 1 to 256".into(), "use e.g. concurrency = 4".into()));
        }
        s.concurrency = c.into_inner();
    }
    if let Some(t) = raw.timeout_secs.filter(|t| *t > 0) {
        s.request_timeout = Duration::from_secs(t);
    }
    Ok((kind, Some(s)))
}

#[derive(Serialize)]
pub(super) struct OutEngine {
    kind: &'static str,
}

impl OutEngine {
    pub(super) fn of(kind: EngineKind) -> Option<Self> {
        (kind == EngineKind::Conductor).then_some(Self { kind: "conductor" })
    }
}

/// `[conductor]` as written back (a key secret given by value is not written: it came from
/// the environment and stays there).
#[derive(Serialize)]
pub(super) struct OutConductor<'a> {
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_secret_vault: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    domain: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    worker_id: Option<&'a str>,
    concurrency: usize,
    timeout_secs: u64,
}

impl<'a> OutConductor<'a> {
    pub(super) fn of(s: &'a ConductorSettings) -> Self {
        let vault = match &s.key_secret {
            Some(KeySecret::Vault(r)) => Some(format!("{}/{}#{}", r.mount, r.path, r.key)),
            _ => None,
        };
        Self {
            url: &s.url,
            key_id: s.key_id.as_deref(),
            key_secret_vault: vault,
            domain: s.domain.as_deref(),
            worker_id: s.worker_id.as_deref(),
            concurrency: s.concurrency,
            timeout_secs: s.request_timeout.as_secs().max(1),
        }
    }
}
