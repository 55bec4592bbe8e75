//! Third-party clients in the test suite: `hvac` (the Python Vault client) against the
//! simulator's Vault and a real OpenBao, and `argocd-python-client` (generated from Argo CD's
//! OpenAPI document, type-checking every answer) against the simulator's Argo CD, and
//! `conductor-python` (Conductor's official SDK) against the simulated Conductor. The
//! scripts are in `tests/python/`; the interpreter is the venv `.ci/run` makes
//! (`FLIGHTDECK_PYTHON`, else `target/ci-venv/bin/python`); without it each test says
//! "skipped: …" once and passes, unless `FLIGHTDECK_REQUIRE_PYTHON=1`.

mod vault_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use flightdeck_sim::{Sim, SimClock, SimOptions};
use vault_support::World;

const SKIP_LINE: &str =
    "skipped: python venv with hvac, argocd-python-client and conductor-python not found; run .ci/run";
const SAFETY: Duration = Duration::from_secs(120);

/// The venv's interpreter, if it has both client packages.
fn python() -> Option<PathBuf> {
    let set = std::env::var_os("FLIGHTDECK_PYTHON").filter(|p| !p.is_empty()).map(PathBuf::from);
    let py = set.clone().unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python"));
    let usable = Command::new(&py)
        .args(["-c", "import hvac, argocd_python_client, conductor"])
        .output()
        .is_ok_and(|o| o.status.success());
    let required = set.is_some() || std::env::var("FLIGHTDECK_REQUIRE_PYTHON").as_deref() == Ok("1");
    assert!(
        usable || !required,
        "{} cannot import hvac, argocd_python_client and conductor ({SKIP_LINE})",
        py.display()
    );
    if !usable {
        vault_support::say_once(SKIP_LINE);
    }
    usable.then_some(py)
}

/// Run `tests/python/<script>` with `args`; its output is in the panic message on failure.
async fn run(py: &Path, script: &str, args: &[String]) -> Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(script);
    let mut cmd = Command::new(py);
    cmd.arg(path).args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output());
    let out = tokio::time::timeout(SAFETY, out).await.expect("the script finishes").expect("join").expect("runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} {args:?} failed:\n{text}");
    out
}

both!(hvac_logs_in_reads_versions_and_renews);

async fn hvac_logs_in_reads_versions_and_renews(w: World) {
    let Some(py) = python() else { return };
    w.put("argocd/dev", &[("token", "first")]).await;
    w.put("argocd/dev", &[("token", "second")]).await;
    let (role_id, secret_id) = w.approle().await;
    let out = run(&py, "hvac_check.py", &[w.addr(), role_id, secret_id]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("kv metadata and list ok"), "{}", w.name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_argocd_client_lists_gets_syncs_creates_and_deletes() {
    let Some(py) = python() else { return };
    let opts = SimOptions { services: 4, chaos: false, clock: SimClock::Manual, ..Default::default() };
    let sim = Sim::start(opts).await.expect("simulator starts");
    let inst = sim.instances().into_iter().next().expect("dev");
    let out = run(&py, "argocd_check.py", &[inst.base_url.clone(), "dave".into()]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("unknown route ok"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("create and delete ok"));
    assert!(!sim.app_names(0).contains(&"pyclient-copy".to_string()) || sim.app_json(0, "pyclient-copy").is_none());
    // The sync it asked for is the simulator's operation now.
    let app = sim.app_names(0)[0].clone();
    let json = sim.app_json(0, &app).expect("app");
    assert_eq!(json["operation"]["initiatedBy"]["username"], "dave", "{}", json["operation"]);
}

/// The SDK registers its own definitions, serves a SIMPLE task with its TaskHandler,
/// completes a HUMAN task by reference name and takes a SWITCH.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conductor_python_sdk_runs_its_own_workflow() {
    let Some(py) = python() else { return };
    let sim = Sim::start(SimOptions { services: 1, chaos: false, ..SimOptions::default() }).await.expect("sim");
    let out = run(&py, "conductor_check.py", &[sim.conductor().api_url()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("python sdk: all checks passed"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
    sim.shutdown().await;
}
