//! The payload of an approval request: everything the approver's console (or headless
//! `approve`) needs to rebuild the held action and run it once, exactly as the requester
//! confirmed it. This is Flightdeck's own ledger format (no Argo CD wire field): promotions
//! keep their original `images`/`from`/`to` shape so older requests still run (a deploy,
//! rollback or scale made the GitOps way adds `"gitops": {"intent": …}`); every other action
//! is `{"action": KIND, ...its options}`.

use serde_json::{json, Value};

use crate::domain::release::ReleasePart;
use crate::domain::{Action, Intent, Promotion};
use crate::engine::RequestState;

/// The payload that describes `action` fully.
pub fn payload_of(action: &Action) -> Value {
    match action {
        Action::Promote(p) => {
            let mut v = json!({ "images": p.images, "from": p.from_env, "to": p.to_env });
            let intent = match &p.intent {
                Intent::Promote => None,
                Intent::Deploy => Some(json!({ "intent": "deploy" })),
                Intent::Rollback { history_id } => Some(json!({ "intent": "rollback", "history_id": history_id })),
                Intent::Scale { workload, change } => Some(super::payload_scale::to_json(workload, change)),
                Intent::Preview(i) => Some(super::payload_preview::to_json(i)),
            };
            if let (Some(i), Some(m)) = (intent, v.as_object_mut()) {
                m.insert("gitops".into(), i);
            }
            if let (true, Some(m)) = (p.is_release(), v.as_object_mut()) {
                let parts: Vec<Value> = p
                    .also
                    .iter()
                    .map(
                        |r| json!({ "service": r.service, "app": r.app, "namespace": r.namespace, "images": r.images }),
                    )
                    .collect();
                m.insert("release".into(), Value::Array(parts));
            }
            v
        }
        Action::Sync { prune, dry_run, force, apply_only } => {
            json!({ "action": "sync", "prune": prune, "dry_run": dry_run, "force": force, "apply_only": apply_only })
        }
        Action::Rollback { history_id, pause_auto_sync } => {
            json!({ "action": "rollback", "history_id": history_id, "pause_auto_sync": pause_auto_sync })
        }
        Action::Scale { kind, group, name, namespace, replicas } => json!({
            "action": "scale", "kind": kind, "group": group, "name": name, "namespace": namespace,
            "replicas": replicas,
        }),
        Action::Restart { kind, group, name, namespace } => {
            json!({ "action": "restart", "kind": kind, "group": group, "name": name, "namespace": namespace })
        }
        Action::Refresh { hard } => json!({ "action": "refresh", "hard": hard }),
        Action::Terminate => json!({ "action": "terminate" }),
        Action::RolloutPromote { name, namespace } => {
            json!({ "action": "rollout-promote", "name": name, "namespace": namespace })
        }
        Action::RolloutAbort { name, namespace } => {
            json!({ "action": "rollout-abort", "name": name, "namespace": namespace })
        }
        Action::RolloutResume { name, namespace } => {
            json!({ "action": "rollout-resume", "name": name, "namespace": namespace })
        }
        Action::ResumeAutoSync => json!({ "action": "resume-auto-sync" }),
        Action::SyncRevision { revision } => json!({ "action": "sync-revision", "revision": revision }),
        Action::SetSyncPolicy(p) => json!({
            "action": "sync-policy", "auto_sync": p.auto_sync, "self_heal": p.self_heal, "prune": p.prune,
        }),
        // Everything the creation needs to run as filed (the diff is planned again then).
        Action::Create(n) => json!({
            "action": "create", "service": n.service, "team": n.team, "template": n.template,
            "envs": n.envs, "image": n.image, "tag": n.tag, "via": n.via.name(),
        }),
    }
}

/// "sync alpha in prod (prune)", for the ledger and the approvals pane.
pub fn summary_of(service: &str, env: &str, action: &Action) -> String {
    match action {
        Action::Promote(p) => promotion_summary(p),
        a if a.options().is_empty() => format!("{} {service} in {env}", a.verb()),
        a => format!("{} {service} in {env} ({})", a.verb(), a.options()),
    }
}

