//! Headless approvals: `flightdeck approvals [-o json]` lists pending requests from the shared
//! ledger, `flightdeck approve ID [--comment C]` and `flightdeck reject ID --comment C` append
//! decisions (checked against the policy in the GitOps repository) and record them in the
//! audit log. Who you are comes from Argo CD's userinfo, as in the console.

use chrono::Utc;

use super::status::{clients, list_all};
use super::Format;
use crate::audit::Entry;
use crate::client::engine::embedded::{ledger_failure, load_policy, LedgerPaths};
use crate::client::engine::Ledger;
use crate::config::Config;
use crate::domain::approvals::ApprovalSource;
use crate::domain::policy::Policy;
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure};
use crate::engine::RequestState;

/// What a ledger command needs: the `[gitops]` settings of the config (if one loads), with
/// `--remote` and `--policy-path` taking precedence.
pub struct Target {
    pub remote: Option<String>,
    pub policy_path: String,
    pub ledger_ref: String,
    pub signing: Option<(String, String)>,
    /// The `[gitops]` git HTTPS credential (read from Vault when the ledger is opened).
    pub git_auth: Option<std::sync::Arc<crate::client::git::credentials::GitAuth>>,
}

impl Target {
    /// The config's `[gitops]` (defaults without a config), overridden by the flags.
    pub fn new(cfg: Option<&Config>, remote: Option<String>, policy_path: Option<String>) -> Self {
        let g = cfg.map(|c| c.gitops.clone()).unwrap_or_default();
        Self {
            remote: remote.filter(|r| !r.is_empty()).or(g.remote),
            policy_path: policy_path.unwrap_or(g.policy_path),
            ledger_ref: g.ledger_ref,
            signing: g.signing.map(|s| (s.format, s.key)),
            git_auth: cfg.and_then(|c| crate::client::git::credentials::GitAuth::from_config(&c.git, &c.vault, None)),
        }
    }
    /// The ledger and policy location with `remote` resolved.
    pub(super) fn source(&self, remote: &str) -> ApprovalSource {
        ApprovalSource {
            remote: Some(remote.to_string()),
            policy_path: self.policy_path.clone(),
            ledger_ref: self.ledger_ref.clone(),
            signing: self.signing.clone(),
        }
    }
}

fn open_ledger(t: &Target, remote: &str, paths: &LedgerPaths) -> Result<Ledger, Failure> {
    crate::client::engine::embedded::open_ledger(&t.source(remote), paths)
}

fn remote_of(t: &Target) -> Result<String, Failure> {
    t.remote.clone().filter(|r| !r.is_empty()).ok_or_else(|| {
        Failure::new(ErrorKind::Usage, "no GitOps remote for the approvals ledger")
            .with_hint("set [gitops] remote in the config, pass --remote URL, or set FLIGHTDECK_GITOPS_REMOTE")
    })
}

/// Run blocking ledger work off the async runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("ledger task failed: {e}")))?
}

/// `flightdeck approvals [-o json]`.
pub async fn list(t: Target, output: Format) -> Result<(), Failure> {
    let remote = remote_of(&t)?;
    let paths = LedgerPaths::default().with_git_auth(t.git_auth.as_ref()).await?;
    let (pending, policy) = blocking(move || {
        let l = open_ledger(&t, &remote, &paths)?;
        let policy = load_policy(&l, &t.policy_path)?;
        Ok((l.pending().map_err(ledger_failure)?, policy))
    })
    .await?;
    let now = Utc::now();
    match output {
        Format::Json => {
            let rows: Vec<serde_json::Value> = pending.iter().map(|s| json_row(s, &policy)).collect();
            println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
        }
        Format::Table => {
            if pending.is_empty() {
                println!("no approval requests waiting");
            }
            for s in &pending {
                let t = s.tally(&policy);
                let age = (now - s.requested_at).num_minutes();
                println!(
                    "{}  {}  {} · {} · {}m ago · {} of {}",
                    s.id,
                    clean(&s.body.summary),
                    clean(&s.requester),
                    clean(s.body.policy.ticket.as_deref().unwrap_or("no ticket")),
                    age,
                    t.counted,
                    t.needed
                );
            }
        }
    }
    Ok(())
}

