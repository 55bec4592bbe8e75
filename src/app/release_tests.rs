//! Pure update tests of a release from the console: marks in one environment + `p` open one
//! dialog for every marked service (one plan asked for, carrying the others); confirming runs
//! ONE `Action::Promote` with every service and clears the marks; marks the release cannot
//! take (two environments) are refused with why.

use chrono::{DateTime, Utc};

use crate::app::{update, Effect, Key, Keymap, Msg};
use crate::domain::model::{DialogKind, InstanceState, Mode};
use crate::domain::promotion::PromotionPlan;
use crate::domain::*;

fn t(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

fn keymap() -> Keymap {
    crate::config::keymap::builtin()
}

/// dev runs v3 and staging v2 of alpha and bravo; no Flightdeck policy (Argo CD RBAC only).
fn model() -> Model {
    let envs = ["dev", "staging"];
    let info = UserInfo { username: "dave".into(), groups: vec!["developers".into()] };
    let mut m = Model {
        now: t(0),
        envs: envs.iter().map(|s| s.to_string()).collect(),
        instances: envs
            .iter()
            .map(|e| InstanceState {
                name: e.to_string(),
                env: Some(e.to_string()),
                user: Loadable::Ready { value: info.clone(), at: t(0) },
                ..Default::default()
            })
            .collect(),
        page_rows: 10,
        ..Default::default()
    };
    for (i, (env, tag)) in envs.iter().zip(["v3", "v2"]).enumerate() {
        let apps = ["alpha", "bravo"]
            .map(|s| Deployment {
                key: AppKey { instance: i, namespace: "argocd".into(), name: format!("{s}-{env}") },
                service: s.into(),
                env: env.to_string(),
                health: Health::Healthy,
                sync: SyncStatus::Synced,
                images: vec![format!("registry.example.com/{s}:{tag}")],
                auto_sync: true,
                ..Default::default()
            })
            .to_vec();
        update(&mut m, Msg::AppsListed { instance: i, apps, at: t(1) }, &keymap());
    }
    m
}

fn press(m: &mut Model, keys: &str) -> Vec<Effect> {
    keys.split_whitespace().flat_map(|k| update(m, Msg::Key(Key::parse(k).unwrap()), &keymap())).collect()
}

#[test]
fn marks_and_p_release_every_marked_service_in_one_promotion() {
    let mut m = model();
    let fx = press(&mut m, "space j space p");
    let asked: Vec<_> = fx.iter().filter(|e| matches!(e, Effect::PlanPromotion { .. })).collect();
    assert_eq!(asked.len(), 1, "one plan for the release: {fx:?}");
    let Effect::PlanPromotion { generation, target, also, .. } = asked[0] else { unreachable!() };
    assert_eq!(target.name, "alpha-staging");
    assert_eq!(also.len(), 1);
    assert_eq!((also[0].service.as_str(), also[0].app.as_str()), ("bravo", "bravo-staging"));
    assert_eq!(also[0].images, ["registry.example.com/bravo:v3"]);
    let Mode::Dialog(d) = &m.mode else { panic!("no dialog") };
    let DialogKind::Promote(p) = &d.kind else { panic!("not the promotion dialog") };
    assert_eq!((d.service.as_str(), p.from_env.as_str(), p.to_env.as_str()), ("alpha", "dev", "staging"));
    assert_eq!(p.also.len(), 1);

    let diff = vec![DiffLine::Hunk("--- a/apps/alpha/overlays/staging/kustomization.yaml".into())];
    let plan = PromotionPlan { diff, repo_url: "file:///g.git".into(), path: "apps/alpha".into(), images: vec![] };
    update(&mut m, Msg::PromotionPlanned { generation: *generation, result: Ok(Box::new(plan)), at: t(2) }, &keymap());
    let fx = press(&mut m, "enter");
    let runs: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::RunAction { action: Action::Promote(p), .. } => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(runs.len(), 1, "one run for the release: {fx:?}");
    assert_eq!(runs[0].services(), ["alpha", "bravo"]);
    assert!(m.marks.is_empty(), "the marks were the release's");
}

#[test]
fn marks_in_two_environments_are_no_release() {
    let mut m = model();
    let fx = press(&mut m, "space l space p");
    assert!(fx.iter().all(|e| !matches!(e, Effect::PlanPromotion { .. })));
    let flash = m.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(flash.contains("marks in dev and staging"), "{flash}");
}
