//! `flightdeck sim --write-config FILE` (the real binary, as a newcomer runs it): it prints
//! what an outside client needs (Vault address, role id, secret-id file, Argo CD users), the
//! config reads its tokens from the simulator's Vault by AppRole (the secret id in a 0600 file
//! beside it, no token inline), `doctor` passes on it, and its identity promotes dev → staging.

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SAFETY: Duration = Duration::from_secs(60);

/// The running `flightdeck sim`; interrupted (ctrl-c) when dropped.
struct SimProcess(std::process::Child);

impl Drop for SimProcess {
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.0.id()) {
            // SAFETY: a plain signal to our own child.
            unsafe { libc::kill(pid, libc::SIGINT) };
        }
        let until = Instant::now() + SAFETY;
        while matches!(self.0.try_wait(), Ok(None)) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start it and return its stderr up to "ctrl-c to stop".
fn start(config: &Path) -> (SimProcess, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flightdeck"))
        .args(["sim", "--listen", "127.0.0.1:0", "--calm", "--services", "6", "--write-config"])
        .arg(config)
        .env("HOME", config.parent().expect("dir"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flightdeck sim");
    let stderr = child.stderr.take();
    let process = SimProcess(child);
    let stderr = stderr.expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut text = String::new();
    loop {
        let line = rx.recv_timeout(SAFETY).unwrap_or_else(|_| panic!("no 'ctrl-c to stop' in time:\n{text}"));
        text.push_str(&line);
        text.push('\n');
        if line.contains("ctrl-c to stop") {
            return (process, text);
        }
    }
}

fn flightdeck(cfg: &Path, home: &Path, args: &[&str]) -> Output {
    common::headless(cfg, home, args).output().expect("run flightdeck")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
}

#[test]
fn the_written_config_uses_vault_and_promotes_dev_to_staging() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("sim.toml");
    let (_sim, said) = start(&cfg);
    // What an outside client needs.
    let secret_file = dir.path().join("sim.secret-id");
    assert!(said.contains("Vault at http://127.0.0.1:") && said.contains("role id flightdeck"), "{said}");
    assert!(said.contains(&secret_file.display().to_string()), "{said}");
    assert!(said.contains("dave/dave") && said.contains("admin/password"), "{said}");
    // The config: Vault by AppRole, the secret id beside it, nothing secret inline.
    let written = std::fs::read_to_string(&cfg).expect("config");
    assert!(written.contains("auth = \"approle\"") && written.contains("secret_id_file = \"sim.secret-id\""));
    assert!(written.contains("vault = \"secret/argocd/staging#token\"") && !written.contains("token ="), "{written}");
    assert_eq!((mode(&cfg), mode(&secret_file)), (0o600, 0o600));
    assert!(dir.path().join("sim-bob.toml").is_file(), "the operators' configs too");

    let home = tempfile::tempdir().expect("home");
    let out = flightdeck(&cfg, home.path(), &["doctor"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("from approle login") && t.contains("staging who") && t.contains("dave"), "{t}");

    // A service whose dev version staging does not run yet.
    let out = flightdeck(&cfg, home.path(), &["status", "-o", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    let deps = status["deployments"].as_array().expect("deployments");
    let version = |svc: &str, env: &str| {
        deps.iter().find(|d| d["service"] == svc && d["env"] == env).map(|d| d["version"].clone())
    };
    let service = deps
        .iter()
        .filter_map(|d| d["service"].as_str())
        .find(|s| version(s, "dev") != version(s, "staging") && version(s, "staging").is_some())
        .expect("a service to promote");
    let out = flightdeck(&cfg, home.path(), &["promote", service, "--from", "dev", "--to", "staging"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(!t.contains("nothing to do") && !t.contains("may be requested by"), "{t}");
}
