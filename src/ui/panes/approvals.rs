//! The approvals pane and view: the pending requests of the shared ledger — what, from → to,
//! who asked, ticket, age, approvals so far (✓ verified signature, ? unverified). Beside the
//! detail pane when wide, folded into a summary on narrow screens, and, with the keyboard
//! (`tab`, `a`), a full-screen view at every size: the list, and the selected request whole —
//! who asked and when, the ticket, the reason, every approval with its comment, why you may
//! not approve it (the policy's own sentence), why some approvals do not count, and the exact
//! diff, wrapped to the width there is and scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::approvals::PendingRequest;
use crate::domain::model::Mode;
use crate::domain::sanitize::clean;
use crate::domain::{Loadable, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, put_lines, rule, spinner, truncate, wrap};

/// From this width the view puts the list and the request side by side.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 110;

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

/// Whether the view has the keyboard (then it takes the screen).
pub fn focused(model: &Model) -> bool {
    matches!(model.mode, Mode::Approvals | Mode::ApprovalComment(_))
}

/// Draw the pane beside the detail pane (a left border joins the two).
pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    if area.height == 0 || area.width < 2 {
        return;
    }
    let border = theme.style(Role::Border);
    let inner = usize::from(area.width) - 1;
    let a = &model.approvals;
    let title = format!("Approvals ({})", a.count());
    let note =
        (a.pending.is_loading() && a.pending.value().is_none()).then(|| format!("{} loading", spinner(model.now)));
    let mut top = rule(&title, note.as_deref(), inner, theme.style(Role::Title), border);
    top.spans.insert(0, Span::styled("┬", border));
    let cells = inner.saturating_sub(1);
    let mut body = list(model, theme, cells, false);
    if let Some(r) = a.selected_request() {
        body.push(Line::styled(truncate(&format!("── {}", clean(&r.summary)), cells), theme.style(Role::Title)));
        body.extend(brief(r, theme, cells));
    }
    body.truncate(usize::from(area.height - 1));
    let mut out = vec![top];
    for mut l in body {
        l.spans.insert(0, Span::raw(" "));
        l.spans.insert(0, Span::styled("│", border));
        out.push(l);
    }
    while out.len() < usize::from(area.height) {
        out.push(Line::from(Span::styled("│", border)));
    }
    put_lines(buf, area, &out);
}

/// The full-screen view: the list and the selected request, side by side when wide, else the
/// list above the request; the request scrolls (`ApprovalsState::scroll`).
pub fn draw_view(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let a = &model.approvals;
    let (title_style, border) = (theme.style(Role::Title), theme.style(Role::Border));
    let cells = usize::from(area.width);
    let title = format!("Approvals ({})", a.count());
    let note = a.engine.as_deref().map(|e| truncate(e, cells / 2));
    put_lines(buf, area, &[rule(&title, note.as_deref(), cells, title_style, border)]);
    let body = Rect { y: area.y + 1, height: area.height - 1, ..area };
    let side = area.width >= SIDE_BY_SIDE_MIN_WIDTH;
    let (list_area, req_area) = if side {
        let lw = (area.width * 38 / 100).clamp(34, 56);
        (Rect { width: lw, ..body }, Rect { x: body.x + lw, width: body.width - lw, ..body })
    } else {
        let want = u16::try_from(a.count().max(1) * 2).unwrap_or(u16::MAX);
        let lh = want.min((body.height / 3).max(2)).min(body.height);
        (Rect { height: lh, ..body }, Rect { y: body.y + lh, height: body.height - lh, ..body })
    };
    // The list, scrolled so the selection shows (two lines a request).
    let items = list(model, theme, usize::from(list_area.width.saturating_sub(1)), true);
    let room = usize::from(list_area.height);
    let sel_end = (a.selected + 1) * 2;
    let first = sel_end.saturating_sub(room).min(items.len().saturating_sub(room));
    put_lines(buf, list_area, &items[first.min(items.len())..]);
    // The request.
    let Some(r) = a.selected_request() else { return };
    let (req_area, lead) = if side { (req_area, "│ ") } else { (req_area, "") };
    let rcells = usize::from(req_area.width).saturating_sub(lead.len().min(2));
    let lines = request(model, r, theme, rcells);
    let visible = usize::from(req_area.height.saturating_sub(1));
    let first = usize::from(a.scroll).min(lines.len().saturating_sub(visible));
    let more = (lines.len() > visible)
        .then(|| format!("{}–{}/{}", first + 1, (first + visible).min(lines.len()), lines.len()));
    let head = format!("{} · {}", r.id, clean(&r.summary));
    let mut out = vec![rule(&head, more.as_deref(), rcells, title_style, border)];
    out.extend(lines.into_iter().skip(first));
    if side {
        for l in &mut out {
            l.spans.insert(0, Span::styled(if l.spans.is_empty() { "│" } else { "│ " }, border));
        }
        while out.len() < usize::from(req_area.height) {
            out.push(Line::from(Span::styled("│", border)));
        }
    }
    put_lines(buf, req_area, &out);
}

