//! `flightdeck bench`: fleet-scale figures measured on the real code paths. For each estate
//! size it starts the simulator in-process (N apps over 3 instances, calm, manual clock), then
//! measures the floor (the client's own list requests, bytes + an `IgnoredAny` parse), the
//! console loop's first full frame (real client, real update, real `ui::draw` on an in-memory
//! backend), a watch storm's event → frame latency, idle frames, resident memory, frame cost at
//! 200×60 and the terminal bytes one changed cell costs.
//!
//! `run` drives the phases, `session` runs the console loop on a [`session::BenchSurface`],
//! `storm` generates the events, `render` times frames, `measure` holds percentiles and RSS.

pub mod conductor;
pub mod interact;
pub mod measure;
pub mod render;
pub mod session;
pub mod storm;

use std::os::unix::fs::DirBuilderExt;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::Config;
use crate::domain::{ErrorKind, Failure};
use crate::ui::theme::{ColorDepth, Theme};
use crate::ui::Ui;
use measure::{median, rss_bytes, trim_heap, MIB};

/// Environments (= simulated instances) the apps are spread over.
pub const ENVS: [&str; 3] = ["dev", "staging", "prod"];
/// The screen the frame figures are measured at.
pub const SCREEN: (u16, u16) = (200, 60);

/// What to run.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Estate sizes (total apps over all instances).
    pub apps: Vec<usize>,
    /// Alternating floor / first-frame rounds per size (medians are reported).
    pub rounds: usize,
    pub storm_events_per_sec: u32,
    pub storm: Duration,
    pub idle: Duration,
    /// Frames rendered for the frame-time percentiles.
    pub frames: usize,
    /// The `flightdeck` binary `status` is timed with (this one in the CLI; a test's
    /// binary is not it).
    pub binary: Option<std::path::PathBuf>,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            apps: vec![1_000, 10_000, 50_000],
            rounds: 3,
            storm_events_per_sec: 500,
            storm: Duration::from_secs(20),
            idle: Duration::from_secs(10),
            frames: 1_000,
            binary: std::env::current_exe().ok(),
        }
    }
}

/// The figures of one estate size (the keys of `--json`).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Figures {
    pub apps: usize,
    pub floor_ms: f64,
    pub first_frame_ms: f64,
    pub first_frame_ratio: f64,
    pub frame_us_p50: f64,
    pub frame_us_p99: f64,
    pub event_to_frame_ms_p50: f64,
    pub event_to_frame_ms_p99: f64,
    pub idle_frames_10s: u64,
    /// Of those idle frames, how many changed any cell (the others write nothing to a terminal).
    pub idle_frames_changed_10s: u64,
    pub rss_mb: f64,
    pub bytes_per_update: u64,
    /// The same frames in CPU time of the drawing thread (no preemption by other processes).
    pub frame_cpu_us_p50: f64,
    pub frame_cpu_us_p99: f64,
    /// Resident memory of the whole process after load, simulator included.
    pub rss_total_mb: f64,
    /// The simulator's share: resident growth from starting it (with its estate).
    pub sim_rss_mb: f64,
    /// Storm events sent, and how many no frame ever showed (should be 0).
    pub events_sent: u64,
    pub events_unseen: u64,
    /// Bytes of the list bodies (decompressed), all instances.
    pub list_bytes: u64,
    /// Keystroke → frame while typing a 5-character filter and deleting it.
    pub filter_keystroke_ms_p50: f64,
    pub filter_keystroke_ms_p99: f64,
    /// The slowest change of the sort column, key → frame.
    pub sort_change_ms: f64,
    /// `flightdeck status -o json` (the real binary) wall time, and over the floor.
    pub status_ms: f64,
    pub status_ratio: f64,
}

/// The console's look: default theme in true colour, built-in keymap.
pub fn bench_ui() -> Result<Ui, Failure> {
    let theme = Theme::load("default", ColorDepth::TrueColor).map_err(|e| Failure::new(ErrorKind::Usage, e))?;
    Ok(Ui { theme, keymap: crate::config::keymap::builtin(), ascii: false })
}

/// Run every size in order; `progress` hears one line per phase (stderr in the CLI).
pub async fn run(opts: &BenchOptions, progress: &mut dyn FnMut(&str)) -> Result<Vec<Figures>, Failure> {
    let ui = bench_ui()?;
    let mut all = Vec::new();
    for &n in &opts.apps {
        all.push(one_size(opts, n, &ui, progress).await?);
    }
    Ok(all)
}

