//! The headless commands of issue 12 against the simulator, as scripts run them (the real
//! binary, no terminal): `history`, `diff`, `logs`, `terminate`, `rollout`, `sync-policy`,
//! `runs`, `restart`, each in JSON and as a table, and what they did to the estate.

mod common;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use common::{command, estate, finish, finish_advancing, text};

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}: {}", text(&out.stdout)))
}

fn ok(out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(0), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    assert!(!out.stdout.contains(&0x1b), "no escape bytes off a terminal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_lists_what_rollback_takes_newest_first() {
    let (sim, home, cfg, service) = estate(2).await;
    let app = sim.app_json(2, &format!("{service}-prod")).unwrap();
    let wire = app.pointer("/status/history").and_then(|h| h.as_array()).unwrap().clone();
    let out = finish(command(&cfg, home.path(), &["history", &service, "--env", "prod", "-o", "json"])).await;
    ok(&out);
    let v = json(&out);
    assert_eq!((v["service"].as_str(), v["env"].as_str()), (Some(service.as_str()), Some("prod")));
    let rows = v["history"].as_array().unwrap();
    assert_eq!(rows.len(), wire.len());
    let newest = wire.last().unwrap();
    assert_eq!(rows[0]["id"], newest["id"], "newest first");
    assert_eq!(rows[0]["revision"], newest["revision"]);
    assert_eq!(rows[0]["deployed_at"], newest["deployedAt"]);
    assert_eq!(rows[0]["initiated_by"].as_str(), newest.pointer("/initiatedBy/username").and_then(|u| u.as_str()));
    assert_eq!(rows[0]["current"], true);
    assert_eq!(rows[0]["images"], app.pointer("/status/summary/images").cloned().unwrap(), "what runs now");
    assert!(rows[1..].iter().all(|r| r["current"] == false));

    let out = finish(command(&cfg, home.path(), &["history", &service, "--env", "prod"])).await;
    ok(&out);
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("ID") && lines[0].contains("REVISION") && lines[0].contains("IMAGES"), "{table}");
    let tag = app.pointer("/status/summary/images/0").and_then(|i| i.as_str()).unwrap().rsplit(':').next().unwrap();
    assert!(
        lines[1].starts_with(&newest["id"].to_string()) && lines[1].contains(&format!("{tag} (running)")),
        "{table}"
    );
    assert!(lines[1].contains(&newest["revision"].as_str().unwrap()[..7]));
    assert_eq!(lines.len(), wire.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_shows_drift_and_exit_code_says_whether_there_is_any() {
    let (sim, home, cfg, service) = estate(2).await;
    let app = format!("{service}-dev");
    let out = finish(command(&cfg, home.path(), &["diff", &service, "--env", "dev", "--exit-code"])).await;
    ok(&out);
    assert!(out.stdout.is_empty(), "nothing differs: {}", text(&out.stdout));

    sim.set_out_of_sync(0, &app);
    let out = finish(command(&cfg, home.path(), &["diff", &service, "--env", "dev", "--exit-code"])).await;
    assert_eq!(out.status.code(), Some(1), "a difference is exit 1: {}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "and nothing is said about it: {}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.starts_with("===== ") && table.contains("replicas"), "{table}");
    assert!(table.lines().any(|l| l.starts_with('-')) && table.lines().any(|l| l.starts_with('+')), "{table}");

    // Without --exit-code a difference is no failure; JSON has the same lines.
    let out = finish(command(&cfg, home.path(), &["diff", &service, "--env", "dev", "-o", "json"])).await;
    ok(&out);
    let v = json(&out);
    assert_eq!((v["app"].as_str(), v["differs"].as_bool()), (Some(app.as_str()), Some(true)));
    let r = &v["resources"][0];
    assert!(r["kind"].is_string() && r["name"].is_string());
    let lines: Vec<&str> = r["diff"].as_array().unwrap().iter().filter_map(|l| l.as_str()).collect();
    assert!(lines.iter().any(|l| l.starts_with('+') && l.contains("replicas")), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_tail_previous_container_and_json() {
    let (sim, home, cfg, service) = estate(2).await;
    let out = finish(command(&cfg, home.path(), &["logs", &service, "--env", "dev", "--tail", "2"])).await;
    ok(&out);
    let table = text(&out.stdout);
    let pods: std::collections::BTreeSet<&str> = table.lines().filter_map(|l| l.split("  ").next()).collect();
    assert!(!pods.is_empty() && pods.iter().all(|p| p.starts_with(&service)), "{table}");
    assert_eq!(table.lines().count(), 2 * pods.len(), "two lines per pod: {table}");

    let out =
        finish(command(&cfg, home.path(), &["logs", &service, "--env", "dev", "--tail", "3", "-o", "json"])).await;
    ok(&out);
    let rows: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("one object a line")).collect();
    assert_eq!(rows.len(), 3 * pods.len());
    for r in &rows {
        assert!(r["pod"].is_string() && r["content"].is_string() && r["time"].is_string(), "{r}");
    }
    let times: Vec<&str> = rows.iter().filter_map(|r| r["time"].as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "merged by time: {times:?}");

    // A healthy pod has no previous instance: Kubernetes' error arrives as its line.
    let out = finish(command(&cfg, home.path(), &["logs", &service, "--env", "dev", "--previous"])).await;
    ok(&out);
    assert!(text(&out.stdout).contains("previous terminated container \"app\""), "{}", text(&out.stdout));
    // A crash-looping one has it, ending in the crash.
    sim.set_health(0, &format!("{service}-dev"), "Degraded", "CrashLoopBackOff");
    let out = finish(command(&cfg, home.path(), &["logs", &service, "--env", "dev", "--previous", "-c", "app"])).await;
    ok(&out);
    assert!(text(&out.stdout).lines().any(|l| l.contains("  panic: ")), "{}", text(&out.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_follow_prints_new_lines_as_time_moves_and_ends_when_the_reader_does() {
    let (sim, home, cfg, service) = estate(1).await;
    let mut c = command(&cfg, home.path(), &["logs", &service, "--env", "dev", "--follow", "--tail", "1"]);
    let mut child = c.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        // Read the tail and the first followed lines, then close the pipe.
        for _ in 0..6 {
            match lines.next() {
                Some(Ok(l)) => {
                    let _ = tx.send(l);
                }
                _ => return,
            }
        }
    });
    let first = tokio::time::timeout(common::RUN_LIMIT, rx.recv()).await.unwrap().expect("the tail");
    assert!(first.starts_with(&service), "{first}");
    let mut seen = vec![first];
    // New lines come only as the simulated clock moves.
    let deadline = tokio::time::Instant::now() + common::RUN_LIMIT;
    while !reader.is_finished() {
        assert!(tokio::time::Instant::now() < deadline, "lines keep coming");
        sim.advance(Duration::from_secs(2)).await;
        while let Ok(l) = rx.try_recv() {
            seen.push(l);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while let Ok(l) = rx.try_recv() {
        seen.push(l);
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    // The reader is gone: the next line ends the command quietly (SIGPIPE).
    let waiter = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap());
    while !waiter.is_finished() {
        assert!(tokio::time::Instant::now() < deadline, "logs --follow ends when its reader does");
        sim.advance(Duration::from_secs(2)).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = waiter.await.unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?} {}", out.status, text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminate_ends_the_running_operation() {
    let (sim, home, cfg, service) = estate(1).await;
    let app = format!("{service}-dev");
    let out = finish(command(&cfg, home.path(), &["sync", &service, "--env", "dev"])).await;
    ok(&out);
    assert!(text(&out.stdout).contains("sync sent"), "says what happened: {}", text(&out.stdout));
    let phase = |sim: &flightdeck_sim::Sim| {
        sim.app_json(0, &app).and_then(|a| a.pointer("/status/operationState/phase").cloned()).unwrap_or_default()
    };
    assert_eq!(phase(&sim), "Running");
    let c = command(&cfg, home.path(), &["terminate", &service, "--env", "dev", "--wait", "--timeout", "1m"]);
    let out = finish_advancing(&sim, 0, 1, c).await;
    ok(&out);
    assert!(text(&out.stderr).contains("operation terminated"), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&format!("terminate {service}/dev: done")), "{}", text(&out.stdout));
    let a = sim.app_json(0, &app).unwrap();
    assert_eq!(a.pointer("/status/operationState/message").and_then(|m| m.as_str()), Some("Operation terminated"));
    // Nothing running any more: Argo CD's refusal, with what it means.
    let out = finish(command(&cfg, home.path(), &["terminate", &service, "--env", "dev"])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing to terminate"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_abort_resume_and_promote_drive_the_rollout() {
    let (sim, home, cfg, _) = estate(10).await;
    let app = common::rollout_app(&sim, 0).expect("the estate has a Rollout");
    let service = common::service_of(&app, "dev");
    let health = |sim: &flightdeck_sim::Sim| {
        sim.app_json(0, &app).and_then(|a| a.pointer("/status/health/status").cloned()).unwrap_or_default()
    };
    let out = finish(command(&cfg, home.path(), &["rollout", "abort", &service, "--env", "dev"])).await;
    ok(&out);
    assert!(text(&out.stdout).contains("abort sent"), "{}", text(&out.stdout));
    assert_eq!(health(&sim), "Degraded", "an aborted Rollout is Degraded");

    let c = command(&cfg, home.path(), &["rollout", "resume", &service, "--env", "dev", "--wait"]);
    let out = finish_advancing(&sim, 0, 1, c).await;
    ok(&out);
    assert!(
        text(&out.stderr).contains("resume sent") && text(&out.stderr).contains("healthy"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(health(&sim), "Healthy");

    let out = finish(command(&cfg, home.path(), &["rollout", "promote", &service, "--env", "dev"])).await;
    ok(&out);
    assert!(text(&out.stdout).contains("promote sent"), "{}", text(&out.stdout));
    assert_eq!(health(&sim), "Progressing");

    // A Deployment is no Rollout: said as such, exit 2.
    let is_deployment = |n: &String| {
        sim.app_json(0, n)
            .and_then(|a| a.pointer("/status/resources").cloned())
            .is_some_and(|r| r.as_array().is_some_and(|r| r.iter().any(|x| x["kind"] == "Deployment")))
    };
    let plain = sim.app_names(0).into_iter().find(is_deployment).expect("the estate has a Deployment");
    let args = ["rollout", "promote", &common::service_of(&plain, "dev"), "--env", "dev"];
    let out = finish(command(&cfg, home.path(), &args)).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("has no Argo Rollout"), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_policy_shows_and_sets_self_heal_prune_and_auto_sync() {
    let (sim, home, cfg, service) = estate(1).await;
    let app = format!("{service}-dev");
    let out = finish(command(&cfg, home.path(), &["sync-policy", &service, "--env", "dev", "-o", "json"])).await;
    ok(&out);
    let v = json(&out);
    assert_eq!(
        (v["auto_sync"].as_bool(), v["self_heal"].as_bool(), v["prune"].as_bool()),
        (Some(true), Some(true), Some(true))
    );

    let args = ["sync-policy", &service, "--env", "dev", "--self-heal", "off"];
    let out = finish(command(&cfg, home.path(), &args)).await;
    ok(&out);
    assert!(
        text(&out.stdout).contains("sync policy set: auto-sync on, self-heal off, prune on"),
        "{}",
        text(&out.stdout)
    );
    let automated = sim.app_json(0, &app).unwrap().pointer("/spec/syncPolicy/automated").cloned().unwrap();
    assert_eq!(automated, serde_json::json!({"prune": true}), "selfHeal false is left out, as Argo CD does");

    // The same again is nothing to do; off, then the table.
    let out = finish(command(&cfg, home.path(), &args)).await;
    ok(&out);
    assert!(text(&out.stdout).starts_with("nothing to do:"), "{}", text(&out.stdout));
    let out =
        finish(command(&cfg, home.path(), &["sync-policy", &service, "--env", "dev", "--auto-sync", "off"])).await;
    ok(&out);
    assert!(sim.app_json(0, &app).unwrap().pointer("/spec/syncPolicy/automated").is_none());
    let out = finish(command(&cfg, home.path(), &["sync-policy", &service, "--env", "dev"])).await;
    ok(&out);
    assert_eq!(text(&out.stdout), "auto-sync  off\nself-heal  off\nprune      off\n");
    // Self-heal without auto-sync means nothing: a usage error.
    let out = finish(command(&cfg, home.path(), &["sync-policy", &service, "--env", "dev", "--prune", "on"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--auto-sync on"), "{}", text(&out.stderr));
    // It is an action: it is in the trail, and `runs` lists it.
    let out = finish(command(&cfg, home.path(), &["runs", "--service", &service, "-o", "json"])).await;
    ok(&out);
    let runs = json(&out);
    let set: Vec<&serde_json::Value> =
        runs.as_array().unwrap().iter().filter(|r| r["action"] == "set sync policy").collect();
    assert_eq!(set.len(), 2, "{runs}");
    assert_eq!((set[0]["kind"].as_str(), set[0]["status"].as_str()), (Some("run"), Some("succeeded")));
    assert_eq!(set[0]["detail"], "auto-sync off", "newest first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_lists_what_ran_with_its_outcome() {
    let (sim, home, cfg, service) = estate(1).await;
    let out = finish(command(&cfg, home.path(), &["runs"])).await;
    ok(&out);
    assert_eq!(text(&out.stdout).trim(), "no runs recorded");
    let out = finish(command(&cfg, home.path(), &["restart", &service, "--env", "dev"])).await;
    ok(&out);
    assert!(text(&out.stdout).contains("restart sent"));
    sim.fail_next_sync(0, &format!("{service}-dev"), "one or more objects failed to apply");
    let c = command(&cfg, home.path(), &["sync", &service, "--env", "dev", "--wait"]);
    let out = finish_advancing(&sim, 0, 1, c).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    let out = finish(command(&cfg, home.path(), &["runs"])).await;
    ok(&out);
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("AT") && lines[0].contains("STATUS"), "{table}");
    assert!(lines[1].contains(&format!("sync {service} in dev")) && lines[1].contains("failed: "), "{table}");
    assert!(lines[2].contains(&format!("restart {service} in dev")) && lines[2].contains("succeeded"), "{table}");
    let out = finish(command(&cfg, home.path(), &["runs", "--env", "prod", "-o", "json"])).await;
    ok(&out);
    assert_eq!(json(&out), serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_without_governance_lists_this_machines_trail() {
    let sim = common::calm_sim(1).await;
    let home = tempfile::tempdir().unwrap();
    let mut cfg = common::sim_config(&sim);
    cfg.gitops.remote = None;
    let path = home.path().join("rbac-only.toml");
    flightdeck::config::write_file(&path, &cfg).unwrap();
    let service = common::service_of(&sim.app_names(0)[0], "dev");
    let out = finish(command(&path, home.path(), &["runs"])).await;
    ok(&out);
    assert_eq!(text(&out.stdout).trim(), "no runs recorded on this machine");
    ok(&finish(command(&path, home.path(), &["refresh", &service, "--env", "dev"])).await);
    let out = finish(command(&path, home.path(), &["runs", "-o", "json"])).await;
    ok(&out);
    let v = json(&out);
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!((v[0]["action"].as_str(), v[0]["service"].as_str()), (Some("refresh"), Some(service.as_str())));
}
