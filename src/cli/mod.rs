//! The command line: the console (no subcommand), `demo`, `sim`, the headless commands on
//! the same client, and the Conductor engine's `worker` and `conductor install|bench`. `commands` defines it (completions and the man page come from the same
//! definition), `args` holds the shared flags; this file runs a parsed command line and maps
//! its result to the documented exit codes.

mod action;
mod approvals;
mod args;
mod audit;
mod bench;
mod commands;
mod completions;
mod conductor;
mod config_cmd;
mod console;
mod delivery;
mod demo;
mod deploy;
mod diff;
pub mod doctor;
mod env_args;
mod estate_cache;
mod gitops;
mod govern;
mod history;
mod logs;
mod nested;
mod new_service;
mod output;
pub mod preview;
mod promote;
pub mod prompt;
mod resolve;
mod rollback;
mod runs;
mod scale;
mod sim;
mod status;
mod sync_policy;
mod verify;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;

pub use args::{Connection, EngineArg, Format, LedgerArgs};
use commands::{AuditSub, ConductorSub, ConfigSub};
pub use commands::{Cli, Sub};

use crate::config::{self, Overrides};
use crate::domain::{ErrorKind, Failure};

/// Run the parsed command line; the exit code follows the documented table.
pub async fn main(cli: Cli) -> ExitCode {
    match run(cli).await {
        Ok(code) => code,
        Err(f) => {
            output::print_failure(&f);
            ExitCode::from(u8::try_from(f.kind.exit_code()).unwrap_or(1))
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let Cli { config: file, connection: outer, command, ascii, read_only } = cli;
    let done = |r: Result<(), Failure>| r.map(|()| ExitCode::SUCCESS);
    let Some(cmd) = command else {
        return done(console::run_configured(&Overrides { read_only, ..outer.overrides(file) }, ascii).await);
    };
    // Connection flags go with the commands that talk to Argo CD; before the subcommand
    // they still count (as the argocd CLI allows), after it they win.
    let conn = match cmd.connection() {
        Some(c) => c.over(&outer),
        None if !outer.given().is_empty() => {
            return Err(args::usage(
                format!("{} applies only to commands that talk to Argo CD", outer.given().join(", ")),
                "drop it; `flightdeck help` lists the commands that take it",
            ));
        }
        None => Connection::default(),
    };
    // Commands whose config is optional: only its [gitops] section matters to them.
    let optional_config = || load_config(file.clone(), &Connection::default(), read_only).ok();
    match cmd {
        Sub::Demo { services, seed, user, engine } => {
            done(console::run_demo(services, seed, user, engine, read_only, ascii).await)
        }
        Sub::Sim { listen, services, seed, write_config, calm, engine } => {
            done(sim::run(listen, services, seed, write_config, calm, engine).await)
        }
        Sub::Bench { apps, json, rounds, storm_secs, idle_secs } => {
            done(bench::run(apps, json, rounds, storm_secs, idle_secs).await)
        }
        Sub::Audit { command, out, dir, local } => {
            let verify = matches!(command, Some(AuditSub::Verify));
            done(audit::run(optional_config().as_ref(), dir, verify, local, out.output).await)
        }
        Sub::AuditStress { dir, tag, count } => done(audit::stress(&dir, &tag, count)),
        Sub::LedgerStress { remote, cache, tag, count } => done(audit::ledger_stress(&remote, &cache, &tag, count)),
        Sub::Approvals { out, all, ledger } => {
            done(approvals::list(optional_config().as_ref(), &ledger, all, out.output).await)
        }
        Sub::Runs { command, out, service, env, dir, ledger } => {
            let a = runs::RunsArgs { service, env, dir, format: out.output };
            // Listing reads what it can without a config; retry and terminate need its Conductor.
            let cfg = match command {
                None => optional_config(),
                Some(_) => Some(load_config(file.clone(), &Connection::default(), read_only)?),
            };
            done(runs::run(cfg, &ledger, command, a).await)
        }
        Sub::Conductor { command: ConductorSub::Install { dry_run, force } } => {
            done(conductor::install(load_config(file, &conn, read_only)?, dry_run, force).await)
        }
        Sub::Conductor { command: bench @ ConductorSub::Bench { .. } } => done(conductor::bench(bench).await),
        Sub::Config { command } => done(match command {
            ConfigSub::Example { which } => config_cmd::example(which),
            ConfigSub::Path => config_cmd::path(file),
            ConfigSub::Check => config_cmd::check(file, &conn),
        }),
        Sub::Completions { shell } => done(completions::completions(shell)),
        Sub::Man { command } => done(completions::man(&command)),
        Sub::CompleteNames { what } => done(estate_cache::print(&what)),
        Sub::Doctor { .. } => done(doctor::run(&conn.overrides(file)).await),
        Sub::Askpass { prompt } => done(askpass(prompt.as_deref().unwrap_or(""))),
        cmd => {
            let cfg = load_config(file, &conn, read_only)?;
            headless(cfg, cmd).await
        }
    }
}

/// The commands that read the estate, act on it or decide requests: credentials first, then
/// the one governance path.
async fn headless(mut cfg: config::Config, cmd: Sub) -> Result<ExitCode, Failure> {
    let _log = crate::logging::init(None).ok();
    let env = |k: &str| std::env::var(k).ok();
    prompt::ask_passwords(&mut cfg, true)?;
    crate::client::credentials::resolve(&mut cfg, &env).await.map_err(credential_failure)?;
    // The ledger flags (`--remote`, `--policy-path`) move where governance lives, for the
    // commands that have them; every command then decides with the same rule.
    match &cmd {
        Sub::Approve { ledger, .. } | Sub::Reject { ledger, .. } | Sub::Withdraw { ledger, .. } => {
            cfg.gitops = ledger.gitops(Some(&cfg));
        }
        Sub::Promote { policy_path: Some(p), .. } => cfg.gitops.policy_path = p.clone(),
        _ => {}
    }
    let ok = |r: Result<(), Failure>| r.map(|()| ExitCode::SUCCESS);
    if let Sub::Status { out, env, service, .. } = &cmd {
        return ok(status::run(&cfg, out.output, env.as_deref(), service.as_deref()).await);
    }
    let h = govern::Headless::new(cfg)?;
    match cmd {
        Sub::Approve { id, comment, wait, .. } => ok(approvals::decide(&h, id, true, comment, Some(wait)).await),
        Sub::Reject { id, comment, .. } => ok(approvals::decide(&h, id, false, Some(comment), None).await),
        Sub::Withdraw { id, .. } => ok(approvals::withdraw(&h, id).await),
        Sub::Worker { concurrency, .. } => ok(worker::run(&h, concurrency).await),
        Sub::Promote { services, from, to, wait, why, .. } => {
            ok(promote::run(&h, promote::PromoteArgs { services, from, to, asked: why.asked(), wait }).await)
        }
        Sub::Deploy { target, tag, revision, wait, why, out, .. } => {
            let a = deploy::DeployArgs { target, tag, revision, wait, asked: why.asked(), format: out.output };
            ok(deploy::run(&h, a).await)
        }
        Sub::Rollback { target, to, break_glass, pause_auto_sync, wait, why, out, .. } => {
            let a = rollback::RollbackArgs { target, to, break_glass, pause_auto_sync, wait, why, format: out.output };
            ok(rollback::run(&h, a).await)
        }
        Sub::NewService { name, team, template, envs, image, tag, wait, why, out, .. } => {
            let a = new_service::NewServiceArgs {
                name,
                team,
                template,
                envs,
                image,
                tag,
                wait,
                asked: why.asked(),
                format: out.output,
            };
            ok(new_service::run(&h, a).await)
        }
        Sub::Scale {
            target,
            replicas,
            cpu_request,
            cpu_limit,
            memory_request,
            memory_limit,
            container,
            min,
            max,
            break_glass,
            wait,
            why,
            out,
            ..
        } => {
            let change = crate::domain::scale::ScaleChange {
                replicas,
                kind: None,
                container,
                cpu_request,
                cpu_limit,
                memory_request,
                memory_limit,
                min,
                max,
            };
            let a = scale::ScaleArgs { target, change, break_glass, wait, why, format: out.output };
            ok(scale::run(&h, a).await)
        }
        Sub::Delivery { service, env, window, out, .. } => {
            let window = window.unwrap_or(std::time::Duration::from_secs(30 * 86_400));
            ok(delivery::run(&h, &service, env, window, out.output).await)
        }
        Sub::History { target, out, .. } => ok(history::run(&h, &target, out.output).await),
        Sub::Env { command, .. } => ok(preview::run(&h, command).await),
        Sub::Verify { target, .. } => ok(verify::run(&h, &target).await),
        Sub::Diff { target, exit_code, out, .. } => diff::run(&h, &target, exit_code, out.output).await,
        Sub::Logs { target, follow, tail, container, previous, out, .. } => {
            let a = logs::LogsArgs { target, follow, tail, container, previous, format: out.output };
            ok(logs::run(&h, a).await)
        }
        Sub::SyncPolicy { target, auto_sync, self_heal, prune, out, why, .. } => {
            let a = sync_policy::PolicyArgs { target, auto_sync, self_heal, prune, format: out.output, why };
            ok(sync_policy::run(&h, a).await)
        }
        other => ok(action::run(&h, other).await),
    }
}

/// `flightdeck askpass PROMPT`: git's GIT_ASKPASS. Prints the answer on stdout, nothing else:
/// no logging, no config (git reads stdout as the credential).
fn askpass(prompt: &str) -> Result<(), Failure> {
    let env = |k: &str| std::env::var(k).ok();
    match crate::client::git::credentials::askpass_answer(prompt, &env) {
        Ok(answer) => {
            output::outln!("{answer}");
            Ok(())
        }
        Err(e) => Err(Failure::new(ErrorKind::Usage, e)),
    }
}

/// A credential that could not be obtained, with what to do.
pub(crate) fn credential_failure(e: crate::client::credentials::CredentialError) -> Failure {
    Failure::new(e.error.kind(), e.to_string()).with_hint(e.error.hint())
}

/// Load and check configuration (read-only when `read_only`: `--read-only`); errors carry
/// file:line and what to do.
pub fn load_config(file: Option<PathBuf>, conn: &Connection, read_only: bool) -> Result<config::Config, Failure> {
    let env = |k: &str| std::env::var(k).ok();
    let o = Overrides { read_only, ..conn.overrides(file) };
    config::load(&o, &env).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))
}
