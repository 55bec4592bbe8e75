//! The selected deployment: health and sync, the pinned banner, operation state with its
//! message, resources with health (live from the resource tree when it has arrived, with the
//! pods it counts), history, conditions, events and a diff summary. While it reloads or after
//! a failure the last value stays, with its age. The same lines, in full, make the
//! full-screen detail.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::Command;
use crate::domain::model::DetailState;
use crate::domain::{
    deployment::short_revision, AppDetail, Deployment, Health, Loadable, Model, OpPhase, ResourceDiff, ResourceStatus,
    ResourceTree,
};
use crate::ui::theme::Role;
use crate::ui::widgets::{
    age, diff_line, glyphs, health_glyph, health_role, put_lines, rule, spinner, sync_glyph, sync_role, truncate,
};
use crate::ui::Ui;

/// The compact pane under the matrix. `approvals_note` is the folded approvals summary on
/// narrow screens.
pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, ui: &Ui, approvals_note: Option<&str>) {
    if area.height == 0 {
        return;
    }
    let cells = usize::from(area.width);
    let (title, state) = title(model);
    let note = match (state, approvals_note) {
        (Some(s), Some(a)) => Some(format!("{s} ─ {a}")),
        (s, a) => s.or(a.map(str::to_string)),
    };
    let t = &ui.theme;
    let mut lines = vec![rule(&title, note.as_deref(), cells, t.style(Role::Title), t.style(Role::Border))];
    lines.extend(body(model, ui, true, cells));
    put_lines(buf, area, &lines);
}

/// `payment-service · prod` and the refresh state ("(refreshing, 3s old)").
pub fn title(model: &Model) -> (String, Option<String>) {
    let Some(d) = model.selected() else {
        return ("detail".into(), None);
    };
    if let Some(since) = model.stale_since(d.key.instance) {
        // Whatever was loaded, its instance's stream is down: say so before anything else.
        let inst = model.instances.get(d.key.instance).map_or("", |i| i.name.as_str());
        let state = format!("stale {}: {inst} disconnected, last known state", age(model.now, since));
        return (format!("{} · {}", d.service, d.env), Some(state));
    }
    let state = current(model).and_then(|ds| match &ds.app {
        Loadable::Loading { stale: Some((_, at)) } => Some(format!("(refreshing, {} old)", age(model.now, *at))),
        Loadable::Loading { stale: None } => Some(format!("{} loading…", spinner(model.now))),
        Loadable::Failed { stale: Some((_, at)), .. } => Some(format!("(refresh failed, {} old)", age(model.now, *at))),
        Loadable::Failed { stale: None, .. } => Some("(failed)".into()),
        _ => None,
    });
    (format!("{} · {}", d.service, d.env), state)
}

/// The detail state, when it is about the selected deployment.
fn current(model: &Model) -> Option<&DetailState> {
    let key = model.selected_key()?;
    model.detail.as_ref().filter(|ds| &ds.key == key)
}

/// The key bound to `cmd`, for "press U" texts.
pub fn key_name(ui: &Ui, cmd: Command) -> String {
    ui.keymap.keys_for(cmd).first().map_or_else(|| format!(":{}", cmd.name()), ToString::to_string)
}

/// The detail lines; `compact` keeps one line per section for the pane.
pub fn body(model: &Model, ui: &Ui, compact: bool, cells: usize) -> Vec<Line<'static>> {
    let t = &ui.theme;
    let Some(dep) = model.selected() else {
        let text = if model.rows.is_empty() { "  nothing selected" } else { "  no deployment in this cell" };
        return vec![Line::styled(text, t.style(Role::Dim))];
    };
    let mut out = live_body(model, ui, dep, compact, cells);
    if model.stale_since(dep.key.instance).is_some() {
        // The last known state, never drawn as live health: all of it dimmed.
        let dim = t.style(Role::Dim);
        for span in out.iter_mut().flat_map(|l| l.spans.iter_mut()) {
            span.style = dim;
        }
    }
    out
}

