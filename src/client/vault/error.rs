//! Typed Vault errors with what to do about each. Vault answers 403 both for a bad or expired
//! token and for a policy denial; only the body tells them apart (see `classify`). Every
//! vaultrs error is mapped in one place, `from_vaultrs`. Messages from the server are
//! sanitized; no variant ever holds a secret (nor a body that might be one).

use vaultrs::error::ClientError;

use crate::domain::sanitize::clean;
use crate::domain::ErrorKind;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VaultError {
    #[error("Vault is sealed")]
    Sealed,
    #[error("the Vault token is invalid or expired")]
    InvalidToken { path: String },
    #[error("Vault denied access to {path} (permission denied)")]
    PolicyDenied { path: String },
    #[error("no secret at {path} in Vault")]
    NotFound { path: String },
    #[error("the Vault secret {path} has no key {key:?}")]
    KeyMissing { path: String, key: String },
    #[error("Vault answered a redirect ({code}) that Flightdeck does not follow with a token")]
    Redirect { code: u16 },
    #[error("cannot reach Vault: {0}")]
    Unreachable(String),
    #[error("no Vault token: VAULT_TOKEN is unset and ~/.vault-token does not exist")]
    NoToken,
    #[error("{0}")]
    BadToken(String),
    #[error("Vault error {code} on {path}: {message}")]
    Api { code: u16, path: String, message: String },
    #[error("Vault configuration: {0}")]
    Config(String),
}

impl VaultError {
    /// What the user should do.
    pub fn hint(&self) -> String {
        match self {
            Self::Sealed => "ask a Vault operator to unseal it (`vault operator unseal`)".into(),
            Self::InvalidToken { .. } => "log in again: `vault login` (or check the AppRole/Kubernetes role)".into(),
            Self::PolicyDenied { path } => format!("ask for a Vault policy granting read on {path}"),
            Self::NotFound { path } => format!("check the vault = \"…\" reference; `vault kv get {path}` should work"),
            Self::KeyMissing { key, .. } => format!("add the key {key:?} to the secret or fix the #key part"),
            Self::Redirect { .. } => "point VAULT_ADDR (or [vault] address) at the active node".into(),
            Self::Unreachable(_) => "check VAULT_ADDR, the network and VAULT_CACERT".into(),
            Self::NoToken => {
                "run `vault login`, export VAULT_TOKEN, or set [vault] auth = \"approle\"/\"kubernetes\"".into()
            }
            Self::BadToken(_) => "the token must be one line of printable text; rewrite the file or variable".into(),
            Self::Api { .. } => "see the Vault server's log".into(),
            Self::Config(_) => "fix the [vault] section (`flightdeck config example` shows it)".into(),
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidToken { .. } | Self::NoToken | Self::BadToken(_) => ErrorKind::Unauthorized,
            Self::PolicyDenied { .. } => ErrorKind::Forbidden,
            Self::NotFound { .. } | Self::KeyMissing { .. } => ErrorKind::NotFound,
            Self::Sealed | Self::Unreachable(_) | Self::Redirect { .. } => ErrorKind::Unavailable,
            Self::Api { .. } => ErrorKind::Unavailable,
            Self::Config(_) => ErrorKind::Usage,
        }
    }
}

/// THE mapping of a vaultrs error for a request to `path` (no query) into ours: every Vault
/// call, vaultrs's own API functions and our lenient endpoints alike, ends here.
pub(crate) fn from_vaultrs(e: ClientError, path: &str) -> VaultError {
    use rustify::errors::ClientError as Rest;
    match e {
        ClientError::APIError { code, errors } => classify(code, &errors, path),
        ClientError::RestClientError { source } => match source {
            // A failed status whose body is not `{"errors":[…]}`: a redirect, a sealed health.
            Rest::ServerResponseError { code, content } => classify(code, &errors_in(content.as_deref()), path),
            Rest::RequestError { source, .. } | Rest::ResponseError { source } => unreachable(&source),
            // `content` is the body, perhaps a secret: never kept.
            Rest::ResponseParseError { source, .. } => decode_error(path, source.downcast_ref()),
            other => VaultError::Config(clean(&error_chain(&other))),
        },
        ClientError::JsonParseError { source } => decode_error(path, Some(&source)),
        // vaultrs 0.8 returns it only when a login or renewal answer has no `auth`.
        ClientError::ResponseEmptyError => api_200(path, "the answer has no auth block"),
        ClientError::ResponseDataEmptyError => api_200(path, "the answer has no data"),
        other => VaultError::Config(clean(&error_chain(&other))),
    }
}

