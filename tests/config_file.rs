//! The Flightdeck config file: good fixtures parse to the expected values, each kind of bad
//! file fails at the exact file:line with a hint, the shipped example parses, `to_toml` round
//! trips, `write_file` is private, and tokens never show in `Debug`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use flightdeck::config::{parse_str, to_toml, write_file, Auth, Config, ConfigError};
use flightdeck::domain::mapping::Mapping;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config").join(name)
}

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
}

fn parse_fixture(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let path = fixture(name);
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    parse_str(&text, &path, env)
}

fn bad(name: &str, env: &dyn Fn(&str) -> Option<String>) -> ConfigError {
    match parse_fixture(name, env) {
        Ok(c) => panic!("{name} should fail, got {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn good_file_parses_with_every_field() {
    let c = parse_fixture("good.toml", &env_of(&[("DEV_TOKEN", "canary-env-token-5678")])).expect("good.toml parses");
    assert_eq!(c.envs, vec!["dev", "prod"]);
    assert_eq!(c.source.as_deref(), Some(fixture("good.toml").as_path()));
    let [dev, prod] = c.instances.as_slice() else { panic!("two instances: {c:?}") };

    assert_eq!(dev.server, "http://localhost:8080");
    assert_eq!(dev.auth, Auth::Token(flightdeck::config::Secret::new("canary-env-token-5678")));
    assert_eq!(dev.auth_source, "token from env DEV_TOKEN");
    assert_eq!(dev.mapping, Mapping::Instance { env: "dev".into() });
    assert_eq!(dev.request_timeout, Duration::from_secs(15));

    assert_eq!(prod.server, "https://argocd.example.com/argo-cd");
    // The token file is trimmed; the source names the file, not the token.
    assert_eq!(prod.auth, Auth::Token(flightdeck::config::Secret::new("canary-file-token-1234")));
    assert_eq!(prod.auth_source, format!("token from file {}", fixture("token.txt").display()));
    assert_eq!(prod.mapping, Mapping::NamePattern("{service}-{env}".into()));
    assert_eq!(prod.projects, vec!["payments"]);
    assert_eq!(prod.selector.as_deref(), Some("team=backend"));
    assert_eq!(prod.request_timeout, Duration::from_secs(30));
}

#[test]
fn canary_tokens_never_appear_in_debug() {
    let c = parse_fixture("good.toml", &env_of(&[("DEV_TOKEN", "canary-env-token-5678")])).expect("parses");
    let dbg = format!("{c:?} {c:#?}");
    assert!(!dbg.contains("canary"), "a token leaked into Debug: {dbg}");
    assert!(dbg.contains("token from env DEV_TOKEN"));
}

#[test]
fn bad_files_point_at_the_line_with_a_hint() {
    let none = env_of(&[]);
    let cases: [(&str, usize, &str, &str); 7] = [
        ("bad_unknown_key.toml", 4, "unknown field `tokn_env`", "did you mean \"token_env\""),
        ("bad_duplicate_name.toml", 6, "duplicate instance name \"prod\"", "the first \"prod\" is on line 2"),
        ("bad_url.toml", 6, "bad server", "https://argocd.example.com"),
        ("bad_pattern.toml", 4, "needs a separator", "name:{service}-{env}"),
        ("bad_env_unset.toml", 4, "ARGOCD_PROD_TOKEN is not set", "export ARGOCD_PROD_TOKEN="),
        ("bad_two_sources.toml", 5, "two credential sources: token_env and token_file", "exactly one of"),
        ("bad_syntax.toml", 2, "", "fix the TOML"),
    ];
    for (file, line, what, hint) in cases {
        let e = bad(file, &none);
        assert_eq!(e.path.as_deref(), Some(fixture(file).as_path()), "{file}");
        assert_eq!(e.line, Some(line), "{file}: {e}");
        assert!(e.what.contains(what), "{file}: {e}");
        assert!(e.hint.contains(hint), "{file}: {e}");
        let shown = e.to_string();
        assert!(shown.starts_with(&format!("{}:{line}:", fixture(file).display())), "{shown}");
        assert!(shown.contains("\n  hint: "), "{shown}");
    }
}

#[test]
fn column_points_at_the_value() {
    let e = bad("bad_env_unset.toml", &env_of(&[]));
    // `token_env = "ARGOCD_PROD_TOKEN"`: the value starts at column 13.
    assert_eq!((e.line, e.col), (Some(4), Some(13)));
}

#[test]
fn empty_env_var_is_refused_too() {
    let e = bad("bad_env_unset.toml", &env_of(&[("ARGOCD_PROD_TOKEN", "  ")]));
    assert!(e.what.contains("is empty"), "{e}");
}

#[test]
fn token_file_with_several_lines_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t"), "abc\ndef\n").expect("write");
    let text = "[[instance]]\nname = \"a\"\nserver = \"https://a.example\"\ntoken_file = \"t\"\n";
    let e = parse_str(text, &dir.path().join("c.toml"), &env_of(&[])).expect_err("multi-line token");
    assert_eq!(e.line, Some(4));
    assert!(e.what.contains("control characters"), "{e}");
}

#[test]
fn small_validations() {
    let p = Path::new("/x/c.toml");
    let none = env_of(&[]);
    let err = |text: &str| parse_str(text, p, &none).expect_err(text);
    assert!(err("[[instance]]\nname = \"a\"\n").what.contains("has no server"));
    assert!(err("[[instance]]\nname = \"a\"\nserver = \"https://a\"\nmapping = \"instance\"\n")
        .hint
        .contains("env = "));
    assert!(err("[[instance]]\nname = \"a\"\nserver = \"https://a\"\nmapping = \"bogus\"\n")
        .what
        .contains("unknown mapping"));
    assert!(err("[[instance]]\nname = \"a\"\nserver = \"https://a\"\ntimeout_secs = 0\n").what.contains("at least 1"));
    // A username alone means "ask for the password on the terminal".
    let prompt = parse_str("[[instance]]\nname = \"a\"\nserver = \"https://a\"\nusername = \"u\"\n", p, &none)
        .expect("username alone");
    assert!(prompt.instances[0].password_prompt);
    assert_eq!(prompt.instances[0].auth_source, "password from prompt (user u)");
    assert!(err("[[instance]]\nname = \"a\"\nserver = \"https://a\"\npassword_env = \"P\"\n")
        .what
        .contains("needs a username"));
    assert!(err("[ui]\nenvs = [\"dev\", \"dev\"]\n").what.contains("listed twice"));
    assert!(err("[ui]\nkeymap = \"nope.toml\"\n").what.contains("does not exist"));
}

#[test]
fn login_with_password_env() {
    let text = "[[instance]]\nname = \"a\"\nserver = \"https://a\"\nusername = \"admin\"\npassword_env = \"PW\"\n";
    let c = parse_str(text, Path::new("c.toml"), &env_of(&[("PW", "canary-pw")])).expect("parses");
    let i = &c.instances[0];
    assert!(
        matches!(&i.auth, Auth::Login { username, password } if username == "admin" && password.expose() == "canary-pw")
    );
    assert_eq!(i.auth_source, "password from env PW (user admin)");
    assert!(!format!("{c:?}").contains("canary"));
}

#[test]
fn shipped_example_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/flightdeck.example.toml");
    let text = std::fs::read_to_string(&path).expect("example exists");
    let c = parse_str(&text, &path, &env_of(&[("ARGOCD_PROD_TOKEN", "t")])).expect("the example parses");
    assert_eq!(c.envs, vec!["dev", "staging", "prod"]);
    assert_eq!(c.instances.len(), 1);
    assert_eq!(c.instances[0].server, "https://argocd.example.com");
    assert_eq!(c.instances[0].mapping, Mapping::default());
}

