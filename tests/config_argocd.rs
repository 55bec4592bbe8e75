//! A single instance the argocd CLI way: the CLI config file and its contexts, the precedence
//! of flags, `ARGOCD_OPTS`, `ARGOCD_SERVER`/`ARGOCD_AUTH_TOKEN` and the context, the 0600 rule,
//! and how `load_from` combines a Flightdeck file with all that.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use flightdeck::config::{load_from, Auth, Config, ConfigError, Overrides, Secret};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config").join(name)
}

/// A temp dir holding the sample CLI config as `<dir>/argocd/config` (mode 0600), reachable
/// through `ARGOCD_CONFIG_DIR`.
struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("argocd")).expect("mkdir");
        let path = dir.path().join("argocd/config");
        std::fs::copy(fixture("argocd-cli-config.yaml"), &path).expect("copy");
        set_mode(&path, 0o600);
        Self { dir }
    }
    fn path(&self) -> PathBuf {
        self.dir.path().join("argocd/config")
    }
    /// Environment with ARGOCD_CONFIG_DIR pointing here, plus `extra`.
    fn env(&self, extra: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut m: HashMap<String, String> = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        m.insert("ARGOCD_CONFIG_DIR".into(), self.dir.path().join("argocd").display().to_string());
        move |k| m.get(k).cloned()
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}
#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

fn load(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    load_from(o, env, None)
}

fn one(o: &Overrides, env: &dyn Fn(&str) -> Option<String>) -> flightdeck::config::InstanceConfig {
    let c = load(o, env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.instances.len(), 1);
    c.instances.into_iter().next().expect("one instance")
}

fn token(i: &flightdeck::config::InstanceConfig) -> &str {
    match &i.auth {
        Auth::Token(t) => t.expose(),
        other => panic!("expected a token, got {other:?}"),
    }
}

#[test]
fn current_context_of_the_cli_config() {
    let cli = Cli::new();
    let i = one(&Overrides::default(), &cli.env(&[]));
    // current-context localhost:8080 is plain-text: http, port kept, no :443.
    assert_eq!(i.name, "localhost:8080");
    assert_eq!(i.server, "http://localhost:8080");
    assert_eq!(token(&i), "vErrYS3c3tReFRe$hToken");
    assert_eq!(i.auth_source, "token from argocd context localhost:8080");
    assert!(!format!("{i:?}").contains("vErrYS3c3t"));
}

#[test]
fn argocd_context_flag_picks_another_context() {
    let cli = Cli::new();
    let o = Overrides { argocd_context: Some("argocd1.example.com:443".into()), ..Overrides::default() };
    let i = one(&o, &cli.env(&[]));
    assert_eq!(i.server, "https://argocd1.example.com:443");
    let o = Overrides { argocd_context: Some("nope".into()), ..Overrides::default() };
    let e = load(&o, &cli.env(&[])).expect_err("unknown context");
    assert!(e.what.contains("Context 'nope' undefined"), "{e}");
    assert!(e.hint.contains("argocd1.example.com:443"), "{e}");
}

/// One precedence case: flags, environment, then the expected server, token and source.
type Row<'a> = (&'a Overrides, Vec<(&'a str, &'a str)>, &'a str, &'a str, &'a str);

