//! The promotion dialog's body: the route A → B and the versions moving, the exact diff of
//! B's overlay (theme diff roles, scrollable with j/k, sized to the screen) or "computing
//! diff…" / the refusal, and the ticket and reason inputs when the policy asks for them. The
//! action dialog around it (`dialog.rs`) adds the typed name, the error and the key line.

use ratatui::text::{Line, Span};

use crate::domain::model::Dialog;
use crate::domain::promotion::{PromoteDialog, PromoteField};
use crate::domain::{Intent, Loadable, Model};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{diff_line, rule, spinner, truncate};

/// Fewest diff lines shown, however small the screen.
const MIN_DIFF_ROWS: usize = 3;

/// `Promote payment-service dev → STAGING`, `Deploy payment-service in DEV (GitOps)`.
pub fn title(dialog: &Dialog, p: &PromoteDialog) -> String {
    match &p.intent {
        Intent::Deploy => format!("Deploy {} in {} (GitOps)", dialog.service, p.to_env.to_uppercase()),
        Intent::Scale { .. } => format!("Scale {} in {} (GitOps)", dialog.service, p.to_env.to_uppercase()),
        Intent::Preview(i) => {
            format!("Preview {} from {} (GitOps)", dialog.service, p.to_env.to_uppercase())
                + &format!(": {}", i.describe())
        }
        Intent::Rollback { history_id } => {
            format!("Roll back {} in {} to history {history_id} (GitOps)", dialog.service, p.to_env.to_uppercase())
        }
        _ if !p.also.is_empty() => {
            let services: Vec<&str> =
                std::iter::once(dialog.service.as_str()).chain(p.also.iter().map(|r| r.service.as_str())).collect();
            format!("Release {} {} → {}", services.join(", "), p.from_env, p.to_env.to_uppercase())
        }
        _ => format!("Promote {} {} → {}", dialog.service, p.from_env, p.to_env.to_uppercase()),
    }
}

/// The lines between the dialog's first line and its typed-name prompt. `rows` is the height
/// the whole dialog may take (its borders included).
pub fn body(
    out: &mut Vec<Line<'static>>,
    model: &Model,
    dialog: &Dialog,
    p: &PromoteDialog,
    t: &Theme,
    cells: usize,
    rows: usize,
) {
    let dim = t.style(Role::Dim);
    let versions = match p.also.is_empty() {
        true => p.versions().join(", "),
        // A release: each service with what it moves.
        false => std::iter::once(format!("{} {}", dialog.service, p.versions().join("+")))
            .chain(p.also.iter().map(|r| format!("{} {}", r.service, tags(&r.images))))
            .collect::<Vec<_>>()
            .join(", "),
    };
    out.push(Line::from(vec![
        Span::raw(match &p.intent {
            Intent::Deploy => format!("deploy in {}: ", p.to_env),
            Intent::Rollback { .. } => format!("roll back in {}: ", p.to_env),
            Intent::Scale { workload, change } => format!("scale in {}: {}", p.to_env, change.describe(workload)),
            Intent::Preview(i) => format!("{} from {}: {}", i.op.verb(), p.to_env, i.describe()),
            _ => format!("{} → {}: ", p.from_env, p.to_env),
        }),
        Span::styled(truncate(&versions, cells / 2), t.style(Role::Header)),
        Span::styled(truncate(&format!("  ({} runs {} now)", p.to_env, p.target_version), cells / 2), dim),
    ]));
    let inputs = p.fields(p.asks.0, p.asks.1, dialog.require_typed.is_some());
    let asks = inputs.iter().filter(|f| matches!(f, PromoteField::Ticket | PromoteField::Reason)).count();
    // Everything else the dialog shows: borders 2, first line and blank 2, route 1, diff
    // rule 1, inputs, blank + typed name 2, error 1, blank + keys 2.
    let fixed = 2 + 2 + 1 + 1 + asks + 2 * usize::from(dialog.require_typed.is_some()) + 1 + 2;
    let diff_rows = rows.saturating_sub(fixed).max(MIN_DIFF_ROWS);
    match &p.plan {
        Loadable::Ready { value, .. } => {
            let lines = &value.diff;
            let first = usize::from(p.scroll).min(lines.len().saturating_sub(diff_rows));
            let shown = (first + diff_rows).min(lines.len());
            let note = format!("{}–{}/{} · j/k", first + 1, shown, lines.len());
            let focus = if p.focus == PromoteField::Diff { Role::Title } else { Role::Header };
            out.push(rule(
                &format!("diff of {}", value.path),
                Some(&note),
                cells,
                t.style(focus),
                t.style(Role::Border),
            ));
            out.extend(lines.iter().skip(first).take(diff_rows).map(|l| diff_line(l, t, cells)));
        }
        Loadable::Failed { failure, .. } => {
            let nothing = failure.message.starts_with("nothing to do");
            let role = if nothing { Role::Warning } else { Role::Error };
            out.push(Line::styled(truncate(&format!("✖ {}", failure.message), cells), t.style(role)));
            if let Some(h) = &failure.hint {
                out.push(Line::styled(truncate(&format!("  {h}"), cells), dim));
            }
            out.push(Line::styled("nothing will be written — enter or esc closes", dim));
        }
        Loadable::Loading { .. } | Loadable::NotAsked => {
            out.push(Line::styled(format!("{} computing diff…", spinner(model.now)), dim));
        }
    }
    for (field, label, input) in
        [(PromoteField::Ticket, "change ticket", &p.ticket), (PromoteField::Reason, "reason", &p.reason)]
    {
        if inputs.contains(&field) {
            let cursor = if p.focus == field { "█" } else { "" };
            out.push(Line::from(vec![
                Span::styled(format!("{label}: "), t.style(Role::Warning)),
                Span::raw(truncate(&input.text, cells.saturating_sub(label.len() + 4))),
                Span::styled(cursor, t.style(Role::Key)),
            ]));
        }
    }
}

/// The tags of `images` ("v1.3.0+v2"), as the versions line shows them.
fn tags(images: &[String]) -> String {
    images.iter().map(|i| crate::domain::deployment::image_tag(i).unwrap_or(i)).collect::<Vec<_>>().join("+")
}

#[cfg(test)]
#[path = "promote_tests.rs"]
mod tests;
