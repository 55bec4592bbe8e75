//! `flightdeck diff SERVICE --env E [--exit-code] [-o json]`: how the live state differs
//! from Git, per managed resource, from the same managed-resources diff the detail pane
//! shows (`client::argocd::diff`). With `--exit-code` it exits 1 when anything differs and 0
//! when nothing does, as `argocd app diff` does; errors keep their own codes (2, 3, 4).

use std::process::ExitCode;

use super::args::{Format, Target};
use super::govern::Headless;
use super::output::{errln, outln, print_json};
use super::resolve::resolve;
use crate::domain::Failure;
use crate::engine::payload::diff_text;

pub async fn run(h: &Headless, target: &Target, exit_code: bool, format: Format) -> Result<ExitCode, Failure> {
    let dep = resolve(&h.cfg, target).await?;
    let diffs = h.client(dep.key.instance)?.diff(&dep.key).await.map_err(|e| e.to_failure())?;
    match format {
        Format::Json => {
            let resources: Vec<serde_json::Value> = diffs
                .iter()
                .map(|d| {
                    let lines: Vec<String> = d.lines.iter().map(diff_text).collect();
                    serde_json::json!({
                        "group": d.group, "kind": d.kind, "namespace": d.namespace, "name": d.name, "diff": lines,
                    })
                })
                .collect();
            print_json(&serde_json::json!({
                "service": dep.service, "env": dep.env, "app": dep.key.name,
                "differs": !diffs.is_empty(), "resources": resources,
            }))?;
        }
        Format::Table => {
            if diffs.is_empty() {
                errln!("{}: no difference between the live state and Git", dep.key.name);
            }
            for d in &diffs {
                let group = if d.group.is_empty() { String::new() } else { format!("{}/", d.group) };
                outln!("===== {group}{} {}/{} ======", d.kind, d.namespace, d.name);
                for l in &d.lines {
                    outln!("{}", diff_text(l));
                }
            }
        }
    }
    Ok(if exit_code && !diffs.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
