//! The `[vault]` section and per-instance Vault references (`vault = "secret/argocd/prod#token"`).
//! Settings follow Vault's own CLI: a key in the file wins, else `VAULT_ADDR`, `VAULT_NAMESPACE`,
//! `VAULT_CACERT`, `VAULT_SKIP_VERIFY` (empty = false, as the CLI parses it — NOT vaultrs's
//! "anything but 0/f/false disables verification"), else the CLI's defaults.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::Secret;

/// Vault CLI's default address.
pub const DEFAULT_VAULT_ADDR: &str = "https://127.0.0.1:8200";
/// Where a pod's service-account token is mounted.
pub const K8S_JWT_FILE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/// vaultrs has no default timeout; a hung Vault must not hang start-up.
pub const VAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A KV v2 secret field: mount, path inside the mount, key in the secret's map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultRef {
    pub mount: String,
    pub path: String,
    pub key: String,
}

impl VaultRef {
    /// `mount/path/…#key` (key defaults to `token`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (loc, key) = s.split_once('#').unwrap_or((s, "token"));
        let loc = loc.trim_matches('/');
        let (mount, path) = loc.split_once('/').ok_or("expected mount/path#key, e.g. \"secret/argocd/prod#token\"")?;
        if mount.is_empty() || path.is_empty() || key.is_empty() {
            return Err("expected mount/path#key, e.g. \"secret/argocd/prod#token\"".into());
        }
        if s.chars().any(char::is_control) || path.split('/').any(|seg| seg == ".." || seg == ".") {
            return Err("the path holds control characters or . / .. segments".into());
        }
        Ok(Self { mount: mount.into(), path: path.into(), key: key.into() })
    }
}

impl std::fmt::Display for VaultRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}#{}", self.mount, self.path, self.key)
    }
}

/// How Flightdeck logs in to Vault.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum VaultAuth {
    /// `VAULT_TOKEN`, else `~/.vault-token` (read when first needed).
    #[default]
    Token,
    /// AppRole: role_id plus a secret_id from an env var or a file.
    AppRole { mount: String, role_id: String, secret_id: Secret },
    /// Kubernetes service account: role plus the JWT file.
    Kubernetes { mount: String, role: String, jwt_file: PathBuf },
}

/// The effective Vault settings.
#[derive(Clone, Debug, PartialEq)]
pub struct VaultSettings {
    pub address: String,
    pub namespace: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub skip_verify: bool,
    pub auth: VaultAuth,
    pub timeout: Duration,
}

impl Default for VaultSettings {
    fn default() -> Self {
        Self {
            address: DEFAULT_VAULT_ADDR.into(),
            namespace: None,
            ca_cert: None,
            skip_verify: false,
            auth: VaultAuth::Token,
            timeout: VAULT_TIMEOUT,
        }
    }
}

/// `VAULT_SKIP_VERIFY` as Vault's CLI reads it: unset or empty → false, else a Go bool.
pub fn parse_skip_verify(v: Option<&str>) -> Result<bool, String> {
    match v.map(str::trim) {
        None | Some("") => Ok(false),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(true),
        Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(false),
        Some(other) => Err(format!("VAULT_SKIP_VERIFY={other:?} is not true or false")),
    }
}

/// The `[vault]` table as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVault {
    pub address: Option<Spanned<String>>,
    pub namespace: Option<String>,
    pub ca_cert: Option<Spanned<String>>,
    pub skip_verify: Option<bool>,
    pub auth: Option<Spanned<String>>,
    pub mount: Option<String>,
    pub role_id: Option<Spanned<String>>,
    pub secret_id_env: Option<Spanned<String>>,
    pub secret_id_file: Option<Spanned<String>>,
    pub role: Option<Spanned<String>>,
    pub jwt_file: Option<String>,
    pub timeout_secs: Option<Spanned<u64>>,
}

/// Reports an error at a span of the config text (file:line), with a hint.
pub(super) type SpanErr<'a> = &'a dyn Fn(std::ops::Range<usize>, String, String) -> super::ConfigError;

