//! Output rules for headless commands: one line per failure on stderr, colours only on a
//! terminal without NO_COLOR, every server string cleaned before it is printed, and a closed
//! pipe (`flightdeck status | head -2`) ends the command quietly, as the shell expects: the
//! process ends by SIGPIPE (status 141 in the shell), with nothing on stderr. Every headless
//! line goes through [`out`] / [`err`] (the `outln!` / `errln!` macros), never `println!`,
//! which panics on a closed pipe.

use std::fmt::Arguments;
use std::io::{ErrorKind as IoKind, IsTerminal, Write};

use crate::domain::sanitize::clean;
use crate::domain::Failure;

/// A line on stdout; a closed pipe ends the process quietly.
macro_rules! outln {
    ($($t:tt)*) => { $crate::cli::output::out(format_args!($($t)*)) };
}

/// A line on stderr; a closed pipe ends the process quietly.
macro_rules! errln {
    ($($t:tt)*) => { $crate::cli::output::err(format_args!($($t)*)) };
}

pub(crate) use {errln, outln};

/// Write one line to stdout.
pub fn out(line: Arguments<'_>) {
    let mut o = std::io::stdout().lock();
    checked(writeln!(o, "{line}").and_then(|_| o.flush()));
}

/// Write one line to stderr.
pub fn err(line: Arguments<'_>) {
    let mut e = std::io::stderr().lock();
    checked(writeln!(e, "{line}"));
}

/// Write `text` to stdout as it is (no newline added).
pub fn out_raw(text: &str) {
    let mut o = std::io::stdout().lock();
    checked(o.write_all(text.as_bytes()).and_then(|_| o.flush()));
}

/// The result of a write: a closed pipe ends the process; other errors are dropped (there
/// is nowhere left to say them).
fn checked(r: std::io::Result<()>) {
    if let Err(e) = r {
        if e.kind() == IoKind::BrokenPipe {
            pipe_closed();
        }
    }
}

/// End as a process whose reader went away: by SIGPIPE, the status shells expect (and do not
/// report), instead of Rust's ignored signal turning it into a panic or an error message.
pub fn pipe_closed() -> ! {
    // SAFETY: resetting a signal's disposition to its default and raising it on this thread
    // touch no Rust state; the process ends here.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    // Only if the signal is blocked: the same status a shell would show.
    std::process::exit(128 + libc::SIGPIPE)
}

/// Colours and glyph styling are allowed on stdout.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colours are allowed on stderr.
pub fn color_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `flightdeck: <what failed> — <what to do>` on one line.
pub fn print_failure(f: &Failure) {
    let mut line = format!("flightdeck: {}", clean(&f.message));
    if let Some(h) = &f.hint {
        line.push_str(" — ");
        line.push_str(&clean(h));
    }
    if color_stderr() {
        errln!("\u{1b}[31m{line}\u{1b}[0m");
    } else {
        errln!("{line}");
    }
}

/// Wrap `text` in an SGR colour when allowed.
pub fn paint(text: &str, sgr: &str, color: bool) -> String {
    if color {
        format!("\u{1b}[{sgr}m{text}\u{1b}[0m")
    } else {
        text.to_string()
    }
}

/// Print `value` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(crate::domain::ErrorKind::Usage, format!("cannot encode the output: {e}")))?;
    outln!("{text}");
    Ok(())
}

/// Print `value` as one compact JSON line (a stream of objects, as `logs -o json` prints).
pub fn print_json_line<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value)
        .map_err(|e| Failure::new(crate::domain::ErrorKind::Usage, format!("cannot encode the output: {e}")))?;
    outln!("{text}");
    Ok(())
}

/// Lay out rows under a header in columns two spaces apart (trailing spaces trimmed).
pub fn columns<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> Vec<String> {
    let mut widths = header.map(|h| h.chars().count());
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_string()
    };
    let mut out = vec![line(&header.map(String::from))];
    out.extend(rows.iter().map(|r| line(r)));
    out
}
