//! Console/headless parity of the one governance path, against the simulator: for each estate
//! (a governed one with the policy in its single repository; one whose apps live in two
//! repositories, with and without a configured remote) and each action kind (sync, rollback,
//! scale, restart, promote), the console's pure update — fed by the real client (apps,
//! userinfo, app detail, promotion plan) and the policy state the session's governance reads —
//! reaches the same decision as the real binary's headless command: run, file a request
//! (with the same action, environment, ticket and reason), or refuse with the same sentence.

mod common;

use std::path::Path;

use chrono::Utc;
use flightdeck::app::{self, Effect, Key, KeyCode, Keymap, Msg};
use flightdeck::client::credentials::{clients, Resolved};
use flightdeck::client::engine::embedded::LedgerPaths;
use flightdeck::config::{Auth, Config, Secret};
use flightdeck::domain::model::{DialogKind, Mode};
use flightdeck::domain::Model;
use flightdeck_sim::Sim;

/// What the governance decided, as both sides can show it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Run,
    /// A request for `(action, env, ticket, reason)`.
    Filed(String, String, Option<String>, Option<String>),
    Refused(String),
}

/// One operator's config on an estate: `base` with every instance logged in as `user`.
fn as_user(base: &Config, sims: &[&Sim], user: &str) -> Config {
    let mut cfg = base.clone();
    for inst in &mut cfg.instances {
        let (sim, i) = locate(sims, &inst.server);
        inst.auth = Auth::Token(Secret::new(sim.token_for(i, user).expect("demo user")));
    }
    cfg
}

/// Which simulator and instance index serve `url`.
fn locate<'a>(sims: &[&'a Sim], url: &str) -> (&'a Sim, usize) {
    for sim in sims {
        if let Some(i) = sim.instances().iter().position(|i| i.base_url == url) {
            return (sim, i);
        }
    }
    panic!("no simulator serves {url}")
}

fn keymap() -> Keymap {
    flightdeck::config::keymap::builtin()
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    app::update(m, Msg::Key(Key::plain(code)), &keymap())
}

fn char_key(m: &mut Model, c: char) -> Vec<Effect> {
    app::update(m, Msg::Key(Key::char(c)), &keymap())
}

/// The console's decision for `action` (a key) on `service` in `env`, with `ticket`/`reason`.
async fn console(cfg: &Config, cache: &Path, user: &str, case: &Case) -> Outcome {
    let list = clients(cfg, &Resolved::default()).expect("clients");
    let mut m = flightdeck::session::model_from(cfg);
    app::init(&mut m);
    for (i, c) in list.iter().enumerate() {
        let (apps, _) = c.list().await.expect("list");
        app::update(&mut m, Msg::AppsListed { instance: i, apps, at: Utc::now() }, &keymap());
        let result = c.userinfo().await.map_err(|e| e.to_failure());
        app::update(&mut m, Msg::UserLoaded { instance: i, result, at: Utc::now() }, &keymap());
    }
    assert_eq!(m.username(), Some(user));
    let paths = LedgerPaths { cache_root: Some(cache.to_path_buf()), ..Default::default() };
    let state = flightdeck::session::governance(cfg, None, paths).expect("governance").policy_state().await;
    // The latest load asked for (knowing who we are asks again): its answer is the policy.
    let generation = m.approvals.generation;
    app::update(&mut m, Msg::PolicyLoaded { generation, state: Box::new(state), at: Utc::now() }, &keymap());
    // Select the cell (the service's row, the environment's column) and load its detail.
    let row = m.rows.iter().position(|r| *r.service == *case.service).expect("the service's row");
    let col = m.envs.iter().position(|e| e == case.env).expect("the environment's column");
    m.selected_row = row;
    m.selected_col = col;
    let fx = app::update(&mut m, Msg::Resumed, &keymap());
    for e in fx {
        if let Effect::LoadDetail { key, generation } = e {
            let result = list[key.instance].get(&key, None).await.map(|(d, _)| d).map_err(|e| e.to_failure());
            app::update(&mut m, Msg::DetailLoaded { key, generation, result, at: Utc::now() }, &keymap());
        }
    }
    let fx = char_key(&mut m, case.key);
    answer_plan(&mut m, &list, &fx).await;
    fill(&mut m, case);
    let mut fx = key(&mut m, KeyCode::Enter);
    // A GitOps scale (auto-sync on) confirms in the promotion dialog it opens, once planned.
    if answer_plan(&mut m, &list, &fx).await {
        fill(&mut m, case);
        fx = key(&mut m, KeyCode::Enter);
    }
    outcome_of(&m, &fx)
}

/// Answer the plan request among `fx` (if any) as the executor would; whether there was one.
async fn answer_plan(m: &mut Model, list: &[flightdeck::client::ArgoClient], fx: &[Effect]) -> bool {
    let Some(Effect::PlanPromotion { generation, target, images, intent, revision, .. }) =
        fx.iter().find(|e| matches!(e, Effect::PlanPromotion { .. })).cloned()
    else {
        return false;
    };
    let c = &list[target.instance];
    let settings = flightdeck::client::git::promote::PromoteSettings::for_client(c).await.expect("settings");
    let plan = flightdeck::client::git::promote_flow::plan_for;
    let result = plan(c, &target, &images, &intent, revision.as_deref(), &settings).await;
    let msg = Msg::PromotionPlanned { generation, result: result.map(Box::new), at: Utc::now() };
    app::update(m, msg, &keymap());
    true
}

