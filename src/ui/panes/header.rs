//! The one-line header: counts of instances, services, degraded and out-of-sync apps, the
//! connection state of each instance, where governance stands (no Flightdeck policy, or a
//! policy that cannot be read), read-only mode, and who you are. Segments fall away by importance when the
//! terminal is narrow.

use std::collections::HashSet;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::approvals::{PolicyState, RBAC_ONLY};
use crate::domain::{ConnState, InstanceState, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{truncate, width};

/// Progressively terser forms, tried in order until one fits.
#[derive(Clone, Copy)]
struct Level {
    instances: bool,
    services: bool,
    user: bool,
    long_conn: bool,
    long_policy: bool,
}

const LEVELS: [Level; 6] = [
    Level { instances: true, services: true, user: true, long_conn: true, long_policy: true },
    Level { instances: false, services: true, user: true, long_conn: true, long_policy: true },
    Level { instances: false, services: true, user: true, long_conn: true, long_policy: false },
    Level { instances: false, services: false, user: true, long_conn: true, long_policy: false },
    Level { instances: false, services: false, user: false, long_conn: true, long_policy: false },
    Level { instances: false, services: false, user: false, long_conn: false, long_policy: false },
];

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    let cells = usize::from(area.width);
    let mut chosen = None;
    for level in LEVELS {
        let (left, right) = build(model, theme, level);
        // A gap of at least one cell between the left part and the user, when there is one.
        let gap = usize::from(!right.is_empty());
        if line_width(&left) + line_width(&right) + gap <= cells {
            chosen = Some((left, right));
            break;
        }
    }
    let (left, right) = chosen.unwrap_or_else(|| build(model, theme, LEVELS[LEVELS.len() - 1]));
    let right_w = line_width(&right);
    let mut spans = left;
    let gap = cells.saturating_sub(line_width(&spans) + right_w);
    spans.push(Span::raw(" ".repeat(gap)));
    spans.extend(right);
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

fn line_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| width(&s.content)).sum()
}

fn build(model: &Model, theme: &Theme, level: Level) -> (Vec<Span<'static>>, Vec<Span<'static>>) {
    let dim = theme.style(Role::Dim);
    let sep = || Span::styled(" · ", dim);
    let mut left = vec![Span::styled(" Flightdeck", theme.style(Role::Title))];
    if let Some(text) = read_only_segment(model) {
        // Never dropped when narrow: an operator must know their keys do nothing.
        left.extend([sep(), Span::styled(text, theme.style(Role::Warning))]);
    }
    let header = theme.style(Role::Header);
    if level.instances {
        let n = model.instances.len();
        left.extend([sep(), Span::styled(format!("{n} instance{}", plural(n)), header)]);
    }
    if level.services {
        // Kept by the update function; a hand-built model (tests) is counted here.
        let n = match &model.stats {
            Some(s) => s.services,
            None => model.deployments.values().map(|d| d.service.as_str()).collect::<HashSet<_>>().len(),
        };
        left.extend([sep(), Span::styled(format!("{n} service{}", plural(n)), header)]);
    }
    let counted = |n: usize, role: Role| if n > 0 { theme.style(role) } else { header };
    let degraded = model.degraded_count();
    let out_of_sync = model.out_of_sync_count();
    left.extend([sep(), Span::styled(format!("{degraded} degraded"), counted(degraded, Role::Degraded))]);
    left.extend([sep(), Span::styled(format!("{out_of_sync} out-of-sync"), counted(out_of_sync, Role::OutOfSync))]);
    for inst in &model.instances {
        left.push(Span::raw(" "));
        left.extend(conn_spans(inst, theme, level.long_conn));
    }
    match (&model.approvals.policy, level.long_policy) {
        (PolicyState::RbacOnly, true) => left.extend([sep(), Span::styled(RBAC_ONLY, dim)]),
        (PolicyState::RbacOnly, false) => left.extend([sep(), Span::styled("no policy: RBAC only", dim)]),
        (PolicyState::Unreadable(_), _) => {
            left.extend([sep(), Span::styled("policy unreadable: actions refused", theme.style(Role::Error))])
        }
        _ => {}
    }
    let mut right = Vec::new();
    if level.user {
        if let Some(user) = model.username() {
            let groups = model.instances.iter().find_map(|i| i.user.value()).and_then(|u| u.groups.first());
            let who = match groups {
                Some(g) => format!("{user} ({g})"),
                None => user.to_string(),
            };
            right.push(Span::styled(format!("{} ", truncate(&who, 24)), header));
        }
    }
    (left, right)
}

/// `read-only` for the whole session, `read-only: prod` for read-only instances.
fn read_only_segment(model: &Model) -> Option<String> {
    if model.read_only.is_some() {
        return Some("read-only".into());
    }
    let names: Vec<&str> = model.instances.iter().filter(|i| i.read_only.is_some()).map(|i| i.name.as_str()).collect();
    (!names.is_empty()).then(|| format!("read-only: {}", names.join(", ")))
}

/// Whether the selected cell can be written to (for greying the action keys).
pub fn writes_off_here(model: &Model) -> bool {
    model.read_only.is_some()
        || model.selected_key().and_then(|k| model.instances.get(k.instance)).is_some_and(|i| i.read_only.is_some())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `dev ●`, `prod ◌ reconnecting (2)`, `qa ✖ failed: …`: glyph and word, never colour alone.
fn conn_spans(inst: &InstanceState, theme: &Theme, long: bool) -> Vec<Span<'static>> {
    let name = Span::styled(format!("{} ", truncate(&inst.name, 12)), theme.style(Role::Header));
    let (glyph, word, style): (&str, String, Style) = match &inst.conn {
        ConnState::Live => ("●", String::new(), theme.style(Role::Ok)),
        ConnState::Connecting if long => ("◌", " connecting".into(), theme.style(Role::Pending)),
        ConnState::Connecting => ("◌", "…".into(), theme.style(Role::Pending)),
        ConnState::Reconnecting { attempt, .. } if long => {
            ("◌", format!(" reconnecting ({attempt})"), theme.style(Role::Warning))
        }
        ConnState::Reconnecting { attempt, .. } => ("◌", format!("({attempt})"), theme.style(Role::Warning)),
        ConnState::Degraded { attempt, .. } if long => {
            ("◐", format!(" degraded ({attempt})"), theme.style(Role::Warning))
        }
        ConnState::Degraded { attempt, .. } => ("◐", format!("({attempt})"), theme.style(Role::Warning)),
        ConnState::Failed(f) if long => {
            ("✖", format!(" failed: {}", truncate(&f.message, 24)), theme.style(Role::Error))
        }
        ConnState::Failed(_) => ("✖", " failed".into(), theme.style(Role::Error)),
    };
    vec![name, Span::styled(glyph, style), Span::styled(word, style)]
}
