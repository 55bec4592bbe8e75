//! The services × environments matrix: one row per service, one cell per environment with
//! health glyph and word, version and sync state. Columns collapse on narrow terminals
//! (sync word, then TEAM, then the health word); glyphs always stay; when even then not every
//! environment fits, the columns scroll sideways with the selection (`‹ 2`, `1 ›` say what is
//! off screen). Only the visible rows are laid out, and widths come from kept stats, so a frame
//! costs the same at any estate size.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::model::{MatrixStats, VERSION_CELLS_MAX};
use crate::domain::{ConnState, Deployment, Model, OpPhase, ServiceRow, SyncStatus};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{age, glyphs, health_glyph, health_role, pad, spinner, sync_glyph, sync_role, truncate};

/// Widest health word ("Progressing") plus a space.
const HEALTH_WORD_CELLS: usize = 12;
/// " OutOfSync".
const SYNC_WORD_CELLS: usize = 10;

/// Which optional columns are shown, and which environments.
#[derive(Clone, Copy, Debug)]
struct Cols {
    team: bool,
    health_word: bool,
    sync_word: bool,
    /// The environment columns shown: `first..first + shown`.
    first: usize,
    shown: usize,
}

/// Widths of the variable columns.
struct Widths {
    service: usize,
    team: usize,
    version: usize,
}

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let w = measure(model);
    let cols = choose_cols(&w, model.envs.len(), usize::from(area.width), model.selected_col);
    let page = usize::from(area.height.saturating_sub(1)).max(1);
    let first = first_visible(model, page);
    let mut lines = vec![title_line(model, theme, &w, cols, first, page)];
    if model.deployments.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(format!("  {}", empty_text(model)), theme.style(Role::Dim)));
    } else if model.rows.is_empty() {
        lines.push(Line::styled(format!("  no service matches /{}", model.filter.text), theme.style(Role::Dim)));
    }
    for (i, row) in model.rows.iter().enumerate().skip(first).take(page) {
        lines.push(row_line(model, theme, &w, cols, row, i == model.selected_row));
    }
    crate::ui::widgets::put_lines(buf, area, &lines);
}

/// The first row shown: `model.scroll`, clamped so the selected row is always visible.
pub fn first_visible(model: &Model, page: usize) -> usize {
    let mut first = model.scroll.min(model.rows.len().saturating_sub(page));
    if model.selected_row < first {
        first = model.selected_row;
    } else if model.selected_row >= first + page {
        first = model.selected_row + 1 - page;
    }
    first
}

fn empty_text(model: &Model) -> String {
    let waiting = model.instances.is_empty()
        || model.instances.iter().any(|i| !matches!(i.conn, ConnState::Live | ConnState::Failed(_)));
    if waiting {
        format!("{} connecting… no applications yet", spinner(model.now))
    } else {
        "no applications found on the configured instances".into()
    }
}

/// Column widths from the stats the update function keeps: O(1) per frame whatever the
/// estate's size (a hand-built model without stats is measured in full).
fn measure(model: &Model) -> Widths {
    let computed;
    let stats = match &model.stats {
        Some(s) => s,
        None => {
            computed = MatrixStats::of(model);
            &computed
        }
    };
    Widths {
        service: stats.service_width.clamp(7, 24),
        team: stats.team_width.clamp(4, 12),
        version: stats.version_width().clamp(5, VERSION_CELLS_MAX),
    }
}

fn cell_width(w: &Widths, cols: Cols) -> usize {
    // glyph + space, [word], version + space, sync glyph, pin marker, [sync word], gap
    2 + if cols.health_word { HEALTH_WORD_CELLS } else { 0 }
        + w.version
        + 1
        + 3
        + if cols.sync_word { SYNC_WORD_CELLS } else { 0 }
        + 2
}

fn row_width(w: &Widths, cols: Cols, envs: usize) -> usize {
    1 + w.service + 1 + if cols.team { w.team + 1 } else { 0 } + envs * cell_width(w, cols)
}

