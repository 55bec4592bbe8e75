//! `flightdeck runs` on the governance path: what ran and what was asked, from whichever
//! engine holds it — the embedded ledger's requests and the trail's actions, or the Conductor
//! engine's executions — and the retry or termination of one Conductor execution.

use super::Governance;
use crate::client::engine::conductor::ConductorEngine;
use crate::domain::{ErrorKind, Failure};
use crate::engine::runs::{self, RunEntry};
use crate::engine::{Engine, TrailEvent};

impl Governance {
    /// What ran and what was asked, newest first. The trail is the shared one where a GitOps
    /// remote holds it, else this machine's. On Conductor: its executions (status, the task
    /// each is at with its retries, why it failed) and the trail's actions Conductor did not
    /// run; otherwise the engine's requests and the trail's actions.
    pub async fn runs(&self) -> Result<Vec<RunEntry>, Failure> {
        let trail = match self.git_store() {
            Some(git) => git.trail().await?,
            None => self.local_trail()?,
        };
        if let Some(conductor) = self.conductor() {
            return Ok(runs::on_conductor(&conductor.executions().await?, &trail));
        }
        let requests = match &self.engine {
            Some(e) => e.requests().await?,
            None => Vec::new(),
        };
        Ok(runs::list(&requests, &trail))
    }

    fn local_trail(&self) -> Result<Vec<TrailEvent>, Failure> {
        let records = crate::audit::read_records(&self.audit_dir()?)
            .map_err(|e| Failure::new(ErrorKind::Usage, format!("cannot read the audit log: {e}")))?;
        Ok(records.into_iter().map(|r| r.entry).collect())
    }

    /// Run Conductor execution `id` again from its failed task.
    pub async fn retry_run(&self, id: &str) -> Result<(), Failure> {
        self.executions_engine()?.client().retry(id).await
    }

    /// Stop Conductor execution `id`, keeping `reason` with it.
    pub async fn terminate_run(&self, id: &str, reason: &str) -> Result<(), Failure> {
        self.executions_engine()?.client().terminate(id, reason).await
    }

    /// The Conductor engine, or why there is no execution to retry or terminate.
    fn executions_engine(&self) -> Result<&ConductorEngine, Failure> {
        self.conductor().ok_or_else(|| {
            Failure::new(ErrorKind::Usage, "retry and terminate act on Conductor executions, and the engine here is not Conductor")
                .with_hint("on the embedded engine run the action again (e.g. `flightdeck sync SERVICE --env ENV`), or stop an Argo CD operation with `flightdeck terminate SERVICE --env ENV`")
        })
    }
}
