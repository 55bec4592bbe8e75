//! Running a release (`Action::Promote` carrying several services): read every target app,
//! push the one commit touching all their overlays, then refresh (or sync) each app and,
//! with `wait`, follow each to healthy. The steps name the service they are about.

use super::actions::{follow_if, say, step, Labels, Report, RunOptions};
use super::argocd::apps::{Refresh, SyncOpts};
use super::argocd::follow::{Follower, Goal};
use super::argocd::ArgoClient;
use super::git::promote::{GitOutcome, PromoteInput, PromoteSettings};
use super::git::release::{members, naming, push_release};
use super::StepReport;
use crate::domain::{AppKey, Failure, Promotion, StepStatus};

/// Run the release `p` whose first app is `key`, as `user`.
pub async fn run(
    client: &ArgoClient,
    key: &AppKey,
    p: &Promotion,
    user: String,
    opts: RunOptions,
    r: &mut Report<'_>,
) -> Result<(), Failure> {
    say(r, "overlays located", StepStatus::Running);
    let found = match members(client, key, p).await {
        Ok(m) => m,
        Err(f) => {
            say(r, "overlays located", StepStatus::Failed);
            return Err(f);
        }
    };
    say(r, "overlays located", StepStatus::Done);
    const PUSH: &str = "push commit";
    say(r, PUSH, StepStatus::Running);
    let input = PromoteInput::of(p, user, p.diff.clone());
    let pushed = match PromoteSettings::for_client(client).await {
        Ok(settings) => push_release(&found, &input, &settings).await,
        Err(f) => Err(f),
    };
    match pushed {
        Ok(GitOutcome::Pushed { commit, .. }) => {
            let short = commit.get(..7).unwrap_or(&commit);
            say(r, &format!("commit {short} pushed ({})", p.services().join(", ")), StepStatus::Done);
        }
        Ok(GitOutcome::NothingToDo(why)) => {
            say(r, &format!("nothing to do: {why}"), StepStatus::Done);
            return Ok(());
        }
        Err(f) => {
            say(r, PUSH, StepStatus::Failed);
            return Err(f);
        }
    }
    // Every app learns of the commit first, so they deploy together; then each is followed.
    let mut followers = Vec::new();
    for m in &found {
        let label = format!("{}: refresh sent", m.service);
        let app =
            step(r, &label, client.get_app(&m.key, Some(Refresh::Normal))).await.map_err(|f| naming(&m.service, f))?;
        let follower = if app.auto_sync() {
            // Auto-sync deploys the commit itself; the baseline is the app before the push.
            Follower::new(Goal::OperationThenHealth, Some(&m.app))
        } else {
            let label = format!("{}: sync sent", m.service);
            let synced =
                step(r, &label, client.sync(&m.key, SyncOpts::default())).await.map_err(|f| naming(&m.service, f))?;
            Follower::new(Goal::OperationThenHealth, Some(&synced))
        };
        followers.push((m, follower));
    }
    for (m, follower) in followers {
        let service = m.service.clone();
        let mut tagged = |s: StepReport| r(StepReport { label: format!("{service}: {}", s.label), ..s });
        let mut tagged: Report<'_> = &mut tagged;
        follow_if(client, &m.key, opts, follower, Labels::OPERATION, "promote", &mut tagged)
            .await
            .map_err(|f| naming(&m.service, f))?;
    }
    Ok(())
}
