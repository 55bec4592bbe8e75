//! Typed client errors: a kind the UI and CLI branch on, the server's (sanitized) reason,
//! and a hint of what to do. Parses both Argo CD error bodies (unary grpc-gateway
//! `{"error","code","message"}` and the stream chunk `{"error":{…,"message",…}}`) and the
//! text/plain bodies of the non-gateway answers (415, routing 404). Never holds a token.

use std::time::Duration;

use serde_json::Value;

use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure};

/// What a request was trying to do, so a refusal can say which permission is missing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ctx {
    /// The RBAC action the request needs (`get`, `sync`, `update`, `action`, …).
    pub action: String,
    /// The application concerned, if any.
    pub app: Option<String>,
}

impl Ctx {
    pub fn new(action: &str, app: Option<&str>) -> Self {
        Self { action: action.to_string(), app: app.map(str::to_string) }
    }
}

/// Every way a call to Argo CD can fail.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a non-2xx status. `message` is already sanitized.
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String, ctx: Ctx },
    /// Connection refused, DNS, TLS handshake, reset.
    #[error("cannot reach {server}: {detail}")]
    Connect { server: String, detail: String },
    /// The request (or the follow of an operation) took too long.
    #[error("timed out after {}s: {what}", after.as_secs())]
    Timeout { what: String, after: Duration },
    /// The answer did not match the contract.
    #[error("unexpected answer to {what}: {detail}")]
    Decode { what: String, detail: String },
    /// Bad configuration on our side (CA file unreadable, bad URL).
    #[error("configuration: {0}")]
    Config(String),
    /// Read-only mode refused a write before it was sent (`client::writes`).
    #[error("{}", .0.message)]
    ReadOnly(Failure),
    /// Something answers at the server URL, but not Argo CD's API at that path: what was
    /// asked first, and what `/api/version` answered there.
    #[error("{server} is not an Argo CD API: {tried} answered {first}, and {probe} answered {answer}")]
    NotArgo { server: String, tried: String, first: String, probe: String, answer: String },
}

impl ClientError {
    /// An HTTP refusal built from the status and the raw body.
    pub fn from_body(status: u16, body: &[u8], ctx: Ctx) -> Self {
        let message = parse_error_body(body).unwrap_or_else(|| default_reason(status).to_string());
        Self::Http { status, message: clean(&message), ctx }
    }

    /// The coarse kind the UI branches on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Http { status, .. } => kind_of_status(*status),
            Self::Connect { .. } => ErrorKind::Unavailable,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Decode { .. } => ErrorKind::Decode,
            Self::Config(_) => ErrorKind::Usage,
            Self::ReadOnly(_) => ErrorKind::ReadOnly,
            // Unreachable as far as the API goes (exit 4), though something answered.
            Self::NotArgo { .. } => ErrorKind::Unavailable,
        }
    }

    /// HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The failure as the UI and CLI show it: sanitized message plus a hint.
    pub fn to_failure(&self) -> Failure {
        if let Self::ReadOnly(f) = self {
            return f.clone();
        }
        let failure = Failure::new(self.kind(), clean(&self.to_string()));
        match self.hint() {
            Some(h) => failure.with_hint(h),
            None => failure,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            Self::Http { status, message, ctx } => http_hint(*status, message, ctx),
            Self::Connect { server, detail } => Some(if looks_like_tls(detail) {
                format!("TLS to {server} failed: set the CA file (ca_file) or use --insecure for a test server")
            } else {
                format!("check the server URL ({server}) and the network or VPN")
            }),
            Self::Timeout { .. } => {
                Some("the server is slow or unreachable; retry, or raise the request timeout in the config".into())
            }
            Self::Decode { .. } => {
                Some("the answer does not look like Argo CD's API; check that the server URL points at Argo CD".into())
            }
            Self::Config(_) => Some("fix the instance's configuration and start again".into()),
            Self::ReadOnly(f) => f.hint.clone(),
            Self::NotArgo { .. } => Some(
                "check the server URL and its path (the instance's server, or --server and --grpc-web-root-path)"
                    .into(),
            ),
        }
    }
}

fn looks_like_tls(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    d.contains("certificate") || d.contains("tls") || d.contains("handshake")
}

/// Status → kind, following grpc-gateway's code → HTTP mapping (notes §5).
pub fn kind_of_status(status: u16) -> ErrorKind {
    match status {
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        408 | 504 => ErrorKind::Timeout,
        429 | 500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Rejected,
    }
}

fn default_reason(status: u16) -> &'static str {
    match status {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        415 => "unsupported media type",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => "request failed",
    }
}

/// What to do about a refusal. Matches the exact Argo CD texts listed in notes §5.
fn http_hint(status: u16, message: &str, ctx: &Ctx) -> Option<String> {
    let m = message.to_ascii_lowercase();
    let app = ctx.app.as_deref().unwrap_or("this app");
    let hint = if m.contains("rollback cannot be initiated when auto-sync is enabled") {
        "pause auto-sync first (in the console choose 'pause auto-sync'; headless: --pause-auto-sync)".to_string()
    } else if m.contains("another operation is already in progress") {
        "wait for it, or terminate it (t in the console)".to_string()
    } else if m.contains("no operation is in progress") {
        "nothing to terminate: the operation already finished".to_string()
    } else if m.contains("blocked by sync window") {
        "a sync window forbids syncing now; wait for it to open or ask for an override".to_string()
    } else if m.contains("application is deleting") {
        "the app is being deleted; nothing to do".to_string()
    } else {
        match status {
            401 if m.contains("invalid username or password") => {
                "check the username and password of the instance's login".to_string()
            }
            401 => {
                "check the token (--auth-token, ARGOCD_AUTH_TOKEN or the config file); it may have expired".to_string()
            }
            403 => format!("you lack {} permission on {app}; ask the Argo CD admins for it", ctx.action),
            404 => format!("{app} was not found: it may have been deleted or renamed"),
            409 => "the app changed meanwhile; retry".to_string(),
            415 => "the server refused the content type: a flightdeck bug, please report it".to_string(),
            429 => "the server is throttling requests; retry shortly".to_string(),
            500..=599 => "the Argo CD server failed; retry, or check its logs".to_string(),
            _ => return None,
        }
    };
    Some(hint)
}

