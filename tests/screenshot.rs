//! Makes `screenshots/*.svg` from a real run: the binary in a PTY against the simulator,
//! its screen rendered cell by cell to SVG. Run with
//! `cargo test --release --test screenshot -- --ignored` after a visible change.

mod common;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use common::pty::Pty;

/// xterm's 16 colours, for indexed colours 0–15.
const ANSI16: [&str; 16] = [
    "#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6", "#666666", "#d54e53",
    "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea",
];
const FG: &str = "#d0d0d0";
const BG: &str = "#141414";

fn color(c: vt100::Color, default: &str) -> String {
    match c {
        vt100::Color::Default => default.to_string(),
        vt100::Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        vt100::Color::Idx(i) if i < 16 => ANSI16[i as usize].to_string(),
        vt100::Color::Idx(i) if i >= 232 => {
            let v = 8 + 10 * (i - 232);
            format!("#{v:02x}{v:02x}{v:02x}")
        }
        vt100::Color::Idx(i) => {
            let i = i - 16;
            let step = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
            format!("#{:02x}{:02x}{:02x}", step(i / 36), step((i / 6) % 6), step(i % 6))
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Render a vt100 screen as an SVG of monospace cells.
fn svg(screen: &vt100::Screen) -> String {
    let (rows, cols) = screen.size();
    let (cw, ch) = (8.4_f64, 17.0_f64);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14"><rect width="100%" height="100%" fill="{BG}"/>"#,
        w = cols as f64 * cw + 16.0,
        h = rows as f64 * ch + 16.0
    );
    for r in 0..rows {
        for c in 0..cols {
            let Some(cell) = screen.cell(r, c) else { continue };
            let (mut fg, mut bg) = (color(cell.fgcolor(), FG), color(cell.bgcolor(), BG));
            if cell.inverse() {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (x, y) = (8.0 + c as f64 * cw, 8.0 + r as f64 * ch);
            if bg != BG {
                let _ = write!(out, r#"<rect x="{x:.1}" y="{y:.1}" width="{cw:.1}" height="{ch:.1}" fill="{bg}"/>"#);
            }
            let text = cell.contents();
            if !text.trim().is_empty() {
                let weight = if cell.bold() { r#" font-weight="bold""# } else { "" };
                let _ = write!(
                    out,
                    r#"<text x="{x:.1}" y="{:.1}" fill="{fg}"{weight}>{}</text>"#,
                    y + ch - 4.0,
                    escape(text)
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes screenshots/; run by hand after a visible change"]
async fn make_screenshots() {
    let sim = Arc::new(common::calm_sim(40).await);
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Handle::current();
    let sim2 = sim.clone();
    tokio::task::spawn_blocking(move || {
        let mut pty =
            Pty::spawn(&["--config", cfg.to_str().unwrap()], home.path(), 120, 40, &[("COLORTERM", "truecolor")]);
        pty.wait_for("the matrix", |s| s.contains(" · dev") && s.contains("history"));
        // Sync the selection so the run log has a real run in it.
        pty.send("s");
        pty.wait_text("prune");
        pty.send("\r");
        pty.wait_text("sync sent");
        for _ in 0..12 {
            rt.block_on(sim2.advance(Duration::from_millis(500)));
        }
        pty.wait_text("healthy ✓");
        pty.send("j");
        pty.wait_text("history");
        std::fs::write(dir.join("console.svg"), svg(pty.parser.screen())).unwrap();
        pty.send("s");
        pty.wait_text("prune");
        std::fs::write(dir.join("sync-dialog.svg"), svg(pty.parser.screen())).unwrap();
        // esc and q apart: sent together they read as alt-q, as in any terminal.
        pty.send("\x1b");
        pty.wait_for("the dialog to close", |s| !s.contains("prune (p)"));
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}

/// The incident views, from a real run: dave asks to promote to prod, alice (a release
/// manager) sees what needs attention (a deployment just degraded, his request), reads the
/// request, follows a pod's logs and its history; then the matrix at 16 colours, and stale
/// once the servers stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes screenshots/; run by hand after a visible change"]
async fn make_incident_screenshots() {
    let sim = common::calm_sim(12).await;
    let home = tempfile::tempdir().unwrap();
    let home = home.path().to_path_buf();
    for user in ["dave", "alice"] {
        common::operator_config(&sim, &home, user);
    }
    common::commit_policy_without_freezes(&sim, &home);
    sim.advance(Duration::from_millis(100)).await;
    // A service whose staging runs a newer version than prod: promoting it asks for approval.
    let image = |i: usize, app: &str| sim.app_json(i, app).map(|a| a["status"]["summary"]["images"][0].clone());
    let mut names = sim.app_names(1);
    names.sort();
    let service = names
        .iter()
        .map(|a| common::service_of(a, "staging"))
        .find(|s| image(1, &format!("{s}-staging")) != image(2, &format!("{s}-prod")))
        .expect("a service to promote");
    let args = [
        "promote",
        service.as_str(),
        "--from",
        "staging",
        "--to",
        "prod",
        "--ticket",
        "CHG-4711",
        "--reason",
        "fixes the retry storm of INC-311",
    ];
    let out = common::run_as(&home, "dave", &args).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let mut prod = sim.app_names(2);
    prod.sort();
    let degraded = prod[2].clone();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let rt = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let alice = home.join("alice.toml");
        let mut pty = Pty::spawn(&["--config", alice.to_str().unwrap()], &home, 120, 40, &[("COLORTERM", "truecolor")]);
        pty.wait_for("the matrix and the request", |s| s.contains("history") && s.contains("1 approval waiting"));
        rt.block_on(sim.wait_watchers(2, 1));
        sim.set_health(2, &degraded, "Degraded", "back-off restarting failed container");
        pty.wait_text("Degraded");
        pty.send("!");
        pty.wait_for("the queue, explained", |s| {
            s.contains("Needs attention") && s.contains("approval for you") && !s.contains("looking closer")
        });
        std::fs::write(dir.join("attention.svg"), svg(pty.parser.screen())).unwrap();
        pty.send("\x1b");
        pty.wait_for("the matrix", |s| !s.contains("Needs attention"));
        pty.send("\t");
        pty.wait_text("what changes:");
        std::fs::write(dir.join("approvals.svg"), svg(pty.parser.screen())).unwrap();
        pty.send("\x1b");
        pty.wait_for("the matrix", |s| s.contains("SERVICE"));
        pty.send("L");
        pty.wait_for("the logs", |s| s.contains("following") && s.lines().filter(|l| l.contains(" INFO ")).count() > 5);
        std::fs::write(dir.join("pod-logs.svg"), svg(pty.parser.screen())).unwrap();
        pty.send("\x1b");
        pty.wait_for("the matrix", |s| s.contains("SERVICE"));
        pty.send("H");
        pty.wait_for("the history with its versions", |s| {
            s.contains("history ·") && s.contains("VERSION") && s.lines().filter(|l| l.contains(" …  ")).count() == 0
        });
        std::fs::write(dir.join("history.svg"), svg(pty.parser.screen())).unwrap();
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);

        let mut pty = Pty::spawn(&["--config", alice.to_str().unwrap()], &home, 120, 40, &[("TERM", "xterm")]);
        pty.wait_for("the matrix", |s| s.contains("● Healthy") && s.contains("history"));
        std::fs::write(dir.join("ansi16.svg"), svg(pty.parser.screen())).unwrap();
        rt.block_on(sim.shutdown());
        pty.wait_for("stale cells", |s| s.contains("◌ stale 1s") || s.contains("◌ stale 2s"));
        std::fs::write(dir.join("stale.svg"), svg(pty.parser.screen())).unwrap();
        pty.send("q");
        assert_eq!(pty.wait_exit(), 0);
    })
    .await
    .unwrap();
}