async fn one_size(opts: &BenchOptions, n: usize, ui: &Ui, progress: &mut dyn FnMut(&str)) -> Result<Figures, Failure> {
    let services = n.div_ceil(ENVS.len()).max(1);
    trim_heap();
    let rss_before = rss_bytes();
    let sim_opts = flightdeck_sim::SimOptions {
        services,
        seed: 7,
        envs: ENVS.iter().map(|e| e.to_string()).collect(),
        clock: flightdeck_sim::SimClock::Manual,
        chaos: false,
        ..Default::default()
    };
    let started = Instant::now();
    let sim = flightdeck_sim::Sim::start(sim_opts)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("cannot start the simulator: {e}")))?;
    trim_heap();
    let sim_rss = rss_bytes().saturating_sub(rss_before);
    let cfg: Config = crate::session::config_for_sim(&sim);
    let apps: usize = (0..ENVS.len()).map(|i| sim.app_names(i).len()).sum();
    progress(&format!("{apps} apps: simulator up in {:.1}s", started.elapsed().as_secs_f64()));

    let scratch = Scratch::new()?;
    let mut floors = Vec::new();
    let mut firsts = Vec::new();
    let mut statuses = Vec::new();
    let mut list_bytes = 0;
    let rounds = opts.rounds.max(1);
    let mut last = None;
    for round in 0..rounds {
        let (floor, bytes) = session::floor(&cfg).await?;
        floors.push(floor.as_secs_f64() * 1000.0);
        list_bytes = bytes;
        let binary = opts
            .binary
            .as_deref()
            .ok_or_else(|| Failure::new(ErrorKind::Usage, "bench: no binary to time status with"))?;
        statuses.push(interact::status_time(binary, &cfg, &scratch.0)?.as_secs_f64() * 1000.0);
        let full = round + 1 == rounds;
        let out = session::console(&cfg, ui, &sim, apps, full.then_some(opts)).await?;
        firsts.push(out.first_frame.as_secs_f64() * 1000.0);
        progress(&format!(
            "{apps} apps: round {}: floor {:.1} ms, first frame {:.1} ms, status {:.1} ms",
            round + 1,
            floors[round],
            firsts[round],
            statuses[round]
        ));
        if full {
            last = Some(out);
        }
    }
    let out = last.ok_or_else(|| Failure::new(ErrorKind::Unavailable, "no full round ran"))?;
    let mut model = out.model;
    let frame = render::frame_times(&mut model, ui, opts.frames);
    let bytes_per_update = render::bytes_per_update(&mut model, ui).map_err(io_failure)?;
    let interaction = interact::interact(&mut model, ui)?;
    sim.shutdown().await;

    let floor_ms = median(&mut floors);
    let first_frame_ms = median(&mut firsts);
    let status_ms = median(&mut statuses);
    let storm = &out.storm;
    let figures = Figures {
        apps,
        floor_ms,
        first_frame_ms,
        first_frame_ratio: if floor_ms > 0.0 { first_frame_ms / floor_ms } else { 0.0 },
        frame_us_p50: frame.wall.p50,
        frame_us_p99: frame.wall.p99,
        frame_cpu_us_p50: frame.cpu.p50,
        frame_cpu_us_p99: frame.cpu.p99,
        event_to_frame_ms_p50: storm.latency_ms.p50,
        event_to_frame_ms_p99: storm.latency_ms.p99,
        idle_frames_10s: out.idle_frames.0,
        idle_frames_changed_10s: out.idle_frames.1,
        rss_mb: out.rss_total.saturating_sub(sim_rss) as f64 / MIB,
        bytes_per_update,
        rss_total_mb: out.rss_total as f64 / MIB,
        sim_rss_mb: sim_rss as f64 / MIB,
        events_sent: storm.sent,
        events_unseen: storm.unseen,
        list_bytes,
        filter_keystroke_ms_p50: interaction.filter_keystroke_ms.p50,
        filter_keystroke_ms_p99: interaction.filter_keystroke_ms.p99,
        sort_change_ms: interaction.sort_change_ms,
        status_ms,
        status_ratio: if floor_ms > 0.0 { status_ms / floor_ms } else { 0.0 },
    };
    progress(&format!("{apps} apps: done"));
    Ok(figures)
}

/// A private scratch directory for the `status` runs (config, home, caches), removed at the end.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Result<Self, Failure> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("flightdeck-bench-{}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir).map_err(io_failure)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn io_failure(e: std::io::Error) -> Failure {
    Failure::new(ErrorKind::Unavailable, format!("bench: {e}"))
}

/// How one table cell is written from a size's figures.
type Cell = fn(&Figures) -> String;

/// The human table: one column per estate size.
pub fn table(all: &[Figures]) -> String {
    let rows: [(&str, Cell); 16] = [
        ("apps", |f| f.apps.to_string()),
        ("floor_ms", |f| format!("{:.1}", f.floor_ms)),
        ("first_frame_ms", |f| format!("{:.1}", f.first_frame_ms)),
        ("first_frame_ratio", |f| format!("{:.2}", f.first_frame_ratio)),
        ("frame_us_p50", |f| format!("{:.0}", f.frame_us_p50)),
        ("frame_us_p99", |f| format!("{:.0}", f.frame_us_p99)),
        ("frame_cpu_us p50/p99", |f| format!("{:.0}/{:.0}", f.frame_cpu_us_p50, f.frame_cpu_us_p99)),
        ("event_to_frame_ms_p50", |f| format!("{:.1}", f.event_to_frame_ms_p50)),
        ("event_to_frame_ms_p99", |f| format!("{:.1}", f.event_to_frame_ms_p99)),
        ("idle_frames_10s", |f| format!("{} ({} changed a cell)", f.idle_frames_10s, f.idle_frames_changed_10s)),
        ("rss_mb", |f| format!("{:.1} (total {:.1}, sim {:.1})", f.rss_mb, f.rss_total_mb, f.sim_rss_mb)),
        ("bytes_per_update", |f| f.bytes_per_update.to_string()),
        ("events seen/sent", |f| format!("{}/{}", f.events_sent - f.events_unseen, f.events_sent)),
        ("filter_keystroke_ms p50/p99", |f| {
            format!("{:.1}/{:.1}", f.filter_keystroke_ms_p50, f.filter_keystroke_ms_p99)
        }),
        ("sort_change_ms", |f| format!("{:.1}", f.sort_change_ms)),
        ("status_ms (ratio)", |f| format!("{:.1} ({:.2})", f.status_ms, f.status_ratio)),
    ];
    let mut out = String::new();
    for (name, cell) in rows {
        out.push_str(&format!("{name:<28}"));
        for f in all {
            out.push_str(&format!("  {:>28}", cell(f)));
        }
        out.push('\n');
    }
    out
}
