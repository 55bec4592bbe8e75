//! The rows' incremental patch against a full rebuild, and filter and sort arranging them.

use super::*;
use crate::app::{update, Msg, WatchChange};
use crate::domain::model::InstanceState;

const ENVS: [&str; 3] = ["dev", "staging", "prod"];
const HEALTHS: [Health; 4] = [Health::Healthy, Health::Progressing, Health::Degraded, Health::Missing];

fn dep(instance: usize, service: &str, health: Health, version: &str) -> Deployment {
    Deployment {
        key: AppKey { instance, namespace: "argocd".into(), name: format!("{service}-{}", ENVS[instance]) },
        service: service.into(),
        env: ENVS[instance].into(),
        team: Some("web".into()),
        health,
        sync: if health == Health::Progressing { SyncStatus::OutOfSync } else { SyncStatus::Synced },
        images: vec![format!("r/{service}:{version}")],
        ..Default::default()
    }
}

fn listed(services: usize) -> Model {
    let mut m = Model {
        envs: ENVS.iter().map(|e| e.to_string()).collect(),
        instances: vec![InstanceState::default(); 3],
        page_rows: 5,
        ..Default::default()
    };
    let km = crate::config::keymap::builtin();
    for i in 0..3 {
        let apps = (0..services).map(|s| dep(i, &format!("svc{s:03}"), Health::Healthy, "v1")).collect();
        update(&mut m, Msg::AppsListed { instance: i, apps, at: Default::default() }, &km);
    }
    m
}

/// Apply `changes` one message at a time (the incremental path), and check rows, cursor
/// and stats equal a full rebuild of the same deployments.
fn check_against_rebuild(mut m: Model, steps: usize) {
    let km = crate::config::keymap::builtin();
    let services = m.rows.len();
    m.selected_row = services / 2;
    for step in 0..steps {
        let s = (step * 7) % services;
        let inst = step % 3;
        let health = HEALTHS[(step / 3) % HEALTHS.len()];
        let version = if step % 5 == 0 { "v1.22.333-rc1" } else { "v1" };
        let d = dep(inst, &format!("svc{s:03}"), health, version);
        // The incremental path itself takes this change (no silent fallback to a rebuild).
        let mut probe = m.clone();
        let old = probe.deployments.insert(d.key.clone(), d.clone());
        assert!(patch_upsert(&mut probe, &d.key, old.as_ref()), "step {step} patched in place");
        let msg = Msg::AppsChanged {
            instance: inst,
            changes: vec![WatchChange::Upsert(Box::new(d))],
            at: Default::default(),
        };
        let selected_before = m.rows[m.selected_row].service.clone();
        update(&mut m, msg, &km);
        let mut full = m.clone();
        rebuild(&mut full);
        assert_eq!(m.rows, full.rows, "rows after step {step}");
        assert_eq!(m.index, full.index, "the index kept in step with the deployments, step {step}");
        assert_eq!(m.stats, full.stats, "stats after step {step}");
        assert_eq!(m.rows[m.selected_row].service, selected_before, "cursor stays on its service");
        assert_eq!(m.selected_row, full.selected_row);
        assert_eq!(probe.rows, full.rows);
    }
}

#[test]
fn in_place_changes_patch_rows_exactly_as_a_rebuild_by_name() {
    check_against_rebuild(listed(12), 60);
}

#[test]
fn in_place_changes_move_rows_exactly_as_a_rebuild_problems_first() {
    let mut m = listed(12);
    m.sort = SortMode::ProblemsFirst;
    rebuild(&mut m);
    check_against_rebuild(m, 60);
}

#[test]
fn a_filtered_out_row_stays_out_and_stats_still_count() {
    let mut m = listed(12);
    m.filter.text = "svc00".into();
    rebuild(&mut m);
    assert_eq!(m.rows.len(), 10);
    let km = crate::config::keymap::builtin();
    let d = dep(2, "svc011", Health::Degraded, "v1");
    update(
        &mut m,
        Msg::AppsChanged { instance: 2, changes: vec![WatchChange::Upsert(Box::new(d))], at: Default::default() },
        &km,
    );
    assert_eq!(m.rows.len(), 10);
    assert_eq!(m.degraded_count(), 1, "the header counts every app, shown or not");
    let mut full = m.clone();
    rebuild(&mut full);
    assert_eq!(m.rows, full.rows);
    assert_eq!(m.stats, full.stats);
}

