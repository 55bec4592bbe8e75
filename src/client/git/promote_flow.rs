//! The console's promotion, client side: answer `Effect::PlanPromotion` with the exact diff
//! of B's overlay and the policy read from the same GitOps repository (or the clear refusal:
//! nothing to do, no such image, no Git source …), and `Effect::RequestApproval` by filing
//! the promotion (or any other action the policy holds) in the shared approvals ledger. The run itself is `Action::Promote` through
//! [`crate::client::actions`] like every other action. Git runs on the blocking pool.
//!
//! The policy is read afresh for every plan rather than cached: a changed `policy.toml` must
//! apply at once, and the plan already fetches the same remote, so a cache would save one
//! local fetch per dialog at the price of stale rules.

use chrono::Utc;

use super::promote::{already_running, plan, target_of, PromoteSettings};
use crate::audit::Entry;
use crate::client::argocd::ArgoClient;
use crate::client::engine::embedded::{audit_or_warn, load_policy, open_ledger, LedgerPaths};
use crate::domain::approvals::ApprovalSource;
use crate::domain::policy::{self, Policy};
use crate::domain::promotion::PromotionPlan;
use crate::domain::{Action, AppKey, DiffLine, ErrorKind, Failure, UserInfo};
use crate::engine::RequestBody;

/// The plan of promoting `images` into `key`'s overlay, with the policy that governs it.
/// Writes nothing.
pub async fn plan_for_console(
    client: &ArgoClient,
    key: &AppKey,
    images: &[String],
    source: ApprovalSource,
    settings: &PromoteSettings,
    paths: LedgerPaths,
) -> Result<PromotionPlan, Failure> {
    let app = client.get_app(key, None).await.map_err(|e| e.to_failure())?;
    let versions = crate::engine::payload::versions_of(images);
    if already_running(&app, images) {
        return Err(nothing_to_do(format!("{} already runs {versions}", key.name)));
    }
    let target = target_of(&app, settings)?;
    let diff = plan(client, key, images, settings).await?;
    if diff.is_empty() {
        return Err(nothing_to_do(format!("the overlay of {} already has {versions}", key.name)));
    }
    let policy = read_policy(with_remote(source, &target.repo_url), paths).await?;
    Ok(PromotionPlan { diff, repo_url: target.repo_url, path: target.path, policy })
}

/// File `action` on `service` (a promotion, or any action the policy holds) as an approval
/// request in the ledger of `remote` (or the configured ledger remote); returns the request
/// id. The payload describes the action fully: it is what the approver's console turns back
/// into the run (`client::approvals::action_of`, see [`crate::engine::payload`]).
pub async fn request_approval(
    remote: String,
    source: ApprovalSource,
    requester: UserInfo,
    request: policy::Request,
    service: String,
    action: Action,
    paths: LedgerPaths,
) -> Result<String, Failure> {
    let source = with_remote(source, &remote);
    let summary = crate::engine::payload::summary_of(&service, &request.env, &action);
    let (from_env, diff) = match &action {
        Action::Promote(p) => (Some(p.from_env.clone()), p.diff.iter().map(diff_text).collect()),
        _ => (None, Vec::new()),
    };
    let body = RequestBody {
        payload: crate::engine::payload::payload_of(&action),
        policy: request,
        service,
        from_env,
        summary: summary.clone(),
        diff,
    };
    blocking(move || {
        let ledger = open_ledger(&source, &paths)?;
        let state =
            ledger.request(&requester, body, Utc::now()).map_err(crate::client::engine::embedded::ledger_failure)?;
        audit_or_warn(paths.audit_dir.as_deref(), Entry::now(&requester.username, "request", &state.id, summary));
        Ok(state.id)
    })
    .await
}

/// One diff line as text, as the ledger keeps it (`+`, `-`, ` `, headers as they are).
pub fn diff_text(l: &DiffLine) -> String {
    match l {
        DiffLine::Context(s) => format!(" {s}"),
        DiffLine::Added(s) => format!("+{s}"),
        DiffLine::Removed(s) => format!("-{s}"),
        DiffLine::Hunk(s) => s.clone(),
    }
}

async fn read_policy(source: ApprovalSource, paths: LedgerPaths) -> Result<Policy, Failure> {
    blocking(move || {
        let ledger = open_ledger(&source, &paths)?;
        load_policy(&ledger, &source.policy_path)
    })
    .await
}

/// The configured ledger remote wins; else the repository B's Application points at.
fn with_remote(mut source: ApprovalSource, repo_url: &str) -> ApprovalSource {
    if source.remote.as_deref().is_none_or(str::is_empty) {
        source.remote = Some(repo_url.to_string());
    }
    source
}

fn nothing_to_do(why: String) -> Failure {
    Failure::new(ErrorKind::Usage, format!("nothing to do: {why}"))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Failure> + Send + 'static) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("ledger task stopped: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Promotion;

    #[test]
    fn the_configured_ledger_remote_wins_over_the_apps_repository() {
        let src = ApprovalSource { remote: Some("file:///ledger.git".into()), ..Default::default() };
        assert_eq!(with_remote(src, "file:///apps.git").remote.as_deref(), Some("file:///ledger.git"));
        let src = ApprovalSource { remote: Some(String::new()), ..Default::default() };
        assert_eq!(with_remote(src, "file:///apps.git").remote.as_deref(), Some("file:///apps.git"));
    }

    #[test]
    fn summary_names_service_route_and_versions() {
        let p = Promotion {
            service: "payment".into(),
            from_env: "staging".into(),
            to_env: "prod".into(),
            images: vec!["registry:5000/shop/payment:v1.3.0".into()],
            diff: Vec::new(),
            ticket: None,
            reason: None,
            request_id: None,
            approved_by: Vec::new(),
            requested_by: None,
        };
        assert_eq!(crate::engine::payload::promotion_summary(&p), "promote payment staging → prod (v1.3.0)");
    }
}
