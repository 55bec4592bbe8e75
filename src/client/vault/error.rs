//! Typed Vault errors with what to do about each. Vault answers 403 both for a bad or expired
//! token and for a policy denial; only the body tells them apart (see `classify`).
//! Messages from the server are sanitized; no variant ever holds a secret.

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

/// A failed answer (`{"errors":[…]}`) to `path` with HTTP status `code`.
pub(crate) fn from_status(code: u16, body: &[u8], path: &str) -> VaultError {
    let errors: Vec<String> = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("errors").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    classify(code, &errors, path.split('?').next().unwrap_or(path).to_string())
}

/// Vault answers 403 for a bad token and for a policy denial alike; the body tells them apart.
/// A policy denial is go-multierror's "1 error occurred:\n\t* permission denied\n\n" on both
/// Vault and OpenBao. A missing, unknown or expired token is Vault's "2 errors occurred: …
/// permission denied … invalid token" (`shared/reference/vault/examples/`) but OpenBao's bare
/// "permission denied" (observed from OpenBao 2.7; `fetchACLTokenEntryAndEntity` returns
/// `logical.ErrPermissionDenied` unwrapped).
fn classify(code: u16, errors: &[String], path: String) -> VaultError {
    let text = errors.join("; ");
    match code {
        300..=399 => VaultError::Redirect { code },
        403 if text.contains("invalid token") || text.trim() == "permission denied" => {
            VaultError::InvalidToken { path }
        }
        403 => VaultError::PolicyDenied { path },
        404 => VaultError::NotFound { path: path.replacen("/data/", "/", 1) },
        503 if text.is_empty() || text.contains("sealed") => VaultError::Sealed,
        _ => VaultError::Api { code, path, message: clean(&text) },
    }
}

/// A request that got no answer (connect, TLS, timeout, a broken body).
pub(crate) fn from_transport(e: &reqwest::Error) -> VaultError {
    if e.is_timeout() {
        return VaultError::Unreachable("timed out".into());
    }
    VaultError::Unreachable(clean(&error_chain(e)))
}

/// A 2xx answer that is not the JSON expected. serde's message can quote the value it choked
/// on (a secret, perhaps), so only where it failed is kept.
pub(crate) fn decode_error(code: u16, path: &str, e: &serde_json::Error) -> VaultError {
    let message = format!("unexpected answer ({:?} error at line {} column {})", e.classify(), e.line(), e.column());
    VaultError::Api { code, path: path.split('?').next().unwrap_or(path).to_string(), message }
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
}
