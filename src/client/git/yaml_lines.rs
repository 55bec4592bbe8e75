//! Line-level YAML surgery for block-style mappings and sequences: find a key's line, replace
//! one scalar, insert or delete one field, and leave every other byte (comments, ordering,
//! quoting, line endings) as it was. The callers check the result structurally with a real YAML
//! parser, so any layout this does not understand becomes an error, never a wrong edit.

/// A file as lines, each keeping its own line ending.
pub struct Lines<'a> {
    pub lines: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { lines: text.split_inclusive('\n').collect() }
    }
}

/// The line without its line ending.
pub fn body(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
}

/// The line's ending (`\n`, `\r\n`, or empty on a last line without one).
pub fn ending(line: &str) -> &str {
    &line[body(line).len()..]
}

/// Leading spaces.
pub fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Blank or comment-only: such lines never end a block.
pub fn is_filler(line: &str) -> bool {
    let t = body(line).trim();
    t.is_empty() || t.starts_with('#')
}

/// `key: rest` at the start of `s` (after indentation and an optional `- `): the key and the
/// byte offset in `s` where the value part begins (just after the colon).
pub fn key_of(s: &str) -> Option<(&str, usize)> {
    let colon = s.find(':')?;
    let key = &s[..colon];
    let after = &s[colon + 1..];
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && (after.is_empty() || after.starts_with([' ', '\t', '\r', '\n']));
    plain.then_some((key, colon + 1))
}

/// The scalar in a value part (` "v1.2"  # note`): (start, end) of the scalar including its
/// quotes, and the quote char used (if any). None when the value is empty (a nested block)
/// or a flow collection.
pub fn scalar_span(value_part: &str) -> Option<(usize, usize, Option<char>)> {
    let start = value_part.len() - value_part.trim_start_matches([' ', '\t']).len();
    let rest = body(&value_part[start..]);
    let first = rest.chars().next()?;
    if first == '#' || first == '[' || first == '{' || first == '|' || first == '>' || first == '&' || first == '*' {
        return None;
    }
    if first == '"' || first == '\'' {
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            if first == '"' && c == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if c == first && !escaped {
                return Some((start, start + i + 1, Some(first)));
            }
            escaped = false;
        }
        return None;
    }
    let end = rest.find(" #").unwrap_or(rest.len());
    let trimmed = rest[..end].trim_end();
    Some((start, start + trimmed.len(), None))
}

/// `value` written as a YAML scalar that reads back as the same string: in the old quote
/// style when there was one, plain when plain reads back as that string, double-quoted
/// otherwise (a tag like `1.10` must not become the number 1.1).
pub fn render_scalar(value: &str, quote: Option<char>) -> String {
    let reads_back = |text: &str| {
        serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text)
            .ok()
            .and_then(|v| v.as_str().map(|s| s == value))
            .unwrap_or(false)
    };
    let single = format!("'{}'", value.replace('\'', "''"));
    let double = format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
    match quote {
        Some('\'') => single,
        Some(_) => double,
        None if reads_back(value) && !value.contains(" #") => value.to_string(),
        None => double,
    }
}

/// Replace the scalar of the `key: value` on `line` (whose key starts at byte `key_at`),
/// keeping quotes style, spacing and trailing comment. None when the value is not a scalar.
pub fn replace_scalar(line: &str, key_at: usize, value: &str) -> Option<String> {
    replace_scalar_with(line, key_at, |quote| render_scalar(value, quote))
}

/// [`replace_scalar`] with the new text rendered by `render` (given the old quote style).
pub fn replace_scalar_with(line: &str, key_at: usize, render: impl FnOnce(Option<char>) -> String) -> Option<String> {
    let (_, value_off) = key_of(&line[key_at..])?;
    let value_part = &line[key_at + value_off..];
    let (s, e, quote) = scalar_span(value_part)?;
    let base = key_at + value_off;
    Some(format!("{}{}{}", &line[..base + s], render(quote), &line[base + e..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_the_scalar() {
        assert_eq!(replace_scalar("  newTag: v1.2.0 # pinned\n", 2, "v1.3.0").unwrap(), "  newTag: v1.3.0 # pinned\n");
        assert_eq!(replace_scalar("- newTag: 'v1'\r\n", 2, "v2").unwrap(), "- newTag: 'v2'\r\n");
        assert_eq!(replace_scalar("tag: \"1.0\"", 0, "1.10").unwrap(), "tag: \"1.10\"");
        assert_eq!(replace_scalar("tag: x", 0, "1.10").unwrap(), "tag: \"1.10\"");
        assert!(replace_scalar("image:\n", 0, "x").is_none());
    }

    #[test]
    fn keys_are_plain_mapping_keys_only() {
        assert_eq!(key_of("name: a"), Some(("name", 5)));
        assert_eq!(key_of("name:"), Some(("name", 5)));
        assert_eq!(key_of("url: http://x"), Some(("url", 4)));
        assert_eq!(key_of("http://x"), None);
    }
}
