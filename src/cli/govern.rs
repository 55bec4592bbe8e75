//! The headless side of the one governance path: a session on the configured estate (its
//! clients and its governance), the decision for an action (`engine::governance::verdict`,
//! exactly as the console's update calls it), and running an allowed action with its trail
//! record. Refused → exit 3 with the rule (and a trail record); needs approval → the request
//! is filed, its id and what it needs are printed, exit 0; run → the caller runs it here.
//! A read-only session or instance refuses first (exit 3), before anything is filed or sent.

use chrono::Utc;

use super::output::{color_stderr, errln, outln, paint};
use crate::client::actions::{run_action_with, RunOptions, FOLLOW_TIMEOUT};
use crate::client::engine::conductor::ConductorEngine;
use crate::client::engine::conductor_run::RunTarget;
use crate::client::engine::embedded::LedgerPaths;
use crate::client::engine::Governance;
use crate::client::{ArgoClient, StepReport};
use crate::config::Config;
use crate::domain::approvals::PolicyState;
use crate::domain::policy::{ActionKind, Ask};
use crate::domain::{Action, Deployment, ErrorKind, Failure, RunContext, RunOutcome, StepStatus, UserInfo};
use crate::engine::governance::{verdict, Verdict};
use crate::engine::trail::{describe_outcome, Target};
use crate::engine::TrailEvent;

/// One headless command's session: the configured estate's clients and governance.
pub struct Headless {
    pub cfg: Config,
    pub clients: Vec<ArgoClient>,
    pub governance: Governance,
    /// The configured environment order (promotions keep it without a policy).
    pub pipeline: Vec<String>,
}

/// What `--ticket`, `--reason` and `--override-freeze` gave.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub ticket: Option<String>,
    pub reason: Option<String>,
    /// The freeze override's reason (it is also the request's reason).
    pub override_freeze: Option<String>,
}

/// What the governance said.
pub enum Gate {
    /// Run it here, as `who`, with this context for the trail.
    Run { who: UserInfo, context: RunContext },
    /// Filed as a request (its id); nothing runs now.
    Filed(String),
}

/// The governance of `cfg` (the ledger flags over its `[gitops]`) for the commands that reach
/// the engine but not Argo CD (`approvals`, `runs`, `conductor install`): on Conductor, its
/// application secret read from Vault where it lives there. Without a config: the ledger flags.
pub async fn engine_only(
    cfg: Option<&Config>,
    ledger: &super::LedgerArgs,
    paths: LedgerPaths,
) -> Result<Governance, Failure> {
    let Some(cfg) = cfg else { return Ok(Governance::new(ledger.gitops(None).source(), paths, None)) };
    let mut cfg = cfg.clone();
    cfg.gitops = ledger.gitops(Some(&cfg));
    let env = |k: &str| std::env::var(k).ok();
    crate::client::credentials::resolve_conductor(&mut cfg, &env, &mut None)
        .await
        .map_err(super::credential_failure)?;
    let git_auth = crate::client::git::credentials::GitAuth::from_config(&cfg.git, &cfg.vault, None);
    crate::session::governance(&cfg, git_auth, paths)
}

impl Headless {
    pub fn new(cfg: Config) -> Result<Self, Failure> {
        let clients = super::status::clients(&cfg)?;
        let git_auth = clients.first().and_then(|c| c.git_auth().cloned());
        let governance = crate::session::governance(&cfg, git_auth, Default::default())?;
        let pipeline = crate::session::pipeline(&cfg);
        Ok(Self { cfg, clients, governance, pipeline })
    }

    pub fn client(&self, instance: usize) -> Result<&ArgoClient, Failure> {
        self.clients
            .get(instance)
            .ok_or_else(|| Failure::new(ErrorKind::Usage, "instance vanished from the configuration"))
    }

    /// Who we are on Argo CD (its first instance: one identity across the estate).
    pub async fn who(&self) -> Result<UserInfo, Failure> {
        let first =
            self.clients.first().ok_or_else(|| Failure::new(ErrorKind::Usage, "no Argo CD instance configured"))?;
        first.userinfo().await.map_err(|e| e.to_failure())
    }

    /// Whether `action` on `dep` may run now, as the console would decide it.
    pub async fn govern(&self, dep: &Deployment, action: &Action, asked: &Asked) -> Result<Gate, Failure> {
        self.govern_saying(dep, action, asked, true).await
    }

