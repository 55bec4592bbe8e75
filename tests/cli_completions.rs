//! Shell completion scripts and man pages, generated from the command definition: each
//! script parses in its shell (`bash -n`; `zsh -n`, `fish -n` where installed), bash really
//! completes service and environment names from the cached estate, and the man pages render
//! (`man -l` where installed; they start with the `.TH` header either way).

mod common;

use std::path::Path;
use std::process::Command;

use common::{command, finish, text};

fn installed(tool: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success())
}

async fn generated(home: &Path, args: &[&str]) -> String {
    let out = finish(command(&home.join("none.toml"), home, args)).await;
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shell_gets_a_script_that_parses() {
    let home = tempfile::tempdir().unwrap();
    for (shell, check) in [("bash", "bash"), ("zsh", "zsh"), ("fish", "fish"), ("elvish", ""), ("powershell", "")] {
        let script = generated(home.path(), &["completions", shell]).await;
        for cmd in ["sync", "history", "logs", "sync-policy", "rollout", "completions", "man"] {
            assert!(script.contains(cmd), "{shell}: {cmd} is completed");
        }
        assert!(!script.contains("audit-stress\" -d"), "{shell}: hidden commands are not offered");
        if check.is_empty() || !installed(check) {
            continue;
        }
        let file = home.path().join(format!("flightdeck.{shell}"));
        std::fs::write(&file, &script).unwrap();
        let out = Command::new(check).arg("-n").arg(&file).output().unwrap();
        assert!(out.status.success(), "{shell} -n: {}", text(&out.stderr));
    }
    // Names where the shell can ask for them.
    let zsh = generated(home.path(), &["completions", "zsh"]).await;
    assert!(zsh.contains(":ENV:_flightdeck_envs'") && zsh.contains("application name):_flightdeck_services'"));
    let fish = generated(home.path(), &["completions", "fish"]).await;
    assert!(fish.contains(
        "complete -c flightdeck -n \"__fish_flightdeck_using_subcommand sync\" -l env -r -f -a \"(flightdeck complete-names envs 2>/dev/null)\""
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bash_completes_names_from_the_estate_flightdeck_listed_last() {
    let sim = common::calm_sim(3).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = common::write_sim_config(&sim, home.path());
    // A listing keeps the names; completion then reads them without the network.
    let out = finish(command(&cfg, home.path(), &["status"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut services: Vec<String> = sim.app_names(0).iter().map(|n| common::service_of(n, "dev")).collect();
    services.sort();
    drop(sim);
    let script = home.path().join("flightdeck.bash");
    std::fs::write(&script, generated(home.path(), &["completions", "bash"]).await).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_flightdeck")).parent().unwrap();
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let cur = words.last().copied().unwrap_or("");
        let prev = words.get(words.len().saturating_sub(2)).copied().unwrap_or("");
        let words_arr = words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" ");
        let body = format!(
            "source '{}'; COMP_WORDS=({words_arr}); COMP_CWORD={}; _flightdeck_names flightdeck '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            words.len() - 1
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(body)
            .env("PATH", format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default()))
            .env("HOME", home.path())
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .output()
            .unwrap();
        let mut got: Vec<String> = text(&out.stdout).lines().map(str::to_string).filter(|l| !l.is_empty()).collect();
        got.sort();
        got
    };
    assert_eq!(complete("flightdeck sync "), services);
    assert_eq!(complete("flightdeck rollout promote "), services);
    assert_eq!(complete(&format!("flightdeck sync {} --env st", services[0])), ["staging"]);
    assert_eq!(complete("flightdeck promote x --from "), ["dev", "prod", "staging"]);
    assert_eq!(complete("flightdeck status --service "), services);
    // Everything else is clap's.
    assert_eq!(complete("flightdeck sync x --pru"), ["--prune"]);
    assert!(complete("flightdeck sy").contains(&"sync".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn man_pages_render() {
    let home = tempfile::tempdir().unwrap();
    for (args, title) in
        [(vec!["man"], ".TH flightdeck 1"), (vec!["man", "rollout", "promote"], ".TH flightdeck-rollout-promote 1")]
    {
        let page = generated(home.path(), &args).await;
        let header = page.lines().find(|l| l.starts_with(".TH")).unwrap_or_default();
        assert!(header.starts_with(title), "{args:?}: {header}");
        if !installed("man") {
            continue;
        }
        let file = home.path().join("page.1");
        std::fs::write(&file, &page).unwrap();
        let out =
            Command::new("man").arg("-l").arg(&file).env("MANPAGER", "cat").env("MANWIDTH", "100").output().unwrap();
        assert!(out.status.success(), "man -l: {}", text(&out.stderr));
        let shown = text(&out.stdout);
        assert!(shown.contains("NAME") && shown.contains("SYNOPSIS"), "{shown}");
        if args.len() == 1 {
            assert!(shown.contains("ARGO CD CONNECTION") && shown.contains("history"), "{shown}");
        } else {
            assert!(shown.contains("--wait") && shown.contains("Promote the paused Rollout"), "{shown}");
        }
    }
}
