//! The `:` command line, pure: what a line asks for (arguments honoured: `:sync --prune`,
//! `:scale 3`, `:rollback 41`, `:deploy v1.4.0`, `:theme light`, `:sort team`, `:env prod`, `:filter health:degraded`)
//! and completion of commands and their arguments (tab). Running it is `normal.rs`'s job.
//! A leaf of `app/`.

use super::Command;
use crate::domain::Model;

/// The commands with arguments, as help lists them (then every key command by name).
pub const USAGE: &[(&str, &str)] = &[
    (
        ":sync [--prune] [--dry-run] [--force] [--apply-only]",
        "Sync with these options (the marked rows, or the selection)",
    ),
    (":scale N", "Scale the selection's workload to N replicas"),
    (":rollback ID", "Roll back to history entry ID"),
    (":deploy TAG", "Deploy image tag TAG in the selected cell (committed to Git, diff first)"),
    (":preview [TTL]", "Request a preview environment copied from the selected cell (default 8h)"),
    (":delivery [WINDOW]", "Delivery history and figures of the selected service (7d, 30d, 12h…)"),
    (":new-service", "Create a service from a template in the GitOps repository (a form, then the diff)"),
    (":theme NAME", "Switch the theme (default, light, mono, or a file)"),
    (":sort service|problems|team|ENV", "Sort the matrix (ENV: by the version running there)"),
    (":filter TEXT", "Filter: words, health:, sync:, env: (empty clears)"),
    (":env NAME", "Select an environment column"),
    (":q  :q!", "Quit (asks while something runs) / quit without asking"),
    (":NAME", "Any key command by its name, e.g. :attention, :history, :run-log"),
];

/// Sync options a `:sync` line names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncFlags {
    pub prune: bool,
    pub dry_run: bool,
    pub force: bool,
    pub apply_only: bool,
}

const SYNC_FLAGS: [&str; 4] = ["--prune", "--dry-run", "--force", "--apply-only"];

/// What a command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Nothing,
    Quit,
    QuitNow,
    Filter(String),
    Env(String),
    Sort(Option<String>),
    Theme(String),
    Sync(SyncFlags),
    Scale(u32),
    Rollback(i64),
    Deploy(String),
    /// A preview environment of the selected cell, living this long (`None`: the default).
    Preview(Option<std::time::Duration>),
    /// The delivery view over this window (seconds).
    Delivery(u64),
    /// Open the form creating a service.
    NewService,
    Run(Command),
    /// Why the line cannot be run, said as the flash says it.
    Bad(String),
}

fn builtins() -> [&'static str; 13] {
    [
        "quit",
        "q!",
        "filter",
        "env",
        "sort",
        "theme",
        "sync",
        "scale",
        "rollback",
        "deploy",
        "preview",
        "new-service",
        "help",
    ]
}

/// Parse a command line.
pub fn parse(text: &str) -> Line {
    let text = text.trim();
    let (word, arg) = text.split_once(' ').map_or((text, ""), |(w, a)| (w, a.trim()));
    let no_args = |line: Line| if arg.is_empty() { line } else { Line::Bad(format!(":{word} takes no arguments")) };
    match word {
        "" => Line::Nothing,
        "q" | "quit" | "exit" => no_args(Line::Quit),
        // As in vim: quit without asking.
        "q!" | "quit!" => Line::QuitNow,
        "filter" | "f" => Line::Filter(arg.to_string()),
        "new-service" => no_args(Line::NewService),
        "env" if !arg.is_empty() => Line::Env(arg.to_string()),
        "sort" => Line::Sort(Some(arg.to_string()).filter(|a| !a.is_empty())),
        "theme" if !arg.is_empty() => Line::Theme(arg.to_string()),
        "theme" | "env" => Line::Bad(format!(":{word} needs a name (tab lists them)")),
        "sync" => {
            let mut f = SyncFlags::default();
            for a in arg.split_whitespace() {
                match a {
                    "--prune" => f.prune = true,
                    "--dry-run" => f.dry_run = true,
                    "--force" => f.force = true,
                    "--apply-only" => f.apply_only = true,
                    other => return Line::Bad(format!(":sync does not know {other:?}: {}", SYNC_FLAGS.join(" "))),
                }
            }
            Line::Sync(f)
        }
        "scale" if arg.is_empty() => Line::Run(Command::Scale),
        "scale" => {
            arg.parse().map_or_else(|_| Line::Bad(format!(":scale takes a replica count, not {arg:?}")), Line::Scale)
        }
        "rollback" if arg.is_empty() => Line::Run(Command::Rollback),
        "rollback" => {
            arg.parse().map_or_else(|_| Line::Bad(format!(":rollback takes a history id, not {arg:?}")), Line::Rollback)
        }
        "deploy" if arg.is_empty() => Line::Bad(":deploy needs an image tag, e.g. :deploy v1.4.0".into()),
        "deploy" => Line::Deploy(arg.to_string()),
        "preview" if arg.is_empty() => Line::Preview(None),
        // Checked here too, so a bad TTL is said before anything is asked.
        "preview" => {
            match crate::domain::duration::parse(arg).and_then(|d| crate::domain::preview::ttl_of(d).map(|_| d)) {
                Ok(ttl) => Line::Preview(Some(ttl)),
                Err(why) => Line::Bad(format!(":preview {why}")),
            }
        }
        "delivery" if !arg.is_empty() => window(arg).map_or_else(
            || Line::Bad(format!(":delivery takes a window such as 7d, 2w or 12h, not {arg:?}")),
            Line::Delivery,
        ),
        other => match Command::from_name(&other.replace('-', "_")) {
            Some(cmd) => no_args(Line::Run(cmd)),
            None => Line::Bad(format!("unknown command :{other} — :help lists the commands, tab completes")),
        },
    }
}

