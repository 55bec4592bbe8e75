//! Usage errors as scripts meet them: each exits 2 with one line naming what was wrong and
//! the valid choices (closest first); a server that is not an Argo CD API at that path says
//! so and exits 4; clap's own errors exit 2 too.

mod common;

use common::{command, finish, text};

/// Run and return (exit code, the one stderr line).
async fn fails(cfg: &std::path::Path, home: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = finish(command(cfg, home, args)).await;
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", text(&out.stdout));
    (out.status.code(), err.trim_end().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_names_exit_2_with_the_choices() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    let mut names = sim.app_names(0);
    names.sort();
    let services: Vec<String> = names.iter().map(|n| common::service_of(n, "dev")).collect();
    let service = services[0].clone();
    let (h, cfg) = (home.path(), cfg.as_path());

    let (code, err) = fails(cfg, h, &["status", "--env", "prd"]).await;
    assert_eq!(code, Some(2));
    assert_eq!(err, r#"flightdeck: unknown environment "prd"; did you mean prod? (choices: dev, staging, prod)"#);

    let typo = &service[..service.len() - 2];
    let (code, err) = fails(cfg, h, &["status", "--service", typo]).await;
    assert_eq!(code, Some(2));
    assert!(err.starts_with(&format!("flightdeck: unknown service {typo:?}; did you mean {service}")), "{err}");
    assert!(err.ends_with(&format!("(choices: {})", services.join(", "))), "{err}");

    let (code, err) = fails(cfg, h, &["sync", "no-such-service", "--env", "dev"]).await;
    assert_eq!(code, Some(2));
    assert_eq!(err, format!(r#"flightdeck: unknown service "no-such-service" (choices: {})"#, services.join(", ")));

    let (code, err) = fails(cfg, h, &["sync", &service, "--env", "nope"]).await;
    assert_eq!(
        (code, err.as_str()),
        (Some(2), r#"flightdeck: unknown environment "nope" (choices: dev, staging, prod)"#)
    );

    let (code, err) = fails(cfg, h, &["promote", &service, "--from", "stagin", "--to", "prod"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains(r#"unknown environment "stagin"; did you mean staging?"#), "{err}");

    // History ids: the nearest, then the ones there are (newest first), and where to look.
    let app = sim.app_json(0, &names[0]).unwrap();
    let ids: Vec<String> = app
        .pointer("/status/history")
        .and_then(|h| h.as_array())
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["id"].to_string())
        .collect();
    let (code, err) = fails(cfg, h, &["rollback", &service, "--env", "dev", "--to", "999"]).await;
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(&format!(
            r#"flightdeck: unknown history id "999"; did you mean {}? (choices: {})"#,
            ids[0],
            ids.join(", ")
        )),
        "{err}"
    );
    assert!(err.ends_with(&format!("`flightdeck history {service} --env dev` lists them")), "{err}");

    let (code, err) = fails(cfg, h, &["logs", &service, "--env", "dev", "-c", "ap"]).await;
    assert_eq!(
        (code, err.as_str()),
        (Some(2), r#"flightdeck: unknown container "ap"; did you mean app? (choices: app)"#)
    );

    // Request ids: none filed yet.
    for args in [
        vec!["approve", "req-nonexistent"],
        vec!["reject", "req-nonexistent", "--comment", "no"],
        vec!["withdraw", "req-nonexistent"],
    ] {
        let (code, err) = fails(cfg, h, &args).await;
        assert_eq!(code, Some(2), "{args:?}");
        assert!(
            err.starts_with(r#"flightdeck: unknown request "req-nonexistent" (there is no request to choose from)"#),
            "{err}"
        );
    }

    // A service in several environments needs --env; one that is not in that env says where it is.
    let (code, err) = fails(cfg, h, &["history", &service]).await;
    assert_eq!(
        (code, err.as_str()),
        (Some(2), format!("flightdeck: {service} runs in dev, staging, prod — pick one with --env").as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_and_commands_that_do_not_fit_exit_2() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("none.toml");
    let h = home.path();
    // clap: a flag that needs another, a value that is not one of the choices.
    let out = finish(command(&cfg, h, &["sync", "svc", "--timeout", "1m"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--wait"), "{}", text(&out.stderr));
    let out = finish(command(&cfg, h, &["completions", "tcsh"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bash, elvish, fish, powershell, zsh"), "{}", text(&out.stderr));
    let out = finish(command(&cfg, h, &["sync", "svc", "--wait", "--timeout", "soon"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a duration"), "{}", text(&out.stderr));
    // Connection flags belong to commands that talk to Argo CD.
    let (code, err) = fails(&cfg, h, &["--server", "argocd.example.com", "audit"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("--server applies only to commands that talk to Argo CD"), "{err}");
    let out = finish(command(&cfg, h, &["audit", "--server", "x"])).await;
    assert_eq!(out.status.code(), Some(2), "not a flag of audit at all");
    // A man page of a command that does not exist.
    let (code, err) = fails(&cfg, h, &["man", "rollout", "promot"]).await;
    assert_eq!(
        (code, err.as_str()),
        (
            Some(2),
            r#"flightdeck: unknown command "rollout promot"; did you mean rollout promote? (choices: rollout promote, rollout abort, rollout resume)"#
        )
    );
    // A config that is not valid: file:line, exit 2.
    std::fs::write(&cfg, "[[instance]]\nname = \"x\"\nserver = 12\n").unwrap();
    let (code, err) = fails(&cfg, h, &["config", "check"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("none.toml:3"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_not_argo_cd_at_that_path_says_so_and_exits_4() {
    let sim = common::calm_sim(1).await;
    let home = tempfile::tempdir().unwrap();
    let mut cfg = common::sim_config(&sim);
    cfg.instances.truncate(1);
    let prod = sim.instances()[2].base_url.clone();
    // `/prd` for `/prod`: the listener answers, but no Argo CD lives there.
    cfg.instances[0].server = prod.replace("/prod", "/prd");
    let path = home.path().join("wrong.toml");
    flightdeck::config::write_file(&path, &cfg).unwrap();
    for args in [vec!["status"], vec!["status", "-o", "json"], vec!["history", "svc", "--env", "dev"]] {
        let (code, err) = fails(&path, home.path(), &args).await;
        assert_eq!(code, Some(4), "{args:?}: {err}");
        assert!(err.contains(&format!("{} is not an Argo CD API", cfg.instances[0].server)), "{err}");
        assert!(err.contains("GET /prd/api/v1/applications answered 404"), "{err}");
        assert!(err.contains("GET /prd/api/version answered 404"), "{err}");
        assert!(!err.contains("deleted or renamed"), "nothing about an app: {err}");
    }
}