#[test]
fn to_toml_round_trips() {
    let text = r#"
[ui]
envs = ["qa", "prod"]
protected_envs = ["prod", "qa"]
theme = "mono"

[[instance]]
name = "a"
server = "http://127.0.0.1:8080/dev"
token = "canary-inline"
insecure = true
mapping = "labels"
service_label = "svc"
env_label = "stage"
projects = ["p1", "p2"]
selector = "x=y"
app_namespace = "apps"
timeout_secs = 7

[[instance]]
name = "b"
server = "argocd.example.com"
env = "prod"
username = "admin"
password = "canary-pw"
mapping = "instance"

[[instance]]
name = "c"
server = "https://c.example"
mapping = "name:{env}.{service}"

[notify]
bell = false
desktop = "osc777"
on = ["approval", "degraded"]
"#;
    let path = Path::new("/cfg/flightdeck.toml");
    let none = env_of(&[]);
    let first = parse_str(text, path, &none).expect("parses");
    let written = to_toml(&first);
    let second = parse_str(&written, path, &none).unwrap_or_else(|e| panic!("{e}\n---\n{written}"));
    assert_eq!(first, second, "---\n{written}");
    assert_eq!(second.instances[1].server, "https://argocd.example.com:443");
}

#[cfg(unix)]
#[test]
fn write_file_is_owner_only_and_reads_back() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sub/config.toml");
    std::fs::create_dir_all(dir.path().join("sub")).expect("mkdir");
    std::fs::write(&path, "old").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let mut c = Config::default();
    let mut i = flightdeck::config::InstanceConfig::new("a", "https://a.example");
    i.auth = Auth::Token(flightdeck::config::Secret::new("canary-w"));
    i.auth_source = "token from config file".into();
    c.instances.push(i);
    c.source = Some(path.clone());
    write_file(&path, &c).expect("write_file");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let back = parse_str(&std::fs::read_to_string(&path).expect("read"), &path, &env_of(&[])).expect("parses");
    assert_eq!(back, c);
}

