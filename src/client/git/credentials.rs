//! Git push credentials. By default Flightdeck adds nothing: git uses the user's SSH agent, its
//! credential helpers and its config, as it would in a shell. With `[gitops] https_token_vault`
//! a token read from Vault is handed to git for HTTPS remotes without ever touching the disk or
//! the process list: `GIT_ASKPASS` names this very binary, whose hidden `askpass` subcommand
//! prints the token from an environment variable that only the git child process carries.
//!
//! Why not the alternatives: a token in the remote URL shows up in `ps`, in `.git/config` and in
//! error messages; `git -c http.extraHeader=…` puts it in argv; a credential-store file puts it
//! on disk. Environment variables of a child are readable only by the same user (and root),
//! which is the same trust boundary as the Vault token Flightdeck already holds in memory.

use std::path::Path;
use std::sync::Arc;

use crate::client::credentials::{LazyVaultTokenSource, TokenSource, VaultTokenSource};
use crate::client::vault::VaultSession;
use crate::config::credentials::GitCredentials;
use crate::config::Secret;
use crate::domain::{ErrorKind, Failure};

/// The variable of the git child process that carries the token to `flightdeck askpass`.
pub const TOKEN_VAR: &str = "FLIGHTDECK_GIT_TOKEN";
/// The variable that carries the username for the "Username for …" prompt.
pub const USERNAME_VAR: &str = "FLIGHTDECK_GIT_USERNAME";
/// The username GitHub (and GitLab, Gitea, Bitbucket for app tokens) accept with a token as
/// password. Any non-empty name works for most forges; this one is GitHub's documented one.
pub const DEFAULT_USERNAME: &str = "x-access-token";

/// The environment for a git child so it authenticates HTTPS remotes with `token`, using
/// `askpass` (this executable) as `GIT_ASKPASS`. `None` = the user's own git setup, untouched:
/// an empty list.
///
/// With a token, configured credential helpers are switched off for that child
/// (`credential.helper` set to the empty string resets git's helper list): a helper would
/// otherwise answer first with a stale credential, or *store* the Vault token on disk after a
/// successful push (`credential-store` writes `~/.git-credentials`).
pub fn git_env_with(askpass: &Path, token: Option<&Secret>, username: Option<&str>) -> Vec<(String, Secret)> {
    let Some(token) = token else { return Vec::new() };
    let user = username.filter(|u| !u.is_empty()).unwrap_or(DEFAULT_USERNAME);
    let pair = |k: &str, v: &str| (k.to_string(), Secret::new(v));
    vec![
        pair("GIT_ASKPASS", &askpass.to_string_lossy()),
        // A missing or refused token must fail, not wait for a human at a prompt.
        pair("GIT_TERMINAL_PROMPT", "0"),
        pair("GIT_CONFIG_COUNT", "1"),
        pair("GIT_CONFIG_KEY_0", "credential.helper"),
        pair("GIT_CONFIG_VALUE_0", ""),
        (TOKEN_VAR.to_string(), token.clone()),
        pair(USERNAME_VAR, user),
    ]
}

/// [`git_env_with`] with this running executable as the askpass program, for
/// `gitops::git::Git::with_env`.
pub fn git_env(token: Option<&Secret>, username: Option<&str>) -> std::io::Result<Vec<(String, Secret)>> {
    if token.is_none() {
        return Ok(Vec::new());
    }
    let exe = std::env::current_exe()?;
    Ok(git_env_with(&exe, token, username))
}

/// What `flightdeck askpass PROMPT` prints: the username for git's "Username for …" prompt,
/// the token for anything else (git's "Password for …"). `Err` when the variable is missing,
/// so git fails with "Authentication failed" instead of sending an empty password.
pub fn askpass_answer(prompt: &str, env: crate::config::argocd_cli::Env<'_>) -> Result<String, String> {
    if prompt.trim_start().starts_with("Username") {
        return Ok(env(USERNAME_VAR).filter(|u| !u.is_empty()).unwrap_or_else(|| DEFAULT_USERNAME.to_string()));
    }
    match env(TOKEN_VAR) {
        Some(t) if !t.is_empty() => Ok(t),
        _ => Err(format!(
            "flightdeck askpass: {TOKEN_VAR} is not set; this subcommand is only for git, started by Flightdeck"
        )),
    }
}

/// Where the git credential comes from, for the run log and `doctor` (never the secret).
pub fn describe(git: &GitCredentials) -> String {
    match &git.https_token_vault {
        Some(r) => format!("git HTTPS token from vault {r}"),
        None => "git: your SSH agent and git config".to_string(),
    }
}

/// The git HTTPS token, when one is configured: read from Vault through `session`.
pub async fn token(
    git: &GitCredentials,
    session: &VaultSession,
) -> Result<Option<Secret>, crate::client::vault::error::VaultError> {
    match &git.https_token_vault {
        Some(r) => session.read(r).await.map(Some),
        None => Ok(None),
    }
}

