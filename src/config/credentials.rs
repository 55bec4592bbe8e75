//! Where credentials come from, and reading them safely.
//!
//! The documented order for an instance's Argo CD token:
//! 1. `--auth-token`, then `ARGOCD_AUTH_TOKEN` (single instance, no config file);
//! 2. the instance's one explicit source in the config file: `token`, `token_env`,
//!    `token_file`, `vault = "mount/path#key"`, `username` (+ `password_env`/`password`, or a
//!    masked prompt), or `argocd_context`;
//! 3. the argocd CLI's config (current context, or `--argocd-context`): where `argocd login
//!    --sso` leaves its token, since SSO cannot run in a terminal.
//!
//! The Vault token for `auth = "token"`: `VAULT_TOKEN`, then `~/.vault-token` (as Vault's CLI).
//! Every token read from a file or variable is trimmed and must be one line of printable text:
//! vaultrs 0.8 panics on a header value with control characters.

use std::path::{Path, PathBuf};

use super::argocd_cli::Env;
use super::Secret;

/// Git push credentials (`[gitops]`): none = the user's SSH agent and git config; else a
/// token from Vault for HTTPS remotes (see `client::git_credentials`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct GitCredentials {
    /// `https_token_vault = "secret/git/github#token"`.
    pub https_token_vault: Option<super::VaultRef>,
    /// `https_username`: the name git sends with the token (default `x-access-token`).
    pub https_username: Option<String>,
}

/// The `[gitops]` section as written.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGitops {
    pub https_token_vault: Option<toml::Spanned<String>>,
    pub https_username: Option<String>,
}

/// Check the `[gitops]` section; `err(span, what, hint)` builds a file:line error.
pub(crate) fn git_settings<E>(
    raw: RawGitops,
    err: &dyn Fn(std::ops::Range<usize>, String, String) -> E,
) -> Result<GitCredentials, E> {
    let https_token_vault = match &raw.https_token_vault {
        Some(v) => Some(super::VaultRef::parse(v.get_ref()).map_err(|w| {
            err(
                v.span(),
                format!("bad vault reference: {w}"),
                "write e.g. https_token_vault = \"secret/git/github#token\"".into(),
            )
        })?),
        None => None,
    };
    Ok(GitCredentials { https_token_vault, https_username: raw.https_username.filter(|u| !u.trim().is_empty()) })
}

/// The order above, one line each, for `doctor` and the docs.
pub const SOURCE_ORDER: &[&str] = &[
    "--auth-token flag, then ARGOCD_AUTH_TOKEN (single instance)",
    "the instance's source in the config file: token, token_env, token_file, vault, username, argocd_context",
    "the argocd CLI config (argocd login; for SSO: argocd login <server> --sso)",
];

/// A trimmed secret that is non-empty and one line of printable text.
pub fn checked(raw: &str, what: &str) -> Result<Secret, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("the {what} holds control characters or several lines"));
    }
    Ok(Secret::new(t))
}

/// Read a secret file: refuse one that group or others can read (it would leak the secret),
/// then trim and check it. Errors name the file, never its content.
pub fn read_secret_file(p: &Path) -> Result<Secret, String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} is readable by others (mode {:o}); run `chmod 600 {}`",
                p.display(),
                mode & 0o777,
                p.display()
            ));
        }
    }
    let raw = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    checked(&raw, &format!("token in {}", p.display()))
}

/// `~/.vault-token` under `HOME`.
pub fn vault_token_file(env: Env) -> Option<PathBuf> {
    env("HOME").filter(|h| !h.is_empty()).map(|h| Path::new(&h).join(".vault-token"))
}

/// The Vault token for token auth and where it came from: `VAULT_TOKEN`, else
/// `~/.vault-token`; `Ok(None)` when neither exists.
pub fn vault_token(env: Env) -> Result<Option<(Secret, String)>, String> {
    if let Some(v) = env("VAULT_TOKEN").filter(|v| !v.is_empty()) {
        return checked(&v, "VAULT_TOKEN").map(|s| Some((s, "VAULT_TOKEN".to_string())));
    }
    match vault_token_file(env) {
        Some(p) if p.exists() => read_secret_file(&p).map(|s| Some((s, p.display().to_string()))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_trimmed_and_checked() {
        assert_eq!(checked(" abc\n", "t").unwrap().expose(), "abc");
        assert!(checked("a\nb", "t").is_err());
        assert!(checked("a\x7fb", "t").is_err());
        assert!(checked(" \n", "t").is_err());
    }

    #[test]
    fn vault_token_file_with_trailing_newline_is_read_and_mode_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".vault-token");
        std::fs::write(&p, "hvs.canary-token\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = read_secret_file(&p).unwrap_err();
            assert!(e.contains("chmod 600") && !e.contains("canary"), "{e}");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let home = dir.path().to_string_lossy().into_owned();
        let env = move |k: &str| (k == "HOME").then(|| home.clone());
        let (tok, src) = vault_token(&env).unwrap().unwrap();
        assert_eq!(tok.expose(), "hvs.canary-token");
        assert!(src.ends_with(".vault-token"));
        let env2 = |k: &str| (k == "VAULT_TOKEN").then(|| "hvs.env\n".to_string());
        assert_eq!(vault_token(&env2).unwrap().unwrap().1, "VAULT_TOKEN");
    }
}
