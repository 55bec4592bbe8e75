//! Status glyphs with their theme roles. Every glyph is distinct in shape, so meaning never
//! depends on colour (and words accompany them wherever the width allows).

use crate::domain::{Health, SyncStatus};
use crate::ui::theme::Role;

pub fn health_glyph(h: Health) -> &'static str {
    match h {
        Health::Healthy => "●",
        Health::Progressing => "◐",
        Health::Degraded => "✖",
        Health::Suspended => "‖",
        Health::Missing => "○",
        Health::Unknown => "?",
    }
}

pub fn health_role(h: Health) -> Role {
    match h {
        Health::Healthy => Role::Healthy,
        Health::Progressing => Role::Progressing,
        Health::Degraded => Role::Degraded,
        Health::Suspended => Role::Suspended,
        Health::Missing => Role::Missing,
        Health::Unknown => Role::Unknown,
    }
}

pub fn sync_glyph(s: SyncStatus) -> &'static str {
    match s {
        SyncStatus::Synced => "✓",
        SyncStatus::OutOfSync => "↻",
        SyncStatus::Unknown => "?",
    }
}

pub fn sync_role(s: SyncStatus) -> Role {
    match s {
        SyncStatus::Synced => Role::Synced,
        SyncStatus::OutOfSync => Role::OutOfSync,
        SyncStatus::Unknown => Role::Unknown,
    }
}

/// A deployment marked for a bulk action.
pub const MARK: &str = "•";
/// A cell or instance whose data may no longer be true (its stream is down).
pub const STALE: &str = "◌";
/// Marks an app whose auto-sync was paused by a rollback.
pub const PINNED: &str = "⚑";
/// A step or run that finished well / failed.
pub const DONE: &str = "✓";
pub const FAILED: &str = "✖";

/// Whether to draw with ASCII only: asked for (`Some(true)`: `--ascii`, `[ui] glyphs =
/// "ascii"`; `Some(false)`: `glyphs = "unicode"`), else chosen by the terminal and locale:
/// the Linux console's font has none of ● ✓ ✖ ↻, and a locale that is not UTF-8 cannot
/// carry them. An unset locale says nothing either way (many SSH sessions forward none), so
/// Unicode stays.
pub fn ascii_wanted(asked: Option<bool>, env: &dyn Fn(&str) -> Option<String>) -> bool {
    if let Some(a) = asked {
        return a;
    }
    if env("TERM").is_some_and(|t| t == "linux" || t.starts_with("linux-") || t == "vt100" || t == "vt220") {
        return true;
    }
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"].iter().find_map(|k| env(k).filter(|v| !v.is_empty()));
    locale.is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        !(l.contains("utf-8") || l.contains("utf8"))
    })
}

/// The ASCII stand-in of one drawn symbol, keeping every status glyph distinct in shape:
/// `*` healthy, `~` progressing, `X` degraded, `=` suspended, `o` missing, `+` synced or
/// done, `!` out of sync, `P` pinned, `.` stale or connecting, `|/-\` a spinner. Anything
/// else outside ASCII becomes `?`; `None` when it is ASCII already.
pub fn ascii(symbol: &str) -> Option<&'static str> {
    if symbol.is_ascii() {
        return None;
    }
    Some(match symbol {
        "●" => "*",
        "◐" => "~",
        "✖" | "✗" => "X",
        "‖" => "=",
        "○" => "o",
        "✓" => "+",
        "↻" => "!",
        "⚑" => "P",
        "◌" => ".",
        "⚠" => "!",
        "⠋" | "⠸" => "|",
        "⠙" | "⠼" => "/",
        "⠹" | "⠴" => "-",
        "⠦" | "⠧" => "\\",
        "─" | "━" | "—" | "–" => "-",
        "│" | "┃" => "|",
        "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" | "╭" | "╮" | "╰" | "╯" => "+",
        "…" => ">",
        "·" => "-",
        "•" => "#",
        "×" => "x",
        "→" | "›" | "»" => ">",
        "←" | "‹" | "«" => "<",
        "↑" => "^",
        "↓" => "v",
        "⇄" => "=",
        "⏎" => "/",
        "█" | "▌" | "▐" => "_",
        _ => "?",
    })
}

/// Replace every symbol of a drawn frame by its ASCII stand-in: one pass over the screen's
/// cells (never the estate), after everything is drawn, so no pane needs two glyph sets.
pub fn to_ascii(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if let Some(a) = ascii(cell.symbol()) {
            cell.set_symbol(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn ascii_is_chosen_for_the_linux_console_and_non_utf8_locales() {
        assert!(ascii_wanted(None, &env_of(&[("TERM", "linux"), ("LANG", "en_US.UTF-8")])));
        assert!(ascii_wanted(None, &env_of(&[("TERM", "xterm"), ("LANG", "C")])));
        assert!(ascii_wanted(None, &env_of(&[("TERM", "xterm"), ("LC_ALL", "POSIX"), ("LANG", "en_US.UTF-8")])));
        assert!(!ascii_wanted(None, &env_of(&[("TERM", "xterm-256color"), ("LANG", "de_DE.utf8")])));
        assert!(!ascii_wanted(None, &env_of(&[("TERM", "xterm-256color")])), "no locale says nothing");
        assert!(!ascii_wanted(Some(false), &env_of(&[("TERM", "linux")])), "asked for wins");
        assert!(ascii_wanted(Some(true), &env_of(&[("TERM", "xterm-256color"), ("LANG", "en_US.UTF-8")])));
    }

    #[test]
    fn every_status_glyph_has_a_distinct_ascii_stand_in() {
        use crate::domain::{Health, SyncStatus};
        let healths = [
            Health::Healthy,
            Health::Progressing,
            Health::Degraded,
            Health::Suspended,
            Health::Missing,
            Health::Unknown,
        ];
        let a = |g: &'static str| ascii(g).unwrap_or(g);
        let mut seen: Vec<&str> = healths.iter().map(|h| a(health_glyph(*h))).collect();
        seen.push(a(sync_glyph(SyncStatus::OutOfSync)));
        seen.push(a(PINNED));
        seen.push(a(STALE));
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), seen.len(), "{seen:?}");
        assert!(seen.iter().all(|s| s.is_ascii() && s.len() == 1));
    }
}
