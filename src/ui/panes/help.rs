//! Help: in the demo first how the other operators join; then every binding of the effective
//! keymap with its keys and description, by context (so it never drifts from what the keys
//! do), the fixed keys of dialogs and inputs, and what each glyph means. Scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::app::{KeyContext, Keymap};
use crate::domain::Model;
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{pad, put_lines, truncate, width};

/// Keys of dialogs and text inputs: fixed, not remappable, so listed here as text.
const FIXED: [(&str, &str); 6] = [
    ("enter", "Confirm the dialog / keep the filter"),
    ("esc", "Cancel the dialog / clear the input"),
    ("p d f a", "Sync dialog: toggle prune, dry run, force, apply only"),
    ("space", "Rollback dialog: GitOps commit, or pause auto-sync (break-glass)"),
    ("j k", "Rollback dialog: choose the history entry"),
    ("backspace", "Delete in an input"),
];

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, keymap: &Keymap, theme: &Theme, scroll: u16) {
    // A margin around the box when there is room for one.
    let (mx, my) = (if area.width > 40 { 2 } else { 0 }, if area.height > 10 { 1 } else { 0 });
    let rect = Rect::new(area.x + mx, area.y + my, area.width - 2 * mx, area.height - 2 * my);
    crate::ui::widgets::popup::opaque(buf, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(" Help — keys ", theme.style(Role::Title)))
        .title_bottom(Span::styled(" j/k scroll · esc close ", theme.style(Role::Dim)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let mut lines = demo(model, theme, usize::from(inner.width));
    lines.extend(self::lines(keymap, theme, usize::from(inner.width)));
    let visible = usize::from(inner.height);
    let first = usize::from(scroll).min(lines.len().saturating_sub(visible));
    put_lines(buf, inner, &lines[first..]);
}

/// In the demo: who you are, how each other operator joins (the command to run in another
/// terminal), and who is connected now.
pub fn demo(model: &Model, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let Some(d) = &model.demo else { return Vec::new() };
    let mut out = vec![Line::styled(
        truncate(&format!(" demo: you are {} ({}); the others join from another terminal:", d.me, d.role), cells),
        theme.style(Role::Header),
    )];
    for j in &d.joins {
        out.push(Line::from(vec![
            Span::styled(format!("   {} ", j.user), theme.style(Role::Key)),
            Span::styled(format!("({})", j.role), theme.style(Role::Dim)),
        ]));
        out.push(Line::raw(format!("     {}", j.command)));
    }
    let now = if d.connected.is_empty() { "nobody else".to_string() } else { d.connected.join(", ") };
    out.push(Line::styled(format!("   connected now: {now}"), theme.style(Role::Dim)));
    out.push(Line::raw(""));
    out
}

/// One line per binding, then the fixed keys.
pub fn lines(keymap: &Keymap, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    let key_cells = 18;
    let desc_cells = cells.saturating_sub(key_cells + 2);
    let row = |keys: String, desc: &str| {
        Line::from(vec![
            Span::styled(format!(" {}", pad(&truncate(&keys, key_cells - 1), key_cells)), theme.style(Role::Key)),
            Span::raw(truncate(desc, desc_cells)),
        ])
    };
    let mut out = Vec::new();
    for ctx in KeyContext::ALL {
        let mut bindings = keymap.bindings.iter().filter(|b| b.context == ctx).peekable();
        if bindings.peek().is_none() {
            continue;
        }
        if ctx != KeyContext::Normal {
            out.push(Line::raw(""));
            out.push(Line::styled(format!(" {}", ctx.title()), theme.style(Role::Header)));
        }
        for b in bindings {
            let keys: Vec<_> = b.keys.iter().map(ToString::to_string).collect();
            out.push(row(keys.join(", "), &b.desc));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled(" commands (:, tab completes)", theme.style(Role::Header)));
    for (usage, what) in crate::app::cmdline::USAGE {
        out.push(Line::from(vec![
            Span::styled(format!(" {usage}"), theme.style(Role::Key)),
            Span::raw(format!("  {}", truncate(what, cells.saturating_sub(width(usage) + 3)))),
        ]));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(" in dialogs and inputs", theme.style(Role::Header)));
    for (k, d) in FIXED {
        out.push(row(k.to_string(), d));
    }
    out.push(Line::raw(""));
    out.push(Line::styled(" glyphs", theme.style(Role::Header)));
    out.extend(legend(theme));
    out
}

/// What each status glyph means, in its own style (drawn through the same ASCII pass as the
/// screen, so it explains whichever set is on screen).
fn legend(theme: &Theme) -> Vec<Line<'static>> {
    use crate::domain::{Health, SyncStatus};
    use crate::ui::widgets::{glyphs, health_glyph, health_role, sync_glyph, sync_role};
    let item = |g: &str, style, what: &str| [Span::styled(format!(" {g}"), style), Span::raw(format!(" {what} "))];
    let healths = [Health::Healthy, Health::Progressing, Health::Degraded, Health::Suspended, Health::Missing]
        .map(|h| item(health_glyph(h), theme.style(health_role(h)), &h.as_str().to_lowercase()));
    let mut first = vec![Span::raw(" ")];
    first.extend(healths.into_iter().flatten());
    let second = [
        item(sync_glyph(SyncStatus::Synced), theme.style(sync_role(SyncStatus::Synced)), "synced / step done"),
        item(sync_glyph(SyncStatus::OutOfSync), theme.style(sync_role(SyncStatus::OutOfSync)), "out of sync"),
        item("?", theme.style(Role::Unknown), "unknown"),
    ];
    let third = [
        item(glyphs::FAILED, theme.style(Role::Error), "failed"),
        item("⠋", theme.style(Role::Pending), "running"),
        item(glyphs::PINNED, theme.style(Role::Pinned), "pinned: auto-sync paused"),
        item(glyphs::STALE, theme.style(Role::Dim), "stale or connecting"),
    ];
    let line = |items: Vec<[Span<'static>; 2]>| {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(items.into_iter().flatten());
        Line::from(spans)
    };
    vec![Line::from(first), line(second.to_vec()), line(third.to_vec())]
}
