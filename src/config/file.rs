//! The Flightdeck config file (TOML): schema, validation with file:line errors and a hint for
//! each, credential resolution (`token`, `token_env`, `token_file`, `username` +
//! `password_env`, `argocd_context`), and writing a config back (`to_toml`, `write_file`).

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::argocd_cli::{self, check_token, Env};
use super::server::base_url;
use super::{Auth, Config, InstanceConfig, Secret};
use crate::domain::config_error::ConfigError;
use crate::domain::mapping::{validate_pattern, Mapping};

const SCHEMA_HINT: &str = "`flightdeck config example` prints every key with what it does";
const ONE_CREDENTIAL: &str =
    "use exactly one of: token, token_env, token_file, username + password_env (or password), argocd_context, vault";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    /// Every instance, Git pushes and the ledger: nothing is written.
    read_only: Option<bool>,
    #[serde(default)]
    ui: RawUi,
    #[serde(default)]
    instance: Vec<RawInstance>,
    vault: Option<super::vault::RawVault>,
    gitops: Option<super::gitops::RawGitops>,
    #[serde(default)]
    notify: super::notify::RawNotify,
    engine: Option<super::conductor::RawEngine>,
    conductor: Option<super::conductor::RawConductor>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUi {
    envs: Option<Spanned<Vec<String>>>,
    protected_envs: Option<Vec<String>>,
    theme: Option<String>,
    keymap: Option<Spanned<String>>,
    glyphs: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstance {
    name: Spanned<String>,
    server: Option<Spanned<String>>,
    #[serde(default)]
    plaintext: bool,
    env: Option<String>,
    token: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
    token_file: Option<Spanned<String>>,
    username: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    argocd_context: Option<Spanned<String>>,
    vault: Option<Spanned<String>>,
    #[serde(default)]
    insecure: bool,
    ca_file: Option<Spanned<String>>,
    mapping: Option<Spanned<String>>,
    service_label: Option<Spanned<String>>,
    env_label: Option<Spanned<String>>,
    #[serde(default)]
    projects: Vec<String>,
    selector: Option<String>,
    app_namespace: Option<String>,
    timeout_secs: Option<Spanned<u64>>,
    /// This instance only: nothing is written to it.
    #[serde(default)]
    read_only: bool,
}

/// Everything validation needs to point at the right place.
struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
    dir: PathBuf,
    env: Env<'a>,
    cli_config: Option<&'a Path>,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, what: impl Into<String>, hint: impl Into<String>) -> ConfigError {
        ConfigError::at(self.path, self.text, span, what, hint)
    }
    /// `~/x` → home; relative → next to the config file.
    fn expand(&self, p: &str) -> PathBuf {
        let home = (self.env)("HOME").filter(|h| !h.is_empty());
        match (p.strip_prefix("~/"), home) {
            (Some(rest), Some(h)) => Path::new(&h).join(rest),
            _ => self.dir.join(p),
        }
    }
}

