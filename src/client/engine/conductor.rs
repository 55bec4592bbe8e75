//! The Conductor engine: requests as executions of Flightdeck's workflows (one per action,
//! `config/workflows/`), approvals and rejections as completions of their HUMAN task carrying
//! the approver's identity, withdrawal, expiry and refusal as terminations with a reason the
//! fold reads back (`engine::conductor`). The run itself belongs to the workflow: `flightdeck
//! worker` serves its tasks, checks every approval against the policy first, and records the
//! trail; a console or a headless command starts a run ([`ConductorEngine::start_run`]) and
//! follows it ([`ConductorEngine::follow`]). The policy file and the shared trail stay in Git
//! (the embedded engine's), where governance has a remote.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::embedded::EmbeddedEngine;
use crate::client::conductor::wire::{StartWorkflowRequest, Workflow};
use crate::client::conductor::ConductorClient;
use crate::domain::policy::{self, Policy};
use crate::domain::{ErrorKind, Failure, UserInfo};
use crate::engine::conductor::{self as pure, Execution, Step};
use crate::engine::{Engine, RequestBody, RequestState, TrailEvent};

/// How many of the newest executions a read of the requests looks at.
const REQUESTS_WINDOW: usize = 100;
/// How long an approval waits for the next approval step to open (the check of the previous
/// one runs in a worker between two steps).
const STEP_WAIT: Duration = Duration::from_secs(10);

/// The Conductor engine of one server.
#[derive(Clone)]
pub struct ConductorEngine {
    client: ConductorClient,
    domain: Option<String>,
    /// The policy file and the shared trail (Git), when governance has a remote.
    git: Option<EmbeddedEngine>,
}

/// A Conductor workflow execution converted for the pure fold.
pub fn execution(w: &Workflow) -> Execution {
    let at = |ms: i64| (ms > 0).then(|| DateTime::from_timestamp_millis(ms)).flatten();
    Execution {
        id: w.workflow_id.clone(),
        workflow: w.workflow_name.clone(),
        status: w.status.clone(),
        input: w.input.clone(),
        output: w.output.clone(),
        reason: w.reason_for_incompletion.clone(),
        started: at(w.start_time).unwrap_or_else(Utc::now),
        steps: w
            .tasks
            .iter()
            .map(|t| Step {
                reference: t.plain_ref().to_string(),
                task_type: t.task_type.clone(),
                status: t.status.clone(),
                output: t.output_data.clone(),
                reason: t.reason_for_incompletion.clone(),
                retry_count: t.retry_count,
                start: at(t.start_time),
                end: at(t.end_time),
            })
            .collect(),
    }
}

impl ConductorEngine {
    pub fn new(client: ConductorClient, domain: Option<String>, git: Option<EmbeddedEngine>) -> Self {
        Self { client, domain, git }
    }

    pub fn client(&self) -> &ConductorClient {
        &self.client
    }

