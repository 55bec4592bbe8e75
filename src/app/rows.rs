//! The matrix rows from the deployments: a full rebuild (filter, group by service, sort, keep
//! the cursor on the same service) when the shape may change, and an incremental patch for the
//! common watch event — one app changing state in place — that costs O(log rows), so a storm
//! of events never rebuilds a 10,000-app matrix per event (sorting by team or version, or a
//! filter on state, rebuild: those orders and memberships move with state).

use std::collections::BTreeMap;

use crate::domain::filter::{natural_cmp, Filter};
use crate::domain::model::{MatrixStats, ServiceRow, SortMode};
use crate::domain::{AppKey, Deployment, Health, Model, SyncStatus};

/// Highest value of [`trouble`].
const TROUBLE_MAX: u8 = 4;

/// How troubled a deployment is, for problems-first sorting (0 = fine).
pub fn trouble(d: &Deployment) -> u8 {
    match (d.health, d.sync) {
        (Health::Degraded | Health::Missing | Health::Unknown, _) => TROUBLE_MAX,
        (_, SyncStatus::OutOfSync) => 3,
        (Health::Progressing, _) => 2,
        _ if d.operation.is_some_and(|p| !p.is_completed()) => 1,
        _ => 0,
    }
}

/// Add environments we have not seen yet as new columns (configured order first).
pub fn note_envs(model: &mut Model) {
    let mut fresh: Vec<String> = model
        .deployments
        .values()
        .map(|d| d.env.as_str())
        .filter(|e| !model.envs.iter().any(|k| k == e))
        .map(str::to_string)
        .collect();
    fresh.sort();
    fresh.dedup();
    model.envs.extend(fresh);
}

/// The worst trouble among the deployments a row shows. Only shown cells count (not a second
/// app claiming the same cell), so a row sorted to the top always shows why.
fn row_trouble(model: &Model, cells: &[Option<AppKey>]) -> u8 {
    cells.iter().flatten().filter_map(|k| model.deployments.get(k)).map(trouble).max().unwrap_or(0)
}

/// Recompute `model.rows` and the stats, keeping the cursor on the service it was on.
pub fn rebuild(model: &mut Model) {
    note_envs(model);
    let keep = model.rows.get(model.selected_row).map(|r| r.service.clone());
    let mut by_service: BTreeMap<&str, Vec<&Deployment>> = BTreeMap::new();
    for d in model.deployments.values() {
        by_service.entry(d.service.as_str()).or_default().push(d);
    }
    let filter = Filter::parse(&model.filter.text);
    let mut rows: Vec<ServiceRow> = by_service
        .into_iter()
        .filter(|(s, deps)| filter.is_empty() || filter.matches(s, deps))
        .map(|(service, deps)| {
            let mut cells = vec![None; model.envs.len()];
            for d in &deps {
                if let Some(i) = model.envs.iter().position(|e| *e == d.env) {
                    // Two apps claiming one cell: keep the lexically first, stable across events.
                    let replace = match &cells[i] {
                        None => true,
                        Some(k) => d.key < *k,
                    };
                    if replace {
                        cells[i] = Some(d.key.clone());
                    }
                }
            }
            let trouble = row_trouble(model, &cells);
            ServiceRow { service: service.to_string(), team: deps.iter().find_map(|d| d.team.clone()), cells, trouble }
        })
        .collect();
    rows.sort_by(|a, b| natural_cmp(&a.service, &b.service));
    // Stable sorts: equal keys keep name order.
    match model.sort {
        SortMode::Name => {}
        SortMode::ProblemsFirst => rows.sort_by_key(|r| std::cmp::Reverse(r.trouble)),
        SortMode::Team => rows.sort_by(|a, b| match (&a.team, &b.team) {
            (Some(x), Some(y)) => natural_cmp(x, y),
            (x, y) => y.is_some().cmp(&x.is_some()),
        }),
        SortMode::Version(col) => {
            let version = |r: &ServiceRow| {
                r.cells
                    .get(col)
                    .and_then(Option::as_ref)
                    .and_then(|k| model.deployments.get(k))
                    .map(Deployment::version)
            };
            let mut keyed: Vec<(Option<String>, ServiceRow)> = rows.into_iter().map(|r| (version(&r), r)).collect();
            keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                (Some(x), Some(y)) => natural_cmp(x, y),
                (x, y) => y.is_some().cmp(&x.is_some()),
            });
            rows = keyed.into_iter().map(|(_, r)| r).collect();
        }
    }
    model.rows = rows;
    model.selected_row = keep
        .and_then(|s| model.rows.iter().position(|r| r.service == s))
        .unwrap_or(model.selected_row)
        .min(model.rows.len().saturating_sub(1));
    model.selected_col = model.selected_col.min(model.envs.len().saturating_sub(1));
    model.stats = Some(MatrixStats::of(model));
    keep_visible(model);
}

