//! `flightdeck status`: the matrix once, as a table or as JSON, from fields-trimmed lists of
//! every instance fetched in parallel (no per-app requests, so scripts can call it in loops).

use futures_util::future::join_all;
use serde::Serialize;

use super::args::Format;
use super::output::{color_stdout, columns, outln, paint};
use super::resolve::{check_env, is_service, services_of};
use crate::client::ArgoClient;
use crate::config::Config;
use crate::domain::{Deployment, Failure, Health, SyncStatus};

/// One deployment as `status -o json` prints it.
#[derive(Serialize)]
struct Row<'a> {
    instance: &'a str,
    app: &'a str,
    namespace: &'a str,
    project: &'a str,
    service: &'a str,
    env: &'a str,
    health: &'a str,
    sync: &'a str,
    revision: &'a str,
    images: &'a [String],
    version: &'a str,
    operation: Option<&'static str>,
    auto_sync: bool,
}

/// Clients for every instance, stamped with their index, built by the credential layer: Vault
/// tokens (already read into `cfg` by `credentials::resolve`) are read again once on a 401.
pub fn clients(cfg: &Config) -> Result<Vec<ArgoClient>, Failure> {
    let none = crate::client::credentials::Resolved::default();
    crate::client::credentials::clients(cfg, &none).map_err(|e| e.to_failure())
}

/// List the instances that can hold `env` (all, unless instances are bound to environments),
/// in parallel. Returns what answered and the first failure, if any. A complete listing
/// refreshes the names the completion scripts offer.
pub async fn list_all(cfg: &Config, env: Option<&str>) -> Result<(Vec<Deployment>, Option<Failure>), Failure> {
    let clients = clients(cfg)?;
    let wanted: Vec<&ArgoClient> = clients
        .iter()
        .filter(|c| match (env, &c.config().env) {
            (Some(e), Some(ie)) => e == ie,
            _ => true,
        })
        .collect();
    let results = join_all(wanted.iter().map(|c| c.list_items())).await;
    let mut all = Vec::new();
    let mut failure = None;
    for (c, r) in wanted.iter().zip(results) {
        match r {
            Ok(list) => {
                // Skipped, and named: one malformed app never hides the rest.
                for item in &list.skipped {
                    super::output::errln!("{}: skipped an app that could not be read: {item}", c.config().name);
                }
                all.extend(list.deployments);
            }
            Err(e) => {
                let mut f = e.to_failure();
                f.message = format!("{}: {}", c.config().name, f.message);
                failure.get_or_insert(f);
            }
        }
    }
    if failure.is_none() && !all.is_empty() {
        let envs = super::resolve::known_envs(cfg, &all);
        super::estate_cache::save(&services_of(&all), &envs, env.is_none());
    }
    Ok((all, failure))
}

pub async fn run(cfg: &Config, format: Format, env: Option<&str>, service: Option<&str>) -> Result<(), Failure> {
    let (mut deps, failure) = list_all(cfg, env).await?;
    if let (true, Some(f)) = (deps.is_empty(), &failure) {
        // Nothing answered: an empty matrix would read as "no apps".
        return Err(f.clone());
    }
    check_env(cfg, &deps, env)?;
    deps.retain(|d| env.is_none_or(|e| d.env == e));
    if let (Some(s), None) = (service, &failure) {
        if !deps.iter().any(|d| is_service(d, s)) {
            return Err(crate::domain::choices::unknown("service", s, &services_of(&deps)));
        }
    }
    deps.retain(|d| service.is_none_or(|s| is_service(d, s)));
    let env_rank = |e: &str| cfg.envs.iter().position(|x| x == e).unwrap_or(usize::MAX);
    deps.sort_by(|a, b| {
        (a.service.as_str(), env_rank(&a.env), &a.env).cmp(&(b.service.as_str(), env_rank(&b.env), &b.env))
    });
    match format {
        Format::Json => print_json(cfg, &deps),
        Format::Table => print_table(cfg, &deps),
    }
    match failure {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

fn instance_name(cfg: &Config, i: usize) -> &str {
    cfg.instances.get(i).map_or("", |c| c.name.as_str())
}

fn print_json(cfg: &Config, deps: &[Deployment]) {
    let rows: Vec<Row<'_>> = deps
        .iter()
        .map(|d| Row {
            instance: instance_name(cfg, d.key.instance),
            app: &d.key.name,
            namespace: &d.key.namespace,
            project: &d.project,
            service: &d.service,
            env: &d.env,
            health: d.health_word(),
            sync: d.sync_word(),
            revision: &d.revision,
            images: &d.images,
            version: d.version_str(),
            operation: d.operation.map(|p| p.as_str()),
            auto_sync: d.auto_sync,
        })
        .collect();
    /// The document, serialized straight from the borrowed rows (a `json!` value would copy
    /// 50,000 apps into a tree first).
    #[derive(Serialize)]
    struct Doc<'a> {
        deployments: Vec<Row<'a>>,
    }
    // serde_json escapes control characters, and the client cleaned every string already.
    match serde_json::to_string(&Doc { deployments: rows }) {
        Ok(text) => outln!("{text}"),
        Err(e) => super::output::errln!("flightdeck: cannot write the JSON: {e}"),
    }
}

fn print_table(cfg: &Config, deps: &[Deployment]) {
    let color = color_stdout();
    let header = ["SERVICE", "ENV", "HEALTH", "SYNC", "VERSION", "OPERATION", "AUTO-SYNC", "APP", "INSTANCE"];
    let rows: Vec<[String; 9]> = deps
        .iter()
        .map(|d| {
            [
                d.service.clone(),
                d.env.clone(),
                d.health_word().to_string(),
                d.sync_word().to_string(),
                d.version(),
                d.operation.map_or("-", |p| p.as_str()).to_string(),
                if d.auto_sync { "on" } else { "off" }.to_string(),
                d.key.name.clone(),
                instance_name(cfg, d.key.instance).to_string(),
            ]
        })
        .collect();
    let lines = columns(header, &rows);
    let mut lines = lines.into_iter();
    if let Some(h) = lines.next() {
        outln!("{h}");
    }
    for (text, d) in lines.zip(deps) {
        let sgr = match (d.health, d.sync) {
            (Health::Degraded | Health::Missing, _) => Some("31"),
            (_, SyncStatus::OutOfSync) | (Health::Progressing, _) => Some("33"),
            _ => None,
        };
        match sgr {
            Some(s) => outln!("{}", paint(&text, s, color)),
            None => outln!("{text}"),
        }
    }
}
