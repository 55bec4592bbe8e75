//! The needs-attention queue, full screen: one line per thing that needs a human — what,
//! which service in which environment, the reason Argo CD gives, for how long — most urgent
//! first; under it the selected entry whole and the keys that act on it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::app::Command;
use crate::domain::attention::{Entry, Kind, Subject};
use crate::domain::sanitize::clean;
use crate::domain::Model;
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, glyphs, pad, put_lines, rule, spinner, truncate, wrap};
use crate::ui::Ui;

/// The glyph and role of a kind of entry.
fn look(kind: Kind) -> (&'static str, Role) {
    match kind {
        Kind::Degraded | Kind::OpFailed => (glyphs::FAILED, Role::Degraded),
        Kind::Missing => ("○", Role::Missing),
        Kind::WaitingHook | Kind::WaitingPrune | Kind::SyncWindow | Kind::Retrying | Kind::Stuck => {
            ("◐", Role::Warning)
        }
        Kind::Approval => ("?", Role::Pending),
        Kind::Paused => ("‖", Role::Suspended),
        Kind::OutOfSync => ("↻", Role::OutOfSync),
        Kind::Pinned => (glyphs::PINNED, Role::Pinned),
    }
}

/// The commands worth naming for a kind, in order.
fn actions(kind: Kind) -> &'static [Command] {
    match kind {
        Kind::Degraded | Kind::Missing => &[Command::Detail, Command::PodLogs, Command::Rollback, Command::Restart],
        Kind::OpFailed => &[Command::Detail, Command::Sync, Command::Rollback],
        Kind::WaitingHook | Kind::WaitingPrune | Kind::SyncWindow | Kind::Retrying | Kind::Stuck => {
            &[Command::Detail, Command::Terminate, Command::PodLogs]
        }
        Kind::Approval => &[Command::Detail],
        Kind::Paused => &[Command::RolloutPromote, Command::RolloutAbort, Command::Detail],
        Kind::OutOfSync => &[Command::Diff, Command::Sync],
        Kind::Pinned => &[Command::ResumeAutoSync, Command::Detail],
    }
}

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, ui: &Ui, list: &[Entry]) {
    if area.height < 3 {
        return;
    }
    let t = &ui.theme;
    let cells = usize::from(area.width);
    let loading = model.attention.explained.values().filter(|l| l.is_loading()).count();
    let note = if loading > 0 {
        format!("{} looking closer at {loading}", spinner(model.now))
    } else {
        "most urgent first".to_string()
    };
    let title = format!("Needs attention ({})", list.len());
    let mut out = vec![rule(&title, Some(&note), cells, t.style(Role::Title), t.style(Role::Border))];
    if list.is_empty() {
        out.push(Line::styled(
            "  nothing needs attention now: no degraded apps, no failed or stuck",
            t.style(Role::Ok),
        ));
        out.push(Line::styled("  operations, no paused Rollouts, no approvals waiting on you", t.style(Role::Ok)));
        put_lines(buf, area, &out);
        return;
    }
    let sel = model.attention.selected.min(list.len() - 1);
    let body = usize::from(area.height) - 1;
    // The selection's detail follows the list: at least a few lines, more when the list is short.
    let list_h = list.len().min(body.saturating_sub(body.min(5).max(body / 4)));
    let detail_h = body - list_h;
    let first = (sel + 1).saturating_sub(list_h);
    let svc_w = list.iter().map(|e| crate::ui::widgets::width(&e.service)).max().unwrap_or(0).clamp(8, 22);
    let env_w = list.iter().map(|e| crate::ui::widgets::width(&e.env)).max().unwrap_or(0).clamp(4, 10);
    let what_w = if cells >= 100 { 23 } else { 19 };
    for (i, e) in list.iter().enumerate().skip(first).take(list_h) {
        out.push(entry_line(model, t, e, i == sel, (what_w, svc_w, env_w), cells));
    }
    let e = &list[sel];
    out.push(rule(
        &format!("{} · {}", e.service, e.env),
        Some(e.kind.what()),
        cells,
        t.style(Role::Header),
        t.style(Role::Border),
    ));
    let mut more: Vec<Line<'static>> =
        wrap(&clean(&e.detail), cells.saturating_sub(2)).into_iter().map(|l| Line::raw(format!(" {l}"))).collect();
    let key = t.style(Role::Key);
    let mut keys = vec![Span::raw(" ")];
    for c in actions(e.kind) {
        let name = match (&e.subject, c) {
            (Subject::Request(_), Command::Detail) => "read and decide",
            _ => c.hint(),
        };
        keys.extend([Span::styled(crate::ui::panes::detail::key_name(ui, *c), key), Span::raw(format!(" {name}  "))]);
    }
    keys.extend([Span::styled(crate::ui::panes::detail::key_name(ui, Command::Back), key), Span::raw(" back")]);
    more.truncate(detail_h.saturating_sub(2));
    out.extend(more);
    out.push(Line::from(keys));
    put_lines(buf, area, &out);
}

/// `✖ degraded   checkout   staging   Rollout has unavailable replicas   3m`.
fn entry_line(
    model: &Model,
    t: &Theme,
    e: &Entry,
    selected: bool,
    (what_w, svc_w, env_w): (usize, usize, usize),
    cells: usize,
) -> Line<'static> {
    let (glyph, role) = look(e.kind);
    let since = e.since.map(|at| age(model.now, at)).unwrap_or_default();
    let fixed = 2 + 2 + what_w + svc_w + 1 + env_w + 1 + 6;
    let detail_w = cells.saturating_sub(fixed);
    let base = if selected { t.style(Role::Selected) } else { Style::default() };
    let marker = if selected { ">" } else { " " };
    let mut spans = vec![
        Span::styled(marker.to_string(), t.style(Role::Key)),
        Span::styled(format!("{glyph} "), t.style(role).patch(base)),
        Span::styled(format!("{} ", pad(e.kind.what(), what_w - 1)), t.style(role).patch(base)),
        Span::styled(format!("{} ", pad(&e.service, svc_w)), base),
        Span::styled(format!("{} ", pad(&e.env, env_w)), base),
        Span::styled(pad(&clean(&e.detail), detail_w), t.style(Role::Dim).patch(base)),
    ];
    spans.push(Span::styled(format!(" {:>5}", truncate(&since, 5)), t.style(Role::Dim)));
    Line::from(spans)
}