/// Give the open dialog the case's ticket, reason, typed name and options.
fn fill(m: &mut Model, case: &Case) {
    let Mode::Dialog(d) = &mut m.mode else { panic!("no dialog for {case:?}: {:?}", m.flash) };
    let line = |s: &str| flightdeck::domain::model::LineInput { text: s.to_string() };
    d.typed = line(&d.service.clone());
    d.typing = d.require_typed.is_some();
    match &mut d.kind {
        DialogKind::Promote(p) => {
            p.ticket = line(case.ticket.unwrap_or_default());
            p.reason = line(case.reason.unwrap_or_default());
            p.focus = flightdeck::domain::promotion::PromoteField::Diff;
            d.typing = false;
        }
        DialogKind::Rollback { pause_auto_sync, .. } => *pause_auto_sync = true,
        DialogKind::Scale { replicas, .. } => *replicas = line("2"),
        _ => {}
    }
    if case.ticket.is_some() {
        d.gate.ticket = Some(line(case.ticket.unwrap_or_default()));
    }
    if case.reason.is_some() {
        d.gate.reason = Some(line(case.reason.unwrap_or_default()));
    }
}

fn outcome_of(m: &Model, fx: &[Effect]) -> Outcome {
    for e in fx {
        match e {
            Effect::RunAction { .. } => return Outcome::Run,
            Effect::RequestApproval { request, .. } => {
                let action = request.action.map(|k| k.name().to_string()).unwrap_or_default();
                return Outcome::Filed(action, request.env.clone(), request.ticket.clone(), request.reason.clone());
            }
            Effect::Record(event) if event.event == "refusal" => {
                return Outcome::Refused(event.outcome.trim_start_matches("refused: ").to_string())
            }
            _ => {}
        }
    }
    panic!("the console decided nothing: {fx:?}, mode {:?}, flash {:?}", m.mode, m.flash)
}

/// The headless command's decision (the real binary).
async fn headless(home: &Path, user: &str, args: &[String]) -> Outcome {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::run_as(home, user, &args).await;
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) if stdout.contains("approval request req-") => {
            let id = stdout.split_whitespace().find(|w| w.starts_with("req-")).unwrap_or_default();
            let listed = common::run_as(home, user, &["approvals", "-o", "json"]).await;
            let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("approvals json");
            let row = rows.as_array().and_then(|r| r.iter().find(|r| r["id"] == id)).expect("the filed request");
            let text = |k: &str| row[k].as_str().map(str::to_string);
            Outcome::Filed(
                text("action").unwrap_or_default(),
                text("to").unwrap_or_default(),
                text("ticket"),
                text("reason"),
            )
        }
        Some(0) => Outcome::Run,
        Some(3) => {
            let line = stderr.lines().find(|l| l.starts_with("flightdeck: ")).unwrap_or_default();
            Outcome::Refused(
                line.trim_start_matches("flightdeck: ").split(" — ").next().unwrap_or_default().to_string(),
            )
        }
        other => panic!("headless {args:?} exited {other:?}: {stdout}{stderr}"),
    }
}

#[derive(Debug)]
struct Case {
    user: &'static str,
    service: String,
    env: &'static str,
    key: char,
    ticket: Option<&'static str>,
    reason: Option<&'static str>,
    expect: &'static str,
}

impl Case {
    fn args(&self, history_id: i64) -> Vec<String> {
        let mut a: Vec<String> = match self.key {
            's' => vec!["sync".into(), self.service.clone(), "--env".into(), self.env.into()],
            'r' => vec![
                "rollback".into(),
                self.service.clone(),
                "--env".into(),
                self.env.into(),
                "--to".into(),
                history_id.to_string(),
                "--pause-auto-sync".into(),
            ],
            'S' => vec![
                "scale".into(),
                self.service.clone(),
                "--env".into(),
                self.env.into(),
                "--replicas".into(),
                "2".into(),
            ],
            'x' => vec!["restart".into(), self.service.clone(), "--env".into(), self.env.into()],
            'p' => {
                let next = match self.env {
                    "dev" => "staging",
                    _ => "prod",
                };
                vec![
                    "promote".into(),
                    self.service.clone(),
                    "--from".into(),
                    self.env.into(),
                    "--to".into(),
                    next.into(),
                ]
            }
            other => panic!("no command for {other}"),
        };
        if let Some(t) = self.ticket {
            a.extend(["--ticket".into(), t.into()]);
        }
        if let Some(r) = self.reason {
            a.extend(["--reason".into(), r.into()]);
        }
        a
    }
}

