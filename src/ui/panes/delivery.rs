//! The delivery view: one service's delivery figures over a window for one environment at
//! the top (deployments and their rate, lead time, change failure rate with its counts, time
//! to restore — worded by `domain::delivery::summary`, as the headless text is), and the
//! timeline below, oldest first as `flightdeck delivery` prints it, the newest in view until
//! scrolled back. A load in flight shows a spinner; a report that is not the answer to what
//! the view asks now is marked stale with its age; a failure is said in place.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::delivery::{summary, window_name, Activity, DeliveryView, Kind, Report};
use crate::domain::sanitize::clean;
use crate::domain::{Loadable, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, glyphs, pad, put_lines, rule, spinner, truncate};

/// Column widths of the timeline (the `WHAT` column takes the rest).
const WHEN_W: usize = 12;
const ENV_W: usize = 8;
const KIND_W: usize = 9;
const WHO_W: usize = 10;
const VERSION_W: usize = 9;
const SOURCE_W: usize = 6;

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    if area.height < 3 {
        return;
    }
    let Some(v) = model.delivery.as_ref() else { return };
    let cells = usize::from(area.width);
    let title = format!("delivery · {} · {} · last {}", v.service, v.env, window_name(v.window_secs));
    let mut out = vec![rule(&title, Some("oldest first"), cells, theme.style(Role::Title), theme.style(Role::Border))];
    out.extend(status(model, v, theme, cells));
    let Some(report) = v.report.value() else {
        put_lines(buf, area, &out);
        return;
    };
    out.extend(figures(model, report, theme, cells));
    for w in report.warnings.iter().take(2) {
        out.push(Line::styled(truncate(&format!(" ! {}", clean(w)), cells), theme.style(Role::Warning)));
    }
    let room = usize::from(area.height).saturating_sub(out.len() + 2);
    out.extend(timeline(model, v, report, theme, cells, room));
    put_lines(buf, area, &out);
}

/// The line under the title: loading, failed, or stale — nothing when the report is fresh.
fn status(model: &Model, v: &DeliveryView, theme: &Theme, cells: usize) -> Option<Line<'static>> {
    let stale = match v.report.at() {
        Some(at) if v.stale() => format!(" · showing the report of {} ago {}", age(model.now, at), glyphs::STALE),
        _ => String::new(),
    };
    let (text, role) = match &v.report {
        Loadable::Ready { .. } => return None,
        Loadable::Failed { failure, .. } => {
            let hint = failure.hint.as_deref().map(|h| format!(" ({})", clean(h))).unwrap_or_default();
            (format!(" {} {}{hint}{stale}", glyphs::FAILED, clean(&failure.message)), Role::Error)
        }
        Loadable::Loading { .. } | Loadable::NotAsked => (
            format!(
                " {} reading the history of {} over {} (Argo CD, the GitOps commits, the trail)…{stale}",
                spinner(model.now),
                v.service,
                window_name(v.window_secs)
            ),
            Role::Dim,
        ),
    };
    Some(Line::styled(truncate(&text, cells), theme.style(role)))
}

fn figures(model: &Model, report: &Report, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let f = &report.figures;
    let offset = chrono::FixedOffset::east_opt(model.utc_offset_secs).unwrap_or(chrono::Offset::fix(&chrono::Utc));
    let span = format!(
        " figures for {} · {} → {}",
        f.env,
        f.from.with_timezone(&offset).format("%Y-%m-%d %H:%M"),
        f.to.with_timezone(&offset).format("%Y-%m-%d %H:%M")
    );
    let mut out = vec![Line::styled(truncate(&span, cells), theme.style(Role::Header))];
    for (label, value, note) in summary(f) {
        let role = match label {
            _ if value == "-" => Role::Dim,
            "change failures" if f.failed_changes > 0 => Role::Warning,
            _ => Role::Ok,
        };
        let gap = " ".repeat(16usize.saturating_sub(crate::ui::widgets::width(&value)));
        out.push(Line::from(vec![
            Span::raw(format!("  {label:<17} ")),
            Span::styled(value, theme.style(role)),
            Span::raw(gap),
            Span::styled(truncate(&note, cells.saturating_sub(36)), theme.style(Role::Dim)),
        ]));
    }
    out
}

fn timeline(
    model: &Model,
    v: &DeliveryView,
    report: &Report,
    theme: &Theme,
    cells: usize,
    room: usize,
) -> Vec<Line<'static>> {
    let n = report.timeline.len();
    let back = v.back.min(n.saturating_sub(1));
    let end = n - back.min(n);
    let start = end.saturating_sub(room);
    let note = match (start, back) {
        (0, 0) => format!("{n} events"),
        (above, 0) => format!("{n} events · {above} older above"),
        (above, b) => format!("{n} events · {above} older above · {b} newer below"),
    };
    let mut out = vec![rule("timeline", Some(&note), cells, theme.style(Role::Header), theme.style(Role::Border))];
    let fixed = 1 + WHEN_W + ENV_W + KIND_W + WHO_W + VERSION_W + 5 + 2 + SOURCE_W;
    let what_w = cells.saturating_sub(fixed).max(8);
    let head = format!(
        " {:<WHEN_W$} {:<ENV_W$} {:<KIND_W$} {:<WHO_W$} {:<VERSION_W$} {:<what_w$}  {:<SOURCE_W$}",
        "WHEN", "ENV", "KIND", "WHO", "VERSION", "WHAT", "SOURCE"
    );
    out.push(Line::styled(truncate(&head, cells), theme.style(Role::Header)));
    if n == 0 {
        out.push(Line::styled(
            format!("  nothing happened to {} in the last {}", v.service, window_name(v.window_secs)),
            theme.style(Role::Dim),
        ));
        return out;
    }
    let offset = chrono::FixedOffset::east_opt(model.utc_offset_secs).unwrap_or(chrono::Offset::fix(&chrono::Utc));
    for a in &report.timeline[start..end] {
        out.push(row(a, &offset, theme, what_w));
    }
    out
}

fn row(a: &Activity, offset: &chrono::FixedOffset, theme: &Theme, what_w: usize) -> Line<'static> {
    let kind_role = match a.kind {
        _ if a.failed => Some(Role::Error),
        Kind::Degraded | Kind::Refusal => Some(Role::Degraded),
        Kind::Rollback => Some(Role::Warning),
        Kind::Healthy => Some(Role::Healthy),
        _ => None,
    };
    let kind = if a.failed { format!("{} {}", glyphs::FAILED, a.kind.name()) } else { a.kind.name().to_string() };
    let style = |r: Option<Role>| r.map_or(Style::default(), |r| theme.style(r));
    let cell = |s: &str, w: usize| format!("{} ", pad(&clean(s), w));
    Line::from(vec![
        Span::styled(
            format!(" {} ", pad(&a.at.with_timezone(offset).format("%d %b %H:%M").to_string(), WHEN_W)),
            theme.style(Role::Dim),
        ),
        Span::raw(cell(&a.env, ENV_W)),
        Span::styled(cell(&kind, KIND_W), style(kind_role)),
        Span::raw(cell(if a.who.is_empty() { "-" } else { &a.who }, WHO_W)),
        Span::raw(cell(a.version.as_deref().unwrap_or("-"), VERSION_W)),
        Span::raw(format!("{} ", pad(&clean(&a.detail), what_w))),
        Span::styled(format!(" {}", a.source), theme.style(Role::Dim)),
    ])
}
