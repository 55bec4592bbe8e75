//! The approvals pane, reserved: the model holds no approval requests yet (the workflow
//! engine is not wired), so it says so rather than inventing any. On narrow screens it folds
//! into a one-line summary on the detail pane's rule.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::domain::Model;
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{put_lines, rule};

/// The folded form, for the detail pane's rule.
pub fn summary(_model: &Model) -> String {
    "approvals: none".into()
}

pub fn draw(buf: &mut Buffer, area: Rect, _model: &Model, theme: &Theme) {
    if area.height == 0 || area.width < 2 {
        return;
    }
    let border = theme.style(Role::Border);
    let inner = usize::from(area.width - 1);
    let mut top = rule("Approvals (0)", None, inner, theme.style(Role::Title), border);
    top.spans.insert(0, Span::styled("┬", border));
    let mut lines = vec![top];
    let text = ["none waiting", "requests that policy holds for", "approval will appear here"];
    for y in 1..area.height {
        let body = text.get(usize::from(y) - 1).map_or(String::new(), |t| format!(" {t}"));
        lines.push(Line::from(vec![Span::styled("│", border), Span::styled(body, theme.style(Role::Dim))]));
    }
    put_lines(buf, area, &lines);
}