fn json_row(s: &RequestState, policy: &Policy) -> serde_json::Value {
    let t = s.tally(policy);
    serde_json::json!({
        "id": s.id, "summary": s.body.summary, "service": s.body.service,
        "from": s.body.from_env, "to": s.body.policy.env, "action": s.body.policy.action,
        "requester": s.requester, "requestedAt": s.requested_at, "ticket": s.body.policy.ticket,
        "reason": s.body.policy.reason,
        "approvals": s.approvals.iter().map(|a| serde_json::json!({"by": a.actor, "at": a.at, "comment": a.comment, "verified": a.verified})).collect::<Vec<_>>(),
        "counted": t.counted, "needed": t.needed, "diff": s.body.diff,
    })
}

/// `flightdeck approve ID [--wait]` / `flightdeck reject ID --comment C`: the decision goes
/// through the same code as the console's (`client::approvals::decide`: policy check, CAS
/// append, audit record). When an approval satisfies the policy, this process claims the run
/// (`Ledger::claim_execution`, so exactly one operator runs it) and runs it here, with
/// `--wait` following it to healthy. Exit codes as the other commands: 0 done (or recorded
/// and still waiting), 1 the run failed, 3 not permitted (four-eyes, not an approver), …
pub async fn decide(
    cfg: &Config,
    t: Target,
    id: String,
    approve: bool,
    comment: Option<String>,
    wait: bool,
) -> Result<(), Failure> {
    let remote = remote_of(&t)?;
    let clients = clients(cfg)?;
    let first = clients.first().ok_or_else(|| Failure::new(ErrorKind::Usage, "no Argo CD instance configured"))?;
    let who = first.userinfo().await.map_err(|e| e.to_failure())?;
    let paths = LedgerPaths::default().with_git_auth(first.git_auth()).await?;
    let comment = comment.unwrap_or_default();
    let out =
        crate::client::engine::embedded::decide(t.source(&remote), who.clone(), id.clone(), approve, comment, paths)
            .await?;
    if !approve {
        println!("rejected {id}");
        return Ok(());
    }
    println!("approved {id}: {} of {} approvals", out.counted, out.needed);
    let Some(run) = out.run else {
        if out.claimed_elsewhere {
            println!("{id}: the policy is satisfied and another operator already claimed the run; nothing runs here");
        } else if let Some(note) = out.note {
            println!("{id}: the policy is satisfied, but {note}");
        } else {
            println!("{id}: waiting for {} more approval(s); nothing runs yet", out.needed.saturating_sub(out.counted));
        }
        return Ok(());
    };
    let what = format!("{} {}/{}", run.action.verb(), run.service, run.env);
    println!("{id}: the policy is satisfied; you claimed the run: {what}");
    let (deps, _) = list_all(cfg, Some(&run.env)).await?;
    let dep = deps.iter().find(|d| d.env == run.env && (d.service == run.service || d.key.name == run.service));
    let result = match dep {
        Some(d) => match clients.get(d.key.instance) {
            Some(c) => super::promote::run_reporting(c, &d.key, &run.action, wait).await,
            None => Err(Failure::new(ErrorKind::Usage, "instance vanished from the configuration")),
        },
        None => Err(Failure::new(ErrorKind::NotFound, format!("no {} in {}", run.service, run.env))
            .with_hint("`flightdeck status` lists what runs where")),
    };
    let outcome = match &result {
        Ok(()) => "done".to_string(),
        Err(f) => format!("failed: {}", f.message),
    };
    audit_record(&who.username, run.action.verb(), &id, format!("{what}: {outcome}"));
    result?;
    println!("{id}: {what}: {}", if wait { "done" } else { "started" });
    Ok(())
}

/// Append to the audit log; a failure to record is logged, never hides the outcome.
pub fn audit_record(actor: &str, event: &str, subject: &str, detail: String) {
    let entry = Entry { at: Utc::now(), actor: actor.into(), event: event.into(), subject: subject.into(), detail };
    let res =
        crate::audit::default_dir().and_then(|d| crate::audit::Audit::open(&d)).and_then(|(mut a, _)| a.append(entry));
    if let Err(e) = res {
        tracing::warn!(error = %e, "could not append to the audit log");
        eprintln!("flightdeck: warning: {e}");
    }
}