/// Where a row with this trouble and service sits in the sorted rows, comparing like the sort.
fn order(model: &Model, r: &ServiceRow, trouble: u8, service: &str) -> std::cmp::Ordering {
    let by_name = natural_cmp(&r.service, service);
    match model.sort {
        SortMode::ProblemsFirst => trouble.cmp(&r.trouble).then(by_name),
        _ => by_name,
    }
}

/// Index of the row of `service`: a binary search per possible trouble level (at most five).
fn find_row(model: &Model, service: &str) -> Option<usize> {
    let levels: &[u8] = match model.sort {
        SortMode::ProblemsFirst => &[0, 1, 2, 3, TROUBLE_MAX],
        _ => &[0],
    };
    levels.iter().find_map(|t| {
        let i = model.rows.binary_search_by(|r| order(model, r, *t, service)).ok()?;
        (model.sort == SortMode::Name || model.rows[i].trouble == *t).then_some(i)
    })
}

/// Apply an upsert of `key` (already stored in `model.deployments`; `old` is what it replaced)
/// without a rebuild. Returns false when only a rebuild is right: a new app, a move to another
/// service, environment or team, a cell that shows another app, or no stats to patch.
pub fn patch_upsert(model: &mut Model, key: &AppKey, old: Option<&Deployment>) -> bool {
    let (Some(old), Some(new)) = (old, model.deployments.get(key)) else { return false };
    if old.service != new.service || old.env != new.env || old.team != new.team {
        return false;
    }
    if matches!(model.sort, SortMode::Team | SortMode::Version(_)) || Filter::parse(&model.filter.text).reads_state() {
        return false;
    }
    let Some(col) = model.envs.iter().position(|e| *e == new.env) else { return false };
    let Some(stats) = model.stats.as_mut() else { return false };
    stats.remove(old);
    stats.add(new);
    let Some(at) = find_row(model, &new.service) else {
        // Filtered out: the filter reads names and teams, which did not change.
        return !model.filter.text.trim().is_empty();
    };
    if model.rows[at].cells.get(col).and_then(Option::as_ref) != Some(key) {
        return false;
    }
    let trouble = row_trouble(model, &model.rows[at].cells);
    if trouble == model.rows[at].trouble {
        return true;
    }
    let mut row = model.rows.remove(at);
    row.trouble = trouble;
    let to = model.rows.partition_point(|r| order(model, r, trouble, &row.service).is_lt());
    model.rows.insert(to, row);
    // Keep the cursor on the service it was on, as a rebuild does.
    let sel = model.selected_row;
    model.selected_row = if sel == at {
        to
    } else {
        let s = sel - usize::from(sel > at);
        s + usize::from(s >= to)
    };
    keep_visible(model);
    true
}

/// Put the cursor on `key`'s cell (clearing a filter that hides it). False when no row shows it.
pub fn select_key(model: &mut Model, key: &AppKey) -> bool {
    let Some(d) = model.deployments.get(key) else { return false };
    let (service, env) = (d.service.clone(), d.env.clone());
    let find = |m: &Model| m.rows.iter().position(|r| r.service == service);
    let row = match find(model) {
        Some(r) => r,
        None if !model.filter.text.is_empty() => {
            model.filter.text.clear();
            rebuild(model);
            match find(model) {
                Some(r) => r,
                None => return false,
            }
        }
        None => return false,
    };
    let Some(col) = model.envs.iter().position(|e| *e == env) else { return false };
    model.selected_row = row;
    model.selected_col = col;
    keep_visible(model);
    model.rows[row].cells.get(col).and_then(Option::as_ref) == Some(key)
}

/// Move `model.scroll` just enough that the selected row is on screen.
pub fn keep_visible(model: &mut Model) {
    let page = model.page_rows.max(1);
    if model.selected_row < model.scroll {
        model.scroll = model.selected_row;
    } else if model.selected_row >= model.scroll + page {
        model.scroll = model.selected_row + 1 - page;
    }
    let max_scroll = model.rows.len().saturating_sub(page);
    model.scroll = model.scroll.min(max_scroll);
}

#[cfg(test)]
mod tests {
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
}