/// Build the settings from the `[vault]` table (absent = all defaults) and the environment.
pub(super) fn settings(
    raw: RawVault,
    env: super::argocd_cli::Env,
    expand: &dyn Fn(&str) -> PathBuf,
    err: SpanErr,
) -> Result<VaultSettings, super::ConfigError> {
    let var = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let mut s = VaultSettings::default();
    if let Some(a) = raw.address {
        s.address = a.get_ref().clone();
        check_addr(&s.address)
            .map_err(|w| err(a.span(), w, "use e.g. address = \"https://vault.example.com:8200\"".into()))?;
    } else if let Some(a) = var("VAULT_ADDR") {
        check_addr(&a).map_err(|w| {
            super::ConfigError::general(format!("VAULT_ADDR: {w}"), "export VAULT_ADDR=https://vault.example.com:8200")
        })?;
        s.address = a;
    }
    s.namespace = raw.namespace.or_else(|| var("VAULT_NAMESPACE")).filter(|n| !n.is_empty());
    s.ca_cert = match (raw.ca_cert, var("VAULT_CACERT")) {
        (Some(c), _) => {
            let p = expand(c.get_ref());
            if !p.is_file() {
                return Err(err(
                    c.span(),
                    format!("Vault CA file {} does not exist", p.display()),
                    "give the path of a PEM file, or remove ca_cert".into(),
                ));
            }
            Some(p)
        }
        (None, Some(c)) => Some(PathBuf::from(c)),
        (None, None) => None,
    };
    s.skip_verify = match raw.skip_verify {
        Some(b) => b,
        None => parse_skip_verify(env("VAULT_SKIP_VERIFY").as_deref())
            .map_err(|w| super::ConfigError::general(w, "use VAULT_SKIP_VERIFY=true or false (or unset it)"))?,
    };
    if let Some(t) = &raw.timeout_secs {
        if *t.get_ref() == 0 {
            return Err(err(t.span(), "timeout_secs must be at least 1".into(), "use e.g. timeout_secs = 10".into()));
        }
        s.timeout = Duration::from_secs(*t.get_ref());
    }
    let method = raw.auth.as_ref().map_or("token", |a| a.get_ref().as_str());
    let auth_span = || raw.auth.as_ref().map(Spanned::span).unwrap_or(0..0);
    s.auth = match method {
        "token" => VaultAuth::Token,
        "approle" => {
            let Some(role_id) = raw.role_id.as_ref() else {
                return Err(err(
                    auth_span(),
                    "auth = \"approle\" needs role_id".into(),
                    "add role_id = \"…\" and secret_id_env = \"VAR\" (or secret_id_file)".into(),
                ));
            };
            let secret_id = match (&raw.secret_id_env, &raw.secret_id_file) {
                (Some(v), None) => match var(v.get_ref()) {
                    Some(x) => super::credentials::checked(x.trim(), "secret_id")
                        .map_err(|w| err(v.span(), w, format!("export {}=<secret_id>", v.get_ref())))?,
                    None => {
                        return Err(err(
                            v.span(),
                            format!("environment variable {} is not set", v.get_ref()),
                            format!("export {}=<secret_id> before starting Flightdeck", v.get_ref()),
                        ))
                    }
                },
                (None, Some(f)) => super::credentials::read_secret_file(&expand(f.get_ref()))
                    .map_err(|w| err(f.span(), w, "fix the path or the file's mode (0600)".into()))?,
                _ => {
                    return Err(err(
                        role_id.span(),
                        "approle needs exactly one of secret_id_env, secret_id_file".into(),
                        "add secret_id_env = \"VAR\"".into(),
                    ))
                }
            };
            VaultAuth::AppRole {
                mount: raw.mount.clone().unwrap_or_else(|| "approle".into()),
                role_id: role_id.get_ref().clone(),
                secret_id,
            }
        }
        "kubernetes" => {
            let Some(role) = raw.role.as_ref() else {
                return Err(err(
                    auth_span(),
                    "auth = \"kubernetes\" needs role".into(),
                    "add role = \"<vault role bound to the service account>\"".into(),
                ));
            };
            VaultAuth::Kubernetes {
                mount: raw.mount.clone().unwrap_or_else(|| "kubernetes".into()),
                role: role.get_ref().clone(),
                jwt_file: raw.jwt_file.as_deref().map_or_else(|| PathBuf::from(K8S_JWT_FILE), expand),
            }
        }
        other => {
            return Err(err(
                auth_span(),
                format!("unknown Vault auth method {other:?}"),
                "use \"token\", \"approle\" or \"kubernetes\"".into(),
            ))
        }
    };
    Ok(s)
}

/// The `[vault]` table of an AppRole login whose secret id is kept in `secret_id_file`
/// (relative paths are read beside the config file), as TOML text to append to a config.
pub fn approle_toml(address: &str, mount: &str, role_id: &str, secret_id_file: &str) -> String {
    #[derive(serde::Serialize)]
    struct Out<'a> {
        vault: OutVault<'a>,
    }
    #[derive(serde::Serialize)]
    struct OutVault<'a> {
        address: &'a str,
        auth: &'a str,
        mount: &'a str,
        role_id: &'a str,
        secret_id_file: &'a str,
    }
    let out = Out { vault: OutVault { address, auth: "approle", mount, role_id, secret_id_file } };
    // Plain strings cannot fail to serialize; say so in the file if it ever does.
    toml::to_string(&out).unwrap_or_else(|e| format!("# Flightdeck could not write the [vault] table: {e}\n"))
}

fn check_addr(a: &str) -> Result<(), String> {
    match url::Url::parse(a) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(format!("Vault address {a:?} needs http:// or https:// and a host")),
        Err(e) => Err(format!("bad Vault address {a:?}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_parse_with_default_key() {
        let r = VaultRef::parse("secret/argocd/prod#token").unwrap();
        assert_eq!((r.mount.as_str(), r.path.as_str(), r.key.as_str()), ("secret", "argocd/prod", "token"));
        assert_eq!(VaultRef::parse("kv/x").unwrap().key, "token");
        assert!(VaultRef::parse("secret").is_err());
        assert!(VaultRef::parse("secret/../x").is_err());
        assert!(VaultRef::parse("secret/x#").is_err());
    }

    #[test]
    fn skip_verify_reads_like_vaults_cli() {
        assert_eq!(parse_skip_verify(None), Ok(false));
        assert_eq!(parse_skip_verify(Some("")), Ok(false), "empty must NOT disable verification");
        assert_eq!(parse_skip_verify(Some("true")), Ok(true));
        assert_eq!(parse_skip_verify(Some("0")), Ok(false));
        assert!(parse_skip_verify(Some("no")).is_err());
    }
}