#[test]
fn helm_tag_key_reaches_every_instance_and_bad_paths_are_refused_with_their_line() {
    let no_env = |_: &str| None;
    let text = "[gitops]\nhelm_tag_key = \"app.image.tag\"\n\n[[instance]]\nname = \"dev\"\nserver = \"https://argocd.example.com\"\n";
    let cfg = parse_str(text, Path::new("c.toml"), &no_env).unwrap();
    assert_eq!(cfg.instances[0].helm_tag_key.as_deref(), Some("app.image.tag"));
    let again = parse_str(&to_toml(&cfg), Path::new("c.toml"), &no_env).unwrap();
    assert_eq!(again.gitops.helm_tag_key.as_deref(), Some("app.image.tag"), "round-trips");
    let bad = "[gitops]\nhelm_tag_key = \"image..tag\"\n";
    let e = parse_str(bad, Path::new("c.toml"), &no_env).unwrap_err().to_string();
    assert!(e.starts_with("c.toml:2:"), "{e}");
    assert!(e.contains("image.tag"), "hint names the form: {e}");
}

#[test]
fn glyphs_setting_is_read_checked_and_round_trips() {
    let parse = |ui: &str| parse_str(&format!("[ui]\n{ui}\n"), Path::new("/etc/fd.toml"), &env_of(&[]));
    assert_eq!(parse("glyphs = \"ascii\"").unwrap().ascii, Some(true));
    assert_eq!(parse("glyphs = \"unicode\"").unwrap().ascii, Some(false));
    assert_eq!(parse("glyphs = \"auto\"").unwrap().ascii, None);
    assert_eq!(parse("").unwrap().ascii, None);
    let e = parse("glyphs = \"emoji\"").unwrap_err().to_string();
    assert!(e.contains("fd.toml:2") && e.contains("unknown glyphs") && e.contains("ascii"), "{e}");
    let c = parse("glyphs = \"ascii\"").unwrap();
    let back = parse_str(&to_toml(&c), Path::new("/etc/fd.toml"), &env_of(&[])).unwrap();
    assert_eq!(back.ascii, Some(true));
}

#[test]
fn notify_reads_bell_desktop_and_events_and_points_at_a_bad_one() {
    use flightdeck::domain::notify::{Desktop, NotifyEvent, NotifySettings};
    let path = Path::new("/cfg/flightdeck.toml");
    let none = env_of(&[]);
    let c = parse_str("[ui]\n", path, &none).expect("parses");
    assert_eq!(c.notify, NotifySettings::default(), "bell and OSC 9 on every event unless told");
    let c = parse_str("[notify]\nbell = false\ndesktop = \"osc777\"\non = [\"run_ended\"]\n", path, &none).unwrap();
    assert_eq!(c.notify, NotifySettings { bell: false, desktop: Desktop::Osc777, on: vec![NotifyEvent::RunEnded] });
    let e = parse_str("[notify]\ndesktop = \"growl\"\n", path, &none).unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    assert!(e.to_string().contains("osc9"), "{e}");
    let e = parse_str("[notify]\n\non = [\"degraded\", \"lunch\"]\n", path, &none).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
}
