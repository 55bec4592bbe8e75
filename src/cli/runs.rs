//! `flightdeck runs [--service S] [--env E] [-o json]`: the actions that ran (with their
//! outcome) and the approval requests (with what became of each), newest first, from the
//! engine through `Governance::runs` — the team's shared trail and ledger where governance is
//! configured, else this machine's trail.

use std::path::PathBuf;

use chrono::SecondsFormat;

use super::args::{Format, LedgerArgs};
use super::output::{columns, outln, print_json};
use crate::client::engine::embedded::LedgerPaths;
use crate::client::engine::Governance;
use crate::config::Config;
use crate::domain::sanitize::clean;
use crate::domain::Failure;

/// What `runs` was asked.
pub struct RunsArgs {
    pub service: Option<String>,
    pub env: Option<String>,
    pub dir: Option<PathBuf>,
    pub format: Format,
}

pub async fn run(cfg: Option<&Config>, ledger: &LedgerArgs, a: RunsArgs) -> Result<(), Failure> {
    let source = ledger.gitops(cfg).source();
    let git_auth = cfg.and_then(|c| crate::client::git::credentials::GitAuth::from_config(&c.git, &c.vault, None));
    let gov = Governance::new(source, LedgerPaths { audit_dir: a.dir.clone(), ..Default::default() }, git_auth);
    let mut rows = gov.runs().await?;
    rows.retain(|r| a.service.as_deref().is_none_or(|s| r.service == s) && a.env.as_deref().is_none_or(|e| r.env == e));
    match a.format {
        Format::Json => print_json(&rows),
        Format::Table => {
            if rows.is_empty() {
                outln!("no runs recorded{}", if gov.describe().is_none() { " on this machine" } else { "" });
                return Ok(());
            }
            let cells: Vec<[String; 6]> = rows
                .iter()
                .map(|r| {
                    let what = if r.detail.is_empty() { r.what() } else { format!("{} ({})", r.what(), r.detail) };
                    [
                        r.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                        r.kind.to_string(),
                        clean(&r.actor),
                        clean(&what),
                        clean(&r.status),
                        r.request.as_deref().map_or("-".into(), clean),
                    ]
                })
                .collect();
            for line in columns(["AT", "KIND", "WHO", "WHAT", "STATUS", "REQUEST"], &cells) {
                outln!("{line}");
            }
            Ok(())
        }
    }
}
