//! The run log: one line per run, newest last — when, who, what, where, each step with its
//! outcome (a spinner while it runs) and the elapsed time — plus a line with the failure
//! message and hint when a run failed.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::domain::{Model, Run, RunOutcome, StepStatus};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{glyphs, put_lines, rule, spinner, truncate};

pub fn draw(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let cells = usize::from(area.width);
    let mut lines = vec![rule("Run log", None, cells, theme.style(Role::Title), theme.style(Role::Border))];
    let room = usize::from(area.height - 1);
    // Newest last: the newest runs that fit; the oldest one shown may lose its failure line.
    let mut body: Vec<Line<'static>> = Vec::new();
    for run in model.runs.iter().rev() {
        let mut run_lines = run_lines(model, theme, run, cells);
        run_lines.truncate(room - body.len());
        run_lines.extend(body);
        body = run_lines;
        if body.len() == room {
            break;
        }
    }
    if model.runs.is_empty() {
        body.push(Line::styled(" no actions yet", theme.style(Role::Dim)));
    }
    if let Some(banner) = demo_banner(model, theme, cells) {
        // The demo's banner stays: how the others join is never more than a glance away.
        if body.len() == room {
            body.remove(0);
        }
        body.insert(0, banner);
    }
    // Each instance's credential source is its first, oldest entry: shown while room is left.
    let mut creds = credential_lines(model, theme, cells);
    let spare = room.saturating_sub(body.len());
    creds.drain(..creds.len().saturating_sub(spare));
    lines.extend(creds);
    lines.extend(body);
    put_lines(buf, area, &lines);
}

/// ` demo  you are dave (developer) · alice connected · others join: see ? help`.
fn demo_banner(model: &Model, theme: &Theme, cells: usize) -> Option<Line<'static>> {
    let d = model.demo.as_ref()?;
    let role = if d.role.is_empty() { String::new() } else { format!(" ({})", d.role) };
    let who = match d.connected.len() {
        0 => "nobody else connected".to_string(),
        _ => format!("{} connected", d.connected.join(", ")),
    };
    let text = format!(" you are {}{role} · {who} · how the others join: ? help", d.me);
    Some(Line::from(vec![
        Span::styled(" demo", theme.style(Role::Pinned)),
        Span::styled(truncate(&text, cells.saturating_sub(5)), theme.style(Role::Header)),
    ]))
}

/// " connect prod  token from vault secret/argocd/prod ✓", one per instance that has a source.
pub fn credential_lines(model: &Model, theme: &Theme, cells: usize) -> Vec<Line<'static>> {
    model
        .instances
        .iter()
        .filter_map(|i| {
            let source = i.credential.as_deref()?;
            let text = truncate(&format!(" {}  {source}", i.name), cells.saturating_sub(9));
            Some(Line::from(vec![
                Span::styled(" connect", theme.style(Role::Header)),
                Span::styled(text, theme.style(Role::Dim)),
            ]))
        })
        .collect()
}

/// The run's line, and a second one with the failure message and hint.
pub fn run_lines(model: &Model, theme: &Theme, run: &Run, cells: usize) -> Vec<Line<'static>> {
    let dim = theme.style(Role::Dim);
    let opts = run.action.options();
    let opts = if opts.is_empty() { String::new() } else { format!(" ({opts})") };
    // Local wall-clock time: the offset comes with the model, so views stay pure.
    let offset = chrono::FixedOffset::east_opt(model.utc_offset_secs).unwrap_or(chrono::Offset::fix(&chrono::Utc));
    let head = vec![
        Span::styled(format!(" {} ", run.started_at.with_timezone(&offset).format("%H:%M:%S")), dim),
        Span::raw(format!("{} ", truncate(&run.user, 16))),
        Span::styled(run.action.verb(), theme.style(Role::Header)),
        Span::raw(format!(" {}", run.label)),
    ];
    let step_glyph = |status| match status {
        StepStatus::Running => Span::styled(spinner(model.now), theme.style(Role::Pending)),
        StepStatus::Done => Span::styled(glyphs::DONE, theme.style(Role::Ok)),
        StepStatus::Failed => Span::styled(glyphs::FAILED, theme.style(Role::Error)),
    };
    let end = run.finished_at.unwrap_or(model.now);
    let took = Span::styled(format!("  {}", elapsed(run.started_at, end)), dim);
    // Every step with its label when it fits; else the options go, and only the last step
    // keeps its label (the others show their glyphs).
    let mut full = head.clone();
    full.push(Span::raw(format!("{opts} ")));
    for step in &run.steps {
        full.push(Span::raw(format!(" {} ", step.label)));
        full.push(step_glyph(step.status));
    }
    full.push(took.clone());
    let line = if Line::from(full.clone()).width() <= cells {
        Line::from(full)
    } else {
        let mut short = head;
        short.push(Span::raw(" "));
        for (i, step) in run.steps.iter().enumerate() {
            if i + 1 == run.steps.len() {
                short.push(Span::raw(format!(" {} ", step.label)));
            }
            short.push(step_glyph(step.status));
        }
        short.push(took);
        Line::from(short)
    };
    let mut out = vec![line];
    if let RunOutcome::Failed { message, hint } = &run.outcome {
        let hint = hint.as_deref().map(|h| format!(" — hint: {h}")).unwrap_or_default();
        let text = truncate(&format!("   {} {message}{hint}", glyphs::FAILED), cells);
        out.push(Line::styled(text, theme.style(Role::Error)));
    }
    out
}

/// "4.2s" under a minute, "3m12s" above.
fn elapsed(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let ms = (to - from).num_milliseconds().max(0);
    if ms < 60_000 {
        format!("{}.{}s", ms / 1000, ms % 1000 / 100)
    } else {
        format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_reads_short() {
        let t = DateTime::from_timestamp(1_000, 0).unwrap();
        assert_eq!(elapsed(t, t + chrono::Duration::milliseconds(4_230)), "4.2s");
        assert_eq!(elapsed(t, t + chrono::Duration::seconds(192)), "3m12s");
        assert_eq!(elapsed(t, t - chrono::Duration::seconds(1)), "0.0s");
    }

    fn text(model: &Model, w: u16, h: u16) -> String {
        let ui = crate::ui::fixture::ui();
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        draw(&mut buf, area, model, &ui.theme);
        (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n").collect()
    }

    #[test]
    fn credential_sources_are_the_first_entries_while_room_is_left() {
        let mut m = crate::ui::fixture::fixture_model();
        m.runs.clear();
        for i in &mut m.instances {
            i.credential = Some(format!("token from vault secret/argocd/{} ✓", i.name));
        }
        let all = text(&m, 80, 6);
        assert!(all.contains("connect prod  token from vault secret/argocd/prod ✓"), "{all}");
        assert!(all.contains("connect dev"), "{all}");
        assert!(all.contains("no actions yet"), "{all}");
        // One line of room: the run log's own content wins.
        let tight = text(&m, 80, 2);
        assert!(tight.contains("no actions yet") && !tight.contains("connect"), "{tight}");
        // An instance without a known source shows nothing.
        m.instances.iter_mut().for_each(|i| i.credential = None);
        assert!(!text(&m, 80, 6).contains("connect"));
    }
}
