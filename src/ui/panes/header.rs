//! The one-line header: counts of instances, services, degraded and out-of-sync apps and
//! approvals waiting, the connection state of each instance (with how long its data has been
//! stale), where governance stands (no Flightdeck policy, or a policy that cannot be read),
//! read-only mode, and who you are. Segments get terser and fall away by importance when the
//! terminal is narrow; who you are goes last.

use std::collections::HashSet;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::approvals::{PolicyState, RBAC_ONLY};
use crate::domain::{ConnState, InstanceState, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, truncate, width};

/// How an instance's connection is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Conn {
    /// `prod ◌ reconnecting (2) · stale 35s`.
    Long,
    /// `prod◌35s`.
    Short,
    /// Only the instances that are not live (short), after `3 live`.
    Problems,
}

/// Progressively terser forms, tried in order until one fits.
#[derive(Clone, Copy)]
struct Level {
    instances: bool,
    services: bool,
    approvals: bool,
    /// 0 none, 1 short, 2 long.
    policy: u8,
    conn: Conn,
    user: bool,
}

const fn level(instances: bool, services: bool, approvals: bool, policy: u8, conn: Conn, user: bool) -> Level {
    Level { instances, services, approvals, policy, conn, user }
}

const LEVELS: [Level; 8] = [
    level(true, true, true, 2, Conn::Long, true),
    level(false, true, true, 2, Conn::Long, true),
    level(false, true, true, 1, Conn::Long, true),
    level(false, true, true, 1, Conn::Short, true),
    level(false, false, true, 1, Conn::Short, true),
    level(false, false, true, 0, Conn::Short, true),
    level(false, false, false, 0, Conn::Problems, true),
    level(false, false, false, 0, Conn::Problems, false),
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
    let waiting = model.approvals.count();
    if level.approvals && waiting > 0 {
        let text = format!("{waiting} approval{} waiting", plural(waiting));
        left.extend([sep(), Span::styled(text, theme.style(Role::Pending))]);
    }
    left.extend(connections(model, theme, level.conn));
    match (&model.approvals.policy, level.policy) {
        (_, 0) => {}
        (PolicyState::RbacOnly, 2) => left.extend([sep(), Span::styled(RBAC_ONLY, dim)]),
        (PolicyState::RbacOnly, _) => left.extend([sep(), Span::styled("no policy: RBAC only", dim)]),
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

/// Every instance's state, or (tersest) only those not live after how many are.
fn connections(model: &Model, theme: &Theme, conn: Conn) -> Vec<Span<'static>> {
    let mut out = vec![Span::styled(" ·", theme.style(Role::Dim))];
    if conn == Conn::Problems {
        let live = model.instances.iter().filter(|i| i.conn == ConnState::Live).count();
        if live > 0 {
            out.push(Span::styled(format!(" {live} live"), theme.style(Role::Ok)));
        }
    }
    for inst in &model.instances {
        if conn == Conn::Problems && inst.conn == ConnState::Live {
            continue;
        }
        out.push(Span::raw(" "));
        out.extend(conn_spans(model, inst, theme, conn == Conn::Long));
    }
    out
}

/// `dev ●`, `prod ◌ reconnecting (2) · stale 35s`, `qa ✖ failed: …`; short: `prod◌35s`.
/// Glyph and word, never colour alone.
fn conn_spans(model: &Model, inst: &InstanceState, theme: &Theme, long: bool) -> Vec<Span<'static>> {
    let name = if long { format!("{} ", truncate(&inst.name, 12)) } else { truncate(&inst.name, 10) };
    let name = Span::styled(name, theme.style(Role::Header));
    let stale = inst.stale_since.map(|at| age(model.now, at));
    let (glyph, word, style): (&str, String, Style) = match &inst.conn {
        ConnState::Live => ("●", String::new(), theme.style(Role::Ok)),
        ConnState::Connecting if long => ("◌", " connecting".into(), theme.style(Role::Pending)),
        ConnState::Connecting => ("◌", "…".into(), theme.style(Role::Pending)),
        ConnState::Reconnecting { attempt, .. } if long => {
            ("◌", format!(" reconnecting ({attempt})"), theme.style(Role::Warning))
        }
        ConnState::Reconnecting { .. } => ("◌", String::new(), theme.style(Role::Warning)),
        ConnState::Degraded { .. } if long => ("◐", " degraded".to_string(), theme.style(Role::Warning)),
        ConnState::Degraded { .. } => ("◐", String::new(), theme.style(Role::Warning)),
        ConnState::Failed(f) if long => {
            ("✖", format!(" failed: {}", truncate(&f.message, 24)), theme.style(Role::Error))
        }
        ConnState::Failed(_) => ("✖", String::new(), theme.style(Role::Error)),
    };
    let mut out = vec![name, Span::styled(glyph, style), Span::styled(word, style)];
    match stale {
        Some(a) if long => out.push(Span::styled(format!(" · stale {a}"), theme.style(Role::Warning))),
        Some(a) => out.push(Span::styled(a, theme.style(Role::Warning))),
        None => {}
    }
    out
}
