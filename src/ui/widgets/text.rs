//! Width-aware text: truncation with an ellipsis by display width (unicode-width), relative
//! ages from the model's clock, a spinner driven by the same clock, and section rules.

use chrono::{DateTime, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::domain::DiffLine;
use crate::ui::theme::{Role, Theme};

/// Display width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` cells, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` truncated or right-padded with spaces to exactly `cells` cells.
pub fn pad(s: &str, cells: usize) -> String {
    let mut t = truncate(s, cells);
    let w = width(&t);
    t.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    t
}

/// `s` broken into lines of at most `cells` cells: at spaces where it can, inside a word
/// where it must (a long image reference, a URL). Never empty: an empty text is one line.
pub fn wrap(s: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in s.split_inclusive(' ') {
        let w = width(word);
        if used + w.saturating_sub(usize::from(word.ends_with(' '))) > cells && used > 0 {
            out.push(std::mem::take(&mut line).trim_end().to_string());
            used = 0;
        }
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > cells && !(c == ' ' && used == cells) {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    out.push(line.trim_end().to_string());
    out
}

/// "12s", "4m", "2h", "3d" between `then` and `now` (future times count as "0s").
pub fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let secs = (now - then).num_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// A spinner frame from the clock (one frame per 100 ms), so views stay pure.
pub fn spinner(now: DateTime<Utc>) -> &'static str {
    const FRAMES: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];
    let frame = now.timestamp_millis().rem_euclid(800) / 100;
    FRAMES[usize::try_from(frame).unwrap_or(0)]
}

/// A section rule `── title ─────…` filling `cells`, with an optional right-hand note.
pub fn rule<'a>(title: &str, note: Option<&str>, cells: usize, title_style: Style, border: Style) -> Line<'a> {
    let title = truncate(title, cells.saturating_sub(4));
    let mut spans =
        vec![Span::styled("── ", border), Span::styled(title.clone(), title_style), Span::styled(" ", border)];
    let used = 4 + width(&title);
    let note = note.map(|n| truncate(n, cells.saturating_sub(used + 4))).filter(|n| !n.is_empty());
    let note_w = note.as_deref().map_or(0, |n| width(n) + 3);
    spans.push(Span::styled("─".repeat(cells.saturating_sub(used + note_w)), border));
    if let Some(n) = note {
        spans.push(Span::styled(" ", border));
        spans.push(Span::styled(n, title_style));
        spans.push(Span::styled(" ─", border));
    }
    Line::from(spans)
}

/// One line of a unified diff, marked and styled with the theme's diff roles.
pub fn diff_line(l: &DiffLine, t: &Theme, cells: usize) -> Line<'static> {
    let (text, role) = match l {
        DiffLine::Context(s) => (format!("  {s}"), None),
        DiffLine::Added(s) => (format!("+ {s}"), Some(Role::DiffAdd)),
        DiffLine::Removed(s) => (format!("- {s}"), Some(Role::DiffDel)),
        DiffLine::Hunk(s) => (s.clone(), Some(Role::DiffHunk)),
    };
    let text = truncate(&text, cells);
    match role {
        Some(r) => Line::styled(text, t.style(r)),
        None => Line::raw(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_display_width() {
        assert_eq!(truncate("payment-service", 8), "payment…");
        assert_eq!(truncate("short", 8), "short");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(width(&truncate("日本語テキスト", 5)), 5);
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn wraps_at_spaces_and_inside_words_that_do_not_fit() {
        assert_eq!(wrap("fixes the refund rounding bug", 12), ["fixes the", "refund", "rounding bug"]);
        assert_eq!(wrap("registry.local/shop/payment:v1", 10), ["registry.l", "ocal/shop/", "payment:v1"]);
        assert_eq!(wrap("", 10), [""]);
        for line in wrap("a quick brown fox jumps over the lazy dog again and again", 7) {
            assert!(width(&line) <= 7, "{line:?}");
        }
    }

    #[test]
    fn ages_pick_the_largest_unit() {
        let now = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let ago = |s: i64| age(now, now - chrono::Duration::seconds(s));
        assert_eq!(ago(12), "12s");
        assert_eq!(ago(4 * 60 + 5), "4m");
        assert_eq!(ago(2 * 3600 + 1), "2h");
        assert_eq!(ago(3 * 86_400), "3d");
        assert_eq!(ago(-5), "0s");
    }

    #[test]
    fn spinner_moves_with_the_clock() {
        let t = DateTime::from_timestamp(1_000_000, 0).unwrap();
        assert_ne!(spinner(t), spinner(t + chrono::Duration::milliseconds(100)));
        assert_eq!(spinner(t), spinner(t));
    }
}
