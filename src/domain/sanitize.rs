//! Strings from servers are untrusted: strip control characters and escape sequences
//! before they reach a terminal or stdout.

/// Remove ANSI/VT escape sequences and every control character (keeping none; newlines
/// become spaces so one server string can never break a line or a layout).
pub fn clean(s: &str) -> String {
    if !s.chars().any(needs_work) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI: same grammar as ESC [
            '\u{9b}' => skip_csi(&mut chars),
            '\n' | '\t' | '\r' => out.push(' '),
            c if c.is_control() => {}
            // Bidi overrides can make text lie about itself.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Like [`clean`] but keeps newlines, for multi-line texts (diffs, messages).
pub fn clean_multiline(s: &str) -> String {
    s.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

fn needs_work(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        // OSC, DCS, SOS, PM, APC: run to BEL or ST (ESC \).
        Some(']' | 'P' | 'X' | '^' | '_') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // Two-character escapes (ESC c, ESC 7 …) and charset selection (ESC ( B).
        Some('(' | ')' | '*' | '+') => {
            chars.next();
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_escapes_and_controls() {
        assert_eq!(clean("ok"), "ok");
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(clean("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(clean("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\"), "alink");
        assert_eq!(clean("line1\nline2\r"), "line1 line2 ");
        assert_eq!(clean("bell\u{7}\u{8}"), "bell");
        assert_eq!(clean("\u{9b}2Jx"), "x");
        assert_eq!(clean("a\u{202e}b"), "ab");
        assert_eq!(clean_multiline("a\u{1b}[1m\nb"), "a\nb");
    }
}
