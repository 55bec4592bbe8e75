//! The question before quitting would leave something behind: each reason, then the keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{popup, wrap};

pub fn draw(buf: &mut Buffer, area: Rect, reasons: &[String], theme: &Theme) {
    let cells = usize::from(area.width.saturating_sub(8).min(72));
    let mut lines = Vec::new();
    for r in reasons {
        for (i, l) in wrap(r, cells.saturating_sub(2)).into_iter().enumerate() {
            let lead = if i == 0 { "• " } else { "  " };
            lines.push(Line::styled(format!("{lead}{l}"), theme.style(Role::Warning)));
        }
    }
    lines.push(Line::raw(""));
    let key = theme.style(Role::Key);
    lines.push(Line::from(vec![
        Span::styled("y", key),
        Span::raw(" quit anyway   "),
        Span::styled("n", key),
        Span::raw("/"),
        Span::styled("esc", key),
        Span::raw(" stay"),
    ]));
    let max = u16::try_from(cells + 4).unwrap_or(area.width);
    popup(buf, area, "Quit?", &lines, max, theme);
}