/// Parse and validate a config file's text. `cli_config` is the argocd CLI config to use for
/// `argocd_context` instances (`--argocd-config`); `None` finds it as the CLI does.
pub fn parse(text: &str, path: &Path, env: Env, cli_config: Option<&Path>) -> Result<Config, ConfigError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e, SCHEMA_HINT))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let cx = Ctx { text, path, dir, env, cli_config };
    let mut config = Config { source: Some(path.to_path_buf()), ..Config::default() };
    if raw.read_only == Some(true) {
        config.read_only = Some(crate::domain::ReadOnly::Config);
    }
    let span_err = |span: Range<usize>, what: String, hint: String| cx.err(span, what, hint);
    let expand = |p: &str| cx.expand(p);
    config.vault = super::vault::settings(raw.vault.unwrap_or_default(), env, &expand, &span_err)?;
    let mut gitops = raw.gitops.unwrap_or_default();
    config.git = super::credentials::git_settings(gitops.take_credentials(), &span_err)?;
    config.gitops = super::gitops::settings(gitops, &expand, &span_err)?;
    config.notify = super::notify::settings(raw.notify, &span_err)?;
    (config.engine, config.conductor) = super::conductor::settings(raw.engine, raw.conductor, env, &span_err)?;
    if let Some(envs) = raw.ui.envs {
        let list = envs.get_ref();
        if let Some(dup) = list.iter().enumerate().find(|(i, e)| list[..*i].contains(e)).map(|(_, e)| e) {
            return Err(cx.err(
                envs.span(),
                format!("environment {dup:?} is listed twice"),
                "list each environment once, in pipeline order",
            ));
        }
        config.envs = envs.into_inner();
    }
    if let Some(p) = raw.ui.protected_envs {
        config.protected_envs = p;
    }
    if let Some(t) = raw.ui.theme {
        config.theme = t;
    }
    if let Some(g) = raw.ui.glyphs {
        config.ascii = match g.get_ref().as_str() {
            "auto" => None,
            "ascii" => Some(true),
            "unicode" => Some(false),
            other => {
                return Err(cx.err(
                    g.span(),
                    format!("unknown glyphs {other:?}"),
                    "use \"auto\" (by the terminal and locale), \"unicode\" or \"ascii\"",
                ))
            }
        };
    }
    if let Some(k) = raw.ui.keymap {
        let p = cx.expand(k.get_ref());
        if !p.is_file() {
            return Err(cx.err(
                k.span(),
                format!("keymap file {} does not exist", p.display()),
                "fix the path, or remove `keymap` to use the built-in keys",
            ));
        }
        config.keymap_file = Some(p);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for ri in raw.instance {
        let name = ri.name.get_ref().clone();
        if name.trim().is_empty() {
            return Err(cx.err(
                ri.name.span(),
                "instance name is empty",
                "give every [[instance]] a short unique name, e.g. name = \"prod\"",
            ));
        }
        if let Some(line) = seen.get(&name) {
            return Err(cx.err(
                ri.name.span(),
                format!("duplicate instance name {name:?}"),
                format!("instance names must be unique; the first {name:?} is on line {line}"),
            ));
        }
        seen.insert(name, crate::domain::config_error::line_col(text, ri.name.span().start).0);
        let mut inst = instance(&cx, ri)?;
        inst.helm_tag_key = config.gitops.helm_tag_key.clone();
        inst.helm_replicas_key = config.gitops.helm_replicas_key.clone();
        inst.helm_resources_key = config.gitops.helm_resources_key.clone();
        inst.helm_autoscaling_key = config.gitops.helm_autoscaling_key.clone();
        // The whole file's read-only wins over the instance's own.
        inst.read_only = config.read_only.clone().or(inst.read_only);
        config.instances.push(inst);
    }
    Ok(config)
}

