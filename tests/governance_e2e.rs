//! Governance end to end with the real binary against the simulator: a plain Argo CD with
//! no Flightdeck configuration runs actions (Argo CD RBAC only) and records them; a
//! configured but unreachable policy refuses with the remote, the file and what to do;
//! promotion keeps the pipeline order; the trail is shared (one operator's record is listed
//! from another's home) and verifiable (records cut off the end of the local log, or off
//! the shared ref, are caught).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use flightdeck::client::git::Git;

fn both(o: &Output) -> String {
    format!("stdout: {}\nstderr: {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The binary with a clean environment under `home`.
async fn run(home: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    c.args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || c.output());
    tokio::time::timeout(common::RUN_LIMIT, out).await.expect("finishes").expect("join").expect("runs")
}

fn records(home: &Path) -> Vec<flightdeck::audit::Record> {
    flightdeck::audit::read_records(&home.join("data/flightdeck")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_argo_cd_without_flightdeck_config_runs_the_action_and_records_it() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let dev = &sim.instances()[0];
    let url = url::Url::parse(&dev.base_url).unwrap();
    let server = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let service = common::service_of(&sim.app_names(0)[0], "dev");
    let args = [
        "--server",
        &server,
        "--plaintext",
        "--grpc-web-root-path",
        url.path(),
        "--auth-token",
        &dev.token,
        "sync",
        &service,
        "--env",
        "dev",
    ];
    let out = run(home.path(), &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("sync {service}/dev")), "{}", both(&out));
    assert!(!both(&out).contains("policy"), "nothing about a policy: {}", both(&out));
    let recs = records(home.path());
    assert_eq!(recs.len(), 1, "{recs:?}");
    let e = &recs[0].entry;
    assert_eq!(
        (e.event.as_str(), e.outcome.as_str(), e.what()),
        ("action", "succeeded", format!("sync {service} in dev"))
    );
    // No repository was fetched to look for a policy.
    assert!(!home.path().join("cache/flightdeck/ledger").exists(), "no ledger clone without governance");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_policy_that_cannot_be_read_refuses_with_the_remote_the_file_and_advice() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let mut cfg = common::sim_config(&sim);
    let missing = format!("file://{}/gone/gitops.git", home.path().display());
    cfg.gitops.remote = Some(missing.clone());
    let path = home.path().join("cfg.toml");
    flightdeck::config::write_file(&path, &cfg).unwrap();
    let service = common::service_of(&sim.app_names(0)[0], "dev");
    let before = sim.app_json(0, &format!("{service}-dev")).unwrap()["operation"].clone();
    let out = run(home.path(), &["--config", path.to_str().unwrap(), "sync", &service, "--env", "dev"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", both(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the policy") && err.contains(&missing) && err.contains("policy.toml"), "{err}");
    assert!(err.contains("check [gitops] remote"), "says what to do: {err}");
    assert_eq!(sim.app_json(0, &format!("{service}-dev")).unwrap()["operation"], before, "nothing was sent");
    let recs = records(home.path());
    assert!(recs.iter().any(|r| r.entry.event == "refusal"), "the refusal is in the trail: {recs:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promoting_dev_straight_to_prod_is_refused_naming_staging() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    common::operator_config(&sim, home.path(), "dave");
    let service = common::service_of(&sim.app_names(0)[0], "dev");
    let out = common::run_as(home.path(), "dave", &["promote", &service, "--from", "dev", "--to", "prod"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", both(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("skips staging") && err.contains("promote dev → staging first"), "{err}");
    let log = Git::new().run(&sim.git_dir().unwrap(), &["log", "--oneline", "main"]).unwrap().stdout;
    assert!(!log.contains("promote"), "nothing was committed: {log}");
    let recs = records(home.path());
    assert!(
        matches!(&recs[..], [r] if r.entry.event == "refusal" && r.entry.outcome.contains("skips staging")),
        "{recs:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trail_is_shared_across_homes_and_cutting_its_end_is_caught() {
    let sim = common::calm_sim(2).await;
    let (dave_home, alice_home) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (dave_home, alice_home) = (dave_home.path(), alice_home.path());
    common::operator_config(&sim, dave_home, "dave");
    common::operator_config(&sim, alice_home, "alice");
    let service = common::service_of(&sim.app_names(0)[0], "dev");
    for hard in [false, true] {
        let mut args = vec!["refresh", service.as_str(), "--env", "dev"];
        if hard {
            args.push("--hard");
        }
        let out = common::run_as(dave_home, "dave", &args).await;
        assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    }
    // Alice, on another machine (another home), sees dave's records in the shared trail.
    let out = common::run_as(alice_home, "alice", &["audit", "-o", "json"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows.iter().all(|r| r["actor"] == "dave" && r["action"] == "refresh"), "{listed}");
    assert_eq!(rows[1]["detail"], "hard");
    assert!(records(alice_home).is_empty(), "nothing of dave's in alice's own log");

    // dave's log verifies; cut its last record and verify names the removal.
    let ok = common::run_as(dave_home, "dave", &["audit", "verify"]).await;
    assert_eq!(ok.status.code(), Some(0), "{}", both(&ok));
    assert!(
        both(&ok).contains("2 records, chain intact") && both(&ok).contains("shared trail: intact"),
        "{}",
        both(&ok)
    );
    let log = dave_home.join("data/flightdeck/audit.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let first = text.lines().next().unwrap();
    std::fs::write(&log, format!("{first}\n")).unwrap();
    let cut = common::run_as(dave_home, "dave", &["audit", "verify"]).await;
    assert_eq!(cut.status.code(), Some(1), "{}", both(&cut));
    assert!(both(&cut).contains("records 2..=2 were removed"), "{}", both(&cut));
    std::fs::write(&log, text).unwrap();

    // Someone rewinds the shared trail by one record: dave's anchor is gone from it.
    let bare = sim.git_dir().unwrap();
    let git = Git::new();
    let tip = git.run(&bare, &["rev-parse", "refs/flightdeck/trail"]).unwrap().stdout.trim().to_string();
    git.run(&bare, &["update-ref", "refs/flightdeck/trail", &format!("{tip}~1")]).unwrap();
    let rewound = common::run_as(dave_home, "dave", &["audit", "verify"]).await;
    assert_eq!(rewound.status.code(), Some(1), "{}", both(&rewound));
    assert!(
        both(&rewound).contains("shared trail") && both(&rewound).contains("removed or rewritten"),
        "{}",
        both(&rewound)
    );
    sim.shutdown().await;
}