/// The `errors` of a failed answer's body, if it has any.
fn errors_in(body: Option<&str>) -> Vec<String> {
    body.and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
        .and_then(|v| v.get("errors").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Vault answers 403 for a bad token and for a policy denial alike; the body tells them apart.
/// A policy denial is go-multierror's "1 error occurred:\n\t* permission denied\n\n" on both
/// Vault and OpenBao. A missing, unknown or expired token is Vault's "2 errors occurred: …
/// permission denied … invalid token" (`shared/reference/vault/examples/`) but OpenBao's bare
/// "permission denied" (observed from OpenBao 2.7; `fetchACLTokenEntryAndEntity` returns
/// `logical.ErrPermissionDenied` unwrapped).
fn classify(code: u16, errors: &[String], path: &str) -> VaultError {
    let path = path.split('?').next().unwrap_or(path).to_string();
    let text = errors.join("; ");
    match code {
        300..=399 => VaultError::Redirect { code },
        403 if text.contains("invalid token") || text.trim() == "permission denied" => {
            VaultError::InvalidToken { path }
        }
        403 => VaultError::PolicyDenied { path },
        // Also a KV v2 version that does not exist: 404 `{"errors":[]}`.
        404 => VaultError::NotFound { path: path.replacen("/data/", "/", 1) },
        503 if text.is_empty() || text.contains("sealed") => VaultError::Sealed,
        _ => VaultError::Api { code, path, message: clean(&text) },
    }
}

/// A request that got no answer (connect, TLS, timeout, a broken body).
fn unreachable(e: &anyhow::Error) -> VaultError {
    if super::http::timed_out(e) {
        return VaultError::Unreachable("timed out".into());
    }
    let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
    VaultError::Unreachable(clean(&chain.join(": ")))
}

/// A 2xx answer that is not the JSON expected. serde's message can quote the value it choked
/// on (a secret, perhaps), so only where it failed is kept.
pub(super) fn decode_error(path: &str, e: Option<&serde_json::Error>) -> VaultError {
    let message = match e {
        Some(e) => format!("unexpected answer ({:?} error at line {} column {})", e.classify(), e.line(), e.column()),
        None => "unexpected answer".into(),
    };
    api_200(path, &message)
}

fn api_200(path: &str, message: &str) -> VaultError {
    VaultError::Api { code: 200, path: path.to_string(), message: message.to_string() }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustify::errors::ClientError as Rest;

    /// `body` answered with status `code`, handed over both ways vaultrs does: parsed
    /// (`APIError`) where the body is `{"errors":[…]}`, raw (`ServerResponseError`) always;
    /// both must map alike.
    fn from_status(code: u16, body: &[u8], path: &str) -> VaultError {
        let content = String::from_utf8(body.to_vec()).ok();
        let raw =
            from_vaultrs(ClientError::RestClientError { source: Rest::ServerResponseError { code, content } }, path);
        if let Ok(e) = serde_json::from_slice::<vaultrs::api::EndpointError>(body) {
            assert_eq!(from_vaultrs(ClientError::APIError { code, errors: e.errors }, path), raw);
        }
        raw
    }

    /// The 403 bodies of Vault (reference examples) and OpenBao (observed) tell a bad token
    /// from a policy denial.
    #[test]
    fn a_bad_token_and_a_policy_denial_are_told_apart() {
        let vault_bad = br#"{"errors":["2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"]}"#;
        let denied = br#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#;
        let openbao_bad = br#"{"errors":["permission denied"]}"#;
        assert!(matches!(from_status(403, vault_bad, "a/data/b"), VaultError::InvalidToken { .. }));
        assert!(matches!(from_status(403, openbao_bad, "a/data/b"), VaultError::InvalidToken { .. }));
        assert!(matches!(from_status(403, denied, "a/data/b"), VaultError::PolicyDenied { .. }));
        assert_eq!(
            from_status(404, br#"{"errors":[]}"#, "s/data/x?version=3"),
            VaultError::NotFound { path: "s/x".into() }
        );
        assert_eq!(from_status(503, br#"{"errors":["Vault is sealed"]}"#, "x"), VaultError::Sealed);
        assert_eq!(from_status(307, b"", "x"), VaultError::Redirect { code: 307 });
    }

    /// A 2xx body that does not parse may be a secret: the error says where parsing failed,
    /// never what it read.
    #[test]
    fn an_unparsable_answer_never_quotes_the_body() {
        let body = r#"{"data":{"token":"x"},"metadata":"s3cret-value"}"#;
        let cause = serde_json::from_str::<vaultrs::api::kv2::responses::ReadSecretResponse>(body)
            .expect_err("metadata is not an object");
        // serde's own message quotes the value; ours must not.
        assert!(cause.to_string().contains("s3cret"), "{cause}");
        let e = from_vaultrs(
            ClientError::RestClientError {
                source: Rest::ResponseParseError { source: cause.into(), content: Some(body.into()) },
            },
            "secret/data/x",
        );
        let VaultError::Api { code: 200, path, message } = &e else { panic!("{e:?}") };
        assert_eq!(path, "secret/data/x");
        assert!(message.starts_with("unexpected answer (Data error at line 1 column"), "{message}");
        assert!(!format!("{e} {e:?}").contains("s3cret"), "{e:?}");
    }
}
