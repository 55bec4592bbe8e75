//! Headless `flightdeck promote SERVICE --from A --to B [--ticket T] [--reason R] [--wait]`:
//! resolve what runs in A and where B's desired state lives, print the exact diff, ask the
//! policy in B's GitOps repository, then either run the promotion (commit with trailers, push,
//! refresh/sync B, with `--wait` follow it to healthy) or file an approval request.

use chrono::Utc;

use super::status::{clients, list_all};
use crate::client::promote::{already_running, plan, PromoteSettings};
use crate::client::{run_action, StepReport};
use crate::config::Config;
use crate::domain::{Action, DiffLine, ErrorKind, Failure, Promotion, StepStatus};
use crate::gitops::git::Git;
use crate::ledger::{self, Ledger, RequestBody};
use crate::policy::{self, ActionKind, Decision, Policy};

/// What the command line asked for.
pub struct PromoteArgs {
    pub service: String,
    pub from: String,
    pub to: String,
    pub ticket: Option<String>,
    pub reason: Option<String>,
    pub wait: bool,
    pub policy_path: String,
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
    let diff = plan(dc, &dst.key, &images, &PromoteSettings::default()).await?;
    if diff.is_empty() {
        println!("promote {}: the {} overlay already has {} — nothing to do", a.service, a.to, images.join(", "));
        return Ok(());
    }
    print_diff(&diff);
    let who = dc.userinfo().await.map_err(|e| e.to_failure())?;
    let remote = crate::client::promote::target_of(&target_app, &PromoteSettings::default())?.repo_url;
    let mut req = policy::Request::new(ActionKind::Promote, &a.to);
    req.ticket = a.ticket.clone();
    req.reason = a.reason.clone();
    let summary = format!("promote {} {} → {} ({})", a.service, a.from, a.to, images.join(", "));
    let (policy_path, who2, req2) = (a.policy_path.clone(), who.clone(), req.clone());
    let diff_text: Vec<String> = diff.iter().map(diff_text).collect();
    let payload = serde_json::json!({"images": images, "from": a.from, "to": a.to});
    let body = RequestBody {
        policy: req.clone(),
        service: a.service.clone(),
        from_env: Some(a.from.clone()),
        summary: summary.clone(),
        diff: diff_text,
        payload,
    };
    let decision = tokio::task::spawn_blocking(move || -> Result<Decision, Failure> {
        let ledger = open_ledger(&remote)?;
        let policy = load_policy(&ledger, &policy_path)?;
        let d = policy::decide(&policy, &req2, &who2, Utc::now());
        if let Decision::NeedsApproval { explanation, .. } = &d {
            let state = ledger
                .request(&who2, body, Utc::now())
                .map_err(|e| Failure::new(ErrorKind::Unavailable, e.to_string()))?;
            println!("{summary}: approval request {} filed; {explanation}", state.id);
        }
        Ok(d)
    })
    .await
    .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("ledger task failed: {e}")))??;
    match decision {
        Decision::Refused { reason } => {
            super::approvals::audit_record(&who.username, "refusal", &summary_of(&a), reason.clone());
            return Err(Failure::new(ErrorKind::Forbidden, reason));
        }
        Decision::NeedsApproval { .. } => {
            super::approvals::audit_record(&who.username, "request", &summary_of(&a), String::new());
            return Ok(());
        }
        Decision::Run { .. } => {}
    }
    let action = Action::Promote(Box::new(Promotion {
        service: a.service.clone(),
        from_env: a.from.clone(),
        to_env: a.to.clone(),
        images,
        diff,
        ticket: a.ticket.clone(),
        reason: a.reason.clone(),
        request_id: None,
        approved_by: Vec::new(),
    }));
    let mut report = |s: StepReport| match s.status {
        StepStatus::Running => {}
        StepStatus::Done => eprintln!("  ✓ {}", s.label),
        StepStatus::Failed => eprintln!("  ✗ {}", s.label),
    };
    let result = run_action(dc, &dst.key, &action, a.wait, &mut report).await;
    let outcome = match &result {
        Ok(()) => "done".to_string(),
        Err(f) => format!("failed: {}", f.message),
    };
    super::approvals::audit_record(&who.username, "promote", &summary_of(&a), outcome);
    result?;
    println!("promote {} {} → {}: {}", a.service, a.from, a.to, if a.wait { "done" } else { "pushed" });
    Ok(())
}

fn summary_of(a: &PromoteArgs) -> String {
    format!("promote {} {}->{}", a.service, a.from, a.to)
}

fn diff_text(l: &DiffLine) -> String {
    match l {
        DiffLine::Context(s) => format!(" {s}"),
        DiffLine::Added(s) => format!("+{s}"),
        DiffLine::Removed(s) => format!("-{s}"),
        DiffLine::Hunk(s) => s.clone(),
    }
}

fn print_diff(diff: &[DiffLine]) {
    for l in diff {
        println!("{}", diff_text(l));
    }
}

fn open_ledger(remote: &str) -> Result<Ledger, Failure> {
    let cache = directories::ProjectDirs::from("dev", "flightdeck", "flightdeck")
        .map(|d| d.cache_dir().to_path_buf())
        .ok_or_else(|| Failure::new(ErrorKind::Usage, "no cache directory (set HOME)"))?;
    Ledger::open(Git::new(), remote, &cache, ledger::DEFAULT_REF)
        .map_err(|e| Failure::new(ErrorKind::Unavailable, e.to_string()))
}

fn load_policy(l: &Ledger, path: &str) -> Result<Policy, Failure> {
    match l.remote_file(path).map_err(|e| Failure::new(ErrorKind::Unavailable, e.to_string()))? {
        Some(text) => {
            policy::parse(&text, std::path::Path::new(path)).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))
        }
        None => Ok(Policy::open()),
    }
}
