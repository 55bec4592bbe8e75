//! The history view: every deployment of the selected app, newest first — id, the version it
//! deployed (its revision's image tags), revision, who, when and how long it took — and under
//! it the diff of the selected entry against the marked one (or against what runs now). And
//! the manifest view: one managed resource at a time, live or desired, scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::deployment::short_revision;
use crate::domain::manifest::{self, tags};
use crate::domain::{HistoryEntry, Loadable, Model};
use crate::ui::theme::Role;
use crate::ui::widgets::{age, diff_line, glyphs, pad, put_lines, rule, spinner, truncate};
use crate::ui::Ui;

/// The version an entry deployed: its own image overrides, else its revision's manifests
/// (when the history view has read them), else `—`.
pub fn version_of(model: &Model, h: &HistoryEntry) -> String {
    if !h.images.is_empty() {
        return tags(&h.images);
    }
    let loaded = model.history.as_ref().and_then(|v| v.manifests.get(&h.revision));
    match loaded {
        Some(Loadable::Ready { value, .. }) => tags(&value.images),
        Some(l) if l.is_loading() => "…".into(),
        _ => "—".into(),
    }
}

/// "4s", "2m10s": how long a deployment took.
fn took(h: &HistoryEntry) -> String {
    match (h.started_at, h.deployed_at) {
        (Some(s), Some(d)) => {
            let secs = (d - s).num_seconds().max(0);
            if secs < 60 {
                format!("{secs}s")
            } else {
                format!("{}m{:02}s", secs / 60, secs % 60)
            }
        }
        _ => "—".into(),
    }
}

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, ui: &Ui) {
    if area.height < 3 {
        return;
    }
    let t = &ui.theme;
    let cells = usize::from(area.width);
    let (Some(view), Some(dep)) = (
        model.history.as_ref(),
        model.deployments.get(&model.history.as_ref().map(|h| h.key.clone()).unwrap_or_default()),
    ) else {
        return;
    };
    let app = model.detail.as_ref().filter(|d| d.key == view.key).and_then(|d| d.app.value());
    let title = format!("history · {} · {}", dep.service, dep.env);
    let mut out = vec![rule(&title, Some("newest first"), cells, t.style(Role::Title), t.style(Role::Border))];
    let Some(app) = app else {
        out.push(Line::styled(format!("{} loading…", spinner(model.now)), t.style(Role::Dim)));
        put_lines(buf, area, &out);
        return;
    };
    let offset = chrono::FixedOffset::east_opt(model.utc_offset_secs).unwrap_or(chrono::Offset::fix(&chrono::Utc));
    let header =
        format!("  {:>4}  {:<12} {:<8} {:<14} {:<18} {:>6}", "ID", "VERSION", "REVISION", "BY", "DEPLOYED", "TOOK");
    out.push(Line::styled(truncate(&header, cells), t.style(Role::Header)));
    let entries: Vec<&HistoryEntry> = app.history.iter().rev().collect();
    let body = usize::from(area.height) - 2;
    let list_h = entries.len().min(body / 2).max(1);
    let sel = view.selected.min(entries.len().saturating_sub(1));
    let first = (sel + 1).saturating_sub(list_h);
    for (i, h) in entries.iter().enumerate().skip(first).take(list_h) {
        let when = h
            .deployed_at
            .map(|at| format!("{} ({})", age(model.now, at), at.with_timezone(&offset).format("%d %b %H:%M")))
            .unwrap_or_default();
        let marker = match (i == sel, view.mark == Some(h.id)) {
            (true, _) => ">",
            (false, true) => glyphs::MARK,
            _ => " ",
        };
        let running = if h.revision == app.sync_revision { "  running now" } else { "" };
        let text = format!(
            " {:>4}  {:<12} {:<8} {:<14} {:<18} {:>6}{running}",
            h.id,
            truncate(&version_of(model, h), 12),
            short_revision(&h.revision),
            truncate(&h.initiated_by, 14),
            truncate(&when, 18),
            took(h)
        );
        let style = if i == sel { t.style(Role::Selected) } else { Style::default() };
        out.push(Line::from(vec![
            Span::styled(marker.to_string(), t.style(Role::Key)),
            Span::styled(pad(&text, cells.saturating_sub(1)), style),
        ]));
    }
    if entries.is_empty() {
        out.push(Line::styled("  no deployment history yet", t.style(Role::Dim)));
    }
    // The diff: selected against the marked entry, or against what runs now.
    let selected = entries.get(sel);
    let against = view
        .mark
        .and_then(|id| app.history.iter().find(|h| h.id == id))
        .or_else(|| app.history.iter().rev().find(|h| h.revision == app.sync_revision));
    let room = usize::from(area.height).saturating_sub(out.len() + 1);
    if let (Some(sel), Some(base)) = (selected, against) {
        let what = format!("diff {} → {} (space marks another)", base.id, sel.id);
        out.push(rule(&what, None, cells, t.style(Role::Header), t.style(Role::Border)));
        let m = |h: &HistoryEntry| view.manifests.get(&h.revision).and_then(Loadable::value);
        let lines: Vec<Line<'static>> = match (m(base), m(sel)) {
            _ if base.id == sel.id => {
                vec![Line::styled("  the same entry: mark another with space", t.style(Role::Dim))]
            }
            (Some(a), Some(b)) => {
                let d = manifest::diff(a, b);
                if d.is_empty() {
                    vec![Line::styled("  no difference in the desired manifests", t.style(Role::Ok))]
                } else {
                    d.iter().map(|l| diff_line(l, t, cells)).collect()
                }
            }
            _ => vec![Line::styled(
                format!("{} reading the manifests of both revisions…", spinner(model.now)),
                t.style(Role::Dim),
            )],
        };
        let first = usize::from(view.scroll).min(lines.len().saturating_sub(room));
        out.extend(lines.into_iter().skip(first).take(room));
    }
    put_lines(buf, area, &out);
}