/// "promote payment-service staging → prod (v1.3.0)", "deploy payment-service in prod
/// (v1.3.0 via Git)".
pub fn promotion_summary(p: &Promotion) -> String {
    match p.intent {
        Intent::Promote if p.is_release() => {
            format!("release {} {} → {} ({})", p.services().join(", "), p.from_env, p.to_env, p.release_versions())
        }
        Intent::Promote => {
            format!("promote {} {} → {} ({})", p.service, p.from_env, p.to_env, versions_of(&p.images))
        }
        _ => {
            let a = Action::Promote(Box::new(p.clone()));
            format!("{} {} in {} ({})", a.verb(), p.service, p.to_env, a.options())
        }
    }
}

/// One diff line as text, as a request keeps it (`+`, `-`, ` `, headers as they are).
pub fn diff_text(l: &crate::domain::DiffLine) -> String {
    use crate::domain::DiffLine;
    match l {
        DiffLine::Context(s) => format!(" {s}"),
        DiffLine::Added(s) => format!("+{s}"),
        DiffLine::Removed(s) => format!("-{s}"),
        DiffLine::Hunk(s) => s.clone(),
    }
}

/// The versions (image tags) of `images`, for summaries: "v1.3.0, v2.0.1".
pub fn versions_of(images: &[String]) -> String {
    images.iter().map(|i| crate::domain::deployment::image_tag(i).unwrap_or(i)).collect::<Vec<_>>().join(", ")
}

/// The action an approved request runs, rebuilt from its payload; why not when the payload
/// does not describe one.
pub fn action_of(s: &RequestState) -> Result<Action, String> {
    let p = &s.body.payload;
    let Some(kind) = p.get("action").and_then(Value::as_str) else {
        return promotion_of(s);
    };
    let bad = |what: &str| format!("request {} does not say {what} of its {kind}", s.id);
    let flag = |k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
    let text = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(|| bad(k));
    Ok(match kind {
        "sync" => Action::Sync {
            prune: flag("prune"),
            dry_run: flag("dry_run"),
            force: flag("force"),
            apply_only: flag("apply_only"),
        },
        "rollback" => Action::Rollback {
            history_id: p.get("history_id").and_then(Value::as_i64).ok_or_else(|| bad("the history id"))?,
            pause_auto_sync: flag("pause_auto_sync"),
        },
        "scale" => Action::Scale {
            kind: text("kind")?,
            group: text("group")?,
            name: text("name")?,
            namespace: text("namespace")?,
            replicas: p
                .get("replicas")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad("the replicas"))?,
        },
        "restart" => Action::Restart {
            kind: text("kind")?,
            group: text("group")?,
            name: text("name")?,
            namespace: text("namespace")?,
        },
        "refresh" => Action::Refresh { hard: flag("hard") },
        "terminate" => Action::Terminate,
        "rollout-promote" => Action::RolloutPromote { name: text("name")?, namespace: text("namespace")? },
        "rollout-abort" => Action::RolloutAbort { name: text("name")?, namespace: text("namespace")? },
        "rollout-resume" => Action::RolloutResume { name: text("name")?, namespace: text("namespace")? },
        "resume-auto-sync" => Action::ResumeAutoSync,
        "sync-revision" => Action::SyncRevision { revision: text("revision")? },
        "sync-policy" => Action::SetSyncPolicy(crate::domain::SyncPolicy {
            auto_sync: flag("auto_sync"),
            self_heal: flag("self_heal"),
            prune: flag("prune"),
        }),
        "create" => creation_of(s, &text)?,
        other => return Err(format!("request {} holds an action this Flightdeck does not know: {other:?}", s.id)),
    })
}

/// The strings of array `key` in `v` (none when absent; non-strings skipped).
fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|i| i.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// A creation request, with its trailers (the requester asked; the approvers approved).
fn creation_of(s: &RequestState, text: &dyn Fn(&str) -> Result<String, String>) -> Result<Action, String> {
    let p = &s.body.payload;
    let opt = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let envs = strings(p, "envs");
    if envs.is_empty() {
        return Err(format!("request {} does not say the environments of its create", s.id));
    }
    let via = opt("via").and_then(|v| crate::domain::new_service::AppsVia::parse(&v)).unwrap_or_default();
    Ok(Action::Create(Box::new(crate::domain::new_service::NewService {
        service: text("service")?,
        team: text("team")?,
        template: text("template")?,
        envs,
        image: opt("image"),
        tag: opt("tag"),
        via,
        diff: Vec::new(),
        ticket: s.body.policy.ticket.clone(),
        reason: s.body.policy.reason.clone(),
        request_id: Some(s.id.clone()),
        approved_by: s.approvals.iter().map(|a| a.actor.clone()).collect(),
        requested_by: Some(s.requester.clone()),
    })))
}

