//! The comment dialog of an approval or a rejection: a multi-line editor drawn with
//! `ratatui-textarea` from the plain lines and cursor the model keeps (the update function
//! edits them; this view only shows them), the request it is about, and the keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};
use ratatui_textarea::{CursorMove, TextArea};

use crate::domain::approvals::CommentDraft;
use crate::domain::sanitize::clean;
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{put_lines, truncate};

/// Rows of text the editor shows (it scrolls to keep the cursor in view).
const EDITOR_ROWS: u16 = 6;

pub fn draw(buf: &mut Buffer, area: Rect, draft: &CommentDraft, theme: &Theme) {
    let w = area.width.saturating_sub(6).min(80);
    let h = (EDITOR_ROWS + 7).min(area.height);
    if w < 10 || h < 6 {
        return;
    }
    let rect = Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h);
    crate::ui::widgets::popup::opaque(buf, rect);
    let verb = if draft.approve { "Approve" } else { "Reject" };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(format!(" {verb} {} ", draft.id), theme.style(Role::Title)));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let cells = usize::from(inner.width.saturating_sub(1));
    let inner = Rect { x: inner.x + 1, width: inner.width.saturating_sub(1), ..inner };
    let what = if draft.approve { "comment (optional)" } else { "why (required)" };
    let head = [
        Line::styled(truncate(&clean(&draft.summary), cells), theme.style(Role::Dim)),
        Line::styled(truncate(what, cells), theme.style(Role::Dim)),
    ];
    put_lines(buf, inner, &head);
    let editor_rows = inner.height.saturating_sub(4).min(EDITOR_ROWS);
    let editor = Rect { y: inner.y + 2, height: editor_rows, ..inner };
    textarea(draft, theme).render(editor, buf);
    let key = theme.style(Role::Key);
    let mut foot = vec![Line::from(vec![
        Span::styled("ctrl-s", key),
        Span::raw(" submit  "),
        Span::styled("enter", key),
        Span::raw(" new line  "),
        Span::styled("esc", key),
        Span::raw(" cancel"),
    ])];
    if let Some(e) = &draft.error {
        foot.insert(0, Line::styled(truncate(e, cells), theme.style(Role::Error)));
    }
    let foot_y = editor.bottom();
    let foot_area = Rect { y: foot_y, height: inner.bottom().saturating_sub(foot_y), ..inner };
    put_lines(buf, foot_area, &foot);
}

/// The editor widget for the draft's lines, with the cursor where the model says.
fn textarea(draft: &CommentDraft, theme: &Theme) -> TextArea<'static> {
    let lines: Vec<String> = draft.editor.lines.iter().map(|l| clean(l)).collect();
    let mut ta = TextArea::new(lines);
    let row = u16::try_from(draft.editor.row).unwrap_or(u16::MAX);
    let col = u16::try_from(draft.editor.col).unwrap_or(u16::MAX);
    // No soft wrap: a fresh TextArea has no screen map until its first render, and wrapped
    // rows would then scroll the first line out of view. Long lines scroll sideways instead.
    ta.set_wrap_mode(ratatui_textarea::WrapMode::None);
    ta.move_cursor(CursorMove::Jump(row, col));
    ta.set_cursor_line_style(ratatui::style::Style::default());
    ta.set_cursor_style(theme.style(Role::Selected));
    ta.set_placeholder_text(if draft.approve { "lgtm" } else { "say why" });
    ta.set_placeholder_style(theme.style(Role::Dim));
    ta.set_block(Block::default().borders(Borders::LEFT).border_style(theme.style(Role::Border)));
    ta
}
