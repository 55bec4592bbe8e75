//! The benchmark's machinery at a tiny estate: every phase runs on the real loop, client and
//! simulator, and the JSON carries every documented key. No timing is asserted.

use std::time::Duration;

use flightdeck::bench::{self, BenchOptions};

const KEYS: [&str; 16] = [
    "apps",
    "floor_ms",
    "first_frame_ms",
    "first_frame_ratio",
    "frame_us_p50",
    "frame_us_p99",
    "event_to_frame_ms_p50",
    "event_to_frame_ms_p99",
    "idle_frames_10s",
    "rss_mb",
    "bytes_per_update",
    "filter_keystroke_ms_p50",
    "filter_keystroke_ms_p99",
    "sort_change_ms",
    "status_ms",
    "status_ratio",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_bench_runs_every_phase_and_reports_every_key() {
    let opts = BenchOptions {
        apps: vec![30],
        rounds: 2,
        storm_events_per_sec: 200,
        storm: Duration::from_millis(300),
        idle: Duration::from_millis(200),
        frames: 40,
        binary: Some(env!("CARGO_BIN_EXE_flightdeck").into()),
    };
    let mut lines = Vec::new();
    let mut progress = |l: &str| lines.push(l.to_string());
    let run = bench::run(&opts, &mut progress);
    let figures = tokio::time::timeout(Duration::from_secs(120), run).await.expect("bench finished").expect("bench ok");
    assert_eq!(figures.len(), 1);
    let f = &figures[0];
    assert_eq!(f.apps, 30, "10 services × 3 instances");
    assert_eq!(f.events_sent, 60, "200 events/s for 0.3 s");
    assert_eq!(f.events_unseen, 0, "every storm change reached a frame");
    assert!(f.list_bytes > 0 && f.bytes_per_update > 0);
    assert!(f.first_frame_ms > 0.0 && f.floor_ms > 0.0);
    // The real binary's `status -o json` ran against the estate, and the keys were typed.
    assert!(f.status_ms > 0.0 && f.status_ratio > 0.0);
    assert!(f.filter_keystroke_ms_p99 > 0.0 && f.sort_change_ms > 0.0);
    let json = serde_json::to_value(f).unwrap();
    for k in KEYS {
        assert!(json.get(k).is_some_and(|v| v.is_number()), "missing {k} in {json}");
    }
    assert!(bench::table(&figures).contains("first_frame_ratio"));
    assert!(lines.iter().any(|l| l.contains("round 2")), "{lines:?}");
}
