//! The `:new-service` form in the action dialog: the fields (the focused one with a
//! cursor), what the creation will make (environments, how the Applications come to be),
//! then the new files as a diff once planned — the same diff-first shape as a promotion.

use ratatui::text::{Line, Span};

use crate::domain::new_service::{FormField, NewServiceForm};
use crate::domain::{Loadable, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{diff_line, rule, spinner, truncate};

/// Diff lines shown at least, however small the screen.
const MIN_DIFF_ROWS: usize = 3;

/// `Create a service in DEV, STAGING, PROD`.
pub fn title(f: &NewServiceForm) -> String {
    format!("Create a service in {}", f.envs.join(", ").to_uppercase())
}

pub fn body(out: &mut Vec<Line<'static>>, model: &Model, f: &NewServiceForm, t: &Theme, cells: usize, rows: usize) {
    let dim = t.style(Role::Dim);
    for field in FormField::ALL {
        let focused = f.focus == field;
        let label = format!("{:>9}: ", field.label());
        let role = if focused { Role::Title } else { Role::Header };
        let text = truncate(&f.field(field).text, cells.saturating_sub(label.len() + 1));
        out.push(Line::from(vec![
            Span::styled(label, t.style(role)),
            Span::raw(text),
            Span::styled(if focused { "█" } else { "" }, t.style(Role::Key)),
        ]));
    }
    out.push(Line::styled(
        truncate(&format!("templates/ of the GitOps repository · Applications via {}", f.via.name()), cells),
        dim,
    ));
    out.push(Line::raw(""));
    // Borders 2, fields 5, the note 1, blank 1, the rule 1, error 1, blank and keys 2, and
    // the screen's own header, hint bar and margins around the popup.
    let diff_rows = rows.saturating_sub(18).max(MIN_DIFF_ROWS);
    match &f.plan {
        Loadable::Ready { value, .. } => {
            let first = usize::from(f.scroll).min(value.len().saturating_sub(diff_rows));
            let shown = (first + diff_rows).min(value.len());
            let note = format!("{}–{}/{} · ↑/↓", first + 1, shown, value.len());
            out.push(rule("new files", Some(&note), cells, t.style(Role::Title), t.style(Role::Border)));
            out.extend(value.iter().skip(first).take(diff_rows).map(|l| diff_line(l, t, cells)));
        }
        Loadable::Loading { .. } => {
            out.push(Line::styled(format!("{} checking the template…", spinner(model.now)), dim));
        }
        Loadable::NotAsked | Loadable::Failed { .. } => {
            out.push(Line::styled("enter checks the template and shows the new files", dim));
        }
    }
}

#[cfg(test)]
#[path = "new_service_tests.rs"]
mod tests;
