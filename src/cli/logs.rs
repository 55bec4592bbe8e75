//! `flightdeck logs SERVICE --env E [--follow] [--tail N] [--container C] [--previous]
//! [-o json]`: the logs of every pod of the service's workload, through Argo CD's pod logs
//! API (so Argo CD's RBAC `logs, get` applies). Each line is `POD  LINE`, or with `-o json`
//! one object per line (`{"pod","time","content"}`), so `| head` and `| jq` work while
//! following. An unknown container is a usage error with the workload's containers.

use super::args::{Format, Target};
use super::govern::Headless;
use super::output::{outln, print_json_line};
use super::resolve::resolve;
use crate::client::argocd::logs::LogQuery;
use crate::client::ResourceRef;
use crate::domain::{ErrorKind, Failure};

/// What `logs` was asked.
pub struct LogsArgs {
    pub target: Target,
    pub follow: bool,
    pub tail: Option<u64>,
    pub container: Option<String>,
    pub previous: bool,
    pub format: Format,
}

pub async fn run(h: &Headless, a: LogsArgs) -> Result<(), Failure> {
    let dep = resolve(&h.cfg, &a.target).await?;
    let client = h.client(dep.key.instance)?;
    let detail = client.get(&dep.key, None).await.map_err(|e| e.to_failure())?.0;
    let w = detail.workload().ok_or_else(|| {
        Failure::new(ErrorKind::Usage, format!("{} has no Deployment, StatefulSet or Rollout with pods", dep.key.name))
    })?;
    let resource = ResourceRef {
        group: w.group.clone(),
        version: w.version.clone(),
        kind: w.kind.clone(),
        namespace: w.namespace.clone(),
        name: w.name.clone(),
    };
    if let Some(c) = &a.container {
        // The pod template's containers; when the manifest cannot be read, Argo CD answers.
        if let Ok(manifest) = client.resource_manifest(&dep.key, &resource).await {
            let names = crate::client::argocd::logs::containers_of(&manifest);
            if !names.is_empty() && !names.contains(c) {
                return Err(crate::domain::choices::unknown("container", c, &names));
            }
        }
    }
    let q = LogQuery { resource, container: a.container, tail: a.tail, follow: a.follow, previous: a.previous };
    let mut stream = client.logs(&dep.key, &q).await.map_err(|e| e.to_failure())?;
    while let Some(lines) = stream.next_lines().await.map_err(|e| e.to_failure())? {
        for l in lines {
            match a.format {
                Format::Json => {
                    print_json_line(&serde_json::json!({"pod": l.pod, "time": l.at, "content": l.content}))?
                }
                Format::Table => outln!("{}  {}", l.pod, l.content),
            }
        }
    }
    Ok(())
}
