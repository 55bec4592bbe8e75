//! Full-screen views of the selection: the whole detail (`Mode::Detail`) and the diff of live
//! vs desired (`Mode::Diff`), both scrollable, both keeping the last value while refreshing.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::domain::{Loadable, Model};
use crate::ui::panes::detail;
use crate::ui::theme::Role;
use crate::ui::widgets::{age, put_lines, rule, spinner};
use crate::ui::Ui;

/// What the full screen shows.
#[derive(Clone, Copy)]
pub enum View {
    Detail,
    Diff,
}

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, ui: &Ui, view: View, scroll: u16) {
    if area.height == 0 {
        return;
    }
    let t = &ui.theme;
    let cells = usize::from(area.width);
    let (name, state) = detail::title(model);
    let (title, body, state) = match view {
        View::Detail => (name, detail::body(model, ui, false, cells), state),
        View::Diff => {
            let (body, state) = diff_body(model, ui, cells);
            (format!("diff · {name} · live → desired"), body, state)
        }
    };
    let visible = usize::from(area.height - 1);
    let first = usize::from(scroll).min(body.len().saturating_sub(visible));
    let more =
        (body.len() > visible).then(|| format!("{}–{}/{}", first + 1, (first + visible).min(body.len()), body.len()));
    let note = match (state, more) {
        (Some(s), Some(m)) => Some(format!("{s} ─ {m}")),
        (s, m) => s.or(m),
    };
    let mut lines = vec![rule(&title, note.as_deref(), cells, t.style(Role::Title), t.style(Role::Border))];
    lines.extend(body.into_iter().skip(first));
    put_lines(buf, area, &lines);
}

fn diff_body(model: &Model, ui: &Ui, cells: usize) -> (Vec<Line<'static>>, Option<String>) {
    let t = &ui.theme;
    let ds = model.selected_key().and_then(|k| model.detail.as_ref().filter(|d| &d.key == k));
    let Some(ds) = ds else {
        return (vec![Line::styled("  no deployment selected", t.style(Role::Dim))], None);
    };
    let state = match &ds.diff {
        Loadable::Loading { stale: Some((_, at)) } => Some(format!("(refreshing, {} old)", age(model.now, *at))),
        Loadable::Failed { stale: Some((_, at)), .. } => Some(format!("(refresh failed, {} old)", age(model.now, *at))),
        _ => None,
    };
    let mut out = Vec::new();
    if let Some(f) = ds.diff.failure() {
        out.push(Line::styled(format!("✖ {f}"), t.style(Role::Error)));
    }
    match ds.diff.value() {
        Some(d) if d.is_empty() => out.push(Line::styled("  no differences: live matches desired", t.style(Role::Ok))),
        Some(d) => out.extend(detail::diff_lines(ui, d, cells)),
        None if ds.diff.failure().is_none() => {
            out.push(Line::styled(format!("{} computing diff…", spinner(model.now)), t.style(Role::Dim)))
        }
        None => {}
    }
    (out, state)
}
