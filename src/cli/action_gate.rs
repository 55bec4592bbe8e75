//! The policy gate of the headless actions (`sync`, `rollback`, `scale`, `refresh`): the same
//! pure decision as the console (`policy::gate`) on the policy read from the GitOps
//! repository, exactly as `flightdeck promote` reads it (the `[gitops] remote`, else the
//! repository the Application's desired state comes from). Refused → exit 3 with the
//! explanation; needs approval → the request is filed in the ledger, its id and what it needs
//! are printed, exit 0; run → the caller runs it.
//!
//! With no GitOps remote at all (none configured, and the Application names no repository)
//! the open policy applies, as in the console. A remote whose policy cannot be read refuses
//! (fail closed: the error says why). Refresh is never held back, so it reads nothing.

use chrono::Utc;

use super::approvals::{audit_record, Target};
use crate::client::engine::embedded::{load_policy, open_ledger, LedgerPaths};
use crate::client::git::promote_flow::request_approval;
use crate::client::ArgoClient;
use crate::config::Config;
use crate::domain::policy::{self, ActionKind, Decision, Policy};
use crate::domain::{Action, Deployment, ErrorKind, Failure};
use crate::engine::payload::summary_of;

/// `--ticket` and `--reason` as given.
#[derive(Clone, Copy, Debug, Default)]
pub struct Asked<'a> {
    pub ticket: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// Whether `action` on `dep` may run now. `Ok(false)`: it was filed for approval (printed).
pub async fn allowed(
    cfg: &Config,
    client: &ArgoClient,
    dep: &Deployment,
    action: &Action,
    asked: Asked<'_>,
) -> Result<bool, Failure> {
    if ActionKind::of(action).is_none() {
        return Ok(true);
    }
    let who = client.userinfo().await.map_err(|e| e.to_failure())?;
    let target = Target::new(Some(cfg), None, None);
    let remote = target.remote.clone().or_else(|| Some(dep.repo_url.clone()).filter(|r| !r.is_empty()));
    let (policy, ledger) = match remote {
        None => (Policy::open(), None),
        Some(remote) => {
            let source = target.source(&remote);
            let paths = LedgerPaths::default().with_git_auth(client.git_auth()).await?;
            let (s, p) = (source.clone(), paths.clone());
            let policy = tokio::task::spawn_blocking(move || load_policy(&open_ledger(&s, &p)?, &s.policy_path))
                .await
                .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("ledger task failed: {e}")))?
                .map_err(|f| Failure { message: format!("cannot read the policy: {}", f.message), ..f })?;
            (policy, Some((remote, source, paths)))
        }
    };
    let ask = policy::Ask { env: &dep.env, ticket: asked.ticket, reason: asked.reason };
    let (request, decision) = policy::gate(&policy, action, &ask, &who, Utc::now());
    let summary = summary_of(&dep.service, &dep.env, action);
    match decision {
        Decision::Run { ref notes } => {
            // Say what let it through when it is worth knowing (an emergency, no policy file).
            if !notes.is_empty() {
                eprintln!("{summary}: {}", decision.explain());
            }
            Ok(true)
        }
        Decision::Refused { reason } => {
            audit_record(&who.username, "refusal", &summary, reason.clone());
            Err(Failure::new(ErrorKind::Forbidden, reason))
        }
        Decision::NeedsApproval { explanation, .. } => {
            // A policy that holds actions came from a remote: the ledger is there.
            let Some((remote, source, paths)) = ledger else {
                return Err(Failure::new(ErrorKind::Usage, "the policy holds this action but there is no ledger"));
            };
            // Files the request and appends the audit record, as the console does.
            let id = request_approval(remote, source, who, request, dep.service.clone(), action.clone(), paths).await?;
            println!("{summary}: approval request {id} filed; {explanation}");
            Ok(false)
        }
    }
}