/// The richest columns that fit every environment; else the tersest, with as many
/// environments as fit around the selected one (room kept for the `‹ n` / `n ›` marks).
fn choose_cols(w: &Widths, envs: usize, cells: usize, selected: usize) -> Cols {
    let all = |team, health_word, sync_word| Cols { team, health_word, sync_word, first: 0, shown: envs };
    let levels = [all(true, true, true), all(true, true, false), all(false, true, false), all(false, false, false)];
    let has_team = w.team > 0;
    if let Some(c) =
        levels.into_iter().map(|c| Cols { team: c.team && has_team, ..c }).find(|c| row_width(w, *c, envs) <= cells)
    {
        return c;
    }
    let tight = levels[levels.len() - 1];
    let prefix = row_width(w, tight, 0) + SCROLL_MARKS;
    let shown = (cells.saturating_sub(prefix) / cell_width(w, tight)).clamp(1, envs.max(1));
    let first = (selected + 1).saturating_sub(shown).min(envs.saturating_sub(shown));
    Cols { first, shown, ..tight }
}

/// Room for `‹ n ` before the columns and ` n ›` after them.
const SCROLL_MARKS: usize = 8;

fn title_line(model: &Model, theme: &Theme, w: &Widths, cols: Cols, first: usize, page: usize) -> Line<'static> {
    let h = theme.style(Role::Header);
    let mut spans = vec![Span::styled(format!(" {} ", pad("SERVICE", w.service)), h)];
    if cols.team {
        spans.push(Span::styled(format!("{} ", pad("TEAM", w.team)), h));
    }
    let n = model.envs.len();
    let end = cols.first + cols.shown;
    if end - cols.first < n {
        let before = if cols.first > 0 { format!("‹ {} ", cols.first) } else { String::new() };
        spans.push(Span::styled(pad(&before, 4), theme.style(Role::Key)));
    }
    for (i, env) in model.envs.iter().enumerate().take(end).skip(cols.first) {
        // The last header is not padded, so the position indicator fits beside it.
        let text = if i + 1 == end { env.clone() } else { pad(env, cell_width(w, cols)) };
        spans.push(Span::styled(text, h));
    }
    if end < n {
        spans.push(Span::styled(format!("  {} ›", n - end), theme.style(Role::Key)));
    }
    // What shapes the list, after the columns: never cut by a narrow SERVICE column.
    if !model.filter.text.is_empty() {
        spans.push(Span::styled(format!("  /{}", model.filter.text), theme.style(Role::Key)));
    }
    if model.sort != crate::domain::model::SortMode::Name {
        spans.push(Span::styled(format!("  by {}", model.sort.describe(&model.envs)), theme.style(Role::Dim)));
    }
    if !model.marks.is_empty() {
        spans.push(Span::styled(format!("  {} {} marked", glyphs::MARK, model.marks.len()), theme.style(Role::Key)));
    }
    if model.rows.len() > page {
        let last = (first + page).min(model.rows.len());
        spans.push(Span::styled(format!("  {}–{}/{}", first + 1, last, model.rows.len()), theme.style(Role::Dim)));
    }
    Line::from(spans)
}

