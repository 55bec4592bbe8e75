//! `flightdeck history SERVICE --env E [-o json]`: the deployment history as Argo CD reports
//! it (`status.history`), newest first, with what `rollback --to` takes: the id, the
//! revision, when and by whom it was deployed, and the image tags where Argo CD reports them
//! — the newest entry gets `status.summary.images` (what runs), older ones their source's
//! `kustomize.images` overrides, else the tags their revision's overlay in Git gave the
//! running images (Argo CD keeps no image list per entry otherwise): the versions a GitOps
//! `rollback --to` writes back.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::args::{Format, Target};
use super::govern::Headless;
use super::output::{columns, outln, print_json};
use super::resolve::resolve;
use crate::domain::{Failure, HistoryEntry};

/// One entry as `history -o json` prints it.
#[derive(Serialize)]
struct Row<'a> {
    id: i64,
    revision: &'a str,
    deployed_at: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    initiated_by: &'a str,
    images: &'a [String],
    /// The entry deployed last (the newest): its images are what runs now.
    current: bool,
}

pub async fn run(h: &Headless, target: &Target, format: Format) -> Result<(), Failure> {
    let dep = resolve(&h.cfg, target).await?;
    let app = h.client(dep.key.instance)?.get_app(&dep.key, None).await.map_err(|e| e.to_failure())?;
    let mut detail = app.to_detail();
    let running = &dep.images;
    // Older entries' versions from Git, one working clone for all; best effort.
    let unknown: Vec<String> =
        detail.history.iter().filter(|e| e.images.is_empty()).map(|e| e.revision.clone()).collect();
    if !unknown.is_empty() {
        let client = h.client(dep.key.instance)?;
        let settings = crate::client::git::promote::PromoteSettings::for_client(client).await?;
        if let Ok(found) = crate::client::git::history::images_at_each(&app, &unknown, running, &settings).await {
            let mut found = found.into_iter();
            for e in detail.history.iter_mut().filter(|e| e.images.is_empty()) {
                if let Some(Ok(images)) = found.next() {
                    e.images = images;
                }
            }
        }
    }
    // Every successful sync or rollback appends an entry: the newest is what was deployed last.
    let newest = detail.history.last().map(|e| e.id);
    let is_current = |e: &HistoryEntry| Some(e.id) == newest;
    let rows: Vec<Row<'_>> = detail
        .history
        .iter()
        .rev()
        .map(|e| {
            let current = is_current(e);
            Row {
                id: e.id,
                revision: &e.revision,
                deployed_at: e.deployed_at,
                started_at: e.started_at,
                initiated_by: &e.initiated_by,
                images: if current && e.images.is_empty() { running } else { &e.images },
                current,
            }
        })
        .collect();
    match format {
        Format::Json => print_json(&serde_json::json!({
            "service": dep.service, "env": dep.env, "app": dep.key.name, "history": rows,
        })),
        Format::Table => {
            if rows.is_empty() {
                outln!("{} has no deployment history yet", dep.key.name);
                return Ok(());
            }
            let when =
                |t: Option<DateTime<Utc>>| t.map_or("-".into(), |t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
            let cells: Vec<[String; 5]> = rows
                .iter()
                .map(|r| {
                    let tags = crate::engine::payload::versions_of(r.images);
                    let images = match (tags.is_empty(), r.current) {
                        (true, true) => "(running)".to_string(),
                        (true, false) => "-".to_string(),
                        (false, true) => format!("{tags} (running)"),
                        (false, false) => tags,
                    };
                    let rev = r.revision.get(..7).unwrap_or(r.revision).to_string();
                    [r.id.to_string(), when(r.deployed_at), r.initiated_by.to_string(), rev, images]
                })
                .collect();
            for line in columns(["ID", "DEPLOYED AT", "BY", "REVISION", "IMAGES"], &cells) {
                outln!("{line}");
            }
            Ok(())
        }
    }
}