/// The requests, two lines each (`focused`: with a `>` marker and the selection styled), or
/// why there are none.
fn list(model: &Model, theme: &Theme, cells: usize, focused: bool) -> Vec<Line<'static>> {
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

/// The whole request, wrapped to `cells`: who asked and when, ticket, lane and status, why
/// you may not approve it, the approvals with their comments and why some do not count, the
/// reason, then the diff.
fn request(model: &Model, r: &PendingRequest, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut para = |text: &str, style: Style| {
        out.extend(wrap(text, cells).into_iter().map(|l| Line::styled(l, style)));
    };
    let dim = theme.style(Role::Dim);
    let offset = chrono::FixedOffset::east_opt(model.utc_offset_secs).unwrap_or(chrono::Offset::fix(&chrono::Utc));
    let when = r.requested_at.with_timezone(&offset).format("%Y-%m-%d %H:%M");
    let ticket = r.ticket.as_deref().map_or("no ticket".to_string(), |t| format!("ticket {}", clean(t)));
    para(
        &format!("requested by {} {} ago ({when}) · {ticket}", clean(&r.requester), age(model.now, r.requested_at)),
        Style::default(),
    );
    let lane = r.lane.as_deref().map(|l| format!(" · lane {}", clean(l))).unwrap_or_default();
    para(&format!("status: {}{lane}", clean(&r.status)), dim);
    if let Some(why) = &r.refusal {
        para(&format!("you cannot approve: {}", clean(why)), theme.style(Role::Warning));
    }
    let count_role = if r.counted >= r.needed { Role::Ok } else { Role::Pending };
    para(&format!("approvals: {} of {} needed", r.counted, r.needed), theme.style(count_role));
    for v in &r.approvals {
        let (mark, role) = if v.verified { ("✓", Role::Ok) } else { ("?", Role::Warning) };
        let comment = v.comment.as_deref().map(|c| format!(": {}", clean(&c.replace('\n', " ⏎ ")))).unwrap_or_default();
        para(&format!("  {mark} {} {} ago{comment}", clean(&v.actor), age(model.now, v.at)), theme.style(role));
    }
    if r.approvals.iter().any(|v| !v.verified) {
        para("  ? = unsigned or unverified approval", dim);
    }
    for why in &r.ignored {
        para(&format!("  not counted: {}", clean(why)), dim);
    }
    match &r.reason {
        Some(reason) => para(&format!("reason: {}", clean(reason)), Style::default()),
        None => para("reason: none given", dim),
    }
    if r.diff.is_empty() {
        para("no file changes: the action runs against Argo CD as it is", dim);
        return out;
    }
    out.push(Line::styled("what changes:", theme.style(Role::Header)));
    for l in &r.diff {
        let role = match l.chars().next() {
            Some('+') => Role::DiffAdd,
            Some('-') => Role::DiffDel,
            Some('@') => Role::DiffHunk,
            _ => Role::Dim,
        };
        out.extend(wrap(&clean(l), cells).into_iter().map(|t| Line::styled(t, theme.style(role))));
    }
    out
}

/// The selection beside the detail pane, what matters first: why you may not approve it,
/// the diff, the reason (the view shows it whole).
fn brief(r: &PendingRequest, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let text = |s: String, st: Style| Line::styled(truncate(&s, cells), st);
    let mut out = Vec::new();
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
