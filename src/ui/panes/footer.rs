//! The bottom line when it is not the hint bar: the `/` filter or `:` command being typed
//! (with a cursor), or a one-line flash message.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::domain::model::Mode;
use crate::domain::Model;
use crate::ui::theme::{Role, Theme};

/// Draw the footer if there is something to show; `false` leaves the line to the hint bar.
pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) -> bool {
    let key = theme.style(Role::Key);
    let line = match &model.mode {
        Mode::Filter => Line::from(vec![
            Span::styled(" /", key),
            Span::raw(model.filter.text.clone()),
            Span::styled("█", key),
            Span::styled(format!("   {} shown · enter keep · esc clear", model.rows.len()), theme.style(Role::Dim)),
        ]),
        Mode::Command(input) => {
            let mut spans = vec![Span::styled(" :", key), Span::raw(input.text.clone()), Span::styled("█", key)];
            if model.completions.is_empty() {
                spans.push(Span::styled("   tab completes · :help", theme.style(Role::Dim)));
            } else {
                spans.push(Span::styled(format!("   {}", model.completions.join("  ")), theme.style(Role::Dim)));
            }
            Line::from(spans)
        }
        _ => match &model.flash {
            Some(f) if f.error => Line::styled(format!(" ✖ {}", f.text), theme.style(Role::Error)),
            Some(f) => Line::styled(format!(" {}", f.text), theme.style(Role::Ok)),
            None => return false,
        },
    };
    buf.set_line(area.x, area.y, &line, area.width);
    true
}