    /// [`Self::govern`]; `say_filed`: print the filed request's line on stdout (off when the
    /// caller prints JSON there instead).
    pub async fn govern_saying(
        &self,
        dep: &Deployment,
        action: &Action,
        asked: &Asked,
        say_filed: bool,
    ) -> Result<Gate, Failure> {
        self.writable(dep, action)?;
        let client = self.client(dep.key.instance)?;
        let who = client.userinfo().await.map_err(|e| e.to_failure())?;
        let context =
            RunContext { ticket: asked.ticket.clone(), reason: asked.reason.clone(), ..RunContext::default() };
        // Refresh changes nothing in the cluster: never held back, nothing to read.
        if ActionKind::of(action).is_none() {
            return Ok(Gate::Run { who, context });
        }
        let state = self.governance.policy_state().await;
        let reason = asked.reason.clone().or_else(|| asked.override_freeze.clone());
        let ask = Ask {
            env: &dep.env,
            ticket: asked.ticket.as_deref(),
            reason: reason.as_deref(),
            override_freeze: asked.override_freeze.is_some(),
        };
        let (request, v) = verdict(&state, &self.pipeline, action, &ask, &who, Utc::now());
        let mut context =
            RunContext { ticket: request.ticket.clone(), reason: request.reason.clone(), ..RunContext::default() };
        let summary = crate::engine::payload::summary_of(&dep.service, &dep.env, action);
        match v {
            v @ Verdict::Run { .. } => {
                // Say (and record) what let it through when it is worth knowing.
                if let Verdict::Run { notes } = &v {
                    context.note = Some(notes.join("; ")).filter(|n| !n.is_empty());
                }
                if context.note.is_some() {
                    errln!("{summary}: {}", v.explain());
                }
                Ok(Gate::Run { who, context })
            }
            Verdict::Refused { reason } => {
                let event = TrailEvent::refusal(Utc::now(), &who, action, self.target(dep), &context, &reason);
                self.governance.record(event).await;
                Err(Failure::new(ErrorKind::Forbidden, reason))
            }
            Verdict::Reading => Err(Failure::new(ErrorKind::Unavailable, "the policy could not be read")),
            Verdict::NeedsApproval { explanation, .. } => {
                let id = self.governance.file(&who, request, &dep.service, action).await?;
                if say_filed {
                    outln!("{summary}: approval request {id} filed; {explanation}");
                } else {
                    errln!("{summary}: approval request {id} filed; {explanation}");
                }
                Ok(Gate::Filed(id))
            }
        }
    }

    /// Read-only (the session, or `dep`'s instance): refused, exit 3, before anything is
    /// asked, planned, filed or sent.
    pub fn writable(&self, dep: &Deployment, action: &Action) -> Result<(), Failure> {
        let what = format!("{} of {}/{}", action.verb(), dep.service, dep.env);
        self.client(dep.key.instance)?.writes().check(&what)
    }

    /// Whether `promotion` (into `dep`) keeps the pipeline order: the gate's own check, made
    /// before planning so a skip is refused (and recorded) before anything is cloned.
    pub async fn route(&self, dep: &Deployment, promotion: &Action) -> Result<(), Failure> {
        let Some(from_env) = (match promotion {
            Action::Promote(p) => p.source_env().map(str::to_string),
            _ => None,
        }) else {
            return Ok(());
        };
        let (policy, order) = match self.governance.policy_state().await {
            PolicyState::Ready(p) => {
                let order = p.environments.clone();
                (p, order)
            }
            _ => (crate::domain::policy::Policy::open(), self.pipeline.clone()),
        };
        let Err(why) = crate::domain::policy::route(&policy, &order, &from_env, &dep.env) else { return Ok(()) };
        let who = self.client(dep.key.instance)?.userinfo().await.map_err(|e| e.to_failure())?;
        let event = TrailEvent::refusal(Utc::now(), &who, promotion, self.target(dep), &RunContext::default(), &why);
        self.governance.record(event).await;
        Err(Failure::new(ErrorKind::Forbidden, why))
    }

    /// The trail's name for `dep`.
    pub fn target(&self, dep: &Deployment) -> Target {
        Target {
            service: dep.service.clone(),
            env: dep.env.clone(),
            app: dep.key.name.clone(),
            instance: self.clients.get(dep.key.instance).map(|c| c.config().name.clone()).unwrap_or_default(),
        }
    }