fn instance(cx: &Ctx, ri: RawInstance) -> Result<InstanceConfig, ConfigError> {
    let name = ri.name.get_ref().clone();
    // Two credential sources at once is ambiguous: report the second one.
    let sources: Vec<(&str, Range<usize>)> = [
        ("token", &ri.token),
        ("token_env", &ri.token_env),
        ("token_file", &ri.token_file),
        ("username", &ri.username),
        ("argocd_context", &ri.argocd_context),
        ("vault", &ri.vault),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|s| (k, s.span())))
    .collect();
    if let [(a, _), (b, span), ..] = sources.as_slice() {
        return Err(cx.err(
            span.clone(),
            format!("instance {name:?} has two credential sources: {a} and {b}"),
            ONE_CREDENTIAL,
        ));
    }
    if ri.username.is_none() {
        if let Some(p) = ri.password.as_ref().or(ri.password_env.as_ref()) {
            return Err(cx.err(
                p.span(),
                "a password needs a username",
                "add username = \"…\" to this instance, or use a token",
            ));
        }
    }

    let mut server_from_ctx = None;
    let mut vault_ref = None;
    let (auth, auth_source) = if let Some(v) = &ri.vault {
        let r = super::vault::VaultRef::parse(v.get_ref()).map_err(|w| {
            cx.err(v.span(), format!("bad vault reference: {w}"), "write e.g. vault = \"secret/argocd/prod#token\"")
        })?;
        let source = format!("token from vault {}/{}", r.mount, r.path);
        vault_ref = Some(r);
        // Read from Vault when the clients are built; until then there is no token.
        (Auth::None, source)
    } else if let Some(t) = &ri.token {
        let s = Secret::new(t.get_ref().clone());
        check_token(&s, "token").map_err(|e| cx.err(t.span(), e.what, e.hint))?;
        (Auth::Token(s), "token from config file".to_string())
    } else if let Some(var) = &ri.token_env {
        let s = Secret::new(env_value(cx, var, "token")?);
        check_token(&s, "token").map_err(|e| cx.err(var.span(), e.what, e.hint))?;
        (Auth::Token(s), format!("token from env {}", var.get_ref()))
    } else if let Some(f) = &ri.token_file {
        let p = cx.expand(f.get_ref());
        (Auth::Token(token_file(cx, f, &p)?), format!("token from file {}", p.display()))
    } else if let Some(user) = &ri.username {
        let password = match (&ri.password, &ri.password_env) {
            (Some(_), Some(pe)) => {
                return Err(cx.err(
                    pe.span(),
                    format!("instance {name:?} has both password and password_env"),
                    ONE_CREDENTIAL,
                ))
            }
            (Some(p), None) => (Secret::new(p.get_ref().clone()), "password from config file".to_string()),
            (None, Some(pe)) => {
                (Secret::new(env_value(cx, pe, "password")?), format!("password from env {}", pe.get_ref()))
            }
            // No stored password: asked for on the terminal when Flightdeck starts.
            (None, None) => (Secret::default(), "password from prompt".to_string()),
        };
        let auth = Auth::Login { username: user.get_ref().clone(), password: password.0 };
        (auth, format!("{} (user {})", password.1, user.get_ref()))
    } else if let Some(c) = &ri.argocd_context {
        let found = argocd_cli::context(cx.cli_config, Some(c.get_ref()), cx.env)
            .map_err(|e| cx.err(c.span(), e.to_string(), "fix the argocd CLI config or the context name"))?;
        let Some((ctx, _)) = found else {
            return Err(cx.err(
                c.span(),
                "there is no argocd CLI config file to read this context from",
                "run `argocd login <server>` first, or pass --argocd-config <file>",
            ));
        };
        let Some(token) = ctx.token.clone() else {
            return Err(cx.err(
                c.span(),
                format!("argocd context {:?} has no auth-token", ctx.name),
                // SSO cannot run in a terminal: the CLI does it in a browser and stores the token.
                format!(
                    "run `argocd login {}` (for SSO: `argocd login {} --sso`); Flightdeck picks the token up from the argocd CLI's config afterwards",
                    ctx.server, ctx.server
                ),
            ));
        };
        check_token(&token, "token").map_err(|e| cx.err(c.span(), e.what, e.hint))?;
        let source = format!("token from argocd context {}", ctx.name);
        server_from_ctx = Some(ctx);
        (Auth::Token(token), source)
    } else {
        // Anonymous access is legitimate (`users.anonymous.enabled`), so no credential is allowed.
        (Auth::None, "none".to_string())
    };

    let server = match (&ri.server, &server_from_ctx) {
        (Some(s), _) => base_url(s.get_ref(), ri.plaintext, None).map_err(|what| {
            cx.err(
                s.span(),
                format!("bad server {:?}: {what}", s.get_ref()),
                "use a URL like \"https://argocd.example.com\", or \"host:port\" with plaintext = true for http",
            )
        })?,
        (None, Some(ctx)) if ctx.core => {
            return Err(cx.err(
                ri.name.span(),
                format!("argocd context {:?} is a --core context with no API server", ctx.name),
                "add server = \"https://…\" to this instance",
            ))
        }
        (None, Some(ctx)) => {
            let root = Some(ctx.grpc_web_root_path.as_str()).filter(|r| !r.is_empty());
            base_url(&ctx.server, ctx.plain_text || ri.plaintext, root).map_err(|what| {
                cx.err(
                    ri.name.span(),
                    format!("server of argocd context {:?}: {what}", ctx.name),
                    "add server = \"https://…\" to this instance",
                )
            })?
        }
        (None, None) => return Err(cx.err(
            ri.name.span(),
            format!("instance {name:?} has no server"),
            "add server = \"https://argocd.example.com\" (or argocd_context = \"…\" to take it from the argocd CLI)",
        )),
    };

    let mut inst = InstanceConfig::new(name, server);
    inst.auth = auth;
    inst.auth_source = auth_source;
    inst.vault = vault_ref;
    inst.password_prompt = matches!(&inst.auth, Auth::Login { password, .. } if password.is_empty());
    inst.insecure = ri.insecure || server_from_ctx.as_ref().is_some_and(|c| c.insecure);
    inst.env = ri.env.clone().filter(|e| !e.is_empty());
    inst.mapping = mapping(cx, &ri, inst.env.as_deref())?;
    if let Some(ca) = &ri.ca_file {
        let p = cx.expand(ca.get_ref());
        if !p.is_file() {
            return Err(cx.err(
                ca.span(),
                format!("CA file {} does not exist", p.display()),
                "give the path of a PEM file, or remove ca_file",
            ));
        }
        inst.ca_file = Some(p);
    }
    if ri.read_only {
        inst.read_only = Some(crate::domain::ReadOnly::Instance(inst.name.clone()));
    }
    inst.projects = ri.projects;
    inst.selector = ri.selector.filter(|s| !s.is_empty());
    inst.app_namespace = ri.app_namespace.filter(|s| !s.is_empty());
    if let Some(t) = &ri.timeout_secs {
        if *t.get_ref() == 0 {
            return Err(cx.err(t.span(), "timeout_secs must be at least 1", "use e.g. timeout_secs = 15"));
        }
        inst.request_timeout = Duration::from_secs(*t.get_ref());
    }
    Ok(inst)
}