/// A promotion request (the payload's `images` and `from`), with its trailers.
fn promotion_of(s: &RequestState) -> Result<Action, String> {
    let p = &s.body.payload;
    let images = strings(p, "images");
    let intent = intent_of(s)?;
    let from_env = s.body.from_env.clone().or_else(|| p.get("from").and_then(Value::as_str).map(str::to_string));
    let from_env = match intent {
        Intent::Promote => from_env,
        // An in-place change moves nothing between environments.
        _ => from_env.or_else(|| Some(s.body.policy.env.clone())),
    };
    let wants_images = !matches!(intent, Intent::Scale { .. } | Intent::Preview(_));
    let Some(from_env) = from_env.filter(|_| !images.is_empty() || !wants_images) else {
        return Err(format!("request {} does not say which images to promote from where", s.id));
    };
    Ok(Action::Promote(Box::new(Promotion {
        service: s.body.service.clone(),
        from_env,
        to_env: s.body.policy.env.clone(),
        images,
        // Empty: the run plans the diff again on the current overlay.
        diff: Vec::new(),
        ticket: s.body.policy.ticket.clone(),
        reason: s.body.policy.reason.clone(),
        request_id: Some(s.id.clone()),
        approved_by: s.approvals.iter().map(|a| a.actor.clone()).collect(),
        // The trailer names who asked, not the approver whose console runs it.
        requested_by: Some(s.requester.clone()),
        intent,
        also: parts_of(s)?,
    })))
}

/// The other services of a release (`"release": [{service, app, namespace, images}]`).
fn parts_of(s: &RequestState) -> Result<Vec<ReleasePart>, String> {
    let Some(parts) = s.body.payload.get("release") else { return Ok(Vec::new()) };
    let bad = || format!("request {} does not say every service of its release", s.id);
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string).ok_or_else(bad);
    parts
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|v| {
            let images = strings(v, "images");
            if images.is_empty() {
                return Err(bad());
            }
            Ok(ReleasePart {
                service: text(v, "service")?,
                app: text(v, "app")?,
                namespace: text(v, "namespace")?,
                images,
            })
        })
        .collect()
}

