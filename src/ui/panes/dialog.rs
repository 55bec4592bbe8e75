//! The action dialog: its title names the verb, the service and the ENVIRONMENT; it lists the
//! options with their toggle keys, the rollback history, the replicas input or the fixed
//! action; the change ticket and reason when the policy asks for them; in protected
//! environments it asks for the service name to be typed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::domain::model::{Dialog, DialogKind, GateFocus};
use crate::domain::{deployment::short_revision, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, put_lines, spinner, truncate};

/// History entries listed at once; the list scrolls to keep the selection in view.
const HISTORY_ROWS: usize = 6;

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, dialog: &Dialog, theme: &Theme) {
    let cells = usize::from(area.width.saturating_sub(6).min(84));
    let lines = body(model, dialog, theme, cells, usize::from(area.height));
    let w = u16::try_from(cells + 4).unwrap_or(area.width).min(area.width);
    let h = u16::try_from(lines.len() + 2).unwrap_or(area.height).min(area.height);
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    crate::ui::widgets::popup::opaque(buf, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(format!(" {} ", title(dialog)), theme.style(Role::Title)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    put_lines(buf, Rect { x: inner.x + 1, width: inner.width.saturating_sub(1), ..inner }, &lines);
}

/// `Sync payment-service in PROD`.
pub fn title(dialog: &Dialog) -> String {
    if let DialogKind::Promote(p) = &dialog.kind {
        return super::promote::title(dialog, p);
    }
    if let DialogKind::NewService(f) = &dialog.kind {
        return super::new_service::title(f);
    }
    if let DialogKind::Bulk { action, targets } = &dialog.kind {
        let mut verb = action.verb().to_string();
        if let Some(first) = verb.get(..1) {
            verb = first.to_uppercase() + verb.get(1..).unwrap_or("");
        }
        return format!("{verb} {} marked deployments", targets.len());
    }
    let verb = match &dialog.kind {
        DialogKind::Sync { .. } => "Sync",
        DialogKind::Rollback { .. } => "Roll back",
        DialogKind::Scale { .. } => "Scale",
        DialogKind::Confirm(action) => action.verb(),
        DialogKind::SyncPolicy(_) => "Sync policy of",
        DialogKind::Promote(_) | DialogKind::Bulk { .. } | DialogKind::NewService(_) => "promote",
    };
    let mut verb = verb.to_string();
    if let Some(first) = verb.get(..1) {
        verb = first.to_uppercase() + verb.get(1..).unwrap_or("");
    }
    format!("{verb} {} in {}", dialog.service, dialog.env.to_uppercase())
}

fn body(model: &Model, dialog: &Dialog, theme: &Theme, cells: usize, rows: usize) -> Vec<Line<'static>> {
    let dim = theme.style(Role::Dim);
    let key = theme.style(Role::Key);
    let instance = model.instances.get(dialog.target.instance).map_or("?", |i| i.name.as_str());
    let mut out = Vec::new();
    if !matches!(dialog.kind, DialogKind::Bulk { .. } | DialogKind::NewService(_)) {
        out.push(Line::styled(
            truncate(
                &format!("{} in {} · app {} on {instance}", dialog.service, dialog.env, dialog.target.name),
                cells,
            ),
            dim,
        ));
        out.push(Line::raw(""));
    }
    match &dialog.kind {
        DialogKind::Bulk { action, targets } => bulk(&mut out, model, action, targets, theme, cells, rows),
        DialogKind::Sync { prune, dry_run, force, apply_only } => {
            for (on, label, k) in [
                (prune, "prune", 'p'),
                (dry_run, "dry run", 'd'),
                (force, "force", 'f'),
                (apply_only, "apply only", 'a'),
            ] {
                out.push(Line::from(vec![
                    Span::styled(if *on { "[x]" } else { "[ ]" }, key),
                    Span::raw(format!(" {label} ")),
                    Span::styled(format!("({k})"), key),
                ]));
            }
        }
        DialogKind::Rollback { selected, pause_auto_sync } => {
            rollback(&mut out, model, dialog, theme, *selected, *pause_auto_sync, cells)
        }
        DialogKind::Scale { .. } => super::workload::scale(&mut out, model, dialog, theme, cells),
        DialogKind::SyncPolicy(p) => super::workload::sync_policy(&mut out, model, dialog, p, theme, cells),
        DialogKind::Confirm(crate::domain::Action::Terminate) => {
            super::workload::terminate(&mut out, model, dialog, theme, cells)
        }
        DialogKind::Promote(p) => super::promote::body(&mut out, model, dialog, p, theme, cells, rows),
        DialogKind::NewService(f) => super::new_service::body(&mut out, model, f, theme, cells, rows),
        DialogKind::Confirm(action) => {
            let opts = action.options();
            let opts = if opts.is_empty() { String::new() } else { format!(" ({opts})") };
            out.push(Line::raw(truncate(
                &format!("{} {} in {}{opts}", action.verb(), dialog.service, dialog.env),
                cells,
            )));
        }
    }
    gate_inputs(&mut out, dialog, theme, cells);
    if let Some(name) = &dialog.require_typed {
        out.push(Line::raw(""));
        // The cursor shows where keys go: the typed name, or the options above.
        let cursor = if dialog.typing { "█" } else { "" };
        out.push(Line::from(vec![
            Span::styled(format!("type {name} to confirm: "), theme.style(Role::Warning)),
            Span::raw(dialog.typed.text.clone()),
            Span::styled(cursor, key),
        ]));
    }
    if let Some(err) = &dialog.error {
        out.push(Line::styled(truncate(&format!("✖ {err}"), cells), theme.style(Role::Error)));
    }
    out.push(Line::raw(""));
    out.push(Line::from(vec![
        Span::styled("enter", key),
        Span::styled(" confirm · ", dim),
        Span::styled("esc", key),
        Span::styled(" cancel", dim),
    ]));
    if matches!(dialog.kind, DialogKind::NewService(_)) {
        let last = out.len() - 1;
        out[last].spans.extend([Span::styled(" · ", dim), Span::styled("tab", key), Span::styled(" next field", dim)]);
    }
    if dialog.require_typed.is_some() || dialog.gate.ticket.is_some() || dialog.gate.reason.is_some() {
        let last = out.len() - 1;
        out[last].spans.extend([
            Span::styled(" · ", dim),
            Span::styled("tab", key),
            Span::styled(if dialog.require_typed.is_some() { " options ⇄ name" } else { " next field" }, dim),
        ]);
    }
    // Those a freeze names may override it, with a reason (recorded in the trail).
    if dialog.gate.may_override || dialog.gate.override_freeze {
        let last = out.len() - 1;
        let what =
            if dialog.gate.override_freeze { " freeze overridden (give a reason)" } else { " override the freeze" };
        out[last].spans.extend([Span::styled(" · ", dim), Span::styled("ctrl-o", key), Span::styled(what, dim)]);
    }
    out
}

/// Every target named with its environment (protected ones in capitals), then the sync
/// toggles when it is a sync.
fn bulk(
    out: &mut Vec<Line<'static>>,
    model: &Model,
    action: &crate::domain::Action,
    targets: &[crate::domain::AppKey],
    theme: &Theme,
    cells: usize,
    rows: usize,
) {
    let names: Vec<String> = targets
        .iter()
        .filter_map(|k| model.deployments.get(k))
        .map(|d| {
            let env = if model.protected_envs.contains(&d.env) { d.env.to_uppercase() } else { d.env.clone() };
            format!("{} in {env}", d.service)
        })
        .collect();
    out.push(Line::styled(
        format!("{} each of these, one by one through the policy:", action.verb()),
        theme.style(Role::Header),
    ));
    let mut lines = crate::ui::widgets::wrap(&names.join(", "), cells.saturating_sub(2));
    // Room for the rest of the dialog; what does not fit is counted, never silently dropped.
    let room = rows.saturating_sub(16).max(3);
    if lines.len() > room {
        lines.truncate(room);
        if let Some(l) = lines.last_mut() {
            l.push_str(" …");
        }
    }
    out.extend(lines.into_iter().map(|l| Line::raw(format!("  {l}"))));
    if let crate::domain::Action::Sync { prune, dry_run, force, apply_only } = action {
        out.push(Line::raw(""));
        let key = theme.style(Role::Key);
        for (on, label, k) in
            [(prune, "prune", 'p'), (dry_run, "dry run", 'd'), (force, "force", 'f'), (apply_only, "apply only", 'a')]
        {
            out.push(Line::from(vec![
                Span::styled(if *on { "[x]" } else { "[ ]" }, key),
                Span::raw(format!(" {label} ")),
                Span::styled(format!("({k})"), key),
            ]));
        }
    }
}

/// The policy's ticket and reason inputs, when it asks for them (one line each).
fn gate_inputs(out: &mut Vec<Line<'static>>, dialog: &Dialog, theme: &Theme, cells: usize) {
    let key = theme.style(Role::Key);
    let fields =
        [(&dialog.gate.ticket, "change ticket", GateFocus::Ticket), (&dialog.gate.reason, "reason", GateFocus::Reason)];
    if fields.iter().all(|(f, ..)| f.is_none()) {
        return;
    }
    out.push(Line::raw(""));
    for (field, label, focus) in fields {
        let Some(input) = field else { continue };
        let active = !dialog.typing && dialog.gate.focus == focus;
        let text = truncate(&input.text, cells.saturating_sub(label.len() + 4));
        out.push(Line::from(vec![
            Span::raw(format!("{label}: ")),
            Span::styled(format!("[{text}{}]", if active { "█" } else { "" }), key),
        ]));
    }
}

fn rollback(
    out: &mut Vec<Line<'static>>,
    model: &Model,
    dialog: &Dialog,
    theme: &Theme,
    selected: usize,
    pause: bool,
    cells: usize,
) {
    let key = theme.style(Role::Key);
    if dialog.auto_sync {
        let warning = Span::styled("auto-sync on: off = GitOps commit — ", theme.style(Role::Warning));
        let toggle = [
            Span::styled(if pause { "[x]" } else { "[ ]" }, key),
            Span::raw(" break-glass: pause auto-sync "),
            Span::styled("(space)", key),
        ];
        let one_line = Line::from_iter(std::iter::once(warning.clone()).chain(toggle.clone()));
        if one_line.width() <= cells {
            out.push(one_line);
        } else {
            out.push(Line::from(warning));
            out.push(Line::from_iter(toggle));
        }
        out.push(Line::raw(""));
    }
    let app = model.detail.as_ref().filter(|d| d.key == dialog.target).and_then(|d| d.app.value());
    let Some(app) = app else {
        out.push(Line::styled(format!("{} loading history…", spinner(model.now)), theme.style(Role::Dim)));
        return;
    };
    // The update function's `selected` indexes `history` as stored (oldest first), and j
    // moves down to a higher index, so the list reads oldest → newest, top to bottom.
    let entries = &app.history;
    if entries.is_empty() {
        out.push(Line::styled("no history to roll back to", theme.style(Role::Dim)));
        return;
    }
    out.push(Line::styled("roll back to (j/k), oldest first:", theme.style(Role::Header)));
    let first = selected.saturating_sub(HISTORY_ROWS - 2).min(entries.len().saturating_sub(HISTORY_ROWS));
    if first > 0 {
        out.push(Line::styled(format!("  … {first} older"), theme.style(Role::Dim)));
    }
    for (i, h) in entries.iter().enumerate().skip(first).take(HISTORY_ROWS) {
        let when = h.deployed_at.map(|at| format!("{} ago", age(model.now, at))).unwrap_or_default();
        let by = if h.initiated_by.is_empty() { String::new() } else { format!("  by {}", h.initiated_by) };
        let now = if h.revision == app.sync_revision { "  (running now)" } else { "" };
        let marker = if i == selected { ">" } else { " " };
        let version = super::history::version_of(model, h);
        let text = format!(
            "{marker} {:>4}  {:<10} {:<8} {when:>7}{by}{now}",
            h.id,
            truncate(&version, 10),
            short_revision(&h.revision)
        );
        let text = truncate(&text, cells);
        out.push(if i == selected { Line::styled(text, theme.style(Role::Selected)) } else { Line::raw(text) });
    }
    let newer = entries.len().saturating_sub(first + HISTORY_ROWS);
    if newer > 0 {
        out.push(Line::styled(format!("  … {newer} newer"), theme.style(Role::Dim)));
    }
}