fn mapping(cx: &Ctx, ri: &RawInstance, env: Option<&str>) -> Result<Mapping, ConfigError> {
    let kind = ri.mapping.as_ref().map_or("labels", |m| m.get_ref().as_str());
    if kind != "labels" {
        if let Some(l) = ri.service_label.as_ref().or(ri.env_label.as_ref()) {
            return Err(cx.err(
                l.span(),
                "service_label and env_label only apply with mapping = \"labels\"",
                "remove them, or set mapping = \"labels\"",
            ));
        }
    }
    let span = || ri.mapping.as_ref().map_or_else(|| ri.name.span(), Spanned::span);
    match kind {
        "labels" => {
            let Mapping::Labels { service, env } = Mapping::default() else { return Ok(Mapping::default()) };
            Ok(Mapping::Labels {
                service: ri.service_label.as_ref().map_or(service, |s| s.get_ref().clone()),
                env: ri.env_label.as_ref().map_or(env, |s| s.get_ref().clone()),
            })
        }
        "instance" => match env {
            Some(e) => Ok(Mapping::Instance { env: e.to_string() }),
            None => Err(cx.err(
                span(),
                "mapping = \"instance\" needs the instance's environment",
                "add env = \"prod\" (the environment every app of this instance is in)",
            )),
        },
        other => match other.strip_prefix("name:") {
            Some(p) => match validate_pattern(p) {
                Ok(()) => Ok(Mapping::NamePattern(p.to_string())),
                Err(what) => {
                    Err(cx.err(span(), format!("bad mapping: {what}"), "write e.g. mapping = \"name:{service}-{env}\""))
                }
            },
            None => Err(cx.err(
                span(),
                format!("unknown mapping {other:?}"),
                "use \"labels\", \"instance\", or \"name:{service}-{env}\"",
            )),
        },
    }
}

/// The value of the environment variable a `*_env` key names; unset or empty is an error.
fn env_value(cx: &Ctx, var: &Spanned<String>, what: &str) -> Result<String, ConfigError> {
    let name = var.get_ref();
    match (cx.env)(name) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        Some(_) => Err(cx.err(
            var.span(),
            format!("environment variable {name} is empty"),
            format!("export {name}=<{what}> before starting Flightdeck"),
        )),
        None => Err(cx.err(
            var.span(),
            format!("environment variable {name} is not set"),
            format!("export {name}=<{what}> before starting Flightdeck, or use another credential source"),
        )),
    }
}

