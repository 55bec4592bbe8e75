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
mod fixture;
#[cfg(test)]
mod tests;

use ratatui::Frame;

use crate::domain::model::Mode;
use crate::domain::Model;

pub use layout::matrix_page_rows;

/// What the views need besides the model: the theme and the effective keymap (for the hint
/// bar, help and "press U" texts).
#[derive(Clone, Debug)]
pub struct Ui {
    pub theme: theme::Theme,
    pub keymap: crate::app::Keymap,
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
        _ => {
            panes::matrix::draw(buf, areas.matrix, model, theme);
            if panes::approvals::focused(model) {
                // With the keyboard, approvals take the detail pane's whole row (room for diffs).
                let row = areas.approvals.map_or(areas.detail, |a| areas.detail.union(a));
                panes::approvals::draw(buf, row, model, theme, false);
            } else {
                let folded = areas.approvals.is_none().then(|| panes::approvals::summary(model));
                panes::detail::draw(buf, areas.detail, model, ui, folded.as_deref());
                if let Some(a) = areas.approvals {
                    panes::approvals::draw(buf, a, model, theme, true);
                }
            }
            panes::runlog::draw(buf, areas.runlog, model, theme);
        }
    }
    if !panes::footer::draw(buf, areas.bottom, model, theme) {
        match model.mode {
            Mode::Detail { .. } | Mode::Diff { .. } | Mode::Help { .. } => {
                panes::hints::draw_scrolling(buf, areas.bottom, &ui.keymap, theme)
            }
            _ => panes::hints::draw(buf, areas.bottom, &ui.keymap, theme, panes::header::writes_off_here(model)),
        }
    }
    match &model.mode {
        Mode::Help { scroll } => panes::help::draw(buf, area, &ui.keymap, theme, *scroll),
        Mode::Dialog(dialog) => panes::dialog::draw(buf, area, model, dialog, theme),
        Mode::ApprovalComment(draft) => panes::comment::draw(buf, area, draft, theme),
        _ => {}
    }
}

/// The full-width rows from `top` to `bottom` (exclusive) of `area`.
fn area_between(top: u16, bottom: u16, area: ratatui::layout::Rect) -> ratatui::layout::Rect {
    ratatui::layout::Rect::new(area.x, top, area.width, bottom.saturating_sub(top))
}