fn live_body(model: &Model, ui: &Ui, dep: &Deployment, compact: bool, cells: usize) -> Vec<Line<'static>> {
    let t = &ui.theme;
    let ds = current(model);
    let app = ds.and_then(|d| d.app.value());
    let mut out = vec![status_line(ui, dep, app)];
    if model.selected_key().is_some_and(|k| model.pinned.contains(k)) {
        let banner = format!(
            " {} PINNED: auto-sync paused by rollback — press {} to resume ",
            glyphs::PINNED,
            key_name(ui, Command::ResumeAutoSync)
        );
        out.push(Line::styled(banner, t.style(Role::Pinned)));
    }
    if let Some(f) = ds.and_then(|d| d.app.failure()) {
        out.push(Line::styled(truncate(&format!("{} {f}", glyphs::FAILED), cells), t.style(Role::Error)));
    }
    let Some(app) = app else {
        if ds.is_none_or(|d| d.app.failure().is_none()) {
            out.push(Line::styled(format!("{} loading detail…", spinner(model.now)), t.style(Role::Dim)));
        }
        return out;
    };
    out.extend(operation_line(model, ui, app, cells));
    for c in app.conditions.iter().take(if compact { 2 } else { usize::MAX }) {
        let (glyph, role) = if c.is_error() { (glyphs::FAILED, Role::Error) } else { ("⚠", Role::Warning) };
        out.push(Line::styled(truncate(&format!("{glyph} {}: {}", c.kind, c.message), cells), t.style(role)));
    }
    resources(&mut out, ui, app, ds.and_then(|d| d.tree.value()), compact, cells);
    history(&mut out, model, ui, app, compact, cells);
    events(&mut out, model, ui, ds, compact, cells);
    if dep.sync == crate::domain::SyncStatus::OutOfSync || app.sync == crate::domain::SyncStatus::OutOfSync {
        diff_summary(&mut out, ui, ds, compact, cells);
    }
    out
}

fn status_line(ui: &Ui, dep: &Deployment, app: Option<&AppDetail>) -> Line<'static> {
    let t = &ui.theme;
    let (health, sync, rev, auto) = match app {
        Some(a) => (a.health, a.sync, a.sync_revision.as_str(), a.auto_sync),
        None => (dep.health, dep.sync, dep.revision.as_str(), dep.auto_sync),
    };
    let dim = t.style(Role::Dim);
    // A state Flightdeck does not know is shown as the server said it.
    let unknown = crate::domain::Health::Unknown;
    let hword = if health == unknown { dep.health_word() } else { health.as_str() };
    let sword = if sync == crate::domain::SyncStatus::Unknown { dep.sync_word() } else { sync.as_str() };
    let mut spans = vec![
        Span::styled(format!("{} {hword}", health_glyph(health)), t.style(health_role(health))),
        Span::styled(" · ", dim),
        Span::styled(format!("{} {sword}", sync_glyph(sync)), t.style(sync_role(sync))),
        Span::styled(" · ", dim),
        Span::raw(format!("{} · rev {}", dep.version(), short_revision(rev))),
        Span::styled(" · ", dim),
        Span::raw(format!("auto-sync {}", if auto { "on" } else { "off" })),
    ];
    if app.is_some_and(|a| a.self_heal) {
        spans.push(Span::raw(" + self-heal"));
    }
    let message = app.and_then(|a| a.health_message.as_deref()).or(dep.health_message.as_deref());
    if let Some(m) = message.filter(|m| !m.is_empty()) {
        spans.push(Span::styled(format!(" · {}", truncate(m, 60)), t.style(health_role(health))));
    }
    Line::from(spans)
}

fn operation_line(model: &Model, ui: &Ui, app: &AppDetail, cells: usize) -> Option<Line<'static>> {
    let op = app.operation.as_ref()?;
    let t = &ui.theme;
    let (glyph, role) = match op.phase {
        Some(OpPhase::Running | OpPhase::Terminating) => (spinner(model.now), Role::Pending),
        Some(OpPhase::Failed | OpPhase::Error) => (glyphs::FAILED, Role::Error),
        Some(OpPhase::Succeeded) => (glyphs::DONE, Role::Ok),
        None => ("?", Role::Unknown),
    };
    let phase = op.phase.map_or("Unknown", OpPhase::as_str);
    let when = op.finished_at.or(op.started_at).map(|at| format!(" · {} ago", age(model.now, at))).unwrap_or_default();
    let by = if op.initiated_by.is_empty() { String::new() } else { format!(" · by {}", op.initiated_by) };
    let text = format!("{glyph} operation {phase}: {}{when}{by}", op.message);
    Some(Line::styled(truncate(&text, cells), t.style(role)))
}

