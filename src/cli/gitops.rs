//! The headless GitOps change, shared by `promote`, `deploy --tag`, `rollback` (the GitOps
//! way) and `scale` (the GitOps way): plan the exact diff of the target's overlay and show it
//! first, then the one governance path decides (run here, file an approval request, or
//! refuse), then the change runs as `Action::Promote` (commit with trailers, push,
//! refresh/sync, with `--wait` followed to healthy) and is recorded in the trail. `-o json`
//! prints one object at the end instead of the diff and the summary line.

use serde::Serialize;

use super::args::{Format, Waiting};
use super::govern::{Asked, Gate, Headless};
use super::output::{outln, print_json};
use crate::client::git::promote::PromoteSettings;
use crate::client::git::promote_flow::plan_change;
use crate::client::git::release::plan_release;
use crate::domain::{Action, Deployment, Failure, Promotion};
use crate::engine::payload::diff_text;

/// One GitOps change as the command line asked for it.
pub struct Change<'a> {
    /// Where the overlay is written (the target app).
    pub dep: &'a Deployment,
    /// What is written and why (its intent), with the ticket and reason given.
    pub promotion: Promotion,
    pub asked: &'a Asked,
    pub wait: Waiting,
    pub format: Format,
    /// How the summary line names it ("promote alpha dev → staging", "deploy alpha/prod").
    pub label: String,
}

/// What `-o json` prints: the change, its diff, and what became of it.
#[derive(Serialize)]
struct Report<'a> {
    action: &'a str,
    service: &'a str,
    env: &'a str,
    app: &'a str,
    /// Always `git`: the change is a commit to the environment's overlay.
    via: &'static str,
    detail: String,
    diff: Vec<String>,
    /// `done` (followed to its end), `pushed`, `filed`, `nothing to do`.
    outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    steps: Vec<String>,
}

/// Plan, show, govern, run and report `c`.
pub async fn commit_change(h: &Headless, mut c: Change<'_>) -> Result<(), Failure> {
    let json = c.format == Format::Json;
    let client = h.client(c.dep.key.instance)?;
    let settings = PromoteSettings::for_client(client).await?;
    let p = c.promotion.clone();
    let (verb, detail) = {
        let a = Action::Promote(Box::new(p.clone()));
        (a.verb(), a.options())
    };
    let (dep, label) = (c.dep, c.label.clone());
    let report = |outcome: &'static str, diff: Vec<String>, note: Option<String>| Report {
        action: verb,
        service: &dep.service,
        env: &dep.env,
        app: &dep.key.name,
        via: "git",
        detail: detail.clone(),
        diff,
        outcome,
        commit: None,
        request: None,
        note,
        steps: Vec::new(),
    };
    let planned = match p.is_release() {
        // A release's refusal of one service is the release's: it is no "nothing to do".
        true => plan_release(client, &dep.key, &p, &settings)
            .await
            .map_err(|f| Failure { message: format!("nothing of the release was promoted: {}", f.message), ..f }),
        false => plan_change(client, &dep.key, &p.images, &p.intent, &settings).await,
    };
    let plan = match planned {
        Ok(plan) => plan,
        // "Nothing to do" is an answer, said as such (exit 0).
        Err(f) if f.message.starts_with("nothing to do") => {
            if json {
                return print_json(&report("nothing to do", Vec::new(), Some(f.message)));
            }
            outln!("{label}: {}", f.message);
            return Ok(());
        }
        Err(f) => return Err(f),
    };
    let diff: Vec<String> = plan.diff.iter().map(diff_text).collect();
    if !json {
        for l in &diff {
            outln!("{l}");
        }
    }
    c.promotion.diff = plan.diff;
    let action = Action::Promote(Box::new(c.promotion.clone()));
    let (who, context) = match h.govern_saying(c.dep, &action, c.asked, !json).await? {
        Gate::Run { who, context } => (who, context),
        Gate::Filed(id) => {
            if json {
                return print_json(&Report { request: Some(id), ..report("filed", diff, None) });
            }
            return Ok(());
        }
    };
    let follow = Some(c.wait).filter(|w| w.wait).map(|w| w.timeout());
    let steps = h.run(c.dep, &action, &who, &context, follow).await?;
    // What happened in Git ("commit a1b2c3d pushed", "nothing to do: …"), then whether it was
    // followed to health.
    let git = steps.iter().find(|s| s.starts_with("commit ") || s.starts_with("nothing to do"));
    if json {
        let commit = git.and_then(|g| g.strip_prefix("commit ")).and_then(|g| g.split(' ').next()).map(str::to_string);
        let outcome = match (&commit, follow) {
            (None, _) => "nothing to do",
            (Some(_), Some(_)) => "done",
            (Some(_), None) => "pushed",
        };
        return print_json(&Report { commit, steps, ..report(outcome, diff, context.note.clone()) });
    }
    let said = match (git, follow) {
        (Some(g), Some(_)) => format!("{g}; done"),
        (Some(g), None) => g.clone(),
        (None, _) => steps.last().cloned().unwrap_or_else(|| "done".into()),
    };
    outln!("{label}: {said}");
    Ok(())
}
