//! The run log: one line per run, newest last — when, who, what, where, each step with its
//! outcome (a spinner while it runs) and the elapsed time — plus a line with the failure
//! message and hint when a run failed. Step names stay whole while they fit, then shorten
//! evenly, and only as a last resort give way to their glyphs. The full-screen log (`E`)
//! shows every step on its own line with its time and duration, scrollable.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::domain::{Model, Run, RunOutcome, StepStatus};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{glyphs, put_lines, rule, spinner, truncate, width};

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
    // Every step with its whole label when it fits; else the options go; then the labels
    // shorten evenly (never below a few letters); only then do all but the last show just
    // their glyphs.
    let labels: Vec<&str> = run.steps.iter().map(|s| s.label.as_str()).collect();
    let head_w = Line::from(head.clone()).width();
    let with_opts = head_w + width(&opts) + 1 + took.width();
    let bare = head_w + 1 + took.width();
    let line =
        match (fit_labels(&labels, cells.saturating_sub(with_opts)), fit_labels(&labels, cells.saturating_sub(bare))) {
            (Some(fitted), _) => step_line(head, Some(&opts), &fitted, run, step_glyph, took),
            (None, Some(fitted)) => step_line(head, None, &fitted, run, step_glyph, took),
            (None, None) => {
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
            }
        };
    let mut out = vec![line];
    if let RunOutcome::Failed { message, hint } = &run.outcome {
        let hint = hint.as_deref().map(|h| format!(" — hint: {h}")).unwrap_or_default();
        let text = truncate(&format!("   {} {message}{hint}", glyphs::FAILED), cells);
        out.push(Line::styled(text, theme.style(Role::Error)));
    }
    out
}

/// Shortest a step's label is cut to before the steps give way to their glyphs.
const LABEL_MIN: usize = 8;

/// The labels cut evenly so ` label ✓` for every step fits in `room` cells; `None` when even
/// [`LABEL_MIN`] letters each do not fit.
fn fit_labels(labels: &[&str], room: usize) -> Option<Vec<String>> {
    let cost = |cap: usize| labels.iter().map(|l| width(l).min(cap) + 3).sum::<usize>();
    let longest = labels.iter().map(|l| width(l)).max().unwrap_or(0);
    if cost(longest) <= room {
        return Some(labels.iter().map(|l| l.to_string()).collect());
    }
    let cap = (LABEL_MIN..longest).rev().find(|c| cost(*c) <= room)?;
    Some(labels.iter().map(|l| truncate(l, cap)).collect())
}

fn step_line(
    mut spans: Vec<Span<'static>>,
    opts: Option<&str>,
    labels: &[String],
    run: &Run,
    glyph: impl Fn(StepStatus) -> Span<'static>,
    took: Span<'static>,
) -> Line<'static> {
    spans.push(Span::raw(format!("{} ", opts.unwrap_or(""))));
    for (label, step) in labels.iter().zip(&run.steps) {
        spans.push(Span::raw(format!(" {label} ")));
        spans.push(glyph(step.status));
    }
    spans.push(took);
    Line::from(spans)
}

