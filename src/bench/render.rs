//! Frame figures on a loaded model: the time of a full-screen `ui::draw` at 200×60 with the
//! selection moving through the list, and the terminal bytes written when one cell changes
//! state (the console's own `runtime::draw`, synchronized-update markers included).

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::Instant;

use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::measure::{percentiles, Percentiles};
use super::SCREEN;
use crate::app::{self, Key, Msg, WatchChange};
use crate::domain::{Health, Model};
use crate::ui::{self, Ui};

/// Frames drawn before timing starts (caches, first allocations).
const WARMUP_FRAMES: usize = 20;

fn key(s: &str) -> Option<Key> {
    Key::parse(s).ok()
}

/// Size the model's viewport to the bench screen, as the console's first `Resize` does.
fn resize(model: &mut Model, ui: &Ui) {
    let (width, height) = SCREEN;
    let page_rows = ui::matrix_page_rows(width, height);
    app::update(model, Msg::Resize { width, height, page_rows }, &ui.keymap);
}

/// Microseconds per full-screen draw into an in-memory backend, moving the selection down
/// one row per frame (back to the top at the end), so every frame has new rows to lay out.
pub fn frame_times(model: &mut Model, ui: &Ui, frames: usize) -> Percentiles {
    resize(model, ui);
    let (w, h) = SCREEN;
    let Ok(mut term) = Terminal::new(TestBackend::new(w, h));
    let (down, top) = (key("j"), key("g"));
    let mut samples = Vec::with_capacity(frames);
    for i in 0..frames + WARMUP_FRAMES {
        let step = if model.selected_row + 1 >= model.rows.len() { top } else { down };
        if let Some(k) = step {
            // Effects (detail loads) are not run: this measures drawing only.
            app::update(model, Msg::Key(k), &ui.keymap);
        }
        let t = Instant::now();
        let Ok(_) = term.draw(|f| ui::draw(f, model, ui));
        let us = t.elapsed().as_secs_f64() * 1e6;
        if i >= WARMUP_FRAMES {
            samples.push(us);
        }
    }
    percentiles(&mut samples)
}

/// Bytes the console writes to the terminal for one deployment changing health: draw a frame,
/// apply the change through the real update, draw again and count the second frame's bytes.
pub fn bytes_per_update(model: &mut Model, ui: &Ui) -> io::Result<u64> {
    resize(model, ui);
    let (w, h) = SCREEN;
    let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, h)) };
    let written = Rc::new(Cell::new(0));
    let mut term = Terminal::with_options(CrosstermBackend::new(Counter(written.clone())), options)?;
    crate::runtime::draw(&mut term, model, ui)?;
    // A visible, unselected row's first deployment.
    let first = crate::ui::panes::matrix::first_visible(model, model.page_rows.max(1));
    let target = model
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(model.page_rows.max(1))
        .filter(|(i, _)| *i != model.selected_row)
        .find_map(|(_, r)| r.cells.iter().flatten().next().cloned())
        .and_then(|k| model.deployments.get(&k).cloned());
    let Some(mut d) = target else { return Ok(0) };
    d.health = if d.health == Health::Degraded { Health::Healthy } else { Health::Degraded };
    let change =
        Msg::AppsChanged { instance: d.key.instance, changes: vec![WatchChange::Upsert(Box::new(d))], at: model.now };
    app::update(model, change, &ui.keymap);
    written.set(0);
    crate::runtime::draw(&mut term, model, ui)?;
    Ok(written.get())
}

/// A terminal that only counts the bytes written to it.
struct Counter(Rc<Cell<u64>>);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buf.len() as u64);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