/// The GitOps intent a promotion-shaped payload carries (none: a promotion).
fn intent_of(s: &RequestState) -> Result<Intent, String> {
    let Some(g) = s.body.payload.get("gitops") else { return Ok(Intent::Promote) };
    let bad = |what: &str| format!("request {} does not say {what} of its GitOps change", s.id);
    Ok(match g.get("intent").and_then(Value::as_str) {
        Some("deploy") => Intent::Deploy,
        Some("rollback") => Intent::Rollback {
            history_id: g.get("history_id").and_then(Value::as_i64).ok_or_else(|| bad("the history id"))?,
        },
        Some("scale") => Intent::Scale {
            workload: g.get("workload").and_then(Value::as_str).ok_or_else(|| bad("the workload"))?.to_string(),
            change: super::payload_scale::from_json(g).ok_or_else(|| bad("what to scale"))?,
        },
        Some("preview") => Intent::Preview(super::payload_preview::from_json(g).ok_or_else(|| bad("the preview"))?),
        other => {
            return Err(format!("request {} holds a GitOps change this Flightdeck does not know: {other:?}", s.id))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scale::ScaleChange;

    fn state(payload: Value) -> RequestState {
        let body = crate::engine::RequestBody {
            policy: crate::domain::policy::Request::new(crate::domain::policy::ActionKind::Sync, "prod"),
            service: "alpha".into(),
            from_env: None,
            summary: String::new(),
            diff: Vec::new(),
            payload,
        };
        RequestState {
            id: "req-1".into(),
            body,
            requester: "dave".into(),
            requester_groups: Vec::new(),
            requested_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            approvals: Vec::new(),
            rejections: Vec::new(),
            status: crate::engine::Status::Pending,
            votes: Vec::new(),
            history: Vec::new(),
        }
    }

    #[test]
    fn every_action_survives_the_payload_round_trip() {
        let w = |n: &str| (String::from("Deployment"), String::from("apps"), n.to_string(), String::from("shop"));
        let (kind, group, name, namespace) = w("alpha");
        let actions = [
            Action::Sync { prune: true, dry_run: false, force: true, apply_only: false },
            Action::Rollback { history_id: 7, pause_auto_sync: true },
            Action::Scale {
                kind: kind.clone(),
                group: group.clone(),
                name: name.clone(),
                namespace: namespace.clone(),
                replicas: 5,
            },
            Action::Restart { kind, group, name, namespace },
            Action::Refresh { hard: true },
            Action::Terminate,
            Action::RolloutPromote { name: "r".into(), namespace: "shop".into() },
            Action::RolloutAbort { name: "r".into(), namespace: "shop".into() },
            Action::RolloutResume { name: "r".into(), namespace: "shop".into() },
            Action::ResumeAutoSync,
            Action::SyncRevision { revision: "3f2a1c9".into() },
            Action::SetSyncPolicy(crate::domain::SyncPolicy { auto_sync: true, self_heal: false, prune: true }),
            Action::SetSyncPolicy(crate::domain::SyncPolicy::default()),
        ];
        for a in actions {
            assert_eq!(action_of(&state(payload_of(&a))), Ok(a.clone()), "{a:?}");
        }
    }

    #[test]
    fn gitops_changes_keep_their_intent_through_the_ledger() {
        let intents = [
            Intent::Deploy,
            Intent::Rollback { history_id: 3 },
            Intent::Scale { workload: "alpha".into(), change: ScaleChange::replicas(4) },
            Intent::Scale {
                workload: "alpha".into(),
                change: ScaleChange {
                    kind: Some("StatefulSet".into()),
                    container: Some("app".into()),
                    cpu_request: Some("250m".into()),
                    cpu_limit: Some("1".into()),
                    memory_request: Some("256Mi".into()),
                    memory_limit: Some("512Mi".into()),
                    ..ScaleChange::default()
                },
            },
            Intent::Scale {
                workload: "alpha".into(),
                change: ScaleChange { min: Some(2), max: Some(8), ..ScaleChange::default() },
            },
        ];
        for intent in intents {
            let images = if matches!(intent, Intent::Scale { .. }) { vec![] } else { vec!["r/alpha:v1.0.0".into()] };
            let p = Promotion::in_place("alpha", "prod", images, intent);
            let mut st = state(payload_of(&Action::Promote(Box::new(p.clone()))));
            st.body.policy.env = "prod".into();
            let Ok(Action::Promote(back)) = action_of(&st) else { panic!("{p:?}") };
            assert_eq!((back.intent, back.from_env, back.images), (p.intent, p.from_env, p.images));
        }
    }

    #[test]
    fn a_release_keeps_every_service_through_the_ledger() {
        let mut p = Promotion::new("alpha", "staging", "prod", vec!["r/alpha:v1.0.0".into()]);
        p.also.push(ReleasePart {
            service: "beta".into(),
            app: "beta-prod".into(),
            namespace: "argocd".into(),
            images: vec!["r/beta:v2.0.0".into()],
        });
        let a = Action::Promote(Box::new(p.clone()));
        let mut st = state(payload_of(&a));
        st.body.policy.env = "prod".into();
        st.body.from_env = Some("staging".into());
        let Ok(Action::Promote(back)) = action_of(&st) else { panic!("{p:?}") };
        assert_eq!(back.also, p.also);
        assert_eq!(promotion_summary(&back), "release alpha, beta staging → prod (alpha v1.0.0, beta v2.0.0)");
        let mut broken = payload_of(&a);
        broken["release"][0]["images"] = json!([]);
        assert!(action_of(&state(broken)).unwrap_err().contains("every service"));
    }

    #[test]
    fn a_payload_missing_what_it_needs_is_refused_not_guessed() {
        let err = action_of(&state(json!({ "action": "scale", "kind": "Deployment" }))).unwrap_err();
        assert!(err.contains("req-1") && err.contains("scale"), "{err}");
        let err = action_of(&state(json!({ "action": "explode" }))).unwrap_err();
        assert!(err.contains("explode"), "{err}");
        assert!(action_of(&state(json!({}))).unwrap_err().contains("which images"));
    }

    #[test]
    fn summary_names_verb_service_env_and_options() {
        let a = Action::Sync { prune: true, dry_run: false, force: false, apply_only: false };
        assert_eq!(summary_of("alpha", "prod", &a), "sync alpha in prod (prune)");
        assert_eq!(summary_of("alpha", "prod", &Action::Terminate), "terminate alpha in prod");
    }
}
