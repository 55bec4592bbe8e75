//! The hint bar, generated from the effective keymap (`Keymap::hints`): `s sync  r rollback
//! …  ? help  q quit`. Help and quit stay at the end; what does not fit gives way to `…`.
//! In read-only mode the keys of commands that write are greyed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::app::{Command, KeyContext, Keymap};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::width;

/// `read_only`: the keys of commands that write are greyed (pressing one says why).
pub fn draw(buf: &mut Buffer, area: Rect, keymap: &Keymap, theme: &Theme, read_only: bool) {
    let items = items(keymap);
    let cells = usize::from(area.width);
    let item_w = |(k, l): &(String, &str)| width(k) + 1 + width(l) + 2;
    let (tail, head): (Vec<_>, Vec<_>) =
        items.into_iter().partition(|(_, l)| *l == Command::Help.hint() || *l == Command::Quit.hint());
    let tail_w: usize = tail.iter().map(item_w).sum();
    let mut shown = Vec::new();
    let mut used = 1 + tail_w;
    let mut cut = false;
    for item in head {
        // Room for "…  " must remain when anything is dropped.
        if used + item_w(&item) + 3 > cells {
            cut = true;
            break;
        }
        used += item_w(&item);
        shown.push(item);
    }
    let key = theme.style(Role::Key);
    let dim = theme.style(Role::Dim);
    let greyed = |l: &str| read_only && keymap.hints().any(|b| b.command.hint() == l && b.command.writes());
    let item_spans = |(k, l): (String, &str)| {
        if greyed(l) {
            [Span::styled(k, dim), Span::styled(format!(" {l}  "), dim)]
        } else {
            [Span::styled(k, key), Span::raw(format!(" {l}  "))]
        }
    };
    let mut spans = vec![Span::raw(" ")];
    spans.extend(shown.into_iter().flat_map(item_spans));
    if cut {
        spans.push(Span::styled("…  ", theme.style(Role::Dim)));
    }
    spans.extend(tail.into_iter().flat_map(item_spans));
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// `(key, label)` for each hint binding, in keymap order.
pub fn items(keymap: &Keymap) -> Vec<(String, &'static str)> {
    keymap.hints().filter_map(|b| b.keys.first().map(|k| (k.to_string(), b.command.hint()))).collect()
}

/// The bottom line of a view with keys of its own (`ctx`): its hint bindings, then select,
/// scroll and back from the keymap.
pub fn draw_view(buf: &mut Buffer, area: Rect, keymap: &Keymap, ctx: KeyContext, theme: &Theme) {
    let key = theme.style(Role::Key);
    let mut spans = vec![Span::raw(" ")];
    for b in keymap.hints_in(ctx) {
        if let Some(k) = b.keys.first() {
            spans.extend([Span::styled(k.to_string(), key), Span::raw(format!(" {}  ", b.command.hint()))]);
        }
    }
    let name = |cmd| keymap.key_name(ctx, cmd);
    // In the logs and delivery views the lines scroll (there is nothing to select).
    let lines = matches!(ctx, KeyContext::Logs | KeyContext::Delivery);
    spans.extend([
        Span::styled(format!("{}/{}", name(Command::Down), name(Command::Up)), key),
        Span::raw(if lines { " scroll  " } else { " select  " }),
        Span::styled(format!("{}/{}", name(Command::PageDown), name(Command::PageUp)), key),
        Span::raw(if lines { " page  " } else { " scroll  " }),
        Span::styled(name(Command::Back), key),
        Span::raw(" back  "),
        Span::styled(name(Command::Help), key),
        Span::raw(" help"),
    ]);
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// A bottom line naming `items`: each command's first key (from the keymap) and a label.
pub fn draw_keys(buf: &mut Buffer, area: Rect, keymap: &Keymap, items: &[(&[Command], &str)], theme: &Theme) {
    let key = theme.style(Role::Key);
    let mut spans = vec![Span::raw(" ")];
    for (cmds, label) in items {
        let names: Vec<String> = cmds.iter().map(|c| keymap.key_name(KeyContext::Normal, *c)).collect();
        spans.extend([Span::styled(names.join("/"), key), Span::raw(format!(" {label}  "))]);
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}

/// The bottom line of scrollable full-screen views: `esc back  j/k scroll`, from the keymap.
pub fn draw_scrolling(buf: &mut Buffer, area: Rect, keymap: &Keymap, theme: &Theme) {
    let first = |cmd: Command| keymap.keys_for(cmd).first().map(ToString::to_string);
    let key = theme.style(Role::Key);
    let mut spans = vec![Span::raw(" ")];
    if let Some(k) = first(Command::Back) {
        spans.extend([Span::styled(k, key), Span::raw(" back  ")]);
    }
    if let (Some(d), Some(u)) = (first(Command::Down), first(Command::Up)) {
        spans.extend([Span::styled(format!("{d}/{u}"), key), Span::raw(" scroll  ")]);
    }
    if let Some(k) = first(Command::Quit) {
        spans.extend([Span::styled(k, key), Span::raw(" quit")]);
    }
    buf.set_line(area.x, area.y, &Line::from(spans), area.width);
}
