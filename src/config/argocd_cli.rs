//! The argocd CLI's own configuration, read the way the CLI reads it (API-NOTES §2.3): its
//! config file and contexts, `ARGOCD_OPTS`, `ARGOCD_SERVER`/`ARGOCD_AUTH_TOKEN`, and the
//! global flags, so a single instance "just works" for someone who already uses `argocd`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::server::base_url;
use super::{Auth, InstanceConfig, Overrides, Secret};
use crate::domain::config_error::ConfigError;

/// An environment lookup (tests pass a map; `main` passes `std::env::var`).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The CLI's `LocalConfig` (`util/localconfig/localconfig.go`); unknown fields are ignored
/// because the CLI adds fields over time. No `Debug`: it holds raw tokens.
#[derive(Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct LocalConfig {
    #[serde(default)]
    current_context: String,
    #[serde(default)]
    contexts: Vec<ContextRef>,
    #[serde(default)]
    servers: Vec<ServerEntry>,
    #[serde(default)]
    users: Vec<UserEntry>,
}

#[derive(Debug, Deserialize)]
struct ContextRef {
    name: String,
    server: String,
    user: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ServerEntry {
    server: String,
    #[serde(default)]
    insecure: bool,
    #[serde(default)]
    plain_text: bool,
    #[serde(default)]
    grpc_web_root_path: String,
    #[serde(default)]
    core: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct UserEntry {
    name: String,
    #[serde(default)]
    auth_token: String,
}

/// One resolved CLI context: server settings and the user's token.
#[derive(Debug, Clone, PartialEq)]
pub struct CliContext {
    pub name: String,
    /// `host:port`, no scheme (as `argocd login` writes it).
    pub server: String,
    pub plain_text: bool,
    pub insecure: bool,
    pub grpc_web_root_path: String,
    /// `--core` contexts talk to Kubernetes directly: there is no API server to call.
    pub core: bool,
    pub token: Option<Secret>,
}

/// `ARGOCD_OPTS`, parsed like `util/config/env.go` `LoadFlags`: shell-split words; `--key`
/// takes the next word as its value unless that word starts with `--`, else it is `true`;
/// `--key=value` works; a stray value is an error.
pub fn parse_opts(raw: &str) -> Result<HashMap<String, String>, ConfigError> {
    let words = shell_split(raw).map_err(|what| ConfigError::general(format!("ARGOCD_OPTS: {what}"), OPTS_HINT))?;
    let mut flags = HashMap::new();
    let mut key: Option<String> = None;
    for w in words {
        if let Some(k) = w.strip_prefix("--") {
            if let Some(prev) = key.replace(k.to_string()) {
                flags.insert(prev, "true".to_string());
            }
        } else if let Some(k) = key.take() {
            flags.insert(k, w);
        } else {
            return Err(ConfigError::general(format!("ARGOCD_OPTS invalid at {w:?}"), OPTS_HINT));
        }
    }
    if let Some(k) = key {
        flags.insert(k, "true".to_string());
    }
    // The CLI splits `--key=value` only after the fact, and an explicit `--key value` wins.
    let eq: Vec<(String, String)> = flags
        .iter()
        .filter(|(k, v)| k.contains('=') && v.as_str() == "true")
        .filter_map(|(k, _)| k.split_once('=').map(|(a, b)| (a.to_string(), b.to_string())))
        .collect();
    for (k, v) in eq {
        flags.entry(k).or_insert(v);
    }
    Ok(flags)
}

const OPTS_HINT: &str = "ARGOCD_OPTS holds argocd flags such as \"--server host:443 --grpc-web\"; fix or unset it";

/// POSIX-like word splitting (what go-shellquote does): whitespace separates, '…' is literal,
/// "…" allows \\ \" \$ \` escapes, a backslash outside quotes escapes the next character.
fn shell_split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('\\' | '"' | '$' | '`')) => cur.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    cur.push(c);
                }
                None => return Err("trailing backslash".into()),
            },
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Where the CLI keeps its config: `--argocd-config`, else `ARGOCD_OPTS --config`, else
/// `$ARGOCD_CONFIG_DIR/config`, `~/.argocd/config` if `~/.argocd` exists (legacy),
/// `$XDG_CONFIG_HOME/argocd/config`, `~/.config/argocd/config`. The bool says "named
/// explicitly", in which case a missing file is an error rather than "no CLI config".
pub fn cli_config_path(explicit: Option<&Path>, opts: &HashMap<String, String>, env: Env) -> Option<(PathBuf, bool)> {
    if let Some(p) = explicit {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = opts.get("config").filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(dir) = var("ARGOCD_CONFIG_DIR") {
        return Some((Path::new(&dir).join("config"), false));
    }
    let home = var("HOME").or_else(|| var("USERPROFILE")).map(PathBuf::from);
    if let Some(legacy) = home.as_ref().map(|h| h.join(".argocd")).filter(|d| d.is_dir()) {
        return Some((legacy.join("config"), false));
    }
    if let Some(xdg) = var("XDG_CONFIG_HOME") {
        return Some((Path::new(&xdg).join("argocd").join("config"), false));
    }
    home.map(|h| (h.join(".config").join("argocd").join("config"), false))
}

/// Read the CLI config: `Ok(None)` when it does not exist (and was not named explicitly).
/// Refuses a file readable by others, as the CLI does (`file_perm_unix.go`).
fn read_local_config(path: &Path, explicit: bool) -> Result<Option<LocalConfig>, ConfigError> {
    if !path.exists() {
        if explicit {
            return Err(ConfigError::in_file(
                path,
                "the argocd CLI config file does not exist",
                "fix the path given with --argocd-config (or --config in ARGOCD_OPTS), or run `argocd login`",
            ));
        }
        return Ok(None);
    }
    check_private(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::in_file(
            path,
            format!("cannot read the argocd CLI config: {e}"),
            "check the file, or run `argocd login` again",
        )
    })?;
    let cfg: LocalConfig = serde_yaml_ng::from_str(&text).map_err(|e| {
        let hint = "this is the argocd CLI's file: fix it or run `argocd login` to rewrite it";
        let mut err = ConfigError::in_file(path, format!("invalid argocd CLI config: {e}"), hint);
        if let Some(loc) = e.location() {
            err.line = Some(loc.line());
            err.col = Some(loc.column());
        }
        err
    })?;
    Ok(Some(cfg))
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| ConfigError::in_file(path, format!("cannot stat the argocd CLI config: {e}"), "check the file"))?
        .permissions()
        .mode()
        & 0o777;
    if mode != 0o600 && mode != 0o400 {
        return Err(ConfigError::in_file(
            path,
            format!("the argocd CLI config has permissions {mode:04o}; it holds tokens, so like the argocd CLI Flightdeck refuses it unless it is 0600 or 0400"),
            format!("run: chmod 600 {}", path.display()),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), ConfigError> {
    // The CLI only checks permissions on Unix (file_perm_unix.go); elsewhere it accepts the file.
    Ok(())
}

/// Resolve `name` (else `current-context`) like `LocalConfig.ResolveContext`.
fn resolve(cfg: &LocalConfig, name: Option<&str>, path: &Path) -> Result<CliContext, ConfigError> {
    let name = match name.filter(|n| !n.is_empty()) {
        Some(n) => n,
        None if cfg.current_context.is_empty() => {
            return Err(ConfigError::in_file(
                path,
                "local config: current-context unset",
                "pick a context with `argocd context <name>`, or pass --argocd-context <name>",
            ))
        }
        None => cfg.current_context.as_str(),
    };
    let names: Vec<&str> = cfg.contexts.iter().map(|c| c.name.as_str()).collect();
    let Some(ctx) = cfg.contexts.iter().find(|c| c.name == name) else {
        return Err(ConfigError::in_file(
            path,
            format!("Context '{name}' undefined"),
            format!(
                "known contexts: {}; or run `argocd login` to create it",
                if names.is_empty() { "none".into() } else { names.join(", ") }
            ),
        ));
    };
    let server = cfg.servers.iter().find(|s| s.server == ctx.server).ok_or_else(|| {
        ConfigError::in_file(
            path,
            format!("Server '{}' undefined", ctx.server),
            "the context names a server the file does not list; run `argocd login` again",
        )
    })?;
    let user = cfg.users.iter().find(|u| u.name == ctx.user).ok_or_else(|| {
        ConfigError::in_file(
            path,
            format!("User '{}' undefined", ctx.user),
            "the context names a user the file does not list; run `argocd login` again",
        )
    })?;
    Ok(CliContext {
        name: ctx.name.clone(),
        server: server.server.clone(),
        plain_text: server.plain_text,
        insecure: server.insecure,
        grpc_web_root_path: server.grpc_web_root_path.clone(),
        core: server.core,
        token: Some(Secret::new(user.auth_token.clone())).filter(|t| !t.is_empty()),
    })
}

/// Load the CLI config and resolve a context: `Ok(None)` if there is no CLI config at all.
pub fn context(
    explicit_file: Option<&Path>,
    name: Option<&str>,
    env: Env,
) -> Result<Option<(CliContext, PathBuf)>, ConfigError> {
    let opts = parse_opts(&env("ARGOCD_OPTS").unwrap_or_default())?;
    context_with(explicit_file, &opts, name, env)
}

fn context_with(
    explicit_file: Option<&Path>,
    opts: &HashMap<String, String>,
    name: Option<&str>,
    env: Env,
) -> Result<Option<(CliContext, PathBuf)>, ConfigError> {
    let Some((path, explicit)) = cli_config_path(explicit_file, opts, env) else { return Ok(None) };
    match read_local_config(&path, explicit)? {
        Some(cfg) => Ok(Some((resolve(&cfg, name, &path)?, path))),
        None => Ok(None),
    }
}

/// The single instance the argocd CLI itself would talk to, or `Ok(None)` if no address is
/// given anywhere. Precedence (§2.3), highest first: flag, `ARGOCD_OPTS`, the variables
/// `ARGOCD_SERVER`/`ARGOCD_AUTH_TOKEN`, then the context (`--argocd-context`, else
/// `current-context`). `plaintext` and `insecure` only switch on; the root path comes from the
/// first source that sets one.
pub fn single_instance(o: &Overrides, env: Env) -> Result<Option<InstanceConfig>, ConfigError> {
    let opts = parse_opts(&env("ARGOCD_OPTS").unwrap_or_default())?;
    let ctx = match context_with(o.argocd_config.as_deref(), &opts, o.argocd_context.as_deref(), env)? {
        Some((ctx, _)) => Some(ctx),
        None => match &o.argocd_context {
            Some(n) => {
                return Err(ConfigError::general(
                    format!("Context '{n}' undefined: there is no argocd CLI config file"),
                    "run `argocd login <server>` first, or pass --argocd-config <file>",
                ))
            }
            None => None,
        },
    };
    let opt = |k: &str| opts.get(k).filter(|v| !v.is_empty()).cloned();
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    let flag_server = o.server.clone().filter(|s| !s.is_empty());
    let override_server = flag_server.or_else(|| opt("server")).or_else(|| var("ARGOCD_SERVER"));
    let (address, name) = match (&override_server, &ctx) {
        (Some(s), _) => (s.clone(), s.clone()),
        (None, Some(c)) if c.core => {
            return Err(ConfigError::general(
                format!("argocd context {:?} uses --core (the CLI talks to Kubernetes directly), so there is no API server to call", c.name),
                "pass --server <host:port> of the Argo CD API server, or `argocd login` to it and use that context",
            ))
        }
        (None, Some(c)) => (c.server.clone(), c.name.clone()),
        (None, None) => return Ok(None),
    };

    let (token, source) = if let Some(t) = o.auth_token.clone().filter(|t| !t.is_empty()) {
        (Some(t), "token from --auth-token".to_string())
    } else if let Some(t) = opt("auth-token") {
        (Some(Secret::new(t)), "token from ARGOCD_OPTS --auth-token".to_string())
    } else if let Some(t) = var("ARGOCD_AUTH_TOKEN") {
        (Some(Secret::new(t)), "token from env ARGOCD_AUTH_TOKEN".to_string())
    } else if let Some(t) = ctx.as_ref().and_then(|c| c.token.clone()) {
        let n = ctx.as_ref().map_or("", |c| c.name.as_str());
        (Some(t), format!("token from argocd context {n}"))
    } else if let Some(c) = &ctx {
        // A context without a token (e.g. an SSO login that left only a refresh token, or a
        // logout): anonymous access may still work, so say how to get a token, not fail.
        (None, sso_advice(&c.name, &c.server))
    } else {
        (None, "none".to_string())
    };
    if let Some(t) = &token {
        check_token(t, &source)?;
    }

    let on = |flag: bool, key: &str, from_ctx: bool| flag || opt(key).as_deref() == Some("true") || from_ctx;
    let plaintext = on(o.plaintext, "plaintext", ctx.as_ref().is_some_and(|c| c.plain_text));
    let insecure = on(o.insecure, "insecure", ctx.as_ref().is_some_and(|c| c.insecure));
    let root = o
        .grpc_web_root_path
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| opt("grpc-web-root-path"))
        .or_else(|| ctx.as_ref().map(|c| c.grpc_web_root_path.clone()).filter(|r| !r.is_empty()));
    let server = base_url(&address, plaintext, root.as_deref()).map_err(|what| {
        ConfigError::general(
            format!("server address {address:?}: {what}"),
            "give the Argo CD API server as host:port (e.g. argocd.example.com:443) or a URL",
        )
    })?;

    let mut inst = InstanceConfig::new(name, server);
    inst.auth = token.map_or(Auth::None, Auth::Token);
    inst.auth_source = source;
    inst.insecure = insecure;
    // The argocd CLI's `--server-crt`; also read from ARGOCD_OPTS like its other flags.
    inst.ca_file = o.server_crt.clone().or_else(|| opt("server-crt").map(PathBuf::from));
    Ok(Some(inst))
}

/// What to do when an argocd context has no usable token. SSO cannot run in a terminal.
pub fn sso_advice(context: &str, server: &str) -> String {
    format!(
        "none: argocd context {context} has no token; run `argocd login {server} --sso` (or without --sso for a local user) and Flightdeck picks the token up from the argocd CLI's config"
    )
}

/// Tokens go into an HTTP header: refuse control characters instead of failing obscurely.
pub fn check_token(t: &Secret, source: &str) -> Result<(), ConfigError> {
    if t.expose().chars().any(char::is_control) {
        return Err(ConfigError::general(
            format!("the {source} contains control characters"),
            "a token is one line of printable text; copy it again without line breaks",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_split_quotes_and_escapes() {
        assert_eq!(
            shell_split(r#"--a 'b c' "d \"e\"" f\ g"#).ok(),
            Some(vec!["--a".into(), "b c".into(), "d \"e\"".into(), "f g".into()])
        );
        assert!(shell_split("'open").is_err());
    }

    #[test]
    fn opts_like_the_cli() {
        let f = parse_opts("--grpc-web --server a:1 --plaintext --auth-token=t --insecure").unwrap_or_default();
        assert_eq!(f.get("server").map(String::as_str), Some("a:1"));
        assert_eq!(f.get("grpc-web").map(String::as_str), Some("true"));
        assert_eq!(f.get("plaintext").map(String::as_str), Some("true"));
        assert_eq!(f.get("auth-token").map(String::as_str), Some("t"));
        assert_eq!(f.get("insecure").map(String::as_str), Some("true"));
        assert!(parse_opts("stray").is_err());
    }
}