/// Health and its message of `r`: the live tree's when it has the node, else the app's.
fn live_health<'a>(r: &'a ResourceStatus, tree: Option<&'a ResourceTree>) -> (Option<Health>, Option<&'a str>) {
    match tree.and_then(|t| t.node_of(r)) {
        Some(n) => (n.health, n.health_message.as_deref()),
        None => (r.health, r.health_message.as_deref()),
    }
}

fn resources(
    out: &mut Vec<Line<'static>>,
    ui: &Ui,
    app: &AppDetail,
    tree: Option<&ResourceTree>,
    compact: bool,
    cells: usize,
) {
    let t = &ui.theme;
    let (pods_ok, pods) = tree.map_or((0, 0), ResourceTree::pods);
    let pods_role = if pods_ok == pods { Role::Ok } else { Role::Warning };
    if compact {
        // As many resources as fit on one line, then how many more; the pods last.
        let mut line = Line::default();
        for (i, r) in app.resources.iter().enumerate() {
            let (health, _) = live_health(r, tree);
            let h = health.unwrap_or(Health::Unknown);
            let word = if health.is_some() { h.as_str() } else { "—" };
            let item = [
                Span::raw(format!("{} {} ", r.kind, r.name)),
                Span::styled(format!("{} {word}", health_glyph(h)), t.style(health_role(h))),
                Span::raw("  "),
            ];
            let rest = app.resources.len() - i - 1;
            let more_w = if rest > 0 || pods > 0 { 12 } else { 0 };
            if line.width() + item.iter().map(Span::width).sum::<usize>() + more_w > cells {
                line.spans.push(Span::styled(format!("+{} more  ", app.resources.len() - i), t.style(Role::Dim)));
                break;
            }
            line.spans.extend(item);
        }
        if pods > 0 && line.width() + 10 <= cells {
            line.spans.push(Span::styled(format!("pods {pods_ok}/{pods}"), t.style(pods_role)));
        }
        if !line.spans.is_empty() {
            out.push(line);
        }
        return;
    }
    out.push(Line::styled(format!("resources ({})", app.resources.len()), t.style(Role::Title)));
    for r in &app.resources {
        let (health, message) = live_health(r, tree);
        let h = health.unwrap_or(Health::Unknown);
        let kind = if r.group.is_empty() { r.kind.clone() } else { format!("{}/{}", r.group, r.kind) };
        let msg = message.map(|m| format!("  {m}")).unwrap_or_default();
        out.push(Line::from(vec![
            Span::styled(
                format!("  {} {:<12}", health_glyph(h), if health.is_some() { h.as_str() } else { "—" }),
                t.style(health_role(h)),
            ),
            Span::styled(format!("{} {:<10}", sync_glyph(r.status), r.status.as_str()), t.style(sync_role(r.status))),
            Span::raw(truncate(&format!("{kind} {}/{}{msg}", r.namespace, r.name), cells.saturating_sub(27))),
        ]));
    }
    if pods > 0 {
        out.push(Line::styled(format!("pods ({pods_ok}/{pods} healthy)"), t.style(Role::Title)));
        for n in tree.into_iter().flat_map(|t| &t.nodes).filter(|n| n.kind == "Pod" && n.group.is_empty()) {
            let h = n.health.unwrap_or(Health::Unknown);
            let msg = n.health_message.as_deref().map(|m| format!("  {m}")).unwrap_or_default();
            out.push(Line::from(vec![
                Span::styled(format!("  {} {:<12}", health_glyph(h), h.as_str()), t.style(health_role(h))),
                Span::raw(truncate(&format!("{}{msg}", n.name), cells.saturating_sub(16))),
            ]));
        }
    }
}

