//! Small shared pieces of the panes: status glyphs, ages and spinners, width-aware text,
//! and section rules.

pub mod glyphs;
pub mod popup;
pub mod text;

pub use glyphs::{health_glyph, health_role, sync_glyph, sync_role};
pub use popup::popup;
pub use text::{age, diff_line, pad, rule, spinner, truncate, width, wrap};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

/// Write lines top-down into `area`, each clipped to its width; lines past the bottom are cut.
pub fn put_lines(buf: &mut Buffer, area: Rect, lines: &[Line<'_>]) {
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        buf.set_line(area.x, y, line, area.width);
    }
}
