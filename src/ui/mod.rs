//! Views: draw the one [`Model`] into a ratatui frame, reading only — no I/O, no client.
//! `layout` places the panes, `panes/` draws each, `widgets/` holds shared glyphs and text
//! helpers, `theme` maps semantic roles to styles at the terminal's colour depth.

pub mod layout;
pub mod panes;
pub mod theme;
pub mod widgets;

#[cfg(test)]
mod approvals_tests;
#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod fixture;
#[cfg(test)]
mod incident_tests;
#[cfg(test)]
mod tests;

use ratatui::Frame;

use crate::app::KeyContext;
use crate::domain::model::Mode;
use crate::domain::Model;

pub use layout::matrix_page_rows;

/// What the views need besides the model: the theme and the effective keymap (for the hint
/// bar, help and "press U" texts).
#[derive(Clone, Debug)]
pub struct Ui {
    pub theme: theme::Theme,
    pub keymap: crate::app::Keymap,
    /// Draw with ASCII only (`widgets::glyphs::ascii_wanted`): every frame's symbols are
    /// replaced by their ASCII stand-ins after drawing.
    pub ascii: bool,
}

/// Draw the whole screen for `model`.
pub fn draw(frame: &mut Frame, model: &Model, ui: &Ui) {
    let area = frame.area();
    let areas = layout::compute(area, Some(model.rows.len()));
    let buf = frame.buffer_mut();
    let theme = &ui.theme;
    panes::header::draw(buf, areas.header, model, theme);
    match &model.mode {
        Mode::Detail { scroll } => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::fullscreen::draw(buf, body, model, ui, panes::fullscreen::View::Detail, *scroll);
        }
        Mode::Diff { scroll } => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::fullscreen::draw(buf, body, model, ui, panes::fullscreen::View::Diff, *scroll);
        }
        Mode::Logs => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::logs::draw(buf, body, model, theme);
        }
        Mode::History => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::history::draw(buf, body, model, ui);
        }
        Mode::Delivery => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::delivery::draw(buf, body, model, theme);
        }
        Mode::Manifest => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::history::draw_manifest(buf, body, model, ui);
        }
        Mode::Attention => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            let list = crate::domain::attention::queue(model);
            panes::attention::draw(buf, body, model, ui, &list);
        }
        Mode::RunLog { back } => {
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::runlog::draw_full(buf, body, model, theme, *back);
        }
        Mode::Approvals | Mode::ApprovalComment(_) => {
            // With the keyboard, approvals take the screen: room for the whole request.
            let body = area_between(areas.header.bottom(), areas.bottom.y, area);
            panes::approvals::draw_view(buf, body, model, theme);
        }
        _ => {
            panes::matrix::draw(buf, areas.matrix, model, theme);
            let folded = areas.approvals.is_none().then(|| panes::approvals::summary(model));
            panes::detail::draw(buf, areas.detail, model, ui, folded.as_deref());
            if let Some(a) = areas.approvals {
                panes::approvals::draw(buf, a, model, theme);
            }
            panes::runlog::draw(buf, areas.runlog, model, theme);
        }
    }
    if !panes::footer::draw(buf, areas.bottom, model, theme) {
        match model.mode {
            Mode::Detail { .. } | Mode::Diff { .. } | Mode::Help { .. } | Mode::RunLog { .. } | Mode::Attention => {
                panes::hints::draw_scrolling(buf, areas.bottom, &ui.keymap, theme)
            }
            Mode::Approvals => panes::hints::draw_view(buf, areas.bottom, &ui.keymap, KeyContext::Approvals, theme),
            Mode::Logs => panes::hints::draw_view(buf, areas.bottom, &ui.keymap, KeyContext::Logs, theme),
            Mode::Delivery => panes::hints::draw_view(buf, areas.bottom, &ui.keymap, KeyContext::Delivery, theme),
            Mode::History => {
                use crate::app::Command as C;
                let items: [(&[C], &str); 5] = [
                    (&[C::Down, C::Up], "select"),
                    (&[C::Mark], "mark to diff against"),
                    (&[C::Rollback], "roll back to it"),
                    (&[C::PageDown, C::PageUp], "scroll the diff"),
                    (&[C::Back], "back"),
                ];
                panes::hints::draw_keys(buf, areas.bottom, &ui.keymap, &items, theme)
            }
            Mode::Manifest => {
                use crate::app::Command as C;
                let items: [(&[C], &str); 3] =
                    [(&[C::Down, C::Up], "resource"), (&[C::PageDown, C::PageUp], "scroll"), (&[C::Back], "back")];
                panes::hints::draw_keys(buf, areas.bottom, &ui.keymap, &items, theme)
            }
            _ => panes::hints::draw(buf, areas.bottom, &ui.keymap, theme, panes::header::writes_off_here(model)),
        }
    }
    match &model.mode {
        Mode::Help { scroll } => panes::help::draw(buf, area, model, &ui.keymap, theme, *scroll),
        Mode::Dialog(dialog) => panes::dialog::draw(buf, area, model, dialog, theme),
        Mode::ApprovalComment(draft) => panes::comment::draw(buf, area, draft, theme),
        Mode::ConfirmQuit { reasons } => panes::quit::draw(buf, area, reasons, theme),
        _ => {}
    }
    if ui.ascii {
        widgets::glyphs::to_ascii(frame.buffer_mut());
    }
}

/// The full-width rows from `top` to `bottom` (exclusive) of `area`.
fn area_between(top: u16, bottom: u16, area: ratatui::layout::Rect) -> ratatui::layout::Rect {
    ratatui::layout::Rect::new(area.x, top, area.width, bottom.saturating_sub(top))
}
