//! The approvals pane: the pending requests of the shared ledger — what, from → to, who
//! asked, ticket, age, approvals so far (✓ verified signature, ? unverified) — and, for the
//! selection, why you may not approve it (the policy's own sentence), why some approvals do
//! not count, and the exact diff. Beside the detail pane when wide; over the detail pane's
//! whole width when it has the keyboard (`tab`); folded into a summary on narrow screens.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::approvals::PendingRequest;
use crate::domain::model::Mode;
use crate::domain::sanitize::clean;
use crate::domain::{Loadable, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, put_lines, rule, spinner, truncate};

/// The folded form, for the detail pane's rule.
pub fn summary(model: &Model) -> String {
    let a = &model.approvals;
    if a.engine.is_none() {
        return "approvals: off".into();
    }
    match a.count() {
        0 => "approvals: none".into(),
        n => format!("approvals: {n} waiting (tab)"),
    }
}

/// Whether the pane has the keyboard (then it is drawn wide).
pub fn focused(model: &Model) -> bool {
    matches!(model.mode, Mode::Approvals | Mode::ApprovalComment(_))
}

/// Draw the pane; `side` = beside the detail pane (a left border joins the two).
pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme, side: bool) {
    if area.height == 0 || area.width < 2 {
        return;
    }
    let border = theme.style(Role::Border);
    let lead = usize::from(side);
    let inner = usize::from(area.width) - lead;
    let a = &model.approvals;
    let title = format!("Approvals ({})", a.count());
    let note = if focused(model) {
        Some("a approve · x reject · w withdraw · tab back".to_string())
    } else if a.pending.is_loading() && a.pending.value().is_none() {
        Some(format!("{} loading", spinner(model.now)))
    } else {
        None
    };
    let mut top = rule(&title, note.as_deref(), inner, theme.style(Role::Title), border);
    if side {
        top.spans.insert(0, Span::styled("┬", border));
    }
    let mut body = lines(model, theme, inner.saturating_sub(1));
    body.truncate(usize::from(area.height - 1));
    let mut out = vec![top];
    for mut l in body {
        l.spans.insert(0, Span::raw(" "));
        if side {
            l.spans.insert(0, Span::styled("│", border));
        }
        out.push(l);
    }
    while side && out.len() < usize::from(area.height) {
        out.push(Line::from(Span::styled("│", border)));
    }
    put_lines(buf, area, &out);
}

/// The pane's text, `cells` wide.
fn lines(model: &Model, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let a = &model.approvals;
    let dim = theme.style(Role::Dim);
    let text = |s: String, st: Style| Line::styled(truncate(&s, cells), st);
    if a.engine.is_none() {
        return vec![
            text("approvals not configured: Argo CD's".into(), dim),
            text("RBAC decides; set [gitops] remote to".into(), dim),
            text("use a policy and approval requests".into(), dim),
        ];
    }
    let mut out = Vec::new();
    if let Loadable::Failed { failure, .. } = &a.pending {
        out.push(text(format!("ledger unreachable: {}", clean(&failure.message)), theme.style(Role::Error)));
    }
    let Some(pending) = a.pending.value() else {
        if out.is_empty() {
            out.push(text("reading the ledger…".into(), dim));
        }
        return out;
    };
    if pending.is_empty() {
        out.push(text("none waiting".into(), dim));
        return out;
    }
    let focused = focused(model);
    for (i, r) in pending.iter().enumerate() {
        let selected = i == a.selected;
        // Beside the detail pane every cell counts: the `>` column only exists with focus.
        let marker = match (focused, selected) {
            (true, true) => "> ",
            (true, false) => "  ",
            (false, _) => "",
        };
        let style = if selected && focused { theme.style(Role::Selected) } else { Style::default() };
        let head = format!("{marker}{} {} {}", clean(&r.action), clean(&r.service), clean(&r.route()));
        out.push(text(head, style));
        out.push(who_line(model, r, theme, cells, if focused { "  " } else { " " }));
    }
    if let Some(r) = a.selected_request() {
        out.extend(selection(r, theme, cells));
    }
    out
}

/// `  dave · CHG-12345 · 12m ago · 1 of 2 ✓alice ?bob`.
fn who_line(model: &Model, r: &PendingRequest, theme: &Theme, cells: usize, indent: &str) -> Line<'static> {
    let dim = theme.style(Role::Dim);
    let ticket = r.ticket.as_deref().map_or("no ticket".to_string(), clean);
    let mut spans = vec![Span::styled(
        format!("{indent}{} · {ticket} · {} ago · ", clean(&r.requester), age(model.now, r.requested_at)),
        dim,
    )];
    let done = r.counted >= r.needed;
    let count_role = if done { Role::Ok } else { Role::Pending };
    spans.push(Span::styled(format!("{} of {}", r.counted, r.needed), theme.style(count_role)));
    for v in &r.approvals {
        let (mark, role) = if v.verified { ("✓", Role::Ok) } else { ("?", Role::Warning) };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("{mark}{}", clean(&v.actor)), theme.style(role)));
    }
    clip(spans, cells)
}

/// The selection: its id, why you may not approve it, the diff (what matters most, so it
/// comes first on short screens), then the reason, uncounted approvals and comments.
fn selection(r: &PendingRequest, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let text = |s: String, st: Style| Line::styled(truncate(&s, cells), st);
    let mut out = vec![text(format!("── {} · {}", r.id, clean(&r.summary)), theme.style(Role::Title))];
    if let Some(why) = &r.refusal {
        out.push(text(format!("you cannot approve: {}", clean(why)), theme.style(Role::Warning)));
    }
    for l in &r.diff {
        let role = match l.chars().next() {
            Some('+') => Role::DiffAdd,
            Some('-') => Role::DiffDel,
            Some('@') => Role::DiffHunk,
            _ => Role::Dim,
        };
        out.push(text(clean(l), theme.style(role)));
    }
    if let Some(reason) = &r.reason {
        out.push(text(format!("reason: {}", clean(reason)), Style::default()));
    }
    for why in &r.ignored {
        out.push(text(format!("not counted: {}", clean(why)), theme.style(Role::Dim)));
    }
    if r.approvals.iter().any(|v| !v.verified) {
        out.push(text("? = unsigned or unverified approval".into(), theme.style(Role::Dim)));
    }
    for v in r.approvals.iter().filter(|v| v.comment.is_some()) {
        let c = v.comment.as_deref().unwrap_or_default().replace('\n', " ⏎ ");
        out.push(text(format!("{}: {}", clean(&v.actor), clean(&c)), theme.style(Role::Dim)));
    }
    out
}

/// Spans cut to `cells` display cells (the last one truncated with `…`).
fn clip(spans: Vec<Span<'static>>, cells: usize) -> Line<'static> {
    let mut left = cells;
    let mut out = Vec::new();
    for s in spans {
        if left == 0 {
            break;
        }
        let t = truncate(&s.content, left);
        left = left.saturating_sub(crate::ui::widgets::width(&t));
        out.push(Span::styled(t, s.style));
    }
    Line::from(out)
}