/// A token file: trimmed, one line of printable text.
fn token_file(cx: &Ctx, key: &Spanned<String>, p: &Path) -> Result<Secret, ConfigError> {
    let raw = std::fs::read_to_string(p).map_err(|e| {
        cx.err(key.span(), format!("cannot read token file {}: {e}", p.display()), "fix the path, or use token_env")
    })?;
    let t = raw.trim();
    if t.is_empty() {
        return Err(cx.err(
            key.span(),
            format!("token file {} is empty", p.display()),
            "put the token in the file (e.g. from `argocd account generate-token`)",
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(cx.err(
            key.span(),
            format!("token file {} holds control characters or several lines", p.display()),
            "the file must hold just the token on one line",
        ));
    }
    Ok(Secret::new(t))
}

#[derive(Serialize)]
struct OutFile<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    read_only: bool,
    ui: OutUi<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gitops: Option<super::gitops::OutGitops<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify: Option<super::notify::OutNotify>,
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<super::conductor::OutEngine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conductor: Option<super::conductor::OutConductor<'a>>,
    instance: Vec<OutInstance<'a>>,
}

#[derive(Serialize)]
struct OutUi<'a> {
    envs: &'a [String],
    protected_envs: &'a [String],
    theme: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    keymap: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    glyphs: Option<&'static str>,
}

#[derive(Serialize)]
struct OutInstance<'a> {
    name: &'a str,
    server: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vault: Option<String>,
    insecure: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    ca_file: Option<String>,
    mapping: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env_label: Option<&'a str>,
    projects: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    selector: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_namespace: Option<&'a str>,
    timeout_secs: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    read_only: bool,
}

/// The config as TOML that `parse` reads back to the same `Config`. Credentials are written
/// inline (that is why `write_file` uses mode 0600), so after a round trip `auth_source` reads
/// "token from config file" whatever the original source was.
pub fn to_toml(config: &Config) -> String {
    let instance = config.instances.iter().map(out_instance).collect();
    let ui = OutUi {
        envs: &config.envs,
        protected_envs: &config.protected_envs,
        theme: &config.theme,
        keymap: config.keymap_file.as_ref().map(|p| p.to_string_lossy().into_owned()),
        glyphs: config.ascii.map(|a| if a { "ascii" } else { "unicode" }),
    };
    let gitops = super::gitops::OutGitops::of(&config.gitops);
    let notify = super::notify::OutNotify::of(&config.notify);
    let engine = super::conductor::OutEngine::of(config.engine);
    let conductor = config.conductor.as_ref().map(super::conductor::OutConductor::of);
    let read_only = config.read_only.is_some();
    let out = OutFile { read_only, ui, gitops, notify, engine, conductor, instance };
    let body = toml::to_string(&out).unwrap_or_else(|e| {
        // Serializing plain strings, bools, ints and lists cannot fail; say so if it ever does.
        format!("# Flightdeck could not serialize this config: {e}\n")
    });
    format!("# Flightdeck configuration (written by Flightdeck; holds credentials, keep it mode 0600).\n\n{body}")
}

fn out_instance(i: &InstanceConfig) -> OutInstance<'_> {
    let (token, username, password) = match &i.auth {
        Auth::Token(t) => (Some(t.expose()), None, None),
        Auth::Login { username, password } => (None, Some(username.as_str()), Some(password.expose())),
        Auth::None => (None, None, None),
    };
    let (mapping, service_label, env_label, env) = match &i.mapping {
        Mapping::Labels { service, env } => {
            ("labels".to_string(), Some(service.as_str()), Some(env.as_str()), i.env.as_deref())
        }
        Mapping::NamePattern(p) => (format!("name:{p}"), None, None, i.env.as_deref()),
        Mapping::Instance { env } => ("instance".to_string(), None, None, i.env.as_deref().or(Some(env.as_str()))),
    };
    OutInstance {
        name: &i.name,
        server: &i.server,
        env,
        token,
        username,
        password,
        vault: i.vault.as_ref().map(ToString::to_string),
        insecure: i.insecure,
        ca_file: i.ca_file.as_ref().map(|p| p.to_string_lossy().into_owned()),
        mapping,
        service_label,
        env_label,
        projects: &i.projects,
        selector: i.selector.as_deref(),
        app_namespace: i.app_namespace.as_deref(),
        timeout_secs: i.request_timeout.as_secs().max(1),
        read_only: matches!(i.read_only, Some(crate::domain::ReadOnly::Instance(_))),
    }
}

/// Write `to_toml(config)` to `path`, readable by the owner only (it may hold tokens).
pub fn write_file(path: &Path, config: &Config) -> std::io::Result<()> {
    write_private(path, &to_toml(config))
}

/// Write `text` to `path`, readable by the owner only (mode 0600, also when it existed).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        // An existing file keeps its mode on open: tighten it before writing secrets into it.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
