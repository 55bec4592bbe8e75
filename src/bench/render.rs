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

use super::measure::{median, percentiles, Percentiles};
use super::SCREEN;
use crate::app::{self, Key, Msg, WatchChange};
use crate::domain::{Health, Model};
use crate::ui::{self, Ui};

/// Frames drawn before timing starts (caches, first allocations).
const WARMUP_FRAMES: usize = 20;
/// Timed batches of frames (see `frame_times`).
const BATCHES: usize = 5;

fn key(s: &str) -> Option<Key> {
    Key::parse(s).ok()
}

/// Size the model's viewport to the bench screen, as the console's first `Resize` does.
fn resize(model: &mut Model, ui: &Ui) {
    let (width, height) = SCREEN;
    let page_rows = ui::matrix_page_rows(width, height);
    app::update(model, Msg::Resize { width, height, page_rows }, &ui.keymap);
}

/// Microseconds per frame: wall clock, and CPU time of the drawing thread.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameTimes {
    pub wall: Percentiles,
    pub cpu: Percentiles,
}

/// Time full-screen draws into an in-memory backend, moving the selection down one row per
/// frame (back to the top at the end), so every frame has new rows to lay out. The frames are
/// timed in `BATCHES` batches and the median of the batches' percentiles is reported, so one
/// burst of load from another process does not decide the p99.
pub fn frame_times(model: &mut Model, ui: &Ui, frames: usize) -> FrameTimes {
    resize(model, ui);
    let (w, h) = SCREEN;
    let Ok(mut term) = Terminal::new(TestBackend::new(w, h));
    let (down, top) = (key("j"), key("g"));
    let per_batch = frames.div_ceil(BATCHES).max(1);
    let mut batches: Vec<FrameTimes> = Vec::with_capacity(BATCHES);
    let mut frame = || {
        let step = if model.selected_row + 1 >= model.rows.len() { top } else { down };
        if let Some(k) = step {
            // Effects (detail loads) are not run: this measures drawing only.
            app::update(model, Msg::Key(k), &ui.keymap);
        }
        let (t, cpu) = (Instant::now(), thread_cpu_ns());
        let Ok(_) = term.draw(|f| ui::draw(f, model, ui));
        (t.elapsed().as_secs_f64() * 1e6, thread_cpu_ns().saturating_sub(cpu) as f64 / 1e3)
    };
    for _ in 0..WARMUP_FRAMES {
        frame();
    }
    for _ in 0..BATCHES {
        let (mut wall, mut on_cpu): (Vec<f64>, Vec<f64>) = (0..per_batch).map(|_| frame()).unzip();
        batches.push(FrameTimes { wall: percentiles(&mut wall), cpu: percentiles(&mut on_cpu) });
    }
    let mid = |f: fn(&FrameTimes) -> f64| median(&mut batches.iter().map(f).collect::<Vec<_>>());
    FrameTimes {
        wall: Percentiles { p50: mid(|b| b.wall.p50), p99: mid(|b| b.wall.p99) },
        cpu: Percentiles { p50: mid(|b| b.cpu.p50), p99: mid(|b| b.cpu.p99) },
    }
}

/// Nanoseconds of CPU this thread has used: unlike wall time, not inflated when the
/// scheduler preempts the thread (a loaded 2-core machine does, for milliseconds at a time).
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(ts.tv_nsec).unwrap_or(0)
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