/// The precedence table of API-NOTES §2.3: flag > ARGOCD_OPTS > env var > context. The
/// current context (localhost:8080) is plain-text, and like the CLI that setting still applies
/// when only the address is overridden, hence http:// in every row.
#[test]
fn precedence_of_flags_opts_env_and_context() {
    let cli = Cli::new();
    let flag = Overrides {
        server: Some("flag.example:1".into()),
        auth_token: Some(Secret::new("t-flag")),
        ..Overrides::default()
    };
    let opts = ("ARGOCD_OPTS", "--server opts.example:2 --auth-token t-opts");
    let envs = [("ARGOCD_SERVER", "env.example:3"), ("ARGOCD_AUTH_TOKEN", "t-env")];
    let rows: [Row; 5] = [
        (&flag, vec![opts, envs[0], envs[1]], "http://flag.example:1", "t-flag", "token from --auth-token"),
        (
            &Overrides::default(),
            vec![opts, envs[0], envs[1]],
            "http://opts.example:2",
            "t-opts",
            "token from ARGOCD_OPTS --auth-token",
        ),
        (
            &Overrides::default(),
            vec![envs[0], envs[1]],
            "http://env.example:3",
            "t-env",
            "token from env ARGOCD_AUTH_TOKEN",
        ),
        // Only ARGOCD_SERVER: the context's token is still sent (the CLI's edge case), and the
        // context's plain-text still applies.
        (
            &Overrides::default(),
            vec![envs[0]],
            "http://env.example:3",
            "vErrYS3c3tReFRe$hToken",
            "token from argocd context localhost:8080",
        ),
        (
            &Overrides::default(),
            vec![],
            "http://localhost:8080",
            "vErrYS3c3tReFRe$hToken",
            "token from argocd context localhost:8080",
        ),
    ];
    for (o, env, server, tok, source) in rows {
        let i = one(o, &cli.env(&env));
        assert_eq!((i.server.as_str(), token(&i), i.auth_source.as_str()), (server, tok, source), "env {env:?}");
    }
}

#[test]
fn switches_only_turn_on_and_root_path_is_appended() {
    let none = |_: &str| None;
    let o = Overrides { server: Some("argocd.example.com".into()), ..Overrides::default() };
    let i = one(&o, &none);
    assert_eq!(
        (i.server.as_str(), i.insecure, i.auth_source.as_str()),
        ("https://argocd.example.com:443", false, "none")
    );

    let o = Overrides {
        server: Some("h:8080".into()),
        plaintext: true,
        insecure: true,
        grpc_web_root_path: Some("/argo-cd/".into()),
        ..Overrides::default()
    };
    let i = one(&o, &none);
    assert_eq!((i.server.as_str(), i.insecure), ("http://h:8080/argo-cd", true));

    let env = |k: &str| {
        (k == "ARGOCD_OPTS")
            .then(|| "--server=h:9 --plaintext --insecure --grpc-web --grpc-web-root-path 'x y'".to_string())
    };
    let i = one(&Overrides::default(), &env);
    assert_eq!((i.server.as_str(), i.insecure), ("http://h:9/x y", true));
}

#[test]
fn bad_argocd_opts_is_an_error() {
    let env = |k: &str| (k == "ARGOCD_OPTS").then(|| "--server 'h:1".to_string());
    let e = load(&Overrides::default(), &env).expect_err("unterminated quote");
    assert!(e.what.contains("ARGOCD_OPTS") && e.what.contains("unterminated"), "{e}");
    let env = |k: &str| (k == "ARGOCD_OPTS").then(|| "stray --grpc-web".to_string());
    assert!(load(&Overrides::default(), &env).expect_err("stray").what.contains("invalid at \"stray\""));
}

#[cfg(unix)]
#[test]
fn cli_config_readable_by_others_is_refused() {
    let cli = Cli::new();
    set_mode(&cli.path(), 0o644);
    let e = load(&Overrides::default(), &cli.env(&[])).expect_err("0644 is refused");
    assert_eq!(e.path.as_deref(), Some(cli.path().as_path()));
    assert!(e.what.contains("0644"), "{e}");
    assert_eq!(e.hint, format!("run: chmod 600 {}", cli.path().display()));
    set_mode(&cli.path(), 0o400);
    assert!(load(&Overrides::default(), &cli.env(&[])).is_ok());
}