#[test]
fn a_new_app_or_a_moved_one_takes_the_rebuild() {
    let mut m = listed(3);
    let old = m.deployments.get(&dep(0, "svc000", Health::Healthy, "v1").key).cloned();
    // A new service: no row yet.
    let fresh = dep(0, "zzz", Health::Healthy, "v1");
    m.deployments.insert(fresh.key.clone(), fresh.clone());
    assert!(!patch_upsert(&mut m, &fresh.key, None));
    // Same key, another service.
    let mut moved = dep(0, "svc000", Health::Healthy, "v1");
    moved.service = "elsewhere".into();
    m.deployments.insert(moved.key.clone(), moved.clone());
    assert!(!patch_upsert(&mut m, &moved.key, old.as_ref()));
}

/// A model with states to filter on: some degraded, some progressing (and out of sync), one
/// team apart, and a second app claiming one cell.
fn varied() -> Model {
    let mut m = listed(12);
    let km = crate::config::keymap::builtin();
    let mut changes = Vec::new();
    for s in 0..12 {
        let mut d = dep(s % 3, &format!("svc{s:03}"), HEALTHS[s % HEALTHS.len()], &format!("v1.{s}.0"));
        if s == 5 {
            d.team = Some("Payments".into());
        }
        changes.push(WatchChange::Upsert(Box::new(d)));
    }
    let mut twin = dep(1, "svc007", Health::Degraded, "v9");
    twin.key.name = "svc007-staging-twin".into();
    changes.push(WatchChange::Upsert(Box::new(twin)));
    update(&mut m, Msg::AppsChanged { instance: 1, changes, at: Default::default() }, &km);
    m
}

const FILTERS: [&str; 14] = [
    "",
    "svc01",
    "SVC0",
    "degr",
    "out-of",
    "outofsync",
    "h",
    "pro",
    "health:deg",
    "env:prod svc00",
    "payments",
    "twin",
    "web svc011",
    "zzz",
];

#[test]
fn a_words_only_filter_decides_from_the_index_as_it_would_from_the_apps() {
    let m = varied();
    for text in FILTERS {
        let filter = Filter::parse(text);
        if !filter.words_only() {
            continue;
        }
        for e in &m.index {
            let apps = e.row.cells.iter().flatten().chain(&e.others);
            let deps: Vec<&Deployment> = apps.filter_map(|k| m.deployments.get(k)).collect();
            assert_eq!(
                filter.matches_names(&e.words, e.states),
                filter.matches(&e.row.service, &deps),
                "{text:?} on {}",
                e.row.service
            );
        }
    }
}

#[test]
fn arranging_for_a_filter_or_a_sort_gives_the_rows_a_rebuild_gives() {
    let mut m = varied();
    let sorts = [SortMode::Name, SortMode::ProblemsFirst, SortMode::Team, SortMode::Version(1)];
    for text in FILTERS {
        for sort in sorts {
            (m.filter.text, m.sort) = (text.to_string(), sort);
            arrange(&mut m);
            let mut full = m.clone();
            rebuild(&mut full);
            assert_eq!(m.rows, full.rows, "{text:?} sorted by {sort:?}");
            assert_eq!(m.stats, full.stats, "{text:?} sorted by {sort:?}");
        }
    }
    // And it filters: a state word finds the services in that state, a name its services.
    m.sort = SortMode::Name;
    for (text, expect) in [("degr", 4), ("twin", 1), ("payments", 1), ("zzz", 0), ("", 12)] {
        m.filter.text = text.into();
        arrange(&mut m);
        assert_eq!(m.rows.len(), expect, "{text:?}: {:?}", m.rows.iter().map(|r| &r.service).collect::<Vec<_>>());
    }
}
