//! Dialog bodies about what runs: the scale dialog (the replicas now, ready and in Git, and
//! warnings when an autoscaler owns the count; under auto-sync, that it goes to Git), the sync
//! policy dialog (auto-sync, self-heal, prune: now and after), and what a terminate stops.

use ratatui::text::{Line, Span};

use crate::domain::model::{Dialog, DialogKind};
use crate::domain::scale_form::{owner_of, ScaleField, ScaleForm};
use crate::domain::{Model, SyncPolicy};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, spinner, truncate, wrap};

fn detail(model: &Model, dialog: &Dialog) -> Option<crate::domain::AppDetail> {
    model.detail.as_ref().filter(|d| d.key == dialog.target).and_then(|d| d.app.value()).cloned()
}

fn warn(out: &mut Vec<Line<'static>>, theme: &Theme, text: &str, cells: usize) {
    for (i, l) in wrap(text, cells.saturating_sub(2)).into_iter().enumerate() {
        out.push(Line::styled(format!("{}{l}", if i == 0 { "⚠ " } else { "  " }), theme.style(Role::Warning)));
    }
}

pub fn scale(out: &mut Vec<Line<'static>>, model: &Model, dialog: &Dialog, theme: &Theme, cells: usize) {
    let DialogKind::Scale { kind, name, namespace, replicas, state, form, .. } = &dialog.kind else { return };
    let (key, dim) = (theme.style(Role::Key), theme.style(Role::Dim));
    out.push(Line::raw(truncate(&format!("{kind} {name} in namespace {namespace}"), cells)));
    let now = match (state.value(), state.failure()) {
        (Some(s), _) => {
            let n = |v: Option<u32>| v.map_or("?".into(), |n| n.to_string());
            format!("now {} replicas, {} ready · Git says {}", n(s.replicas), n(s.ready), n(s.desired))
        }
        (None, Some(f)) => format!("replicas now unknown: {}", f.message),
        (None, None) => format!("{} reading the replicas now…", spinner(model.now)),
    };
    out.push(Line::styled(truncate(&now, cells), dim));
    let app = detail(model, dialog);
    let owner = app.as_ref().and_then(|a| owner_of(&a.resources));
    let owned = owner.is_some();
    // The fields, two a line (the count or the bounds; then cpu; then memory).
    let focus = form.focused(owned);
    let field = |f: ScaleField| -> Vec<Span<'static>> {
        let text = form.text(f, &replicas.text);
        let (cursor, style) = if f == focus { ("█", key) } else { ("", dim) };
        vec![Span::raw(format!("{}: ", f.label())), Span::styled(format!("[{text}{cursor}]"), style), Span::raw("  ")]
    };
    let fields = ScaleForm::fields(owned);
    let (count, rest) = fields.split_at(if owned { 2 } else { 1 });
    for row in std::iter::once(count).chain(rest.chunks(2)) {
        out.push(Line::from(row.iter().copied().flat_map(field).collect::<Vec<_>>()));
    }
    out.push(Line::styled(
        truncate("↑/↓ field · empty = unchanged · requests/limits and bounds go to Git", cells),
        dim,
    ));
    match (&owner, state.value().and_then(|s| s.hpa.clone())) {
        (Some(o), hpa) => {
            let hpa = hpa.unwrap_or_else(|| o.clone());
            warn(out, theme, &format!("{hpa} owns the replica count: set its min/max here (written to Git)"), cells);
        }
        (None, Some(hpa)) => warn(out, theme, &format!("{hpa} owns the replica count: it will change it again"), cells),
        (None, None) => {}
    }
    // Under auto-sync the change is committed (the diff comes next), so self-heal keeps it
    // rather than reverting it: say so, not the live patch's warning.
    if app.as_ref().is_some_and(|a| a.auto_sync) {
        let git = state.value().and_then(|s| s.desired).map_or(String::new(), |n| format!(" (now {n})"));
        let heal = if app.as_ref().is_some_and(|a| a.self_heal) { "; self-heal keeps it" } else { "" };
        out.push(Line::styled(truncate(&format!("auto-sync on: written to Git{git}, diff first{heal}"), cells), dim));
    }
}

pub fn sync_policy(
    out: &mut Vec<Line<'static>>,
    model: &Model,
    dialog: &Dialog,
    wanted: &SyncPolicy,
    theme: &Theme,
    cells: usize,
) {
    let key = theme.style(Role::Key);
    let now = detail(model, dialog).map(|a| a.sync_policy()).unwrap_or_default();
    out.push(Line::styled(truncate(&format!("now: {}", now.describe()), cells), theme.style(Role::Dim)));
    out.push(Line::raw(""));
    let rows = [
        (wanted.auto_sync, true, "auto-sync: deploy what Git says by itself", 'a'),
        (wanted.self_heal, wanted.auto_sync, "self-heal: undo changes made outside Git", 'h'),
        (wanted.prune, wanted.auto_sync, "prune: delete what Git no longer has", 'p'),
    ];
    for (on, enabled, label, k) in rows {
        let style = if enabled { ratatui::style::Style::default() } else { theme.style(Role::Dim) };
        out.push(Line::from(vec![
            Span::styled(if on && enabled { "[x]" } else { "[ ]" }, key),
            Span::styled(format!(" {label} "), style),
            Span::styled(format!("({k})"), key),
        ]));
    }
    out.push(Line::raw(""));
    let after = wanted.effective();
    out.push(Line::raw(truncate(&format!("after: {}", after.describe()), cells)));
    if now.auto_sync && !after.auto_sync {
        warn(out, theme, "auto-sync off pins the app: nothing pushed to Git deploys until it is on again", cells);
    }
    if after.self_heal && !now.self_heal {
        warn(out, theme, "self-heal on: a manual scale or patch is reverted to what Git says", cells);
    }
    if after.prune && !now.prune {
        warn(out, theme, "prune on: resources removed from Git are deleted from the cluster", cells);
    }
}

/// What a terminate stops: the operation running now.
pub fn terminate(out: &mut Vec<Line<'static>>, model: &Model, dialog: &Dialog, theme: &Theme, cells: usize) {
    let op = detail(model, dialog).and_then(|a| a.operation);
    let Some(op) = op else {
        out.push(Line::styled("the operation in progress (its detail is still loading)", theme.style(Role::Dim)));
        return;
    };
    let rev = crate::domain::deployment::short_revision(&op.revision).to_string();
    let since = op.started_at.map(|at| format!(", started {} ago", age(model.now, at))).unwrap_or_default();
    let by = if op.initiated_by.is_empty() { String::new() } else { format!(" by {}", op.initiated_by) };
    let phase = op.phase.map_or("Unknown", crate::domain::OpPhase::as_str);
    let what = format!("stops the {phase} operation to {rev}{since}{by}");
    out.extend(wrap(&what, cells).into_iter().map(Line::raw));
    if !op.message.is_empty() {
        out.extend(
            wrap(&format!("now: {}", op.message), cells).into_iter().map(|l| Line::styled(l, theme.style(Role::Dim))),
        );
    }
}