/// The full-screen run log: each run, then each of its steps on its own line with the local
/// time it started, its duration and its outcome; the failure and its hint; scrolled `back`
/// lines up from the newest.
pub fn draw_full(buf: &mut Buffer, area: Rect, model: &Model, theme: &Theme, back: u16) {
    if area.height == 0 {
        return;
    }
    let cells = usize::from(area.width);
    let offset = chrono::FixedOffset::east_opt(model.utc_offset_secs).unwrap_or(chrono::Offset::fix(&chrono::Utc));
    let dim = theme.style(Role::Dim);
    let mut body: Vec<Line<'static>> = credential_lines(model, theme, cells);
    for run in &model.runs {
        let opts = run.action.options();
        let opts = if opts.is_empty() { String::new() } else { format!(" ({opts})") };
        let end = run.finished_at.unwrap_or(model.now);
        let (word, role) = match &run.outcome {
            RunOutcome::Running => (format!("{} running", spinner(model.now)), Role::Pending),
            RunOutcome::Succeeded => (format!("{} done", glyphs::DONE), Role::Ok),
            RunOutcome::Failed { .. } => (format!("{} failed", glyphs::FAILED), Role::Error),
        };
        body.push(Line::from(vec![
            Span::styled(format!(" {} ", run.started_at.with_timezone(&offset).format("%H:%M:%S")), dim),
            Span::raw(format!("{} ", run.user)),
            Span::styled(run.action.verb(), theme.style(Role::Header)),
            Span::raw(truncate(&format!(" {}{opts}  ", run.label), cells.saturating_sub(30))),
            Span::styled(word, theme.style(role)),
            Span::styled(format!("  {}", elapsed(run.started_at, end)), dim),
        ]));
        for step in &run.steps {
            let (g, role) = match step.status {
                StepStatus::Running => (spinner(model.now), Role::Pending),
                StepStatus::Done => (glyphs::DONE, Role::Ok),
                StepStatus::Failed => (glyphs::FAILED, Role::Error),
            };
            let took = elapsed(step.started_at, step.finished_at.unwrap_or(model.now));
            let local = step.started_at.with_timezone(&offset);
            let at = format!("{}.{}", local.format("%H:%M:%S"), local.timestamp_subsec_millis() / 100);
            body.push(Line::from(vec![
                Span::styled(format!("     {at}  "), dim),
                Span::styled(format!("{g} "), theme.style(role)),
                Span::raw(truncate(&step.label, cells.saturating_sub(30))),
                Span::styled(format!("  {took}"), dim),
            ]));
        }
        if let RunOutcome::Failed { message, hint } = &run.outcome {
            for l in crate::ui::widgets::wrap(&format!("{} {message}", glyphs::FAILED), cells.saturating_sub(5)) {
                body.push(Line::styled(format!("     {l}"), theme.style(Role::Error)));
            }
            if let Some(h) = hint {
                for l in crate::ui::widgets::wrap(&format!("hint: {h}"), cells.saturating_sub(5)) {
                    body.push(Line::styled(format!("     {l}"), dim));
                }
            }
        }
    }
    if model.runs.is_empty() {
        body.push(Line::styled(" no actions yet", dim));
    }
    let visible = usize::from(area.height - 1);
    let last_first = body.len().saturating_sub(visible);
    let first = last_first.saturating_sub(usize::from(back));
    let more =
        (body.len() > visible).then(|| format!("{}–{}/{}", first + 1, (first + visible).min(body.len()), body.len()));
    let mut lines = vec![rule("Run log", more.as_deref(), cells, theme.style(Role::Title), theme.style(Role::Border))];
    lines.extend(body.into_iter().skip(first));
    put_lines(buf, area, &lines);
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
    fn labels_stay_whole_then_shorten_evenly_then_give_way() {
        let labels = ["overlay located", "commit a1b2c3d pushed", "refresh sent", "operation running"];
        let whole = fit_labels(&labels, 200).unwrap();
        assert_eq!(whole, labels);
        let cut = fit_labels(&labels, 60).unwrap();
        assert!(cut.iter().all(|l| width(l) <= 12), "{cut:?}");
        assert!(cut.iter().map(|l| width(l) + 3).sum::<usize>() <= 60);
        assert_eq!(cut[2], "refresh sent", "short ones stay whole");
        assert_eq!(fit_labels(&labels, 20), None);
    }

    #[test]
    fn a_promotion_at_120_columns_keeps_its_step_names() {
        let mut m = crate::ui::fixture::fixture_model();
        let at = m.now;
        let mut run = m.runs[0].clone();
        run.steps.clear();
        for l in ["overlay located", "commit a1b2c3d pushed", "refresh sent", "sync sent", "operation running"] {
            run.step(l, StepStatus::Done, at);
        }
        run.step("healthy", StepStatus::Running, at);
        m.runs = vec![run];
        let text = text(&m, 120, 3);
        assert!(!text.contains("✓✓"), "{text}");
        assert!(text.contains("commit a1b"), "{text}");
        assert!(text.contains("healthy"), "{text}");
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
