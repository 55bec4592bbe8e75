//! A pseudo-terminal harness for end-to-end tests of the real binary: spawn it in a PTY,
//! parse its output into a screen with vt100, and wait for screen conditions (no sleeps:
//! every wait blocks on the program's own output, with a generous safety deadline).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

/// Safety net for every wait: a real failure shows up as a timeout with the screen printed.
pub const WAIT_LIMIT: Duration = Duration::from_secs(30);

pub struct Pty {
    pub parser: vt100::Parser,
    /// Everything the program wrote, for checks on raw escape sequences.
    pub raw: Vec<u8>,
    rx: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// Start `flightdeck` with `args` in a `cols`×`rows` terminal, with HOME and the XDG dirs
    /// under `home` so nothing of the user's is read or written.
    pub fn spawn(args: &[&str], home: &Path, cols: u16, rows: u16, extra_env: &[(&str, &str)]) -> Self {
        let pair =
            native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("open a pty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_flightdeck"));
        cmd.args(args);
        cmd.env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home.join("config"));
        cmd.env("XDG_STATE_HOME", home.join("state"));
        cmd.env("XDG_DATA_HOME", home.join("data"));
        cmd.env("TERM", "xterm-256color");
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn flightdeck");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Self { parser: vt100::Parser::new(rows, cols, 0), raw: Vec::new(), rx, writer, child, _master: pair.master }
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
        self.raw.extend_from_slice(bytes);
    }

    /// Block on output until `cond(screen)` holds.
    pub fn wait_for(&mut self, what: &str, cond: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            if cond(&self.screen()) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(bytes) => self.feed(&bytes),
                Err(_) => panic!("timed out waiting for {what}; screen:\n{}", self.screen()),
            }
        }
    }

    /// Block on output until the raw bytes written so far hold `needle` (escape sequences the
    /// screen does not show, such as a notification).
    pub fn wait_raw(&mut self, what: &str, needle: &[u8]) {
        let deadline = Instant::now() + WAIT_LIMIT;
        while !self.raw_contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(bytes) => self.feed(&bytes),
                Err(_) => {
                    let osc: Vec<String> = String::from_utf8_lossy(&self.raw)
                        .split("\x1b]")
                        .skip(1)
                        .map(|s| s.chars().take(160).collect::<String>())
                        .collect();
                    panic!("timed out waiting for {what}; OSC written: {osc:?}; screen:\n{}", self.screen())
                }
            }
        }
    }

    pub fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_for(&format!("{text:?}"), move |s| s.contains(&t));
    }

    /// Read output that is already there (without waiting for more).
    pub fn pump(&mut self) {
        while let Ok(bytes) = self.rx.try_recv() {
            self.feed(&bytes);
        }
    }

    /// Keep output that is already there as raw bytes only, without the screen model: while
    /// the size changes hundreds of times, vt100 can underflow on frames of a size already
    /// gone. The program redraws whole after its last resize, which the screen then shows.
    pub fn drain_raw(&mut self) {
        while let Ok(bytes) = self.rx.try_recv() {
            self.raw.extend_from_slice(&bytes);
        }
    }

    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Wait for the program to exit (reading its last output), returning its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                // Drain what is left: the reader thread ends at EOF.
                while let Ok(bytes) = self.rx.recv_timeout(Duration::from_millis(500)) {
                    self.feed(&bytes);
                }
                return status.exit_code();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(bytes) => self.feed(&bytes),
                // EOF: the program closed the terminal; its exit status follows.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return self.child.wait().expect("child status").exit_code();
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!("program did not exit; screen:\n{}", self.screen())
                }
            }
        }
    }

    /// Send a signal to the program (as a window manager or `kill` would).
    pub fn signal(&self, sig: i32) {
        let pid = self.child.process_id().expect("child pid");
        // SAFETY: kill(2) on our own child's pid has no memory-safety preconditions.
        let rc = unsafe { libc::kill(pid as i32, sig) };
        assert_eq!(rc, 0, "kill failed");
    }

    /// Resize the terminal (the program gets SIGWINCH), as a window manager does. The screen
    /// model follows: a parser left at the old size would wrap and clip what the program
    /// draws at the new one, and text the program did draw would not be found.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self._master.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("resize the pty");
        // vt100 underflows placing a wide glyph on a one-column screen: the model keeps two.
        self.parser.screen_mut().set_size(rows, cols.max(2));
    }

    /// The program's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("child pid")
    }

    pub fn raw_contains(&self, needle: &[u8]) -> bool {
        self.raw.windows(needle.len()).any(|w| w == needle)
    }

    /// Position of the last occurrence of `needle` in the raw output.
    pub fn raw_rfind(&self, needle: &[u8]) -> Option<usize> {
        self.raw.windows(needle.len()).rposition(|w| w == needle)
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