fn row_line(model: &Model, theme: &Theme, w: &Widths, cols: Cols, row: &ServiceRow, selected: bool) -> Line<'static> {
    let marked = row.cells.iter().flatten().any(|k| model.marks.contains(k));
    let marker = match (selected, marked) {
        (true, _) => Span::styled(">", theme.style(Role::Key)),
        (false, true) => Span::styled(glyphs::MARK, theme.style(Role::Key)),
        (false, false) => Span::raw(" "),
    };
    let name_style = if selected { theme.style(Role::Header) } else { Style::default() };
    let mut spans = vec![marker, Span::styled(format!("{} ", pad(&row.service, w.service)), name_style)];
    if cols.team {
        spans
            .push(Span::styled(format!("{} ", pad(row.team.as_deref().unwrap_or(""), w.team)), theme.style(Role::Dim)));
    }
    if cols.shown < model.envs.len() {
        spans.push(Span::raw("    "));
    }
    for (col, env_cell) in row.cells.iter().enumerate().take(cols.first + cols.shown).skip(cols.first) {
        let dep = env_cell.as_ref().and_then(|k| model.deployments.get(k));
        let pinned = env_cell.as_ref().is_some_and(|k| model.pinned.contains(k));
        let marked = env_cell.as_ref().is_some_and(|k| model.marks.contains(k));
        let mut cell = match dep {
            Some(d) => cell_spans(model, theme, w, cols, d, pinned, marked),
            None => vec![Span::styled(pad("·", cell_width(w, cols) - 2), theme.style(Role::Dim))],
        };
        if selected && col == model.selected_col {
            let sel = theme.style(Role::Selected);
            // The trailing gap stays unhighlighted so neighbouring cells read apart.
            for s in &mut cell {
                s.style = s.style.patch(sel);
            }
        }
        spans.extend(cell);
        spans.push(Span::raw("  "));
    }
    Line::from(spans)
}

/// `● Healthy     v1.3.0 ✓ ⚑ OutOfSync`, without the trailing gap.
fn cell_spans(
    model: &Model,
    theme: &Theme,
    w: &Widths,
    cols: Cols,
    d: &Deployment,
    pinned: bool,
    marked: bool,
) -> Vec<Span<'static>> {
    if let Some(since) = model.stale_since(d.key.instance) {
        return stale_spans(model, theme, w, cols, d, since);
    }
    let hs = theme.style(health_role(d.health));
    let mut spans = vec![Span::styled(format!("{} ", health_glyph(d.health)), hs)];
    if cols.health_word {
        spans.push(Span::styled(pad(d.health_word(), HEALTH_WORD_CELLS), hs));
    }
    spans.push(Span::raw(format!("{} ", pad(&d.version(), w.version))));
    let running = matches!(d.operation, Some(OpPhase::Running | OpPhase::Terminating));
    let sync = if running {
        Span::styled(spinner(model.now), theme.style(Role::Pending))
    } else {
        Span::styled(sync_glyph(d.sync), theme.style(sync_role(d.sync)))
    };
    spans.push(sync);
    // The two cells after the sync glyph: a mark, then the pin.
    spans.push(if marked { Span::styled(glyphs::MARK, theme.style(Role::Key)) } else { Span::raw(" ") });
    spans.push(if pinned { Span::styled(glyphs::PINNED, theme.style(Role::Pinned)) } else { Span::raw(" ") });
    if cols.sync_word {
        let word =
            if d.sync == SyncStatus::Synced { String::new() } else { truncate(d.sync_word(), SYNC_WORD_CELLS - 1) };
        spans.push(Span::styled(format!(" {}", pad(&word, SYNC_WORD_CELLS - 1)), theme.style(sync_role(d.sync))));
    }
    spans
}

/// A cell whose instance's stream is down: never its health as if live, but dimmed, with how
/// long it has been stale (`◌ stale 35s   v1.3.0 ?`); the version is the last one known.
fn stale_spans(
    model: &Model,
    theme: &Theme,
    w: &Widths,
    cols: Cols,
    d: &Deployment,
    since: chrono::DateTime<chrono::Utc>,
) -> Vec<Span<'static>> {
    let dim = theme.style(Role::Dim);
    let mut text = format!("{} ", glyphs::STALE);
    if cols.health_word {
        text.push_str(&pad(&format!("stale {}", age(model.now, since)), HEALTH_WORD_CELLS));
    }
    text.push_str(&format!("{} ? ", pad(&d.version(), w.version)));
    text.push(' ');
    if cols.sync_word {
        text.push_str(&format!(" {}", pad("", SYNC_WORD_CELLS - 1)));
    }
    vec![Span::styled(text, dim)]
}
