//! Two operators, two terminals, one simulated estate: `flightdeck demo --user alice` makes
//! this console alice and writes the other demo operators' configs (same simulator, same Git
//! remote) to a private directory it prints, so `flightdeck --config <dir>/sim-bob.toml` in a
//! second terminal is bob approving alice's promotion.

use super::output::errln;
use std::path::PathBuf;

use super::sim::{as_operator, operator_path, OPERATORS};
use crate::config::{self, Config};
use crate::domain::model::{DemoJoin, DemoState};
use crate::domain::{ErrorKind, Failure};

/// Where the demo writes the operators' configs: a directory only this user can read (the
/// configs hold the demo passwords), one per demo process.
fn demo_dir() -> PathBuf {
    std::env::temp_dir().join(format!("flightdeck-demo-{}", std::process::id()))
}

/// What each demo operator is.
fn role(user: &str) -> &'static str {
    match user {
        "alice" | "bob" => "release manager",
        "dave" => "developer",
        "olga" => "on-call SRE",
        _ => "operator",
    }
}

/// This console's config as `user`, after writing every other operator's config; also how
/// they join, which the console shows (a banner and a help page) and stderr tells too.
pub fn operators(cfg: &Config, user: &str) -> Result<(Config, DemoState), Failure> {
    if !OPERATORS.contains(&user) {
        return Err(crate::domain::choices::unknown("demo operator", user, &OPERATORS.map(String::from)));
    }
    let dir = demo_dir();
    let io = |e: std::io::Error| Failure::new(ErrorKind::Usage, format!("cannot write {}: {e}", dir.display()));
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(io)?;
    }
    let base = dir.join("sim.toml");
    errln!("flightdeck demo: you are {user}; the other operators join this estate from another terminal:");
    let mut joins = Vec::new();
    for other in OPERATORS.iter().filter(|o| **o != user) {
        let path = operator_path(&base, other);
        config::write_file(&path, &as_operator(cfg.clone(), other)).map_err(io)?;
        let command = format!("flightdeck --config {}", path.display());
        errln!("  as {other}: {command}");
        joins.push(DemoJoin { user: other.to_string(), role: role(other).into(), command });
    }
    errln!("  (alice, bob: release managers · dave: developer · olga: on-call SRE)");
    let me = DemoState { me: user.to_string(), role: role(user).into(), joins, connected: Vec::new() };
    Ok((as_operator(cfg.clone(), user), me))
}

/// Who `flightdeck demo` is without `--user`: a developer, who may promote to staging and
/// request promotions to prod.
pub const DEFAULT_USER: &str = "dave";
