//! A centred, bordered, opaque box: every cell under it is reset first (nothing of the screen
//! behind shows through, whatever was drawn there), then the title, the lines and a footer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::ui::theme::{Role, Theme};

/// Draw `lines` in a box at most `max_width` wide (and as tall as they need, within `area`),
/// centred in `area`. Returns the box's rectangle.
pub fn popup(buf: &mut Buffer, area: Rect, title: &str, lines: &[Line<'_>], max_width: u16, theme: &Theme) -> Rect {
    let want = lines.iter().map(Line::width).max().unwrap_or(0) + 4;
    let w = u16::try_from(want).unwrap_or(u16::MAX).max(u16::try_from(title.chars().count() + 6).unwrap_or(0));
    let w = w.min(max_width).min(area.width);
    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX).min(area.height);
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    opaque(buf, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(format!(" {title} "), theme.style(Role::Title)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let inner = Rect { x: inner.x + 1, width: inner.width.saturating_sub(1), ..inner };
    super::put_lines(buf, inner, lines);
    rect
}

/// Reset every cell of `rect` and of a one-cell margin around it (so the screen's text never
/// runs into the border), and the cell left of that when it holds the first half of a wide
/// character (its second half would otherwise spill in).
pub fn opaque(buf: &mut Buffer, rect: Rect) {
    let area = buf.area;
    let x = rect.x.saturating_sub(1).max(area.x);
    let y = rect.y.saturating_sub(1).max(area.y);
    let margin = Rect::new(x, y, (rect.right() + 1).min(area.right()) - x, (rect.bottom() + 1).min(area.bottom()) - y);
    Clear.render(margin, buf);
    if margin.x > area.x {
        for row in margin.top()..margin.bottom() {
            let left = &mut buf[(margin.x - 1, row)];
            if crate::ui::widgets::width(left.symbol()) > 1 {
                left.set_symbol(" ");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::ColorDepth;

    #[test]
    fn nothing_behind_a_popup_shows_through_it_or_its_margin() {
        let area = Rect::new(0, 0, 40, 12);
        let mut buf = Buffer::empty(area);
        // A busy screen behind, with a wide character just left of where the margin starts.
        for y in 0..12 {
            buf.set_string(0, y, "x".repeat(40), ratatui::style::Style::default());
        }
        buf.set_string(13, 5, "界", ratatui::style::Style::default());
        let theme = Theme::load("default", ColorDepth::Ansi16).unwrap();
        let rect = popup(&mut buf, area, "Sync", &[Line::raw("short")], 20, &theme);
        for y in rect.y - 1..rect.bottom() + 1 {
            for x in rect.x - 1..rect.right() + 1 {
                assert_ne!(buf[(x, y)].symbol(), "x", "background at {x},{y}");
            }
        }
        assert_eq!((rect.x, buf[(13, 5)].symbol()), (15, " "), "no half of a wide character spills in");
    }
}
