//! `ConfigError`: every configuration problem says where (file, line, column), what is
//! wrong, and what to do. Rendered as `path:line:col: what\n  hint: what to do`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A configuration problem, found before the terminal is touched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file at fault, if the problem is in a file.
    pub path: Option<PathBuf>,
    /// 1-based line and column, if the problem has a place in the file.
    pub line: Option<usize>,
    pub col: Option<usize>,
    /// What is wrong.
    pub what: String,
    /// What to do about it.
    pub hint: String,
}

impl ConfigError {
    /// A problem with no file (e.g. no instance configured anywhere).
    pub fn general(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { path: None, line: None, col: None, what: what.into(), hint: hint.into() }
    }

    /// A problem with a whole file (unreadable, bad permissions).
    pub fn in_file(path: &Path, what: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { path: Some(path.to_path_buf()), ..Self::general(what, hint) }
    }

    /// A problem at byte offset `span.start` of `text`, the contents of `path`.
    pub fn at(path: &Path, text: &str, span: Range<usize>, what: impl Into<String>, hint: impl Into<String>) -> Self {
        let (line, col) = line_col(text, span.start);
        Self { line: Some(line), col: Some(col), ..Self::in_file(path, what, hint) }
    }

    /// A TOML syntax or schema error, with a hint chosen from its message.
    pub fn from_toml(path: &Path, text: &str, err: &toml::de::Error, known_hint: &str) -> Self {
        let what = err.message().trim().to_string();
        let hint = toml_hint(&what, known_hint);
        match err.span() {
            Some(span) => Self::at(path, text, span, what, hint),
            None => Self::in_file(path, what, hint),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}:", path.display())?;
            if let (Some(line), Some(col)) = (self.line, self.col) {
                write!(f, "{line}:{col}:")?;
            }
            f.write_str(" ")?;
        }
        write!(f, "{}\n  hint: {}", self.what, self.hint)
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    // Clamp to a char boundary so a span inside a multi-byte char cannot panic.
    let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// Pick a hint for a TOML error: suggest the closest known key for unknown fields.
fn toml_hint(message: &str, known_hint: &str) -> String {
    if message.starts_with("unknown field") {
        // serde's message: "unknown field `tokn`, expected one of `name`, `server`, ..."
        let names: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
        if let Some((bad, expected)) = names.split_first() {
            let close = close_names(bad, expected.iter().copied());
            if !close.is_empty() {
                return format!("did you mean {}? {known_hint}", quote_list(&close));
            }
        }
        return format!("remove the key or fix its spelling; {known_hint}");
    }
    if message.starts_with("missing field") {
        return format!("add the missing key; {known_hint}");
    }
    if message.contains("duplicate key") {
        return "each key may appear once per table; remove one of them".into();
    }
    format!("fix the TOML at this place; {known_hint}")
}

/// Names from `candidates` that look like `wanted` (small edit distance or a shared part).
pub fn close_names<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted_l = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = edit_distance(&wanted_l, &c.to_lowercase());
            let related = wanted_l.len() >= 3 && (c.contains(wanted_l.as_str()) || wanted_l.contains(c));
            (d <= 2 + wanted_l.len() / 4 || related).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, c)| c).take(4).collect()
}

/// `"a", "b" or "c"`.
pub fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_chars() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('=').unwrap_or(0)), (1, 3));
        // 'é' is two bytes; the column counts it once.
        assert_eq!(line_col(text, 10), (2, 4));
    }

    #[test]
    fn renders_place_and_hint() {
        let e = ConfigError::at(Path::new("f.toml"), "x\ny", 2..3, "bad", "fix it");
        assert_eq!(e.to_string(), "f.toml:2:1: bad\n  hint: fix it");
        assert_eq!(ConfigError::general("none", "add one").to_string(), "none\n  hint: add one");
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(close_names("rollbak", ["rollback", "refresh", "quit"]), vec!["rollback"]);
        assert!(close_names("zzzzzz", ["rollback", "quit"]).is_empty());
        assert_eq!(quote_list(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