#[test]
fn cli_config_location_rules() {
    // ~/.argocd wins over XDG when it exists; XDG otherwise.
    let home = tempfile::tempdir().expect("tempdir");
    let xdg = home.path().join("xdg");
    std::fs::create_dir_all(xdg.join("argocd")).expect("mkdir");
    let xdg_cfg = xdg.join("argocd/config");
    std::fs::write(&xdg_cfg, "current-context: a\ncontexts: [{name: a, server: 'xdg:1', user: a}]\nservers: [{server: 'xdg:1'}]\nusers: [{name: a, auth-token: t}]\n").expect("write");
    set_mode(&xdg_cfg, 0o600);
    let h = home.path().display().to_string();
    let x = xdg.display().to_string();
    let env = move |k: &str| match k {
        "HOME" => Some(h.clone()),
        "XDG_CONFIG_HOME" => Some(x.clone()),
        _ => None,
    };
    assert_eq!(one(&Overrides::default(), &env).server, "https://xdg:1");
    std::fs::create_dir_all(home.path().join(".argocd")).expect("mkdir");
    // The legacy dir exists but has no config: there is no CLI context, so no instance.
    let e = load(&Overrides::default(), &env).expect_err("no instance");
    assert!(e.what.contains("no Argo CD instance"), "{e}");
    assert!(
        e.hint.contains("--server") && e.hint.contains("argocd login") && e.hint.contains("flightdeck config example"),
        "{e}"
    );
}

#[test]
fn core_context_and_missing_explicit_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("config");
    std::fs::write(&p, "current-context: k\ncontexts: [{name: k, server: kubernetes, user: k}]\nservers: [{server: kubernetes, core: true}]\nusers: [{name: k}]\n").expect("write");
    set_mode(&p, 0o600);
    let o = Overrides { argocd_config: Some(p), ..Overrides::default() };
    assert!(load(&o, &|_| None).expect_err("core").what.contains("--core"));
    let o = Overrides { argocd_config: Some(dir.path().join("missing")), ..Overrides::default() };
    assert!(load(&o, &|_| None).expect_err("missing").what.contains("does not exist"));
}

#[test]
fn flightdeck_file_and_single_instance_flags() {
    let env = |k: &str| match k {
        "DEV_TOKEN" => Some("x".to_string()),
        "ARGOCD_SERVER" => Some("ignored.example:1".to_string()),
        _ => None,
    };
    let with_file = Overrides { config_file: Some(fixture("good.toml")), ..Overrides::default() };
    // ARGOCD_SERVER is ambient: the file's instances win.
    assert_eq!(load(&with_file, &env).expect("loads").instances.len(), 2);
    let o = Overrides { server: Some("h:1".into()), ..with_file.clone() };
    let e = load(&o, &env).expect_err("--server with instances");
    assert!(e.what.contains("--server given"), "{e}");

    // A file without instances takes its single instance from the CLI rules.
    let o = Overrides {
        config_file: Some(fixture("no_instances.toml")),
        server: Some("h:1".into()),
        ..Overrides::default()
    };
    let c = load(&o, &|_| None).expect("loads");
    assert_eq!((c.instances.len(), c.envs.len()), (1, 3));
    // FLIGHTDECK_CONFIG is used when --config is absent; a missing file is an error.
    let e =
        load(&Overrides::default(), &|k: &str| (k == "FLIGHTDECK_CONFIG").then(|| "/nonexistent/f.toml".to_string()))
            .expect_err("missing");
    assert!(e.hint.contains("FLIGHTDECK_CONFIG"), "{e}");
    // The default path is read only if it exists.
    let c = load_from(&Overrides::default(), &env, Some(&fixture("good.toml"))).expect("default path");
    assert_eq!(c.instances.len(), 2);
}

#[test]
fn instance_from_argocd_context_in_the_file() {
    let cli = Cli::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("f.toml");
    let text = "[[instance]]\nname = \"one\"\nargocd_context = \"argocd1.example.com:443\"\n\n[[instance]]\nname = \"two\"\nargocd_context = \"ghost\"\n";
    let e = flightdeck::config::parse_str(text, &path, &cli.env(&[])).expect_err("ghost context");
    assert_eq!(e.line, Some(7), "{e}");
    let ok = &text[..text.find("\n\n").unwrap_or(text.len())];
    let c = flightdeck::config::parse_str(ok, &path, &cli.env(&[])).expect("parses");
    assert_eq!(c.instances[0].server, "https://argocd1.example.com:443");
    assert_eq!(c.instances[0].auth_source, "token from argocd context argocd1.example.com:443");
}
