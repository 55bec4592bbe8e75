//! One console session for the benchmark: the real loop (`runtime::drive`) with the real
//! client and update, drawing into an in-memory backend through [`BenchSurface`], which notes
//! the first frame with every app present and which storm changes each frame shows. Also the
//! floor: the same list requests, bytes plus a bare `IgnoredAny` parse, nothing else.

use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use serde::de::IgnoredAny;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use super::measure::{rss_bytes, trim_heap};
use super::storm::{self, Expect, StormFigures};
use super::{BenchOptions, SCREEN};
use crate::client::ArgoClient;
use crate::config::Config;
use crate::domain::{AppKey, ErrorKind, Failure, Health, Model};
use crate::runtime::{self, Flow, Input, Surface};
use crate::ui::Ui;

/// The longest the bench waits for a first full frame or for the watches to open.
const LOAD_TIMEOUT: Duration = Duration::from_secs(180);
/// Quiet time after a storm before idle frames are counted (last events, detail reloads).
const SETTLE: Duration = Duration::from_secs(1);

/// What the surface tells the driver.
#[derive(Debug)]
pub enum Note {
    /// The first frame with every app present, and every app's key and health (for the storm).
    FirstFull(Vec<(AppKey, Health)>),
    /// A frame was drawn; `changed` when any cell differs from the frame before (a frame
    /// that changes nothing writes no bytes to a real terminal).
    Frame { changed: bool },
}

/// An in-memory screen that observes the frames the loop draws.
pub struct BenchSurface {
    term: Terminal<TestBackend>,
    /// The screen as last drawn, to tell frames that change something.
    previous: Buffer,
    changed: bool,
    expected_apps: usize,
    started: Instant,
    stop_at_first_full: bool,
    pub first_full: Option<Duration>,
    /// Resident bytes of the whole process at the first full frame (full sessions only).
    pub rss_at_first_full: u64,
    notes: UnboundedSender<Note>,
    expect: UnboundedReceiver<Expect>,
    pending: Vec<Expect>,
    /// (storm sequence number, when the frame first showing it was drawn).
    pub seen: Vec<(u64, Instant)>,
}

impl Surface for BenchSurface {
    fn size(&mut self) -> io::Result<(u16, u16)> {
        Ok(SCREEN)
    }
    fn draw(&mut self, model: &Model, ui: &Ui) -> io::Result<()> {
        let Ok(_) = self.term.draw(|f| crate::ui::draw(f, model, ui));
        let now = self.term.backend().buffer();
        self.changed = *now != self.previous;
        if self.changed {
            self.previous = now.clone();
        }
        Ok(())
    }
    fn drawn(&mut self, model: &Model) -> Flow {
        let at = Instant::now();
        if self.first_full.is_none()
            && model.deployments.len() >= self.expected_apps
            && model.instances.iter().all(|i| i.last_update.is_some())
        {
            self.first_full = Some(at - self.started);
            if self.stop_at_first_full {
                return Flow::Stop;
            }
            // Memory after load, before the bench itself allocates the storm's key list.
            trim_heap();
            self.rss_at_first_full = rss_bytes();
            let apps = model.deployments.iter().map(|(k, d)| (k.clone(), d.health)).collect();
            let _ = self.notes.send(Note::FirstFull(apps));
        } else {
            let _ = self.notes.send(Note::Frame { changed: self.changed });
        }
        while let Ok(e) = self.expect.try_recv() {
            self.pending.push(e);
        }
        // A change is shown when its app shows its health; earlier changes of the same app
        // were superseded by it and count as shown by the same frame.
        let mut shown: HashMap<&AppKey, u64> = HashMap::new();
        for (key, seq, health) in &self.pending {
            if model.deployments.get(key).is_some_and(|d| d.health == *health) {
                let s = shown.entry(key).or_default();
                *s = (*s).max(*seq);
            }
        }
        let done: Vec<usize> = (0..self.pending.len())
            .filter(|i| {
                let (key, seq, _) = &self.pending[*i];
                shown.get(key).is_some_and(|s| seq <= s)
            })
            .collect();
        for i in done.into_iter().rev() {
            let (_, seq, _) = self.pending.swap_remove(i);
            self.seen.push((seq, at));
        }
        Flow::Continue
    }
}

/// Clients for every instance, built before any timer starts (TLS roots, pools), as the
/// console builds them before its loop.
fn clients(cfg: &Config) -> Result<Vec<ArgoClient>, Failure> {
    cfg.instances.iter().map(ArgoClient::new).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_failure())
}

