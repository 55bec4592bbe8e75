//! Running the real `flightdeck doctor` binary on a config fixture of `tests/fixtures/doctor/`
//! (`{SERVER}` and `{VAULT}` filled in) with a clean environment.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// Safety net for a doctor run (never a sleep: it only bounds a hang).
const SAFETY: Duration = Duration::from_secs(60);

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/doctor").join(name)
}

/// Fill `{SERVER}`/`{VAULT}` of fixture `name` into a temp dir; returns (dir, config path).
pub fn config_for(server: &str, vault: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    let text = text.replace("{SERVER}", server).replace("{VAULT}", vault);
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

/// Run `flightdeck doctor --config <cfg>` with a clean environment under `home`.
pub async fn doctor(home: &Path, cfg: &Path, vault_token: Option<&str>) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    cmd.arg("doctor").arg("--config").arg(cfg).env_clear().env("HOME", home).env("FLIGHTDECK_LOG", "trace");
    cmd.env("XDG_STATE_HOME", home.join("state")).env("XDG_CONFIG_HOME", home.join("config"));
    if let Some(t) = vault_token {
        cmd.env("VAULT_TOKEN", t);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output());
    tokio::time::timeout(SAFETY, out).await.expect("doctor finishes").expect("join").expect("runs")
}

/// Its stdout and stderr together.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
