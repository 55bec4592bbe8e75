//! Creating a service across the estate, the one implementation the console's executor and
//! the headless `new-service` both run: read what the creation is checked against
//! ([`context`]), plan it, and run it — commit and push the template's files (and, the
//! app-of-apps way, the Applications' manifests), or create each Application through the
//! API on the instance serving its environment; then follow until every app is listed
//! (with `wait`, until each is healthy). Each part is a reported step.

use std::time::{Duration, Instant};

use super::actions::{say, step, RunOptions, StepReport};
use super::argocd::lifecycle::CreateOpts;
use super::argocd::ArgoClient;
use super::git::create::{self as git_create, CreateContext, CreatePlan};
use super::git::promote::PromoteSettings;
use crate::domain::mapping::Mapping;
use crate::domain::new_service::{app_name, manifest, AppShape, AppsVia, NewService};
use crate::domain::{ErrorKind, Failure, Health, StepStatus};

/// How long a run waits for the new apps to be listed when not asked to wait for health:
/// long enough for an app-of-apps parent without a webhook to read the commit on its own
/// (Argo CD's reconciliation period, 3 minutes by its documentation's default; the
/// reference in shared/reference says nothing of it).
pub const APPEAR_TIMEOUT: Duration = Duration::from_secs(240);
/// How often the instances are listed while waiting.
const POLL_EVERY: Duration = Duration::from_millis(250);

/// The instance serving `env` (configured `env`), else the first: where its Application is
/// created through the API and looked for.
pub fn instance_for(clients: &[ArgoClient], env: &str) -> usize {
    clients.iter().position(|c| c.config().env.as_deref() == Some(env)).unwrap_or(0)
}

/// What a creation is checked against: the repository (`remote`, else the one the first
/// instance's apps point at), the label keys, the policy's teams, the services Argo CD runs.
pub async fn context(
    clients: &[ArgoClient],
    remote: Option<&str>,
    teams: Vec<String>,
) -> Result<CreateContext, Failure> {
    let first = clients.first().ok_or_else(|| Failure::new(ErrorKind::Usage, "no Argo CD instance configured"))?;
    let mut known = Vec::new();
    let mut repo = remote.map(str::to_string);
    for c in clients {
        let (apps, _) = c.list().await.map_err(|e| e.to_failure())?;
        if repo.is_none() {
            repo = apps.iter().map(|d| d.repo_url.clone()).find(|r| !r.is_empty());
        }
        known.extend(apps.into_iter().map(|d| d.service));
    }
    known.sort();
    known.dedup();
    let repo_url = repo.ok_or_else(|| {
        Failure::new(ErrorKind::Usage, "no GitOps repository to write the new service to")
            .with_hint("set [gitops] remote in the Flightdeck config")
    })?;
    let (service_label, env_label) = match &first.config().mapping {
        Mapping::Labels { service, env } => (service.clone(), env.clone()),
        _ => match Mapping::default() {
            Mapping::Labels { service, env } => (service, env),
            _ => (String::new(), String::new()),
        },
    };
    Ok(CreateContext { repo_url, service_label, env_label, teams, known_services: known })
}

/// [`context`] with the policy's teams as `gov` holds them, writing to the repository the
/// apps point at (the console's executor knows no `[gitops] remote`; with governance on, the
/// policy's repository is normally that one).
pub async fn context_governed(
    clients: &[ArgoClient],
    gov: &super::engine::Governance,
) -> Result<CreateContext, Failure> {
    let teams = match gov.policy_state().await {
        crate::domain::approvals::PolicyState::Ready(p) => p.teams.clone(),
        _ => Vec::new(),
    };
    context(clients, None, teams).await
}

/// Plan `n` (every check, the new files as a diff).
pub async fn plan(clients: &[ArgoClient], cx: &CreateContext, n: &NewService) -> Result<CreatePlan, Failure> {
    let settings = settings(clients).await?;
    git_create::plan(&settings, cx, n).await
}

async fn settings(clients: &[ArgoClient]) -> Result<PromoteSettings, Failure> {
    let first = clients.first().ok_or_else(|| Failure::new(ErrorKind::Usage, "no Argo CD instance configured"))?;
    PromoteSettings::for_client(first).await
}

/// Run `n`: push, create (API), follow. `requested_by`: the approved request's requester,
/// else whoever runs it.
pub async fn run(
    clients: &[ArgoClient],
    cx: &CreateContext,
    n: &NewService,
    opts: RunOptions,
    mut report: &mut (dyn FnMut(StepReport) + Send),
) -> Result<(), Failure> {
    let r = &mut report;
    let first = clients.first().ok_or_else(|| Failure::new(ErrorKind::Usage, "no Argo CD instance configured"))?;
    let user = match &n.requested_by {
        Some(u) => u.clone(),
        None => first.userinfo().await.map(|u| u.username).unwrap_or_default(),
    };
    const PUSH: &str = "push commit";
    say(r, PUSH, StepStatus::Running);
    let pushed = match settings(clients).await {
        Ok(s) => git_create::push(&s, cx, n, &user).await,
        Err(f) => Err(f),
    };
    let (commit, plan) = match pushed {
        Ok(p) => p,
        Err(f) => {
            say(r, PUSH, StepStatus::Failed);
            return Err(f);
        }
    };
    say(r, &format!("commit {} pushed", commit.get(..7).unwrap_or(&commit)), StepStatus::Done);
    if n.via == AppsVia::Api {
        let shape = AppShape {
            repo_url: &cx.repo_url,
            branch: &plan.branch,
            service_label: &cx.service_label,
            env_label: &cx.env_label,
            automated: plan.automated,
        };
        for env in &n.envs {
            let client = &clients[instance_for(clients, env)];
            let app = manifest(n, env, &shape);
            let label = format!("Application {} created on {}", app.name, client.config().name);
            step(r, &label, client.create_app(&app, CreateOpts { upsert: false, validate: true })).await?;
        }
    }
    let limit = if opts.wait { opts.follow_timeout } else { APPEAR_TIMEOUT };
    let deadline = Instant::now() + limit;
    for env in &n.envs {
        let name = app_name(&n.service, env);
        let client = &clients[instance_for(clients, env)];
        let listed = format!("{name} listed");
        say(r, &listed, StepStatus::Running);
        if let Err(f) = until(client, &name, deadline, limit, |_| true).await {
            say(r, &listed, StepStatus::Failed);
            return Err(f);
        }
        say(r, &listed, StepStatus::Done);
    }
    if !opts.wait {
        return Ok(());
    }
    for env in &n.envs {
        let name = app_name(&n.service, env);
        let client = &clients[instance_for(clients, env)];
        let healthy = format!("{name} healthy");
        say(r, &healthy, StepStatus::Running);
        if let Err(f) = until(client, &name, deadline, limit, |h| h == Health::Healthy).await {
            say(r, &healthy, StepStatus::Failed);
            return Err(f);
        }
        say(r, &healthy, StepStatus::Done);
    }
    Ok(())
}

/// List `client` until app `name` is there with a health `ok` accepts, or the deadline.
async fn until(
    client: &ArgoClient,
    name: &str,
    deadline: Instant,
    limit: Duration,
    ok: impl Fn(Health) -> bool,
) -> Result<(), Failure> {
    loop {
        let (apps, _) = client.list().await.map_err(|e| e.to_failure())?;
        if apps.iter().any(|d| d.key.name == name && ok(d.health)) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(Failure::new(ErrorKind::Timeout, format!("{name} not there after {}s", limit.as_secs()))
                .with_hint("the commit is pushed: Argo CD creates the app when its app-of-apps parent syncs"));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
