//! Interaction figures on a loaded model, each from the key to the frame that shows its
//! result (the real update, then the real `ui::draw` at the bench screen): typing a filter and
//! deleting it, and changing the sort column. The console draws a key's frame at once when no
//! frame was drawn in the last 16 ms, as when a person types, so this is the latency seen.
//! Also `status`: the real binary's `flightdeck status -o json` against the same estate.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::measure::{percentiles, Percentiles};
use super::SCREEN;
use crate::app::{self, Key, Msg};
use crate::config::Config;
use crate::domain::{ErrorKind, Failure, Model};
use crate::ui::{self, Ui};

/// Times a filter is typed and deleted again (ten keystrokes each).
const FILTER_ROUNDS: usize = 20;
/// Full cycles through the sort columns.
const SORT_CYCLES: usize = 2;

/// What the interactions measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Interaction {
    /// Keystroke → frame, over every keystroke of typing and deleting the filter.
    pub filter_keystroke_ms: Percentiles,
    /// The slowest sort change (key → frame) over every sort column.
    pub sort_change_ms: f64,
}

/// One key, through the real update, then a frame: milliseconds for both.
fn key_to_frame(model: &mut Model, ui: &Ui, term: &mut Terminal<TestBackend>, key: Key) -> f64 {
    let started = Instant::now();
    // Effects (a detail load for the new selection) are not run: the frame shows the result.
    app::update(model, Msg::Key(key), &ui.keymap);
    let Ok(_) = term.draw(|f| ui::draw(f, model, ui));
    started.elapsed().as_secs_f64() * 1e3
}

fn parse(s: &str) -> Result<Key, Failure> {
    Key::parse(s).map_err(|e| Failure::new(ErrorKind::Usage, format!("bench key {s:?}: {e}")))
}

/// Type the first five characters of a service in the middle of the list as a filter, then
/// delete them, `FILTER_ROUNDS` times; then change the sort column through every column.
pub fn interact(model: &mut Model, ui: &Ui) -> Result<Interaction, Failure> {
    let (w, h) = SCREEN;
    let Ok(mut term) = Terminal::new(TestBackend::new(w, h));
    let Ok(_) = term.draw(|f| ui::draw(f, model, ui));
    let word: String =
        model.rows.get(model.rows.len() / 2).map(|r| r.service.chars().take(5).collect()).unwrap_or_default();
    let (slash, enter, backspace) = (parse("/")?, parse("enter")?, parse("backspace")?);
    let mut typing = Vec::new();
    for _ in 0..FILTER_ROUNDS {
        key_to_frame(model, ui, &mut term, slash);
        for c in word.chars() {
            typing.push(key_to_frame(model, ui, &mut term, Key::char(c)));
        }
        for _ in word.chars() {
            typing.push(key_to_frame(model, ui, &mut term, backspace));
        }
        key_to_frame(model, ui, &mut term, enter);
    }
    let sort = parse("o")?;
    let sorts: Vec<f64> = (0..SORT_CYCLES * 4).map(|_| key_to_frame(model, ui, &mut term, sort)).collect();
    Ok(Interaction {
        filter_keystroke_ms: percentiles(&mut typing),
        sort_change_ms: sorts.into_iter().fold(0.0, f64::max),
    })
}

/// Wall time of the real binary's `flightdeck status -o json` on `cfg`'s estate (the config
/// written to a private scratch directory, which also holds the command's home and caches).
pub fn status_time(exe: &Path, cfg: &Config, scratch: &Path) -> Result<Duration, Failure> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Failure::new(ErrorKind::Unavailable, format!("bench status: {what}: {e}"))
    };
    let path = scratch.join("bench.toml");
    crate::config::write_file(&path, cfg).map_err(|e| fail("cannot write the config", &e))?;
    let started = Instant::now();
    let status = Command::new(exe)
        .args(["status", "-o", "json", "--config"])
        .arg(&path)
        .env("HOME", scratch)
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_STATE_HOME", scratch.join("state"))
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| fail("cannot run", &e))?;
    let elapsed = started.elapsed();
    if !status.success() {
        return Err(fail("failed", &status));
    }
    Ok(elapsed)
}