    /// Run `action` on `dep` as `who`, printing each finished step on stderr, then record it
    /// in the trail (and, for a request, its outcome in the engine). `follow`: follow it to
    /// its end for at most that long. Returns the finished steps, in order ("sync sent", …).
    pub async fn run(
        &self,
        dep: &Deployment,
        action: &Action,
        who: &UserInfo,
        context: &RunContext,
        follow: Option<std::time::Duration>,
    ) -> Result<Vec<String>, Failure> {
        let client = self.client(dep.key.instance)?;
        let color = color_stderr();
        let mut step_started = std::time::Instant::now();
        let mut done = Vec::new();
        let mut report = |s: StepReport| {
            let mark = match s.status {
                StepStatus::Running => {
                    step_started = std::time::Instant::now();
                    return;
                }
                StepStatus::Done => paint("✓", "32", color),
                StepStatus::Failed => paint("✗", "31", color),
            };
            errln!("  {mark} {} ({:.1}s)", s.label, step_started.elapsed().as_secs_f64());
            if s.status == StepStatus::Done {
                done.push(s.label);
            }
        };
        let opts = RunOptions { wait: follow.is_some(), follow_timeout: follow.unwrap_or(FOLLOW_TIMEOUT) };
        let result = match action {
            // A creation spans the instances its environments live on (embedded engine only).
            Action::Create(n) => Some(match self.creation_context().await {
                Ok(cx) => crate::client::create::run(&self.clients, &cx, n, opts, &mut report).await,
                Err(f) => Err(f),
            }),
            _ => None,
        };
        if let Some(result) = result {
            return self.record_run(dep, action, who, context, result).await.map(|()| done);
        }
        if let Some(engine) = self.governance.conductor().filter(|_| ConductorEngine::runs(action)) {
            let result = self.run_on_conductor(engine, dep, action, who, context, opts, &mut report).await;
            return result.map(|()| done);
        }
        let result = match run_action_with(client, &dep.key, action, opts, &mut report).await {
            // Followed to healthy: the environment's checks say whether it may move on (the
            // console's executor does the same).
            Ok(()) if opts.wait => {
                crate::client::verify::after_run(&self.governance, who, action, &self.target(dep), &mut report).await
            }
            r => r,
        };
        self.record_run(dep, action, who, context, result).await.map(|()| done)
    }

    /// The run's trail record (and, for a request, its outcome in the engine); `result` back.
    async fn record_run(
        &self,
        dep: &Deployment,
        action: &Action,
        who: &UserInfo,
        context: &RunContext,
        result: Result<(), Failure>,
    ) -> Result<(), Failure> {
        let outcome = match &result {
            Ok(()) => RunOutcome::Succeeded,
            Err(f) => RunOutcome::Failed { message: f.message.clone(), hint: f.hint.clone() },
        };
        let event = TrailEvent::run(Utc::now(), who, action, self.target(dep), context, &outcome);
        self.governance.record(event).await;
        if let Some(id) = &context.request {
            self.governance.finish(who, id, &describe_outcome(&outcome)).await;
        }
        result
    }

    /// The run as a Conductor workflow: started here (an approved request's is already
    /// running), followed with `--wait` for at most its `--timeout`; the worker records it in
    /// the trail, so only a run that could not even start is recorded here.
    #[allow(clippy::too_many_arguments)]
    async fn run_on_conductor(
        &self,
        engine: &ConductorEngine,
        dep: &Deployment,
        action: &Action,
        who: &UserInfo,
        context: &RunContext,
        opts: RunOptions,
        report: &mut (dyn FnMut(StepReport) + Send),
    ) -> Result<(), Failure> {
        let target = RunTarget {
            service: dep.service.clone(),
            env: dep.env.clone(),
            app: dep.key.name.clone(),
            namespace: dep.key.namespace.clone(),
            instance: self.target(dep).instance,
        };
        let started = match &context.request {
            Some(id) => Ok(id.clone()),
            None => engine.start_run(who, &target, action, context).await,
        };
        let id = match started {
            Ok(id) => id,
            Err(f) => {
                let outcome = RunOutcome::Failed { message: f.message.clone(), hint: f.hint.clone() };
                let event = TrailEvent::run(Utc::now(), who, action, self.target(dep), context, &outcome);
                self.governance.record(event).await;
                return Err(f);
            }
        };
        errln!("  workflow {id} on {} (run by `flightdeck worker`)", engine.client().api_url());
        if !opts.wait {
            return Ok(());
        }
        engine.follow(&id, opts.follow_timeout, report).await
    }
}
