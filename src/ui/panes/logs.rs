//! The pod logs view: the selected app's pods' lines as Argo CD streams them (`POD  TIME
//! LINE`), newest at the bottom while following, frozen where they are while paused (with how
//! many arrived since), wrapped or cut, filtered. Only the lines on screen are laid out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::domain::logs::{LogLine, LogView};
use crate::domain::Model;
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{glyphs, put_lines, rule, spinner, truncate, width, wrap};

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let Some(v) = model.logs.as_ref() else { return };
    let cells = usize::from(area.width);
    let state =
        if v.follow { format!("{} following", spinner(model.now)) } else { format!("paused · {} new", v.unseen) };
    let container = v.container.as_deref().unwrap_or("default container");
    let which = if v.previous { "previous instance" } else { "running" };
    let mut note = format!("{container} · {which} · {state}");
    if !v.filter.text.is_empty() || v.editing {
        note = format!("/{}{} · {note}", v.filter.text, if v.editing { "█" } else { "" });
    }
    let title = format!("logs · {} {}", v.source.kind, v.source.name);
    let mut out = vec![rule(&title, Some(&note), cells, theme.style(Role::Title), theme.style(Role::Border))];
    let room = usize::from(area.height) - 1;
    let shown: Vec<&LogLine> = visible(v, room);
    // Pods of one workload share their name up to the hash: on a narrow screen only the
    // part that tells them apart is shown, so the lines keep the room.
    let longest = shown.iter().map(|l| width(&l.pod)).max().unwrap_or(0);
    let cut = if longest > cells / 4 { common_prefix(&shown) } else { 0 };
    let pod_name = |p: &str| if cut > 0 { format!("…{}", p.get(cut..).unwrap_or(p)) } else { p.to_string() };
    let pod_w = shown.iter().map(|l| width(&pod_name(&l.pod))).max().unwrap_or(0).min(cells / 3);
    let offset = chrono::FixedOffset::east_opt(model.utc_offset_secs).unwrap_or(chrono::Offset::fix(&chrono::Utc));
    let mut body: Vec<Line<'static>> = Vec::new();
    for l in shown {
        let at = l.at.map(|t| t.with_timezone(&offset).format("%H:%M:%S").to_string()).unwrap_or_default();
        let lead = format!("{:<pod_w$}  {at}  ", truncate(&pod_name(&l.pod), pod_w));
        let lead_w = width(&lead);
        let text_w = cells.saturating_sub(lead_w).max(10);
        let role = level_role(&l.content);
        let parts = if v.wrap { wrap(&l.content, text_w) } else { vec![truncate(&l.content, text_w)] };
        for (i, p) in parts.into_iter().enumerate() {
            let head = if i == 0 { lead.clone() } else { " ".repeat(lead_w) };
            body.push(Line::from(vec![
                Span::styled(head, theme.style(Role::Dim)),
                match role {
                    Some(r) => Span::styled(p, theme.style(r)),
                    None => Span::raw(p),
                },
            ]));
        }
    }
    // Wrapped lines may overflow: the newest stay.
    let extra = body.len().saturating_sub(room);
    body.drain(..extra);
    if v.lines.is_empty() {
        let text = match &v.ended {
            Some(Err(f)) => format!("{} {f}", glyphs::FAILED),
            Some(Ok(())) => "no lines".into(),
            None => format!("{} waiting for lines…", spinner(model.now)),
        };
        body.push(Line::styled(format!(" {text}"), theme.style(Role::Dim)));
    } else if let Some(Err(f)) = &v.ended {
        body.push(Line::styled(
            truncate(&format!(" {} stream ended: {f}", glyphs::FAILED), cells),
            theme.style(Role::Error),
        ));
    }
    out.extend(body);
    put_lines(buf, area, &out);
}

/// The lines that fit, ending `back` lines above the newest (filtered lines skipped): a walk
/// from the end, never over the whole buffer.
fn visible(v: &LogView, room: usize) -> Vec<&LogLine> {
    let mut out: Vec<&LogLine> = v.lines.iter().rev().skip(v.back).filter(|l| v.shows(l)).take(room).collect();
    out.reverse();
    out
}

/// Bytes of the pod names' common prefix up to and including its last `-` (0 when there is
/// none, or when it is a whole name).
fn common_prefix(lines: &[&LogLine]) -> usize {
    let Some(first) = lines.first().map(|l| l.pod.as_str()) else { return 0 };
    let mut n = first.len();
    for l in lines {
        n = n.min(first.bytes().zip(l.pod.bytes()).take_while(|(a, b)| a == b).count());
    }
    let n = first.get(..n).and_then(|p| p.rfind('-')).map_or(0, |i| i + 1);
    if lines.iter().any(|l| l.pod.len() <= n) {
        0
    } else {
        n
    }
}

/// Errors in the error colour, warnings in the warning one (by the usual level words).
fn level_role(line: &str) -> Option<Role> {
    let l = line.to_ascii_lowercase();
    if l.contains("error") || l.contains("panic") || l.contains("fatal") {
        Some(Role::Error)
    } else if l.contains("warn") {
        Some(Role::Warning)
    } else {
        None
    }
}
