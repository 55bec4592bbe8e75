//! Requests, limits and autoscaler bounds the GitOps way, against the simulator and its real
//! Git repository: `scale --cpu-request/--cpu-limit/--memory-limit` writes a strategic-merge
//! patch into the overlay (created, then edited in place), commits it, and Argo CD runs it —
//! the live workload carries the resources, and a minute of self-heal later still does. On an
//! app whose replicas an HPA or a KEDA ScaledObject owns, `--replicas` is refused naming the
//! owner and `--min/--max`, and `--min/--max` commit the bounds the simulator then keeps.

mod common;

use std::time::Duration;

use flightdeck::client::git::Git;
use serde_json::Value;

fn show(sim: &flightdeck_sim::Sim, path: &str) -> String {
    Git::new().run(&sim.git_dir().unwrap(), &["show", &format!("main:{path}")]).map(|o| o.stdout).unwrap_or_default()
}

fn subject(sim: &flightdeck_sim::Sim) -> String {
    Git::new().run(&sim.git_dir().unwrap(), &["log", "-1", "--format=%s", "main"]).unwrap().stdout.trim().to_string()
}

/// The first app of `env` whose resources list an autoscaler of `kind`.
fn autoscaled_app(sim: &flightdeck_sim::Sim, env: &str, kind: &str) -> (String, String) {
    let mut names = sim.app_names(0);
    names.sort();
    let app = names
        .into_iter()
        .find(|n| {
            let a = sim.app_json(0, n).unwrap();
            a["status"]["resources"].as_array().is_some_and(|r| r.iter().any(|x| x["kind"] == kind))
        })
        .unwrap_or_else(|| panic!("an app scaled by a {kind}"));
    let service = common::service_of(&app, env);
    (app, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_limits_are_committed_and_kept_by_self_heal() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (app, service) = common::auto_synced_app(&sim, 0, "dev", true);
    let patch = format!("apps/{service}/overlays/dev/{service}-resources.yaml");

    let args = [
        "scale",
        &service,
        "--env",
        "dev",
        "--cpu-request",
        "250m",
        "--cpu-limit",
        "1",
        "--memory-limit",
        "512Mi",
        "--reason",
        "tune",
    ];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains(&format!("+++ b/{patch}")) && stdout.contains("+patches:"), "diff first: {stdout}");
    let written: serde_yaml_ng::Value = serde_yaml_ng::from_str(&show(&sim, &patch)).expect("the patch is YAML");
    let c = &written["spec"]["template"]["spec"]["containers"][0];
    assert_eq!((c["name"].as_str(), written["kind"].as_str()), (Some("app"), Some("Deployment")), "{written:?}");
    assert_eq!(c["resources"]["requests"]["cpu"].as_str(), Some("250m"));
    assert_eq!(c["resources"]["limits"]["memory"].as_str(), Some("512Mi"));
    let kustomization = show(&sim, &format!("apps/{service}/overlays/dev/kustomization.yaml"));
    assert!(kustomization.ends_with(&format!("patches:\n  - path: {service}-resources.yaml\n")), "{kustomization}");
    assert_eq!(
        subject(&sim),
        format!("scale {service} in dev: cpu request 250m, cpu limit 1, memory limit 512Mi, container app")
    );

    // Argo CD deploys the commit, and a minute of self-heal later it still runs those.
    for _ in 0..4 {
        sim.advance(Duration::from_secs(15)).await;
    }
    let live = sim.workload_json(0, &app, true).unwrap();
    let limits = live.pointer("/spec/template/spec/containers/0/resources/limits").cloned().unwrap_or(Value::Null);
    assert_eq!(limits, serde_json::json!({"cpu": "1", "memory": "512Mi"}), "{live:#}");
    assert_eq!(sim.app_json(0, &app).unwrap()["status"]["sync"]["status"], "Synced");

    // A second change edits the same patch in place: one line added, the kustomization untouched.
    let args = ["scale", &service, "--env", "dev", "--memory-request", "256Mi", "--reason", "tune"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let stdout = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", common::text(&out.stderr));
    assert!(!stdout.contains("kustomization.yaml") && stdout.contains("+              memory: 256Mi"), "{stdout}");
    for _ in 0..2 {
        sim.advance(Duration::from_secs(15)).await;
    }
    let live = sim.workload_json(0, &app, true).unwrap();
    assert_eq!(live.pointer("/spec/template/spec/containers/0/resources/requests/memory"), Some(&"256Mi".into()));
    assert_eq!(live.pointer("/spec/template/spec/containers/0/resources/limits/cpu"), Some(&"1".into()));

    // Bad input is refused before anything is read or written, saying what is wrong.
    let before = subject(&sim);
    for (args, says) in [
        (vec!["--cpu-request", "2", "--cpu-limit", "1500m"], "cpu request 2 is above its limit 1500m"),
        (vec!["--memory-limit", "1GB"], "\"1GB\" is no Kubernetes quantity"),
        (vec!["--min", "3"], "nothing autoscales"),
    ] {
        let mut all = vec!["scale", service.as_str(), "--env", "dev"];
        all.extend(args);
        let out = common::finish(common::headless(&cfg, home.path(), &all)).await;
        let stderr = common::text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {stderr}");
        assert!(stderr.contains(says), "{all:?}: {stderr}");
    }
    assert_eq!(subject(&sim), before, "nothing committed");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_autoscaled_app_changes_its_bounds_not_its_count() {
    let sim = common::calm_sim(8).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::operator_config(&sim, home.path(), "dave");
    let (app, service) = autoscaled_app(&sim, "dev", "HorizontalPodAutoscaler");
    let pushes = sim.git_pushes().len();

    let args = ["scale", &service, "--env", "dev", "--replicas", "5"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let stderr = common::text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "refused as a conflict: {stderr}");
    assert!(stderr.contains(&format!("HorizontalPodAutoscaler {service} owns the replicas")), "{stderr}");
    assert!(stderr.contains("--min N --max M"), "says what to do: {stderr}");
    assert_eq!(sim.git_pushes().len(), pushes, "nothing pushed");

    let args = ["scale", &service, "--env", "dev", "--min", "3", "--max", "4", "--reason", "peak"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("+  minReplicas: 3") && stdout.contains("+  maxReplicas: 4"), "diff first: {stdout}");
    let hpa = show(&sim, &format!("apps/{service}/overlays/dev/hpa.yaml"));
    assert!(hpa.contains("  minReplicas: 3\n  maxReplicas: 4\n"), "{hpa}");
    assert_eq!(subject(&sim), format!("scale {service} in dev: min 3 max 4 replicas"));
    for _ in 0..4 {
        sim.advance(Duration::from_secs(15)).await;
    }
    assert_eq!(sim.bounds(0, &app), Some((3, 4)), "the simulator read the new bounds");
    let (git, live) = sim.replicas(0, &app).unwrap();
    assert!((3..=4).contains(&git) && (3..=4).contains(&live), "replicas within the bounds: {git}/{live}");

    // A KEDA ScaledObject: its own keys, and a max below the min it keeps is refused.
    let (so_app, so_service) = autoscaled_app(&sim, "dev", "ScaledObject");
    let args = ["scale", &so_service, "--env", "dev", "--max", "1"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    assert_ne!(out.status.code(), Some(0));
    assert!(common::text(&out.stderr).contains("min 2 would be above max 1"), "{}", common::text(&out.stderr));
    let args = ["scale", &so_service, "--env", "dev", "--max", "3", "--reason", "quiet"];
    let out = common::finish(common::headless(&cfg, home.path(), &args)).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let so = show(&sim, &format!("apps/{so_service}/overlays/dev/scaledobject.yaml"));
    assert!(so.contains("  minReplicaCount: 2\n  maxReplicaCount: 3\n"), "{so}");
    for _ in 0..4 {
        sim.advance(Duration::from_secs(15)).await;
    }
    assert_eq!(sim.bounds(0, &so_app), Some((2, 3)));
    assert!(sim.replicas(0, &so_app).is_some_and(|(g, l)| g <= 3 && l <= 3));
    sim.shutdown().await;
}