/// The floor: every instance's list in parallel, body to bytes and an `IgnoredAny` parse.
/// Returns the wall time and the body bytes.
pub async fn floor(cfg: &Config) -> Result<(Duration, u64), Failure> {
    let clients: Vec<ArgoClient> = clients(cfg)?.into_iter().enumerate().map(|(i, c)| c.with_instance(i)).collect();
    let started = Instant::now();
    let results = join_all(clients.iter().map(|c| async move {
        let body = c.list_body().await.map_err(|e| e.to_failure())?;
        serde_json::from_slice::<IgnoredAny>(&body)
            .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("floor parse: {e}")))?;
        Ok::<u64, Failure>(body.len() as u64)
    }))
    .await;
    let elapsed = started.elapsed();
    let mut bytes = 0;
    for r in results {
        bytes += r?;
    }
    Ok((elapsed, bytes))
}

/// What one console session measured.
pub struct Outcome {
    pub first_frame: Duration,
    pub model: Model,
    pub storm: StormFigures,
    /// Frames drawn in the idle window, and how many of them changed any cell.
    pub idle_frames: (u64, u64),
    pub rss_total: u64,
}

fn stalled(what: &str) -> Failure {
    Failure::new(ErrorKind::Timeout, format!("bench: {what} did not happen within {}s", LOAD_TIMEOUT.as_secs()))
}

/// Run the console loop until the first full frame; with `full`, go on: resident memory,
/// a storm, a quiet settle, and the idle window, then stop the loop.
pub async fn console(
    cfg: &Config,
    ui: &Ui,
    sim: &flightdeck_sim::Sim,
    apps: usize,
    full: Option<&BenchOptions>,
) -> Result<Outcome, Failure> {
    let clients = clients(cfg)?;
    let model = crate::session::model_from(cfg);
    // The approvals poll runs as in any console on this estate (its remote is the simulator's).
    let governance = crate::session::governance(cfg, None, Default::default())?;
    let (notes_tx, mut notes) = mpsc::unbounded_channel();
    let (expect_tx, expect_rx) = mpsc::unbounded_channel();
    let (input_tx, input_rx) = mpsc::unbounded_channel::<io::Result<Input>>();
    let input =
        Box::pin(futures_util::stream::unfold(input_rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) }));
    let (w, h) = SCREEN;
    let Ok(term) = Terminal::new(TestBackend::new(w, h));
    let mut surface = BenchSurface {
        term,
        previous: Buffer::default(),
        changed: false,
        expected_apps: apps,
        started: Instant::now(),
        stop_at_first_full: full.is_none(),
        first_full: None,
        rss_at_first_full: 0,
        notes: notes_tx,
        expect: expect_rx,
        pending: Vec::new(),
        seen: Vec::new(),
    };
    let failed = |e: anyhow::Error| Failure::new(ErrorKind::Unavailable, format!("bench console: {e:#}"));
    let Some(opts) = full else {
        let run = runtime::drive(model, ui, clients, governance.clone(), &mut surface, input);
        let model = tokio::time::timeout(LOAD_TIMEOUT, run).await.map_err(|_| stalled("a first full frame"))?;
        let model = model.map_err(failed)?;
        let first_frame = surface.first_full.ok_or_else(|| stalled("a first full frame"))?;
        return Ok(Outcome { first_frame, model, storm: StormFigures::default(), idle_frames: (0, 0), rss_total: 0 });
    };
    let driver = async {
        let keys = loop {
            match notes.recv().await {
                Some(Note::FirstFull(keys)) => break keys,
                Some(Note::Frame { .. }) => {}
                None => return Err(stalled("a first full frame")),
            }
        };
        for i in 0..cfg.instances.len() {
            // Changes made before a watch is open would be missed (it starts at the list's rv).
            tokio::time::timeout(LOAD_TIMEOUT, sim.wait_watchers(i, 1)).await.map_err(|_| stalled("a watch"))?;
        }
        let sent = storm::run(sim, keys, opts.storm_events_per_sec, opts.storm, &expect_tx).await;
        tokio::time::sleep(SETTLE).await;
        while notes.try_recv().is_ok() {}
        tokio::time::sleep(opts.idle).await;
        let mut idle_frames = (0, 0);
        while let Ok(note) = notes.try_recv() {
            if let Note::Frame { changed } = note {
                idle_frames.0 += 1;
                idle_frames.1 += u64::from(changed);
            }
        }
        let _ = input_tx.send(Ok(Input::Stop));
        Ok((sent, idle_frames))
    };
    let (model, sent, idle_frames) = {
        let run = runtime::drive(model, ui, clients, governance.clone(), &mut surface, input);
        tokio::pin!(run);
        let (sent, idle_frames) = tokio::select! {
            r = &mut run => {
                return Err(match r {
                    Ok(_) => Failure::new(ErrorKind::Unavailable, "bench: the console loop ended early"),
                    Err(e) => failed(e),
                })
            }
            d = driver => d?,
        };
        (run.await.map_err(failed)?, sent, idle_frames)
    };
    let first_frame = surface.first_full.ok_or_else(|| stalled("a first full frame"))?;
    let storm = sent.figures(&surface.seen);
    Ok(Outcome { first_frame, model, storm, idle_frames, rss_total: surface.rss_at_first_full })
}
