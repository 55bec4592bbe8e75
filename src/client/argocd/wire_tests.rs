//! Unit tests of the wire conversion against the verbatim Argo CD example and hand-made
//! edge cases (null lists, disabled automation, hostile strings).

use super::*;

fn velero() -> App {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/argocd/examples/application-velero-test.yaml");
    let text = std::fs::read_to_string(path).expect("example file");
    serde_yaml_ng::from_str(&text).expect("parse example")
}

#[test]
fn velero_example_maps_to_deployment() {
    let app = velero();
    let m = Mapping::NamePattern("{service}-{env}".into());
    let d = app.to_deployment(2, &m, "-");
    assert_eq!(d.key, AppKey { instance: 2, namespace: "argo-cd".into(), name: "velero-test".into() });
    assert_eq!((d.service.as_str(), d.env.as_str()), ("velero", "test"));
    assert_eq!(d.project, "sre");
    assert_eq!(d.team, None, "no team or part-of label in the example");
    assert_eq!(d.health, Health::Healthy);
    assert_eq!(d.sync, SyncStatus::Synced);
    assert_eq!(d.revision, "rev1");
    assert_eq!(d.images, vec!["nginx:latest".to_string()]);
    assert_eq!(d.version(), "latest");
    assert_eq!(d.operation, Some(OpPhase::Succeeded));
    assert_eq!(d.op_started_at.map(|t| t.to_rfc3339()), Some("2024-03-05T07:33:03+00:00".into()));
    assert!(!d.auto_sync, "syncPolicy has retry and syncOptions but no automated");
    assert_eq!(d.repo_url, "https://github.com/foo/manifests-velero.git");
    assert_eq!(d.path, "instances/test");
    assert_eq!(d.target_revision, "test-lla");
    assert_eq!(d.dest_namespace, "test-lla");
    assert!(!d.deleting);
}

#[test]
fn velero_example_maps_to_detail() {
    let det = velero().to_detail();
    assert_eq!(det.history.len(), 10);
    assert_eq!(det.history[0].id, 14);
    assert_eq!(det.history[9].id, 23);
    assert_eq!(det.history[9].revision, "ea8759964626a583667a2bfd08f334ec2070040a");
    let op = det.operation.clone().expect("operationState");
    assert_eq!(op.phase, Some(OpPhase::Succeeded));
    assert_eq!(op.message, "successfully synced (all tasks run)");
    assert_eq!(op.initiated_by, "foo@example.com");
    assert_eq!(op.revision, "ea8759964626a583667a2bfd08f334ec2070040a");
    assert_eq!(det.resources.len(), 2);
    let deploy = det.workload().expect("Deployment resource");
    assert_eq!((deploy.group.as_str(), deploy.version.as_str(), deploy.name.as_str()), ("apps", "v1", "test-lla"));
    assert_eq!(deploy.health, Some(Health::Healthy));
    assert_eq!(det.resources[0].group, "", "core group is absent on the wire");
    assert!(det.reconciled_at.is_some());
    assert!(!det.auto_sync && !det.self_heal);
}

#[test]
fn labels_mapping_team_and_part_of() {
    let json = r#"{"metadata":{"name":"pay-prod","namespace":"argocd","labels":{
        "app.kubernetes.io/name":"payment","app.kubernetes.io/environment":"prod",
        "app.kubernetes.io/part-of":"shop"}},
        "spec":{"syncPolicy":{"automated":{}}},"status":{"health":{"status":"Degraded","message":"x"}}}"#;
    let app: App = serde_json::from_str(json).expect("json");
    let d = app.to_deployment(0, &Mapping::default(), "-");
    assert_eq!((d.service.as_str(), d.env.as_str()), ("payment", "prod"));
    assert_eq!(d.team.as_deref(), Some("shop"));
    assert!(d.auto_sync, "automated: {{}} counts as on");
    assert_eq!(d.health, Health::Degraded);
    let with_team =
        json.replace("\"app.kubernetes.io/part-of\"", "\"team\":\"payments\",\"app.kubernetes.io/part-of\"");
    let app: App = serde_json::from_str(&with_team).expect("json");
    assert_eq!(app.to_deployment(0, &Mapping::default(), "-").team.as_deref(), Some("payments"));
}

#[test]
fn nulls_absences_and_disabled_automation() {
    let json = r#"{"metadata":{"name":"a","labels":null,"deletionTimestamp":"2024-01-01T00:00:00Z"},
        "spec":{"sources":[{"repoURL":"https://git/x","path":"p","targetRevision":"main"}],
                "syncPolicy":{"automated":{"enabled":false,"selfHeal":true}}},
        "status":{"summary":{"images":null},"resources":null,"history":null,"sync":{"revisions":["abc"]}}}"#;
    let app: App = serde_json::from_str(json).expect("json");
    let d = app.to_deployment(1, &Mapping::Instance { env: "prod".into() }, "-");
    assert!(!d.auto_sync, "enabled: false turns auto-sync off");
    assert!(d.deleting);
    assert_eq!((d.service.as_str(), d.env.as_str()), ("a", "prod"));
    assert_eq!(d.repo_url, "https://git/x", "multi-source falls back to sources[0]");
    assert_eq!(d.revision, "abc");
    assert_eq!(d.health, Health::Unknown);
    assert!(app.to_detail().history.is_empty());
    let list: AppList = serde_json::from_str(r#"{"metadata":{"resourceVersion":"42"},"items":null}"#).expect("list");
    assert!(list.items.is_empty());
    assert_eq!(list.metadata.resource_version, "42");
    let nulls: App =
        serde_json::from_str(r#"{"metadata":null,"spec":null,"status":null,"operation":null}"#).expect("nulls");
    assert!(nulls.operation.is_none());
}

#[test]
fn hostile_strings_are_cleaned() {
    let json = "{\"metadata\":{\"name\":\"evil\\u001b[2J\",\"labels\":{\"team\":\"red\\u001b]0;pwn\\u0007team\"}},\
        \"status\":{\"health\":{\"status\":\"Degraded\",\"message\":\"line1\\nline2\\u001b[31m\"},\"summary\":{\"images\":[\"x:1\\u0007\"]}}}";
    let app: App = serde_json::from_str(json).expect("json");
    let d = app.to_deployment(0, &Mapping::default(), "-");
    assert_eq!(d.key.name, "evil");
    assert_eq!(d.service, "evil");
    assert_eq!(d.team.as_deref(), Some("redteam"));
    assert_eq!(d.health_message.as_deref(), Some("line1 line2"));
    assert_eq!(d.images, vec!["x:1".to_string()]);
}

#[test]
fn watch_envelope_and_events() {
    let line = r#"{"result":{"type":"DELETED","application":{"metadata":{"name":"a","namespace":"argocd"}}}}"#;
    let env: WatchEnvelope = serde_json::from_str(line).expect("envelope");
    let r = env.result.expect("result");
    assert_eq!(r.kind, "DELETED");
    assert_eq!(r.application.metadata.name, "a");
    let events: EventList = serde_json::from_str(
        r#"{"metadata":{},"items":[{"type":"Warning","reason":"OperationCompleted","message":"Sync failed","count":2,
            "lastTimestamp":"2024-03-05T07:33:04Z","eventTime":null}]}"#,
    )
    .expect("events");
    let e = events.items[0].to_domain();
    assert_eq!((e.kind.as_str(), e.reason.as_str(), e.count), ("Warning", "OperationCompleted", 2));
    assert!(e.last_seen.is_some());
    let empty: EventList = serde_json::from_str(r#"{"metadata":{},"items":null}"#).expect("null items");
    assert!(empty.items.is_empty());
}