fn history(out: &mut Vec<Line<'static>>, model: &Model, ui: &Ui, app: &AppDetail, compact: bool, cells: usize) {
    let t = &ui.theme;
    let entry = |h: &crate::domain::HistoryEntry| {
        let when = h.deployed_at.map(|at| format!(" {} ago", age(model.now, at))).unwrap_or_default();
        format!("{} {}{when}", h.id, short_revision(&h.revision))
    };
    if compact {
        let items: Vec<_> = app.history.iter().rev().take(4).map(entry).collect();
        if !items.is_empty() {
            out.push(Line::from(vec![
                Span::styled("history: ", t.style(Role::Dim)),
                Span::raw(truncate(&items.join(" · "), cells.saturating_sub(9))),
            ]));
        }
        return;
    }
    out.push(Line::styled(format!("history ({}, newest first)", app.history.len()), t.style(Role::Title)));
    for h in app.history.iter().rev() {
        let by = if h.initiated_by.is_empty() { String::new() } else { format!(" · by {}", h.initiated_by) };
        out.push(Line::raw(truncate(&format!("  {}{by}", entry(h)), cells)));
    }
}

fn events(out: &mut Vec<Line<'static>>, model: &Model, ui: &Ui, ds: Option<&DetailState>, compact: bool, cells: usize) {
    let t = &ui.theme;
    let Some(evs) = ds.and_then(|d| d.events.value()) else {
        return;
    };
    let line = |e: &crate::domain::KubeEvent| {
        let when = e.last_seen.map(|at| format!(" · {} ago", age(model.now, at))).unwrap_or_default();
        let count = if e.count > 1 { format!(" ×{}", e.count) } else { String::new() };
        let role = if e.kind == "Warning" { Role::Warning } else { Role::Dim };
        (format!("{} {}{count}: {}{when}", e.kind, e.reason, e.message), role)
    };
    if compact {
        if let Some(e) = evs.iter().rev().find(|e| e.kind == "Warning").or(evs.last()) {
            let (text, role) = line(e);
            out.push(Line::styled(truncate(&format!("event: {text}"), cells), t.style(role)));
        }
        return;
    }
    out.push(Line::styled(format!("events ({})", evs.len()), t.style(Role::Title)));
    for e in evs {
        let (text, role) = line(e);
        out.push(Line::styled(truncate(&format!("  {text}"), cells), t.style(role)));
    }
}

fn diff_summary(out: &mut Vec<Line<'static>>, ui: &Ui, ds: Option<&DetailState>, compact: bool, cells: usize) {
    let t = &ui.theme;
    let key = key_name(ui, Command::Diff);
    let diffs = ds.and_then(|d| d.diff.value());
    match diffs {
        Some(d) if compact => {
            let names: Vec<_> = d.iter().map(|r| format!("{} {}", r.kind, r.name)).collect();
            let what = if d.len() == 1 { "resource differs" } else { "resources differ" };
            let text = format!("diff: {} {what} ({}) — press {key}", d.len(), names.join(", "));
            out.push(Line::styled(truncate(&text, cells), t.style(Role::OutOfSync)));
        }
        Some(d) => {
            out.push(Line::styled("diff, live → desired".to_string(), t.style(Role::Title)));
            out.extend(diff_lines(ui, d, cells));
        }
        None => out.push(Line::styled(
            format!("out of sync — press {key} for the diff of live vs desired"),
            t.style(Role::OutOfSync),
        )),
    }
}

/// A unified diff per resource: `-` live, `+` desired.
pub fn diff_lines(ui: &Ui, diffs: &[ResourceDiff], cells: usize) -> Vec<Line<'static>> {
    let t = &ui.theme;
    let mut out = Vec::new();
    for r in diffs {
        let kind = if r.group.is_empty() { r.kind.clone() } else { format!("{}/{}", r.group, r.kind) };
        out.push(rule(
            &format!("{kind} {}/{}", r.namespace, r.name),
            None,
            cells,
            t.style(Role::Header),
            t.style(Role::Border),
        ));
        out.extend(r.lines.iter().map(|l| diff_line(l, t, cells)));
    }
    out
}
