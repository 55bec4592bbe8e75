//! Editing text one key at a time: a multi-line text (the comment of an approval or a
//! rejection: insert, new line, delete, cursor moves) and a one-line input (a dialog's typed
//! name, ticket, reason; the filter). Pure, so every keystroke is unit-tested; the view draws
//! the lines and the cursor with `ratatui-textarea`.

use super::{Key, KeyCode};
use crate::domain::approvals::TextEditor;
use crate::domain::model::LineInput;

/// Edit one line: printable characters append, backspace deletes, ctrl-u clears. True if it
/// changed.
pub fn edit_line(line: &mut LineInput, key: Key) -> bool {
    match key.code {
        KeyCode::Char(c) if !key.ctrl && !key.alt => {
            line.text.push(c);
            true
        }
        KeyCode::Backspace => line.text.pop().is_some(),
        KeyCode::Char('u') if key.ctrl => {
            line.text.clear();
            true
        }
        _ => false,
    }
}

/// Longest comment kept, in lines: a guard against a paste flooding the ledger record.
const MAX_LINES: usize = 200;

fn char_count(s: &str) -> usize {
    s.chars().count()
}

/// Byte offset of character `col` in `s` (its end when past it).
fn byte_at(s: &str, col: usize) -> usize {
    s.char_indices().nth(col).map_or(s.len(), |(i, _)| i)
}

/// Apply one key; true when the text or the cursor changed.
pub fn edit(ed: &mut TextEditor, key: Key) -> bool {
    if ed.lines.is_empty() {
        ed.lines.push(String::new());
    }
    ed.row = ed.row.min(ed.lines.len() - 1);
    ed.col = ed.col.min(char_count(&ed.lines[ed.row]));
    let (row, col) = (ed.row, ed.col);
    match key.code {
        KeyCode::Char('u') if key.ctrl => {
            // Delete from the line's start to the cursor, as shells do.
            let at = byte_at(&ed.lines[row], col);
            ed.lines[row].replace_range(..at, "");
            ed.col = 0;
        }
        KeyCode::Char(c) if !key.ctrl && !key.alt => {
            let at = byte_at(&ed.lines[row], col);
            ed.lines[row].insert(at, c);
            ed.col += 1;
        }
        KeyCode::Enter => {
            if ed.lines.len() >= MAX_LINES {
                return false;
            }
            let at = byte_at(&ed.lines[row], col);
            let rest = ed.lines[row].split_off(at);
            ed.lines.insert(row + 1, rest);
            ed.row += 1;
            ed.col = 0;
        }
        KeyCode::Backspace if col > 0 => {
            let at = byte_at(&ed.lines[row], col - 1);
            ed.lines[row].remove(at);
            ed.col -= 1;
        }
        KeyCode::Backspace if row > 0 => {
            let line = ed.lines.remove(row);
            ed.row -= 1;
            ed.col = char_count(&ed.lines[ed.row]);
            ed.lines[ed.row].push_str(&line);
        }
        KeyCode::Delete if col < char_count(&ed.lines[row]) => {
            let at = byte_at(&ed.lines[row], col);
            ed.lines[row].remove(at);
        }
        KeyCode::Delete if row + 1 < ed.lines.len() => {
            let next = ed.lines.remove(row + 1);
            ed.lines[row].push_str(&next);
        }
        KeyCode::Left if col > 0 => ed.col -= 1,
        KeyCode::Left if row > 0 => {
            ed.row -= 1;
            ed.col = char_count(&ed.lines[ed.row]);
        }
        KeyCode::Right if col < char_count(&ed.lines[row]) => ed.col += 1,
        KeyCode::Right if row + 1 < ed.lines.len() => {
            ed.row += 1;
            ed.col = 0;
        }
        KeyCode::Up if row > 0 => {
            ed.row -= 1;
            ed.col = col.min(char_count(&ed.lines[ed.row]));
        }
        KeyCode::Down if row + 1 < ed.lines.len() => {
            ed.row += 1;
            ed.col = col.min(char_count(&ed.lines[ed.row]));
        }
        KeyCode::Home => ed.col = 0,
        KeyCode::End => ed.col = char_count(&ed.lines[row]),
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[Key]) -> TextEditor {
        let mut ed = TextEditor::default();
        for k in keys {
            edit(&mut ed, *k);
        }
        ed
    }

    fn chars(s: &str) -> Vec<Key> {
        s.chars().map(Key::char).collect()
    }

    #[test]
    fn typing_enter_and_backspace_edit_lines() {
        let mut keys = chars("lgtm");
        keys.push(Key::plain(KeyCode::Enter));
        keys.extend(chars("CHG-1 ok"));
        let ed = typed(&keys);
        assert_eq!(ed.lines, vec!["lgtm".to_string(), "CHG-1 ok".to_string()]);
        assert_eq!((ed.row, ed.col), (1, 8));
        assert_eq!(ed.text(), "lgtm\nCHG-1 ok");

        // Backspace at the start of a line joins it to the one above.
        let mut ed = ed;
        edit(&mut ed, Key::plain(KeyCode::Home));
        edit(&mut ed, Key::plain(KeyCode::Backspace));
        assert_eq!(ed.lines, vec!["lgtmCHG-1 ok".to_string()]);
        assert_eq!((ed.row, ed.col), (0, 4));
    }

    #[test]
    fn cursor_moves_and_inserts_in_the_middle_of_multibyte_text() {
        let mut ed = typed(&chars("a→b"));
        edit(&mut ed, Key::plain(KeyCode::Left));
        edit(&mut ed, Key::char('x'));
        assert_eq!(ed.lines[0], "a→xb");
        edit(&mut ed, Key::plain(KeyCode::Delete));
        assert_eq!(ed.lines[0], "a→x");
        edit(&mut ed, Key::ctrl('u'));
        assert_eq!(ed.lines[0], "");
        assert!(!edit(&mut ed, Key::plain(KeyCode::Backspace)), "nothing left to delete");
    }
}
