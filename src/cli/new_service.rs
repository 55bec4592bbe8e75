//! Headless `flightdeck new-service NAME --team T --template TEMPLATE [--env E …] [--image I]
//! [--tag V] [--wait] [-o json]`: check and plan the creation (the template read from the
//! GitOps repository, every check before anything is written), show the new files as a diff
//! first, then the one governance path decides it as a `create` (run here, file an approval
//! request, or refuse with exit 3 and a trail record); run, it is one commit with the usual
//! trailers, then the Applications (committed for the app-of-apps parent, or created through
//! the API: `[gitops] applications`), followed until listed (with `--wait`, healthy).

use serde::Serialize;

use super::args::{Format, Waiting};
use super::govern::{Asked, Gate, Headless};
use super::output::{outln, print_json};
use crate::client::create;
use crate::domain::approvals::PolicyState;
use crate::domain::new_service::{app_name, NewService};
use crate::domain::{Action, AppKey, Deployment, ErrorKind, Failure};
use crate::engine::payload::diff_text;

/// What the command line asked for.
pub struct NewServiceArgs {
    pub name: String,
    pub team: String,
    pub template: String,
    /// Empty: every environment of the pipeline.
    pub envs: Vec<String>,
    pub image: Option<String>,
    pub tag: Option<String>,
    pub wait: Waiting,
    pub asked: Asked,
    pub format: Format,
}

/// What `-o json` prints.
#[derive(Serialize)]
struct Report<'a> {
    action: &'static str,
    service: &'a str,
    team: &'a str,
    template: &'a str,
    envs: &'a [String],
    /// `app-of-apps` or `api`.
    applications: &'static str,
    diff: Vec<String>,
    /// `done` (followed to healthy), `created` (the apps are listed), `filed`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<String>,
    steps: Vec<String>,
}

pub async fn run(h: &Headless, a: NewServiceArgs) -> Result<(), Failure> {
    let json = a.format == Format::Json;
    let envs = environments(&h.pipeline, &a.envs)?;
    let mut n = NewService {
        service: a.name.clone(),
        team: a.team.clone(),
        template: a.template.clone(),
        envs,
        image: a.image.clone(),
        tag: a.tag.clone(),
        via: h.cfg.gitops.applications,
        ticket: a.asked.ticket.clone(),
        reason: a.asked.reason.clone(),
        ..NewService::default()
    };
    let dep = h.creation_target(&n);
    // Read-only refuses before anything is cloned or planned.
    h.writable(&dep, &Action::Create(Box::new(n.clone())))?;
    let cx = h.creation_context().await?;
    let plan = create::plan(&h.clients, &cx, &n).await?;
    let diff: Vec<String> = plan.diff.iter().map(diff_text).collect();
    if !json {
        for l in &diff {
            outln!("{l}");
        }
    }
    n.diff = plan.diff;
    let action = Action::Create(Box::new(n.clone()));
    let report = |outcome: &'static str, commit: Option<String>, request: Option<String>, steps: Vec<String>| Report {
        action: "create",
        service: &n.service,
        team: &n.team,
        template: &n.template,
        envs: &n.envs,
        applications: n.via.name(),
        diff: diff.clone(),
        outcome,
        commit,
        request,
        steps,
    };
    let (who, context) = match h.govern_saying(&dep, &action, &a.asked, !json).await? {
        Gate::Run { who, context } => (who, context),
        Gate::Filed(id) => return if json { print_json(&report("filed", None, Some(id), Vec::new())) } else { Ok(()) },
    };
    let follow = Some(a.wait).filter(|w| w.wait).map(|w| w.timeout());
    let steps = h.run(&dep, &action, &who, &context, follow).await?;
    let commit =
        steps.iter().find_map(|s| s.strip_prefix("commit ")).and_then(|s| s.split(' ').next()).map(str::to_string);
    if json {
        let outcome = if follow.is_some() { "done" } else { "created" };
        return print_json(&report(outcome, commit, None, steps));
    }
    let apps: Vec<String> = n.envs.iter().map(|e| app_name(&n.service, e)).collect();
    let done = if follow.is_some() { "healthy" } else { "listed" };
    outln!("create {}: commit {} pushed; {} {done}", n.service, commit.unwrap_or_default(), apps.join(", "));
    Ok(())
}

/// The environments asked for, in pipeline order (every one when none is named); an
/// unknown one is refused naming the known.
fn environments(pipeline: &[String], asked: &[String]) -> Result<Vec<String>, Failure> {
    if asked.is_empty() {
        return Ok(pipeline.to_vec());
    }
    if let Some(bad) = asked.iter().find(|e| !pipeline.contains(e)) {
        let mut f = crate::domain::choices::unknown("environment", bad, pipeline);
        f.kind = ErrorKind::Usage;
        return Err(f);
    }
    Ok(pipeline.iter().filter(|e| asked.contains(e)).cloned().collect())
}

impl Headless {
    /// The deployment a creation is governed and recorded as: its app in the environment
    /// whose rules govern it (it does not exist yet).
    pub fn creation_target(&self, n: &NewService) -> Deployment {
        let env = n.governed_env().to_string();
        let instance = create::instance_for(&self.clients, &env);
        Deployment {
            key: AppKey { instance, namespace: String::new(), name: app_name(&n.service, &env) },
            project: n.team.clone(),
            service: n.service.clone(),
            team: Some(n.team.clone()),
            env,
            ..Deployment::default()
        }
    }

    /// What a creation is checked against now (the policy's teams when one is in force).
    pub async fn creation_context(&self) -> Result<crate::client::git::create::CreateContext, Failure> {
        let teams = match self.governance.policy_state().await {
            PolicyState::Ready(p) => p.teams.clone(),
            _ => Vec::new(),
        };
        create::context(&self.clients, self.cfg.gitops.remote.as_deref(), teams).await
    }
}