/// The message in an Argo CD error body: unary `{"error","code","message"}`, stream chunk
/// `{"error":{"message",…}}` (also after `data: ` in SSE), or plain text.
pub fn parse_error_body(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let json_part = trimmed.strip_prefix("data:").map(str::trim).unwrap_or(trimmed);
    if let Ok(v) = serde_json::from_str::<Value>(json_part) {
        return message_of_json(&v);
    }
    if trimmed.is_empty() {
        return None;
    }
    // Plain-text bodies (415 `Invalid content type`, gateway 404) are short; cap anything else.
    Some(trimmed.chars().take(300).collect())
}

fn message_of_json(v: &Value) -> Option<String> {
    if let Some((_, m)) = stream_error(v) {
        return Some(m);
    }
    let pick = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    pick("message").or_else(|| pick("error"))
}

/// A stream error chunk `{"error":{"grpc_code","http_code","message","http_status"}}`:
/// its HTTP code (0 when absent) and message.
pub fn stream_error(v: &Value) -> Option<(u16, String)> {
    let e = v.get("error")?.as_object()?;
    let code = e.get("http_code").and_then(Value::as_u64).and_then(|c| u16::try_from(c).ok()).unwrap_or(0);
    let message = e.get("message").and_then(Value::as_str).unwrap_or("stream error").to_string();
    Some((code, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16, body: &str, action: &str) -> ClientError {
        ClientError::from_body(status, body.as_bytes(), Ctx::new(action, Some("payment-prod")))
    }

    #[test]
    fn parses_unary_stream_and_text_bodies() {
        let unary = br#"{"error":"permission denied","code":7,"message":"permission denied"}"#;
        assert_eq!(parse_error_body(unary).as_deref(), Some("permission denied"));
        let chunk = br#"{"error":{"grpc_code":16,"http_code":401,"message":"no session information","http_status":"Unauthorized"}}"#;
        assert_eq!(parse_error_body(chunk).as_deref(), Some("no session information"));
        let sse = format!("data: {} \n\n", String::from_utf8_lossy(chunk));
        assert_eq!(parse_error_body(sse.as_bytes()).as_deref(), Some("no session information"));
        assert_eq!(parse_error_body(b"Invalid content type\n").as_deref(), Some("Invalid content type"));
        assert_eq!(parse_error_body(b"  "), None);
        let v: Value = serde_json::from_slice(chunk).unwrap_or_default();
        assert_eq!(stream_error(&v), Some((401, "no session information".into())));
    }

    #[test]
    fn kinds_follow_status() {
        assert_eq!(http(401, "{}", "get").kind(), ErrorKind::Unauthorized);
        assert_eq!(http(403, "{}", "get").kind(), ErrorKind::Forbidden);
        assert_eq!(http(400, "{}", "get").kind(), ErrorKind::Rejected);
        assert_eq!(http(415, "Invalid content type", "sync").kind(), ErrorKind::Rejected);
        assert_eq!(http(503, "", "get").kind(), ErrorKind::Unavailable);
        assert_eq!(http(504, "", "get").kind(), ErrorKind::Timeout);
        assert_eq!(http(409, "", "get").kind(), ErrorKind::Conflict);
        let c = ClientError::Connect { server: "http://x".into(), detail: "refused".into() };
        assert_eq!(c.kind(), ErrorKind::Unavailable);
        assert!(c.to_failure().hint.unwrap_or_default().contains("server URL"));
    }

    #[test]
    fn hints_say_what_to_do() {
        let f = http(400, r#"{"error":"rollback cannot be initiated when auto-sync is enabled","code":9,"message":"rollback cannot be initiated when auto-sync is enabled"}"#, "sync").to_failure();
        assert!(f.hint.as_deref().unwrap_or_default().contains("--pause-auto-sync"), "{f:?}");
        let f = http(400, r#"{"message":"another operation is already in progress"}"#, "sync").to_failure();
        assert!(f.hint.as_deref().unwrap_or_default().contains("terminate"));
        let f = http(
            403,
            r#"{"message":"permission denied: applications, sync, default/payment-prod, sub: viewer"}"#,
            "sync",
        )
        .to_failure();
        assert_eq!(f.kind, ErrorKind::Forbidden);
        assert_eq!(f.hint.as_deref(), Some("you lack sync permission on payment-prod; ask the Argo CD admins for it"));
        let f = http(401, r#"{"message":"invalid session: token is expired"}"#, "get").to_failure();
        assert!(f.hint.as_deref().unwrap_or_default().contains("ARGOCD_AUTH_TOKEN"));
        assert!(f.message.contains("token is expired"));
    }

    #[test]
    fn server_text_is_sanitized() {
        let e = http(400, "{\"message\":\"bad \\u001b[31mred\\u001b[0m\\nline\"}", "sync");
        let f = e.to_failure();
        assert!(!f.message.contains('\u{1b}') && !f.message.contains('\n'), "{f:?}");
        assert!(f.message.contains("bad red line"));
    }
}
