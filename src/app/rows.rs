//! The matrix rows from the deployments: a full rebuild (group by service into the index, then
//! filter, sort, keep the cursor on the same service) when the shape may change; arranging
//! the rows from the index alone when only the filter or the sort changes (a keystroke never
//! regroups 50,000 apps); and an incremental patch for the common watch event — one app
//! changing state in place — that costs O(log rows), so a storm of events never rebuilds a
//! 10,000-app matrix per event (sorting by team or version, or a filter on state, rebuild:
//! those orders and memberships move with state).

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::filter::{natural_cmp, states_of, Filter};
use crate::domain::model::{IndexedRow, MatrixStats, ServiceRow, SortMode};
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

/// Recompute the index, `model.rows` and the stats from the deployments, keeping the cursor
/// on the service it was on.
pub fn rebuild(model: &mut Model) {
    note_envs(model);
    model.index = index(model);
    arrange(model);
    model.stats = Some(MatrixStats::of(model));
}

/// Every service's row, unfiltered, in natural name order.
fn index(model: &Model) -> Vec<IndexedRow> {
    // Grouped by hash, then sorted once (16,000 services), not kept ordered on every insert.
    let mut by_service: HashMap<&str, Vec<&Deployment>> = HashMap::with_capacity(model.index.len());
    for d in model.deployments.values() {
        by_service.entry(d.service.as_str()).or_default().push(d);
    }
    let mut index: Vec<IndexedRow> = by_service
        .into_iter()
        .map(|(service, deps)| {
            let mut shown: Vec<Option<&Deployment>> = vec![None; model.envs.len()];
            for d in &deps {
                if let Some(i) = model.envs.iter().position(|e| *e == d.env) {
                    // Two apps claiming one cell: keep the lexically first, stable across events.
                    if shown[i].is_none_or(|s| d.key < s.key) {
                        shown[i] = Some(d);
                    }
                }
            }
            let in_cell = |k: &AppKey| shown.iter().flatten().any(|s| s.key == *k);
            let others = deps.iter().map(|d| &d.key).filter(|k| !in_cell(k)).cloned().collect();
            let versions = shown.iter().map(|d| d.map(|d| Box::from(d.version_str()))).collect();
            let cells: Arc<[Option<AppKey>]> = shown.iter().map(|d| d.map(|d| d.key.clone())).collect();
            let trouble = row_trouble(model, &cells);
            let team = deps.iter().find_map(|d| d.team.as_deref()).map(Arc::from);
            let names = deps.iter().flat_map(|d| [Some(d.key.name.as_str()), d.team.as_deref()]).flatten();
            let words = std::iter::once(service).chain(names).collect::<Vec<_>>().join("\n").to_lowercase();
            let states = states_of(deps.iter().copied());
            let row = ServiceRow { service: Arc::from(service), team, cells, trouble };
            IndexedRow { row, others, states, versions, words }
        })
        .collect();
    index.sort_by(|a, b| natural_cmp(&a.row.service, &b.row.service));
    index
}

/// `model.rows` from the index after a filter or sort change (or a rebuild): filter, sort,
/// keep the cursor on its service. O(services); the deployments are not regrouped.
pub fn arrange(model: &mut Model) {
    let keep = model.rows.get(model.selected_row).map(|r| r.service.clone());
    let filter = Filter::parse(&model.filter.text);
    let words_only = filter.words_only();
    let shown = |e: &IndexedRow| {
        if filter.is_empty() {
            return true;
        }
        if words_only {
            return filter.matches_names(&e.words, e.states);
        }
        let apps = e.row.cells.iter().flatten().chain(&e.others);
        let deps: Vec<&Deployment> = apps.filter_map(|k| model.deployments.get(k)).collect();
        filter.matches(&e.row.service, &deps)
    };
    // The index is in name order, so the rows are too before any other sort; the sorts read
    // the index (versions kept there), not the apps.
    let mut picked: Vec<&IndexedRow> = model.index.iter().filter(|e| shown(e)).collect();
    // Some before none, then natural order.
    let natural = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(x), Some(y)) => natural_cmp(x, y),
        (x, y) => y.is_some().cmp(&x.is_some()),
    };
    // Stable sorts: equal keys keep name order.
    match model.sort {
        SortMode::Name => {}
        SortMode::ProblemsFirst => picked.sort_by_key(|e| std::cmp::Reverse(e.row.trouble)),
        SortMode::Team => picked.sort_by(|a, b| natural(a.row.team.as_deref(), b.row.team.as_deref())),
        SortMode::Version(col) => {
            picked.sort_by(|a, b| natural(version_in(a, col), version_in(b, col)));
        }
    }
    model.rows = picked.into_iter().map(|e| e.row.clone()).collect();
    model.selected_row = keep
        .and_then(|s| model.rows.iter().position(|r| r.service == s))
        .unwrap_or(model.selected_row)
        .min(model.rows.len().saturating_sub(1));
    model.selected_col = model.selected_col.min(model.envs.len().saturating_sub(1));
    if let Some(stats) = model.stats.as_mut() {
        stats.measure_rows(&model.rows);
    }
    keep_visible(model);
}

/// The version the app in column `col` of this service runs, if any.
fn version_in(e: &IndexedRow, col: usize) -> Option<&str> {
    e.versions.get(col).and_then(Option::as_deref)
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
    // The index row first (shown or filtered out): its cell must show this app.
    let Ok(ix) = model.index.binary_search_by(|e| natural_cmp(&e.row.service, &new.service)) else { return false };
    if model.index[ix].row.cells.get(col).and_then(Option::as_ref) != Some(key) {
        return false;
    }
    let Some(stats) = model.stats.as_mut() else { return false };
    stats.remove(old);
    stats.add(new);
    let entry = &model.index[ix];
    let trouble = row_trouble(model, &entry.row.cells);
    let apps = entry.row.cells.iter().flatten().chain(&entry.others);
    let states = states_of(apps.filter_map(|k| model.deployments.get(k)));
    let entry = &mut model.index[ix];
    (entry.row.trouble, entry.states) = (trouble, states);
    if let Some(v) = entry.versions.get_mut(col) {
        *v = Some(Box::from(new.version_str()));
    }
    let Some(at) = find_row(model, &new.service) else {
        // Filtered out: the filter reads names and teams, which did not change.
        return !model.filter.text.trim().is_empty();
    };
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
    let find = |m: &Model| m.rows.iter().position(|r| *r.service == *service);
    let row = match find(model) {
        Some(r) => r,
        None if !model.filter.text.is_empty() => {
            model.filter.text.clear();
            arrange(model);
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
#[path = "rows_tests.rs"]
mod tests;