/// The manifest view: the resources as tabs on one line, then the selected one, live or
/// desired.
pub fn draw_manifest(buf: &mut Buffer, area: Rect, model: &Model, ui: &Ui) {
    if area.height < 3 {
        return;
    }
    let t = &ui.theme;
    let cells = usize::from(area.width);
    let Some(view) = model.manifest.as_ref() else { return };
    let side = if view.desired { "desired (Git)" } else { "live (cluster)" };
    let mut out = vec![rule(
        &format!("manifest · {} · {side}", view.key.name),
        Some("tab live ⇄ desired · j/k resource"),
        cells,
        t.style(Role::Title),
        t.style(Role::Border),
    )];
    let Some(resources) = view.resources.value() else {
        let text = match view.resources.failure() {
            Some(f) => format!("{} {f}", glyphs::FAILED),
            None => format!("{} loading…", spinner(model.now)),
        };
        out.push(Line::styled(text, t.style(Role::Dim)));
        put_lines(buf, area, &out);
        return;
    };
    let mut tabs = vec![Span::raw(" ")];
    for (i, r) in resources.iter().enumerate() {
        let style = if i == view.selected { t.style(Role::Selected) } else { t.style(Role::Dim) };
        tabs.push(Span::styled(format!(" {} {} ", r.kind, r.name), style));
    }
    out.push(Line::from(tabs));
    if let Some(r) = resources.get(view.selected) {
        let text = if view.desired { &r.desired } else { &r.live };
        let lines: Vec<&str> =
            if text.is_empty() { vec!["(none: this side does not exist)"] } else { text.lines().collect() };
        let room = usize::from(area.height).saturating_sub(out.len());
        let first = usize::from(view.scroll).min(lines.len().saturating_sub(room));
        out.extend(lines.into_iter().skip(first).take(room).map(|l| Line::raw(truncate(l, cells))));
    }
    put_lines(buf, area, &out);
}
