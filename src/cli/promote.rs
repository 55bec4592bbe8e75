//! Headless `flightdeck promote SERVICE --from A --to B [--ticket T] [--reason R] [--wait]`:
//! resolve what runs in A and where B's desired state lives, print the exact diff, ask the
//! policy in the GitOps repository, then either run the promotion (commit with trailers, push,
//! refresh/sync B, with `--wait` follow it to healthy) or file an approval request.
//!
//! The ledger and the policy are opened exactly as the console opens them
//! (`client::approvals::{open_ledger, load_policy}` with the `[gitops]` settings: the
//! configured remote, else the repository B's Application points at), and git gets the same
//! HTTPS credential the console's promotions get (`[gitops] https_token_vault`).

use chrono::Utc;

use super::approvals::{audit_record, Target};
use super::status::{clients, list_all};
use crate::client::engine::embedded::{load_policy, open_ledger, LedgerPaths};
use crate::client::git::promote::{already_running, plan, target_of, PromoteSettings};
use crate::client::git::promote_flow::{diff_text, request_approval};
use crate::client::{run_action, StepReport};
use crate::config::Config;
use crate::domain::policy::{self, ActionKind, Decision};
use crate::domain::{Action, DiffLine, ErrorKind, Failure, Promotion, StepStatus};

/// What the command line asked for.
pub struct PromoteArgs {
    pub service: String,
    pub from: String,
    pub to: String,
    pub ticket: Option<String>,
    pub reason: Option<String>,
    pub wait: bool,
    /// `--policy-path`; `None` = `[gitops] policy_path` (default `policy.toml`).
    pub policy_path: Option<String>,
}

pub async fn run(cfg: &Config, a: PromoteArgs) -> Result<(), Failure> {
    let (deps, _) = list_all(cfg, None).await?;
    let find = |env: &str| {
        deps.iter().find(|d| (d.service == a.service || d.key.name == a.service) && d.env == env).cloned().ok_or_else(
            || {
                Failure::new(ErrorKind::NotFound, format!("no {} in {env}", a.service))
                    .with_hint("`flightdeck status` lists what runs where")
            },
        )
    };
    let (src, dst) = (find(&a.from)?, find(&a.to)?);
    let clients = clients(cfg)?;
    let client_of = |i: usize| {
        clients.get(i).ok_or_else(|| Failure::new(ErrorKind::Usage, "instance vanished from the configuration"))
    };
    let (sc, dc) = (client_of(src.key.instance)?, client_of(dst.key.instance)?);
    let source_app = sc.get_app(&src.key, None).await.map_err(|e| e.to_failure())?;
    let images = source_app.status.summary.images.clone();
    let target_app = dc.get_app(&dst.key, None).await.map_err(|e| e.to_failure())?;
    if already_running(&target_app, &images) {
        println!("promote {}: {} already runs {} — nothing to do", a.service, a.to, images.join(", "));
        return Ok(());
    }
    let settings = PromoteSettings::for_client(dc).await?;
    let diff = plan(dc, &dst.key, &images, &settings).await?;
    if diff.is_empty() {
        println!("promote {}: the {} overlay already has {} — nothing to do", a.service, a.to, images.join(", "));
        return Ok(());
    }
    print_diff(&diff);
    let who = dc.userinfo().await.map_err(|e| e.to_failure())?;
    let target = Target::new(Some(cfg), None, a.policy_path.clone());
    // The configured ledger remote wins; else the repository B's Application points at.
    let remote = match target.remote.clone() {
        Some(r) => r,
        None => target_of(&target_app, &settings)?.repo_url,
    };
    let source = target.source(&remote);
    let paths = LedgerPaths::default().with_git_auth(dc.git_auth()).await?;
    let mut req = policy::Request::new(ActionKind::Promote, &a.to);
    req.ticket = a.ticket.clone();
    req.reason = a.reason.clone();
    let (source2, paths2) = (source.clone(), paths.clone());
    let policy = tokio::task::spawn_blocking(move || {
        let ledger = open_ledger(&source2, &paths2)?;
        load_policy(&ledger, &source2.policy_path)
    })
    .await
    .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("ledger task failed: {e}")))??;
    let promotion = Promotion {
        service: a.service.clone(),
        from_env: a.from.clone(),
        to_env: a.to.clone(),
        images,
        diff,
        ticket: a.ticket.clone(),
        reason: a.reason.clone(),
        request_id: None,
        approved_by: Vec::new(),
        requested_by: None,
    };
    match policy::decide(&policy, &req, &who, Utc::now()) {
        Decision::Refused { reason } => {
            audit_record(&who.username, "refusal", &summary_of(&a), reason.clone());
            return Err(Failure::new(ErrorKind::Forbidden, reason));
        }
        Decision::NeedsApproval { explanation, .. } => {
            let summary = crate::engine::payload::promotion_summary(&promotion);
            // Files the request and appends the audit record, as the console does.
            let (service, action) = (promotion.service.clone(), Action::Promote(Box::new(promotion)));
            let id = request_approval(remote, source, who, req, service, action, paths).await?;
            println!("{summary}: approval request {id} filed; {explanation}");
            return Ok(());
        }
        Decision::Run { .. } => {}
    }
    let action = Action::Promote(Box::new(promotion));
    let result = run_reporting(dc, &dst.key, &action, a.wait).await;
    let outcome = match &result {
        Ok(()) => "done".to_string(),
        Err(f) => format!("failed: {}", f.message),
    };
    audit_record(&who.username, "promote", &summary_of(&a), outcome);
    result?;
    println!("promote {} {} → {}: {}", a.service, a.from, a.to, if a.wait { "done" } else { "pushed" });
    Ok(())
}

/// Run `action` on `key`, printing each finished step on stderr.
pub(super) async fn run_reporting(
    client: &crate::client::ArgoClient,
    key: &crate::domain::AppKey,
    action: &Action,
    wait: bool,
) -> Result<(), Failure> {
    let mut report = |s: StepReport| match s.status {
        StepStatus::Running => {}
        StepStatus::Done => eprintln!("  ✓ {}", s.label),
        StepStatus::Failed => eprintln!("  ✗ {}", s.label),
    };
    run_action(client, key, action, wait, &mut report).await
}

fn summary_of(a: &PromoteArgs) -> String {
    format!("promote {} {}->{}", a.service, a.from, a.to)
}

fn print_diff(diff: &[DiffLine]) {
    for l in diff {
        println!("{}", diff_text(l));
    }
}
