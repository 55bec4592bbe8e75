//! Rebuilding the matrix rows from the deployments: filter, group by service, sort, and
//! keep the cursor on the same service across rebuilds.

use std::collections::BTreeMap;

use crate::domain::model::{ServiceRow, SortMode};
use crate::domain::{Deployment, Health, Model, SyncStatus};

/// How troubled a deployment is, for problems-first sorting (0 = fine).
pub fn trouble(d: &Deployment) -> u8 {
    match (d.health, d.sync) {
        (Health::Degraded | Health::Missing | Health::Unknown, _) => 4,
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

/// Whether a service row matches the filter text (case-insensitive substring of the service,
/// its team, or one of its apps' names).
fn matches(filter: &str, service: &str, deps: &[&Deployment]) -> bool {
    if filter.is_empty() {
        return true;
    }
    let f = filter.to_lowercase();
    service.to_lowercase().contains(&f)
        || deps.iter().any(|d| {
            d.key.name.to_lowercase().contains(&f) || d.team.as_deref().is_some_and(|t| t.to_lowercase().contains(&f))
        })
}

/// Recompute `model.rows` and keep the cursor on the service it was on.
pub fn rebuild(model: &mut Model) {
    note_envs(model);
    let keep = model.rows.get(model.selected_row).map(|r| r.service.clone());
    let mut by_service: BTreeMap<&str, Vec<&Deployment>> = BTreeMap::new();
    for d in model.deployments.values() {
        by_service.entry(d.service.as_str()).or_default().push(d);
    }
    let filter = model.filter.text.trim();
    let mut rows: Vec<ServiceRow> = by_service
        .into_iter()
        .filter(|(s, deps)| matches(filter, s, deps))
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
            ServiceRow {
                service: service.to_string(),
                team: deps.iter().find_map(|d| d.team.clone()),
                cells,
                trouble: deps.iter().map(|d| trouble(d)).max().unwrap_or(0),
            }
        })
        .collect();
    if model.sort == SortMode::ProblemsFirst {
        // Stable: equal trouble keeps name order.
        rows.sort_by_key(|r| std::cmp::Reverse(r.trouble));
    }
    model.rows = rows;
    model.selected_row = keep
        .and_then(|s| model.rows.iter().position(|r| r.service == s))
        .unwrap_or(model.selected_row)
        .min(model.rows.len().saturating_sub(1));
    model.selected_col = model.selected_col.min(model.envs.len().saturating_sub(1));
    keep_visible(model);
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
