//! Output rules for headless commands: one line per failure on stderr, colours only on a
//! terminal without NO_COLOR, and every server string cleaned before it is printed.

use std::io::IsTerminal;

use crate::domain::sanitize::clean;
use crate::domain::Failure;

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
        eprintln!("\u{1b}[31m{line}\u{1b}[0m");
    } else {
        eprintln!("{line}");
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
    println!("{text}");
    Ok(())
}
