//! Every action and every approval decision lands in the audit trail: a headless action
//! against the simulator leaves exactly one record and `audit verify` passes; an approval
//! through the console's client path records the decision and its claimed execution, and a
//! satisfied promotion is claimed once. Also the `[gitops]` config keys.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use chrono::Utc;
use flightdeck::client::engine::embedded::LedgerPaths;
use flightdeck::client::engine::Governance;
use flightdeck::client::engine::{Ledger, DEFAULT_REF};
use flightdeck::client::git::Git;
use flightdeck::domain::approvals::ApprovalSource;
use flightdeck::domain::policy::{ActionKind, Request};
use flightdeck::domain::{Action, UserInfo};
use flightdeck::engine::RequestBody;

fn flightdeck(cfg: &Path, home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    c.arg("--config").arg(cfg).args(args);
    c.env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

async fn run(mut c: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || c.output().expect("run flightdeck")).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_action_leaves_one_record_and_the_chain_verifies() {
    let sim = common::calm_sim(2).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let app = sim.app_names(0).into_iter().next().expect("an app in dev");
    let service = common::service_of(&app, "dev");
    let out = run(flightdeck(&cfg, home.path(), &["refresh", &service, "--env", "dev", "--hard"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let records = flightdeck::audit::read_records(&home.path().join("data/flightdeck")).unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let e = &records[0].entry;
    assert_eq!(e.event, "action");
    assert_eq!(e.actor, "admin");
    // One shape: what, where and how it ended, each in its own field.
    assert_eq!(e.what(), format!("refresh {service} in dev"));
    assert_eq!((e.detail.as_str(), e.outcome.as_str()), ("hard", "succeeded"));

    let out = run(flightdeck(&cfg, home.path(), &["audit", "verify"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 records, chain intact"));
    sim.shutdown().await;
}

fn user(name: &str) -> UserInfo {
    UserInfo { username: name.into(), groups: vec!["release-managers".into()] }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_is_audited_and_a_satisfied_promotion_is_claimed_once() {
    let remote_dir = tempfile::tempdir().unwrap();
    Git::new().run(remote_dir.path(), &["init", "-q", "--bare", "-b", "main", "."]).unwrap();
    let remote = format!("file://{}", remote_dir.path().display());
    let cache = tempfile::tempdir().unwrap();
    let audit_dir = tempfile::tempdir().unwrap();
    // No policy.toml in the repository: the open policy, so one approval satisfies it.
    let ledger = Ledger::open(Git::new(), &remote, cache.path(), DEFAULT_REF).unwrap();
    let body = RequestBody {
        policy: Request { ticket: Some("CHG-7".into()), ..Request::new(ActionKind::Promote, "prod") },
        service: "payment-service".into(),
        from_env: Some("staging".into()),
        summary: "promote payment-service staging → prod (v1.3.0)".into(),
        diff: vec!["+    newTag: v1.3.0".into()],
        payload: serde_json::json!({"images": ["registry.local/shop/payment-service:v1.3.0"], "from": "staging", "to": "prod"}),
    };
    let req = ledger.request(&user("dave"), body, Utc::now()).unwrap();

    let source = ApprovalSource {
        remote: remote.clone(),
        policy_path: "policy.toml".into(),
        ledger_ref: DEFAULT_REF.into(),
        signing: None,
    };
    let paths = LedgerPaths {
        cache_root: Some(cache.path().to_path_buf()),
        audit_dir: Some(audit_dir.path().to_path_buf()),
        ..Default::default()
    };
    let gov = Governance::new(Some(source), paths, None);
    let out = gov.decide(&user("alice"), &req.id, true, "lgtm").await.unwrap();
    let run = out.run.expect("alice's console claims the run");
    assert_eq!((run.service.as_str(), run.env.as_str()), ("payment-service", "prod"));
    match run.action {
        Action::Promote(p) => {
            assert_eq!(p.images, vec!["registry.local/shop/payment-service:v1.3.0".to_string()]);
            assert_eq!(p.from_env, "staging");
            assert_eq!(p.request_id.as_deref(), Some(req.id.as_str()));
            assert_eq!(p.approved_by, vec!["alice".to_string()]);
        }
        other => panic!("expected a promotion, got {other:?}"),
    }

    // Bob is too late: the request is executed, his approval is refused (and audited).
    let late = gov.decide(&user("bob"), &req.id, true, "").await;
    assert!(late.is_err(), "{late:?}");

    let records = flightdeck::audit::read_records(audit_dir.path()).unwrap();
    let events: Vec<(&str, &str)> = records.iter().map(|r| (r.entry.actor.as_str(), r.entry.event.as_str())).collect();
    assert_eq!(events, vec![("alice", "approval"), ("alice", "execution"), ("bob", "approval")]);
    assert!(records[2].entry.outcome.starts_with("refused:"), "{:?}", records[2].entry);
    assert!(flightdeck::audit::verify(audit_dir.path()).unwrap().ok());
}

#[test]
fn gitops_keys_parse_and_errors_name_the_line() {
    let env = |_: &str| None;
    let text = r#"
[gitops]
remote = "file:///srv/gitops.git"
policy_path = "ops/policy.toml"
ledger_ref = "refs/flightdeck/approvals"
signing = { key = "/home/a/.ssh/id_ed25519.pub", format = "ssh" }
"#;
    let cfg = flightdeck::config::parse_str(text, Path::new("/etc/fd.toml"), &env).unwrap();
    assert_eq!(cfg.gitops.remote.as_deref(), Some("file:///srv/gitops.git"));
    assert_eq!(cfg.gitops.policy_path, "ops/policy.toml");
    let signing = cfg.gitops.signing.unwrap();
    assert_eq!((signing.format.as_str(), signing.key.as_str()), ("ssh", "/home/a/.ssh/id_ed25519.pub"));

    let bad = "[gitops]\nledger_ref = \"approvals\"\n";
    let err = flightdeck::config::parse_str(bad, Path::new("/etc/fd.toml"), &env).unwrap_err().to_string();
    assert!(err.contains("fd.toml:2"), "{err}");
    assert!(err.contains("not a full ref name"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_config_names_its_git_remote() {
    let sim = common::calm_sim(1).await;
    let text = flightdeck::config::to_toml(&common::sim_config(&sim));
    let env = |_: &str| None;
    let back = flightdeck::config::parse_str(&text, Path::new("/tmp/sim.toml"), &env).unwrap();
    assert_eq!(back.gitops.remote, Some(sim.git_remote()));
    sim.shutdown().await;
}
