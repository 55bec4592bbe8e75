//! Typed Vault errors with what to do about each. Vault answers 403 both for a bad or expired
//! token and for a policy denial; only the body tells them apart ("invalid token").
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

/// Map a vaultrs error for a request to `path`.
pub(crate) fn from_vaultrs(e: vaultrs::error::ClientError, path: &str) -> VaultError {
    use vaultrs::error::ClientError as E;
    let path = path.to_string();
    match e {
        E::APIError { code, errors } => from_status(code, &errors, path),
        E::RestClientError { source } => match source {
            rustify::errors::ClientError::ServerResponseError { code, content } => {
                let errors: Vec<String> = content
                    .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
                    .and_then(|v| v.get("errors").cloned())
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default();
                from_status(code, &errors, path)
            }
            other => VaultError::Unreachable(clean(&error_chain(&other))),
        },
        E::ResponseEmptyError | E::ResponseDataEmptyError | E::JsonParseError { .. } => {
            VaultError::Api { code: 200, path, message: "unexpected answer".into() }
        }
        other => VaultError::Config(clean(&other.to_string())),
    }
}

fn from_status(code: u16, errors: &[String], path: String) -> VaultError {
    let text = errors.join("; ");
    match code {
        300..=399 => VaultError::Redirect { code },
        403 if text.contains("invalid token") => VaultError::InvalidToken { path },
        403 => VaultError::PolicyDenied { path },
        404 => VaultError::NotFound { path: path.replacen("/data/", "/", 1) },
        503 if text.is_empty() || text.contains("sealed") => VaultError::Sealed,
        _ => VaultError::Api { code, path, message: clean(&text) },
    }
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
