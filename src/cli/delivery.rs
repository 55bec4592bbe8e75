//! Headless `flightdeck delivery SERVICE [--env E] [--window 30d] [-o json]`: lists the
//! service's deployments, asks [`crate::client::delivery::assemble`] for its timeline and
//! figures (the very call the console's delivery view makes), and prints them — the timeline
//! oldest first, then the figures of `--env` (default: the pipeline's last environment,
//! production) as [`crate::domain::delivery::summary`] words them.

use std::time::Duration;

use chrono::SecondsFormat;

use super::args::Format;
use super::govern::Headless;
use super::output::{errln, outln, print_json};
use super::resolve::{is_service, services_of};
use super::status::list_all;
use crate::domain::delivery::{summary, Query};
use crate::domain::Failure;

pub async fn run(
    h: &Headless,
    service: &str,
    env: Option<String>,
    window: Duration,
    format: Format,
) -> Result<(), Failure> {
    let (deps, failure) = list_all(&h.cfg, None).await?;
    let mine: Vec<_> = deps.iter().filter(|d| is_service(d, service)).cloned().collect();
    if mine.is_empty() {
        return Err(failure.unwrap_or_else(|| crate::domain::choices::unknown("service", service, &services_of(&deps))));
    }
    let env = match env {
        Some(e) if h.pipeline.contains(&e) || mine.iter().any(|d| d.env == e) => e,
        Some(e) => {
            let mut known = h.pipeline.clone();
            known.extend(mine.iter().map(|d| d.env.clone()).filter(|x| !h.pipeline.contains(x)));
            return Err(crate::domain::choices::unknown("environment", &e, &known));
        }
        None => h.pipeline.last().cloned().unwrap_or_else(|| "prod".into()),
    };
    let query = Query { service: service.to_string(), deployments: mine, env, window_secs: window.as_secs() };
    let report = crate::client::delivery::assemble(&h.clients, &h.governance, &query).await?;
    for w in &report.warnings {
        errln!("{w}");
    }
    if format == Format::Json {
        return print_json(&serde_json::json!({
            "service": service,
            "figures": report.figures,
            "timeline": report.timeline,
        }));
    }
    for a in &report.timeline {
        let failed = if a.failed { " (failed)" } else { "" };
        outln!(
            "{}  {:<8} {:<9} {:<10} {:<9} {}{failed}  [{}]",
            a.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            a.env,
            a.kind.name(),
            a.who,
            a.version.as_deref().unwrap_or("-"),
            a.detail,
            a.source
        );
    }
    let f = &report.figures;
    outln!("");
    outln!("delivery of {service} in {}, {} to {}:", f.env, f.from.format("%Y-%m-%d"), f.to.format("%Y-%m-%d"));
    for (label, value, note) in summary(f) {
        let note = if note.is_empty() { String::new() } else { format!(" ({note})") };
        outln!("  {label:<17} {value}{note}");
    }
    Ok(())
}
