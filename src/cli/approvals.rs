//! Headless approvals: `flightdeck approvals [-o json]` lists pending requests from the shared
//! ledger, `flightdeck approve ID [--comment C]` and `flightdeck reject ID --comment C` append
//! decisions (checked against the policy in the GitOps repository) and record them in the
//! audit log. Who you are comes from Argo CD's userinfo, as in the console.

use chrono::Utc;

use super::status::clients;
use super::Format;
use crate::audit::Entry;
use crate::client::approvals::{ledger_failure, load_policy};
use crate::config::Config;
use crate::domain::approvals::ApprovalSource;
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure, UserInfo};
use crate::ledger::{self, Ledger, RequestState};
use crate::policy::Policy;

/// Where the policy lives in the GitOps repository unless configured otherwise.
pub const DEFAULT_POLICY_PATH: &str = "policy.toml";

/// What a ledger command needs: the `[gitops]` settings of the config (if one loads), with
/// `--remote` and `--policy-path` taking precedence.
pub struct Target {
    pub remote: Option<String>,
    pub policy_path: String,
    pub ledger_ref: String,
    pub signing: Option<(String, String)>,
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
        }
    }
    fn source(&self, remote: &str) -> ApprovalSource {
        ApprovalSource {
            remote: Some(remote.to_string()),
            policy_path: self.policy_path.clone(),
            ledger_ref: self.ledger_ref.clone(),
            signing: self.signing.clone(),
        }
    }
}

fn open_ledger(t: &Target, remote: &str) -> Result<Ledger, Failure> {
    crate::client::approvals::open_ledger(&t.source(remote), &Default::default())
}

async fn whoami(cfg: &Config) -> Result<UserInfo, Failure> {
    let clients = clients(cfg)?;
    let c = clients.first().ok_or_else(|| Failure::new(ErrorKind::Usage, "no Argo CD instance configured"))?;
    c.userinfo().await.map_err(|e| e.to_failure())
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
    let (pending, policy) = blocking(move || {
        let l = open_ledger(&t, &remote)?;
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

/// `flightdeck approve ID` / `flightdeck reject ID --comment C`.
pub async fn decide(
    cfg: &Config,
    t: Target,
    id: String,
    approve: bool,
    comment: Option<String>,
) -> Result<(), Failure> {
    let remote = remote_of(&t)?;
    let who = whoami(cfg).await?;
    let (who2, id2, comment2) = (who.clone(), id.clone(), comment.clone());
    let state = blocking(move || {
        let l = open_ledger(&t, &remote)?;
        let policy = load_policy(&l, &t.policy_path)?;
        let now = Utc::now();
        let r = if approve {
            l.approve(&policy, &id2, &who2, comment2.as_deref(), now)
        } else {
            l.reject(&policy, &id2, &who2, comment2.as_deref().unwrap_or(""), now)
        };
        let state = r.map_err(ledger_failure)?;
        let tally = state.tally(&policy);
        Ok((state, tally))
    })
    .await;
    let event = if approve { "approval" } else { "rejection" };
    let detail = match &state {
        Ok(_) => comment.clone().unwrap_or_default(),
        Err(f) => format!("refused: {}", f.message),
    };
    audit_record(&who.username, event, &id, detail);
    let (state, tally) = state?;
    if approve {
        let ready = if tally.satisfied() { "ready to run" } else { "waiting" };
        println!("approved {id}: {} of {} approvals, {ready}", tally.counted, tally.needed);
    } else {
        println!("rejected {id} ({})", ledger::describe_status(&state.status));
    }
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