    /// Task routing: every Flightdeck task type to the configured domain.
    fn task_to_domain(&self) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        if let Some(d) = &self.domain {
            for t in crate::client::conductor::defs::TASK_TYPES {
                m.insert(t.to_string(), json!(d));
            }
        }
        m
    }

    /// Start `body`'s workflow; its id.
    pub async fn start(
        &self,
        body: &RequestBody,
        who: &UserInfo,
        needs_approval: bool,
        target: Value,
        context: Value,
    ) -> Result<String, Failure> {
        let kind = body.policy.action.map_or("action", |k| k.name());
        let Some(name) = pure::workflow_for(kind) else {
            return Err(Failure::new(ErrorKind::Usage, format!("the Conductor engine has no workflow for {kind}"))
                .with_hint("Conductor runs sync, rollback, scale, restart and promote; other actions run directly"));
        };
        let req = StartWorkflowRequest {
            name,
            version: None,
            input: pure::start_input(body, who, needs_approval, target, context),
            correlation_id: Some(format!("flightdeck/{}/{}", body.service, body.policy.env)),
            task_to_domain: self.task_to_domain(),
        };
        self.client.start_workflow(&req).await
    }

    async fn state(&self, id: &str) -> Result<(Workflow, RequestState), Failure> {
        let w = self.client.workflow(id).await?;
        let s = pure::fold(&execution(&w)).ok_or_else(|| {
            Failure::new(ErrorKind::NotFound, format!("no approval request {id}"))
                .with_hint("list them with `flightdeck approvals --all`")
        })?;
        Ok((w, s))
    }

    /// Complete the open approval step of `id` with `who`'s decision.
    async fn decide(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        approve: bool,
        comment: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        let deadline = tokio::time::Instant::now() + STEP_WAIT;
        loop {
            let (w, s) = self.state(id).await?;
            if !s.is_pending() {
                return Err(Failure::new(
                    ErrorKind::Forbidden,
                    format!("{id} is {}", crate::engine::view::describe_status(&s.status)),
                ));
            }
            policy::may_approve(policy, &s.body.policy, &s.requester, who)
                .map_err(|why| Failure::new(ErrorKind::Forbidden, why))?;
            let step = w
                .tasks
                .iter()
                .rev()
                .find(|t| t.plain_ref() == pure::APPROVAL_REF && t.task_type == "HUMAN" && t.is_pending());
            if let Some(t) = step {
                let out = pure::decision_output(who, approve, comment, at);
                self.client.update_by_ref(id, &t.reference_task_name, "COMPLETED", &out).await?;
                return self.state(id).await.map(|(_, s)| s);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Failure::new(
                    ErrorKind::Conflict,
                    format!("{id} has no open approval step: the last decision is still being checked"),
                )
                .with_hint("try again in a moment (is `flightdeck worker` running?)"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The newest executions of Flightdeck's workflows (at most [`REQUESTS_WINDOW`]): what
    /// the requests are folded from and what `flightdeck runs` lists.
    pub async fn executions(&self) -> Result<Vec<Execution>, Failure> {
        let names: Vec<String> =
            crate::client::conductor::defs::WORKFLOWS.iter().map(|(n, _)| format!("flightdeck_{n}")).collect();
        let query = format!("workflowType IN ({})", names.join(","));
        let hits = self.client.search(&query, REQUESTS_WINDOW).await?;
        let reads =
            futures_util::future::join_all(hits.results.iter().map(|h| self.client.workflow(&h.workflow_id))).await;
        Ok(reads.into_iter().filter_map(Result::ok).map(|w| execution(&w)).collect())
    }

    async fn close(&self, id: &str, reason: &str) -> Result<RequestState, Failure> {
        self.client.terminate(id, reason).await?;
        self.state(id).await.map(|(_, s)| s)
    }

    fn trail_store(&self) -> Result<&EmbeddedEngine, Failure> {
        self.git.as_ref().ok_or_else(|| {
            Failure::new(ErrorKind::Usage, "no shared trail: the Conductor engine keeps the trail in the GitOps remote")
                .with_hint("set [gitops] remote to share the trail")
        })
    }
}

#[async_trait::async_trait]
impl Engine for ConductorEngine {
    fn describe(&self) -> String {
        let policy = self.git.as_ref().map(|g| format!("; policy from {}", g.describe())).unwrap_or_default();
        format!("Conductor at {}{policy}", self.client.api_url())
    }

    async fn requests(&self) -> Result<Vec<RequestState>, Failure> {
        let mut out: Vec<RequestState> = self.executions().await?.iter().filter_map(pure::fold).collect();
        out.sort_by_key(|s| s.requested_at);
        Ok(out)
    }

    async fn file(&self, who: &UserInfo, body: RequestBody, _at: DateTime<Utc>) -> Result<RequestState, Failure> {
        let target = json!({ "service": body.service, "env": body.policy.env });
        let context = json!({ "ticket": body.policy.ticket, "reason": body.policy.reason });
        let id = self.start(&body, who, true, target, context).await?;
        self.state(&id).await.map(|(_, s)| s)
    }

    async fn approve(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        self.decide(policy, id, who, true, comment, at).await
    }

    async fn reject(
        &self,
        policy: &Policy,
        id: &str,
        who: &UserInfo,
        comment: &str,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        self.decide(policy, id, who, false, Some(comment), at).await
    }

    async fn withdraw(&self, id: &str, who: &UserInfo, _at: DateTime<Utc>) -> Result<RequestState, Failure> {
        let (_, s) = self.state(id).await?;
        if s.requester != who.username {
            return Err(Failure::new(ErrorKind::Forbidden, format!("only {} may withdraw {id}", s.requester)));
        }
        if !s.is_pending() {
            return Err(Failure::new(
                ErrorKind::Forbidden,
                format!("{id} is {}", crate::engine::view::describe_status(&s.status)),
            ));
        }
        self.close(id, &pure::withdrawn_by(&who.username)).await
    }

    async fn expire(
        &self,
        id: &str,
        _who: &UserInfo,
        ttl: chrono::Duration,
        at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        let (_, s) = self.state(id).await?;
        if !s.is_pending() || at - s.requested_at < ttl {
            return Err(Failure::new(ErrorKind::Conflict, format!("{id} is not due to expire")));
        }
        self.close(id, pure::EXPIRED).await
    }

    /// On Conductor the worker runs a satisfied request; the deciding console follows it.
    async fn claim(&self, _policy: &Policy, _id: &str, _who: &UserInfo, _at: DateTime<Utc>) -> Result<bool, Failure> {
        Ok(true)
    }

    async fn refuse(
        &self,
        id: &str,
        _who: &UserInfo,
        reason: &str,
        _at: DateTime<Utc>,
    ) -> Result<RequestState, Failure> {
        self.close(id, &pure::refused(reason)).await
    }

    /// The execution's own status is the outcome: nothing to write.
    async fn finish(&self, _id: &str, _who: &UserInfo, _outcome: &str, _at: DateTime<Utc>) -> Result<(), Failure> {
        Ok(())
    }

    async fn record(&self, event: &TrailEvent) -> Result<String, Failure> {
        self.trail_store()?.record(event).await
    }

    async fn trail(&self) -> Result<Vec<TrailEvent>, Failure> {
        match &self.git {
            Some(g) => g.trail().await,
            None => Ok(Vec::new()),
        }
    }

    async fn anchored(&self, anchor: &str) -> Result<bool, Failure> {
        self.trail_store()?.anchored(anchor).await
    }
}
