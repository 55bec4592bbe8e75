//! The pod logs view, pure: which workload's pods, which container, the previous instance or
//! the running one, the lines received (the newest [`LINES_KEPT`]), following or paused,
//! wrapped or cut, and a filter.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::model::LineInput;
use super::{AppKey, Failure};

/// Lines kept in the view (the oldest go first).
pub const LINES_KEPT: usize = 5_000;
/// Lines asked for when the stream opens (`tailLines`).
pub const TAIL_LINES: u64 = 200;

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub pod: String,
    pub at: Option<DateTime<Utc>>,
    /// The line, cleaned of control and escape sequences.
    pub content: String,
}

/// The workload whose pods are read.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LogSource {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// The view's state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LogView {
    pub key: AppKey,
    pub source: LogSource,
    /// Bumped whenever the stream is opened again (another container, previous): lines of an
    /// older stream drop.
    pub generation: u64,
    /// The containers of the pod template, when known; `None` = Argo CD's default.
    pub containers: Vec<String>,
    pub container: Option<String>,
    pub previous: bool,
    pub lines: VecDeque<LogLine>,
    /// Following new lines (the view sticks to the end); paused keeps `scroll`.
    pub follow: bool,
    /// Lines above the end shown when paused.
    pub back: usize,
    pub wrap: bool,
    pub filter: LineInput,
    /// The filter has the keys.
    pub editing: bool,
    /// The stream ended (not following, or failed).
    pub ended: Option<Result<(), Failure>>,
    /// Lines received while paused, for "12 new".
    pub unseen: usize,
}

impl LogView {
    /// Add lines from the stream, keeping the newest [`LINES_KEPT`].
    pub fn push(&mut self, lines: Vec<LogLine>) {
        if !self.follow {
            // Paused: what is on screen stays put as lines arrive below it.
            self.unseen += lines.len();
            self.back += lines.len();
        }
        self.lines.extend(lines);
        let extra = self.lines.len().saturating_sub(LINES_KEPT);
        self.lines.drain(..extra);
        self.back = self.back.min(self.lines.len());
    }

    /// Whether a line passes the filter (case-insensitive substring; a leading `!` negates).
    pub fn shows(&self, l: &LogLine) -> bool {
        let f = self.filter.text.trim();
        if f.is_empty() {
            return true;
        }
        let (neg, needle) = f.strip_prefix('!').map_or((false, f), |n| (true, n));
        let hit = l.content.to_lowercase().contains(&needle.to_lowercase()) || l.pod.contains(needle);
        hit != neg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> LogLine {
        LogLine { pod: "web-1".into(), at: None, content: s.into() }
    }

    #[test]
    fn keeps_the_newest_lines_and_counts_those_unseen_while_paused() {
        let mut v = LogView { follow: true, ..Default::default() };
        v.push((0..LINES_KEPT + 10).map(|i| line(&i.to_string())).collect());
        assert_eq!(v.lines.len(), LINES_KEPT);
        assert_eq!(v.lines.front().unwrap().content, "10");
        v.follow = false;
        v.push(vec![line("a"), line("b")]);
        assert_eq!(v.unseen, 2);
    }

    #[test]
    fn the_filter_matches_case_insensitively_and_negates() {
        let mut v = LogView::default();
        v.filter.text = "ERROR".into();
        assert!(v.shows(&line("level=error msg=timeout")));
        assert!(!v.shows(&line("level=info")));
        v.filter.text = "!info".into();
        assert!(v.shows(&line("level=error")));
        assert!(!v.shows(&line("level=info")));
    }
}
