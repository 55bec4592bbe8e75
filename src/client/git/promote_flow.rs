//! Planning a promotion, for the console (`Effect::PlanPromotion`) and `flightdeck promote`
//! alike: the exact diff of B's overlay, or the clear answer why there is nothing to promote
//! (B already runs it, the overlay already has it, no such image, no Git source …). Writes
//! nothing. The policy is not read here: the one governance path decides
//! (`engine::governance::verdict`); the run itself is `Action::Promote` through
//! [`crate::client::actions`] like every other action.

use super::promote::{already_running, edit_of, plan, target_of, PromoteSettings};
use crate::client::argocd::ArgoClient;
use crate::domain::promotion::PromotionPlan;
use crate::domain::{AppKey, ErrorKind, Failure, Intent};

/// The plan of promoting `images` into `key`'s overlay. Writes nothing.
pub async fn plan_promotion(
    client: &ArgoClient,
    key: &AppKey,
    images: &[String],
    settings: &PromoteSettings,
) -> Result<PromotionPlan, Failure> {
    plan_change(client, key, images, &Intent::Promote, settings).await
}

/// The plan of any GitOps change into `key`'s overlay: `images` for a promotion, deploy or
/// rollback, the intent's replica count for a scale. Writes nothing.
pub async fn plan_change(
    client: &ArgoClient,
    key: &AppKey,
    images: &[String],
    intent: &Intent,
    settings: &PromoteSettings,
) -> Result<PromotionPlan, Failure> {
    let app = client.get_app(key, None).await.map_err(|e| e.to_failure())?;
    let what = match intent {
        Intent::Scale { workload, change } => change.describe(workload),
        Intent::Preview(i) => i.describe(),
        _ => crate::engine::payload::versions_of(images),
    };
    if !matches!(intent, Intent::Scale { .. } | Intent::Preview(_)) && already_running(&app, images) {
        return Err(nothing_to_do(format!("{} already runs {what}", key.name)));
    }
    let target = target_of(&app, settings)?;
    let diff = plan(client, key, &edit_of(images, intent)?, settings).await?;
    if diff.is_empty() {
        return Err(nothing_to_do(format!("the overlay of {} already has {what}", key.name)));
    }
    Ok(PromotionPlan { diff, repo_url: target.repo_url, path: target.path, images: images.to_vec() })
}

/// The console's plan: with `revision` (a GitOps rollback) the images the app runs are first
/// retagged as the overlay had them at that commit.
pub async fn plan_for(
    client: &ArgoClient,
    key: &AppKey,
    images: &[String],
    intent: &Intent,
    revision: Option<&str>,
    settings: &PromoteSettings,
) -> Result<PromotionPlan, Failure> {
    let Some(rev) = revision else { return plan_change(client, key, images, intent, settings).await };
    let app = client.get_app(key, None).await.map_err(|e| e.to_failure())?;
    let images = super::history::images_at(&app, rev, &app.status.summary.images, settings).await?;
    plan_change(client, key, &images, intent, settings).await
}

/// What the console's `Effect::PlanPromotion` asks: the plan of one change ([`plan_for`]) or,
/// with `also`, of a release (every service's overlay, one combined diff).
pub async fn plan_effect(
    c: &crate::client::argocd::ArgoClient,
    target: &crate::domain::AppKey,
    images: &[String],
    intent: &crate::domain::Intent,
    revision: Option<&str>,
    also: Vec<crate::domain::release::ReleasePart>,
) -> Result<PromotionPlan, Failure> {
    let settings = super::promote::PromoteSettings::for_client(c).await?;
    if !also.is_empty() {
        // A release: the others are named in `also`; the first one goes by its app's name.
        let p = crate::domain::Promotion {
            also,
            intent: intent.clone(),
            ..crate::domain::Promotion::new(&target.name, "", "", images.to_vec())
        };
        return super::release::plan_release(c, target, &p, &settings).await;
    }
    plan_for(c, target, images, intent, revision, &settings).await
}

/// "Nothing to do" is an answer, not a failure of the tool: it is said as such.
fn nothing_to_do(why: String) -> Failure {
    Failure::new(ErrorKind::Usage, format!("nothing to do: {why}"))
}