/// A window as `--window` takes it (7d, 2w, 12h…), in seconds.
fn window(arg: &str) -> Option<u64> {
    crate::domain::duration::parse(arg).ok().map(|d| d.as_secs())
}

/// What can follow `word` as its argument.
fn arguments(model: &Model, word: &str) -> Vec<String> {
    match word {
        "env" => model.envs.clone(),
        "theme" => ["default", "light", "mono"].map(String::from).to_vec(),
        "sort" => {
            let mut v: Vec<String> = ["service", "problems", "team"].map(String::from).to_vec();
            v.extend(model.envs.iter().cloned());
            v
        }
        "sync" => SYNC_FLAGS.map(String::from).to_vec(),
        "delivery" => ["7d", "30d", "90d"].map(String::from).to_vec(),
        "filter" | "f" => {
            let mut v: Vec<String> = ["health:degraded", "health:progressing", "health:missing", "sync:outofsync"]
                .map(String::from)
                .to_vec();
            v.extend(model.envs.iter().map(|e| format!("env:{e}")));
            v
        }
        "rollback" => model
            .detail
            .as_ref()
            .and_then(|d| d.app.value())
            .map(|a| a.history.iter().rev().map(|h| h.id.to_string()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Tab: complete the last word of `text` (a command, or its argument). Returns the new text
/// and every candidate (shown when more than one fits).
pub fn complete(model: &Model, text: &str) -> (String, Vec<String>) {
    let (head, last) = match text.rsplit_once(' ') {
        Some((h, l)) => (format!("{h} "), l),
        None => (String::new(), text),
    };
    let pool: Vec<String> = if head.is_empty() {
        let mut v: Vec<String> = builtins().map(String::from).to_vec();
        v.extend(Command::ALL.iter().map(|c| c.name().replace('_', "-")));
        v.sort();
        v.dedup();
        v
    } else {
        arguments(model, head.split_whitespace().next().unwrap_or(""))
    };
    let hits: Vec<String> = pool.into_iter().filter(|c| c.starts_with(last)).collect();
    match hits.as_slice() {
        [] => (text.to_string(), Vec::new()),
        [one] => {
            // A key:value filter term stays open for its value.
            let tail = if one.ends_with(':') { "" } else { " " };
            (format!("{head}{one}{tail}"), Vec::new())
        }
        many => {
            let common = many.iter().skip(1).fold(many[0].clone(), |acc, c| {
                acc.chars().zip(c.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
            });
            let longer = if common.len() > last.len() { common } else { last.to_string() };
            (format!("{head}{longer}"), many.to_vec())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_honour_their_arguments() {
        assert_eq!(
            parse("sync --prune --dry-run"),
            Line::Sync(SyncFlags { prune: true, dry_run: true, ..Default::default() })
        );
        assert_eq!(parse("scale 3"), Line::Scale(3));
        assert_eq!(parse("rollback 41"), Line::Rollback(41));
        assert_eq!(parse("theme light"), Line::Theme("light".into()));
        assert_eq!(parse("sort team"), Line::Sort(Some("team".into())));
        assert_eq!(parse("run-log"), Line::Run(Command::RunLog));
        assert!(matches!(parse("sync --prnue"), Line::Bad(m) if m.contains("--prune")));
        assert!(matches!(parse("scale three"), Line::Bad(_)));
        assert!(matches!(parse("foo"), Line::Bad(m) if m.contains(":help")));
        assert!(matches!(parse("diff now"), Line::Bad(m) if m.contains("no arguments")));
        assert_eq!(parse("delivery 7d"), Line::Delivery(7 * 86_400));
        assert_eq!(parse("delivery 2w"), Line::Delivery(14 * 86_400));
        assert_eq!(parse("delivery"), Line::Run(Command::Delivery));
        assert!(matches!(parse("delivery 0d"), Line::Bad(m) if m.contains("7d")));
        assert!(matches!(parse("delivery soon"), Line::Bad(_)));
    }

    #[test]
    fn tab_completes_commands_and_their_arguments() {
        let m = Model { envs: vec!["dev".into(), "staging".into(), "prod".into()], ..Default::default() };
        assert_eq!(complete(&m, "the").0, "theme ");
        assert_eq!(complete(&m, "theme l").0, "theme light ");
        assert_eq!(complete(&m, "env p").0, "env prod ");
        assert_eq!(complete(&m, "sync --pr").0, "sync --prune ");
        let (text, all) = complete(&m, "sync --prune --");
        assert_eq!(text, "sync --prune --");
        assert_eq!(all.len(), 4);
        let (text, all) = complete(&m, "ro");
        assert_eq!(text, "roll");
        assert!(all.contains(&"rollback".to_string()) && all.contains(&"rollout-promote".to_string()));
        assert_eq!(complete(&m, "filter env:s").0, "filter env:staging ");
    }
}