/// Run every case on both sides and compare.
async fn compare(sims: &[&Sim], base: &Config, home: &Path, cases: &[Case]) {
    for case in cases {
        let cfg = as_user(base, sims, case.user);
        flightdeck::config::write_file(&home.join(format!("{}.toml", case.user)), &cfg).unwrap();
        let console = console(&cfg, &home.join("console-cache"), case.user, case).await;
        // The history id the console's rollback dialog picks: the one before the current.
        let list = clients(&cfg, &Resolved::default()).unwrap();
        let c = list.iter().find(|c| c.config().env.as_deref() == Some(case.env)).unwrap();
        let (apps, _) = c.list().await.unwrap();
        let dep = apps.iter().find(|d| d.service == case.service).expect("the app");
        let history = c.get(&dep.key, None).await.map(|(d, _)| d.history).unwrap_or_default();
        let id = history.iter().rev().nth(1).map_or(0, |h| h.id);
        let headless = headless(home, case.user, &case.args(id)).await;
        assert_eq!(console, headless, "console and headless differ on {case:?}");
        let kind = match &console {
            Outcome::Run => "run",
            Outcome::Filed(..) => "filed",
            Outcome::Refused(_) => "refused",
        };
        assert_eq!(kind, case.expect, "{case:?}: {console:?}");
    }
}

fn case(user: &'static str, service: &str, env: &'static str, key: char, expect: &'static str) -> Case {
    Case { user, service: service.into(), env, key, ticket: None, reason: None, expect }
}

fn justified(mut c: Case) -> Case {
    c.ticket = Some("CHG-42");
    c.reason = Some("parity");
    c
}

/// A service whose version in `from` differs from the one in `to` (something to promote),
/// other than `not`.
async fn promotable(cfg: &Config, from: &str, to: &str, not: &[&str]) -> String {
    let list = clients(cfg, &Resolved::default()).unwrap();
    let mut images = std::collections::HashMap::new();
    for c in &list {
        for d in c.list().await.unwrap().0 {
            images.insert((d.service.clone(), d.env.clone()), d.images.clone());
        }
    }
    let mut services: Vec<&String> = images.keys().map(|(s, _)| s).collect();
    services.sort();
    services
        .into_iter()
        .find(|s| {
            !not.contains(&s.as_str())
                && images.get(&((*s).clone(), from.into())) != images.get(&((*s).clone(), to.into()))
        })
        .cloned()
        .expect("a service with something to promote")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_governed_estate_in_one_repository_decides_alike_for_every_action_kind() {
    let sim = common::calm_sim(8).await;
    let home = tempfile::tempdir().unwrap();
    common::commit_policy_without_freezes(&sim, home.path());
    let base = common::sim_config(&sim);
    let admin = as_user(&base, &[&sim], "admin");
    let b = promotable(&admin, "dev", "staging", &[]).await;
    let c = promotable(&admin, "staging", "prod", &[&b]).await;
    let a = promotable(&admin, "dev", "prod", &[&b, &c]).await;
    let cases = [
        case("dave", &a, "dev", 's', "run"),
        // Prod sync is for release managers and SRE: dave is refused, alice is held for approval.
        justified(case("dave", &a, "prod", 's', "refused")),
        justified(case("alice", &a, "prod", 's', "filed")),
        justified(case("alice", &b, "prod", 'r', "filed")),
        case("dave", &a, "staging", 'S', "run"),
        justified(case("dave", &b, "prod", 'x', "refused")),
        case("dave", &b, "dev", 'p', "run"),
        justified(case("dave", &c, "staging", 'p', "filed")),
        justified(case("olga", &a, "prod", 'x', "filed")),
        justified(case("alice", &c, "prod", 'S', "filed")),
    ];
    compare(&[&sim], &base, home.path(), &cases).await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_in_two_repositories_decide_alike_with_and_without_a_configured_remote() {
    let (one, two) = (common::calm_sim(2).await, common::calm_sim(2).await);
    let home = tempfile::tempdir().unwrap();
    common::commit_policy_without_freezes(&one, home.path());
    // dev and staging from one simulator (its repository), prod from another (its own).
    let mut base = common::sim_config(&one);
    let other = common::sim_config(&two);
    base.instances.retain(|i| i.env.as_deref() != Some("prod"));
    base.instances.extend(other.instances.into_iter().filter(|i| i.env.as_deref() == Some("prod")));
    let svc = common::service_of(&one.app_names(0)[0], "dev");
    let prod_svc = common::service_of(&two.app_names(2)[0], "prod");
    assert_eq!(svc, prod_svc, "both simulators name their services alike");
    // No remote: Argo CD RBAC only, on both sides (the console used to run what headless
    // refused, reading the policy from each app's own repository).
    base.gitops.remote = None;
    let cases = [case("dave", &svc, "prod", 's', "run"), case("dave", &svc, "prod", 'S', "run")];
    compare(&[&one, &two], &base, home.path(), &cases).await;
    // With the remote configured, its policy governs every app, whichever repository it is in.
    base.gitops.remote = Some(one.git_remote());
    let cases =
        [justified(case("dave", &svc, "prod", 's', "refused")), justified(case("alice", &svc, "prod", 's', "filed"))];
    compare(&[&one, &two], &base, home.path(), &cases).await;
    one.shutdown().await;
    two.shutdown().await;
}
