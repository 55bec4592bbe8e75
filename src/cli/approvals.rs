//! Headless approvals: `flightdeck approvals [--all] [-o json]` lists the requests of the
//! engine (pending, or all with what became of each), `flightdeck approve ID [--comment C]`
//! and `flightdeck reject ID --comment C` decide (checked against the policy; an approval
//! that satisfies it claims the run, checked once more against the policy as it is now, and
//! runs it here), `flightdeck withdraw ID` takes one's own request back. Everything goes
//! through the same governance path as the console and lands in the trail. Who you are comes
//! from Argo CD's userinfo, as in the console.

use chrono::Utc;

use super::args::{Format, LedgerArgs, Waiting};
use super::govern::Headless;
use super::output::outln;
use super::status::list_all;
use crate::client::engine::Governance;
use crate::config::{Config, GitopsSettings};
use crate::domain::policy::Policy;
use crate::domain::sanitize::clean;
use crate::domain::{ErrorKind, Failure, UserInfo};
use crate::engine::{view, RequestState};

impl LedgerArgs {
    /// The config's `[gitops]` (defaults without a config), with `--remote` and
    /// `--policy-path` over it: what `GitopsSettings::source` then decides from.
    pub fn gitops(&self, cfg: Option<&Config>) -> GitopsSettings {
        let mut g = cfg.map(|c| c.gitops.clone()).unwrap_or_default();
        if let Some(r) = self.remote.clone().filter(|r| !r.trim().is_empty()) {
            g.remote = Some(r);
        }
        if let Some(p) = &self.policy_path {
            g.policy_path = p.clone();
        }
        g
    }
}

/// The governance a ledger command works on; an error when none is configured.
async fn governance(cfg: Option<&Config>, args: &LedgerArgs) -> Result<Governance, Failure> {
    let gov = super::govern::engine_only(cfg, args, Default::default()).await?;
    if gov.describe().is_none() {
        return Err(Failure::new(
            ErrorKind::Usage,
            "no Flightdeck governance configured, so there are no approval requests",
        )
        .with_hint("set [gitops] remote in the config, pass --remote URL, or set FLIGHTDECK_GITOPS_REMOTE"));
    }
    Ok(gov)
}