/// The git HTTPS credential of a configured estate: where the token is read (fresh for each
/// promotion or ledger write, so a rotated secret is picked up) and the username sent with it.
/// Attached to every Argo CD client by `credentials::clients`, so the console's executor and
/// the headless commands hand git the same credential without passing it around.
pub struct GitAuth {
    pub source: Arc<dyn TokenSource>,
    pub username: Option<String>,
}

impl std::fmt::Debug for GitAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The source, never the secret.
        f.debug_struct("GitAuth").field("source", &self.source.describe()).finish()
    }
}

impl GitAuth {
    /// From the `[gitops]` credential keys: `None` when git keeps the user's own setup.
    /// With a Vault `session` the token is read through it; without one (headless commands),
    /// a lazy source logs in to Vault on first use.
    pub fn from_config(
        git: &GitCredentials,
        vault: &crate::config::VaultSettings,
        session: Option<Arc<VaultSession>>,
    ) -> Option<Arc<Self>> {
        let reference = git.https_token_vault.clone()?;
        let source: Arc<dyn TokenSource> = match session {
            Some(session) => Arc::new(VaultTokenSource { session, reference }),
            None => Arc::new(LazyVaultTokenSource::new(vault.clone(), reference)),
        };
        Some(Arc::new(Self { source, username: git.https_username.clone() }))
    }

    /// Read the token now and build the git child's environment ([`git_env`]).
    pub async fn env(&self) -> Result<Vec<(String, Secret)>, Failure> {
        let token = self.source.fetch().await.map_err(|e| {
            Failure::new(ErrorKind::Unauthorized, format!("git token from {}: {e}", self.source.describe()))
                .with_hint("check the secret holds the token; `flightdeck doctor` checks it")
        })?;
        git_env(Some(&token), self.username.as_deref())
            .map_err(|e| Failure::new(ErrorKind::Usage, format!("cannot find this executable for GIT_ASKPASS: {e}")))
    }
}

/// The git environment for `auth` (empty when there is none): the user's own git setup.
pub async fn env_of(auth: Option<&Arc<GitAuth>>) -> Result<Vec<(String, Secret)>, Failure> {
    match auth {
        Some(a) => a.env().await,
        None => Ok(Vec::new()),
    }
}

/// A `TokenSource` for the git token, so a push refused with 401 can fetch it again.
pub fn source(git: &GitCredentials, session: Arc<VaultSession>) -> Option<VaultTokenSource> {
    git.https_token_vault.clone().map(|reference| VaultTokenSource { session, reference })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_token_leaves_git_alone() {
        assert!(git_env_with(Path::new("/bin/flightdeck"), None, Some("me")).is_empty());
        assert!(git_env(None, None).unwrap().is_empty());
    }

    #[test]
    fn token_goes_to_the_child_env_only() {
        let t = Secret::new("ghs_canary123");
        let env = git_env_with(Path::new("/opt/fd"), Some(&t), None);
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.expose().to_string());
        assert_eq!(get("GIT_ASKPASS").as_deref(), Some("/opt/fd"));
        assert_eq!(get("GIT_TERMINAL_PROMPT").as_deref(), Some("0"));
        assert_eq!(get(TOKEN_VAR).as_deref(), Some("ghs_canary123"));
        assert_eq!(get(USERNAME_VAR).as_deref(), Some(DEFAULT_USERNAME));
        assert_eq!(get("GIT_CONFIG_KEY_0").as_deref(), Some("credential.helper"));
        assert_eq!(get("GIT_CONFIG_VALUE_0").as_deref(), Some(""));
        // The only place the token appears is its own variable.
        let holders: Vec<&String> = env.iter().filter(|(_, v)| v.expose().contains("canary")).map(|(k, _)| k).collect();
        assert_eq!(holders, [TOKEN_VAR]);
        let custom = git_env_with(Path::new("/opt/fd"), Some(&t), Some("deploy-bot"));
        assert!(custom.iter().any(|(k, v)| k == USERNAME_VAR && v.expose() == "deploy-bot"));
    }

    #[test]
    fn askpass_answers_username_then_token() {
        let env = |k: &str| match k {
            TOKEN_VAR => Some("tok-1".to_string()),
            USERNAME_VAR => Some("bot".to_string()),
            _ => None,
        };
        assert_eq!(askpass_answer("Username for 'https://git.example.com': ", &env).unwrap(), "bot");
        assert_eq!(askpass_answer("Password for 'https://bot@git.example.com': ", &env).unwrap(), "tok-1");
        let none = |_: &str| None;
        assert_eq!(askpass_answer("Username for 'x': ", &none).unwrap(), DEFAULT_USERNAME);
        let e = askpass_answer("Password for 'x': ", &none).unwrap_err();
        assert!(e.contains(TOKEN_VAR), "{e}");
    }

    #[test]
    fn describe_names_the_source_not_the_secret() {
        let mut g = GitCredentials::default();
        assert!(describe(&g).contains("SSH agent"));
        g.https_token_vault = crate::config::VaultRef::parse("secret/git/github#token").ok();
        assert_eq!(describe(&g), "git HTTPS token from vault secret/git/github#token");
    }
}