/// `flightdeck approvals [--all] [-o json]`.
pub async fn list(cfg: Option<&Config>, args: &LedgerArgs, all: bool, output: Format) -> Result<(), Failure> {
    let gov = governance(cfg, args).await?;
    let (policy, states) = gov.all(&UserInfo::default()).await?;
    let shown: Vec<&RequestState> = states.iter().filter(|s| all || s.is_pending()).collect();
    let now = Utc::now();
    match output {
        Format::Json => {
            let rows: Vec<serde_json::Value> = shown.iter().map(|s| json_row(s, &policy)).collect();
            super::output::print_json(&rows)?;
        }
        Format::Table => {
            if shown.is_empty() {
                outln!("{}", if all { "no approval requests" } else { "no approval requests waiting" });
            }
            for s in shown {
                let t = s.tally(&policy);
                let age = (now - s.requested_at).num_minutes();
                let status = if s.is_pending() {
                    format!("{} of {}", t.counted, t.needed)
                } else {
                    view::describe_status(&s.status)
                };
                outln!(
                    "{}  {}  {} · {} · {}m ago · {}",
                    s.id,
                    clean(&s.body.summary),
                    clean(&s.requester),
                    clean(s.body.policy.ticket.as_deref().unwrap_or("no ticket")),
                    age,
                    clean(&status)
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
        "lane": s.body.policy.lane,
        "requester": s.requester, "requestedAt": s.requested_at, "ticket": s.body.policy.ticket,
        "reason": s.body.policy.reason,
        "status": view::describe_status(&s.status), "pending": s.is_pending(), "history": s.history,
        "approvals": s.approvals.iter().map(|a| serde_json::json!({"by": a.actor, "at": a.at, "comment": a.comment, "verified": a.verified})).collect::<Vec<_>>(),
        "counted": t.counted, "needed": t.needed, "diff": s.body.diff,
    })
}

/// Exit 2 with the valid ids unless `id` is a request `may_act` could act on.
async fn known_request(
    h: &Headless,
    who: &UserInfo,
    id: &str,
    may_act: impl Fn(&RequestState) -> bool,
) -> Result<(), Failure> {
    let (_, states) = h.governance.all(who).await?;
    if states.iter().any(|s| s.id == id) {
        return Ok(());
    }
    let ids: Vec<String> = states.iter().rev().filter(|s| may_act(s)).map(|s| s.id.clone()).collect();
    let mut f = crate::domain::choices::unknown("request", id, &ids);
    f.hint = Some("`flightdeck approvals` lists the requests waiting".into());
    Err(f)
}

/// `flightdeck approve ID [--wait]` / `flightdeck reject ID --comment C`: the decision goes
/// through the same path as the console's (`Governance::decide`). When an approval satisfies
/// the policy, this process claims the run (exactly one operator runs it) and runs it here,
/// with `--wait` following it to healthy. Exit codes as the other commands: 0 done (or
/// recorded and still waiting), 1 the run failed, 2 no such request, 3 not permitted
/// (four-eyes, not an approver, or read-only).
pub async fn decide(
    h: &Headless,
    id: String,
    approve: bool,
    comment: Option<String>,
    wait: Option<Waiting>,
) -> Result<(), Failure> {
    h.governance.writable(if approve { "approval" } else { "rejection" })?;
    let who = h.who().await?;
    known_request(h, &who, &id, RequestState::is_pending).await?;
    let out = h.governance.decide(&who, &id, approve, comment.as_deref().unwrap_or("")).await?;
    if !approve {
        outln!("rejected {id}");
        return Ok(());
    }
    outln!("approved {id}: {} of {} approvals", out.counted, out.needed);
    let Some(run) = out.run else {
        if out.claimed_elsewhere {
            outln!("{id}: the policy is satisfied and another operator already claimed the run; nothing runs here");
        } else if let Some(note) = out.note {
            outln!("{id}: the policy is satisfied, but {note}");
        } else {
            outln!("{id}: waiting for {} more approval(s); nothing runs yet", out.needed.saturating_sub(out.counted));
        }
        return Ok(());
    };
    let what = format!("{} {}/{}", run.action.verb(), run.service, run.env);
    outln!("{id}: the policy is satisfied; you claimed the run: {what}");
    // A new service has no deployment yet: it is recorded as the one it governs.
    let created = match &run.action {
        crate::domain::Action::Create(n) => Some(h.creation_target(n)),
        _ => None,
    };
    let deps = match created {
        Some(_) => Vec::new(),
        None => list_all(&h.cfg, Some(&run.env)).await?.0,
    };
    let dep = created
        .as_ref()
        .or_else(|| deps.iter().find(|d| d.env == run.env && (d.service == run.service || d.key.name == run.service)));
    let Some(dep) = dep else {
        let f = Failure::new(ErrorKind::NotFound, format!("no {} in {}", run.service, run.env))
            .with_hint("`flightdeck status` lists what runs where");
        h.governance.finish(&who, &id, &format!("failed: {}", f.message)).await;
        return Err(f);
    };
    let follow = wait.filter(|w| w.wait).map(|w| w.timeout());
    let steps = h.run(dep, &run.action, &who, &run.context, follow).await?;
    let said = match (follow, steps.last()) {
        (None, Some(step)) => step.clone(),
        _ => "done".to_string(),
    };
    outln!("{id}: {what}: {said}");
    Ok(())
}

/// `flightdeck withdraw ID`: the requester takes their request back.
pub async fn withdraw(h: &Headless, id: String) -> Result<(), Failure> {
    h.governance.writable("withdrawal")?;
    let who = h.who().await?;
    let mine = |s: &RequestState| s.is_pending() && s.requester == who.username;
    known_request(h, &who, &id, mine).await?;
    h.governance.withdraw(&who, &id).await?;
    outln!("withdrew {id}");
    Ok(())
}
