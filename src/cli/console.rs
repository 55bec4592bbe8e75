//! Starting the console: from configuration, or on the in-process simulator for `demo`.

use crate::config::{self, Auth, Config, Secret};
use crate::domain::{ErrorKind, Failure};
use crate::session::{config_for_sim, model_from};
use crate::ui::{theme, Ui};

/// `flightdeck` with no subcommand.
/// `ascii`: `--ascii` was given.
pub async fn run_configured(o: &config::Overrides, ascii: bool) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let env = |k: &str| std::env::var(k).ok();
    let mut cfg = config::load(o, &env).map_err(|e| Failure::new(ErrorKind::Usage, e.to_string()))?;
    if ascii {
        cfg.ascii = Some(true);
    }
    open(cfg, started, None).await
}

/// `flightdeck demo [--user NAME]`: the simulator in-process, the console against it over
/// real HTTP. With `--user`, this console is that operator and the other operators' configs
/// are written next to a printed path, so a second terminal joins the same estate and remote.
pub async fn run_demo(
    services: usize,
    seed: u64,
    user: Option<String>,
    engine: super::EngineArg,
    read_only: bool,
    ascii: bool,
) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let read_only = demo_read_only(read_only)?;
    let opts = flightdeck_sim::SimOptions { services, seed, ..Default::default() };
    let sim = flightdeck_sim::Sim::start(opts)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("cannot start the simulator: {e}")))?;
    let mut cfg = config_for_sim(&sim);
    // On Conductor: the definitions installed on the simulated server, and `flightdeck
    // worker` serving them in this process for as long as the demo runs.
    let _worker = match engine {
        super::EngineArg::Embedded => None,
        super::EngineArg::Conductor => {
            let cfg = &mut cfg;
            let worker = async {
                crate::session::conductor_for_sim(&sim, cfg).await?;
                super::sim::spawn_worker(cfg).await
            };
            match worker.await {
                Ok(w) => Some(w),
                Err(f) => {
                    sim.shutdown().await;
                    return Err(f);
                }
            }
        }
    };
    // A developer by default, so a promotion runs (dev → staging) or asks for approval
    // (staging → prod) as the example policy says; the other operators' configs are written
    // so they can join from another terminal.
    let user = user.unwrap_or_else(|| super::demo::DEFAULT_USER.to_string());
    let (mut cfg, demo) = match super::demo::operators(&cfg, &user) {
        // This console's tokens live in the simulator's Vault: the real path, Vault → token → Argo CD.
        Ok((mine, demo)) => (vault_for_sim(&sim, tokens_for(&sim, mine, &user)), demo),
        Err(f) => {
            sim.shutdown().await;
            return Err(f);
        }
    };
    if ascii {
        cfg.ascii = Some(true);
    }
    // This console only: the other operators' configs (written above) may act.
    if let Some(cause) = read_only {
        cfg.set_read_only(cause);
    }
    let result = open(cfg, started, Some((demo, connected(sim.operators())))).await;
    sim.shutdown().await;
    result
}

/// The demo's read-only mode: `--read-only`, else `FLIGHTDECK_READ_ONLY` (it has no file).
fn demo_read_only(flag: bool) -> Result<Option<crate::domain::ReadOnly>, Failure> {
    use crate::domain::read_only::{switch, ReadOnly};
    if flag {
        return Ok(Some(ReadOnly::Flag));
    }
    let from_env = std::env::var("FLIGHTDECK_READ_ONLY").map_or(Ok(false), |v| switch(&v));
    Ok(from_env.map_err(|e| Failure::new(ErrorKind::Usage, e))?.then_some(ReadOnly::Env))
}

/// `user`'s own Argo CD token on every instance, instead of a password login.
pub(super) fn tokens_for(sim: &flightdeck_sim::Sim, mut cfg: Config, user: &str) -> Config {
    for (i, inst) in cfg.instances.iter_mut().enumerate() {
        if let Some(token) = sim.token_for(i, user) {
            inst.auth = Auth::Token(Secret::new(token));
        }
    }
    cfg
}

/// The demo the real way: the simulator's Vault holds each instance's Argo CD token at
/// `secret/argocd/<env>#token`, Flightdeck logs in to Vault with AppRole and reads them.
pub(super) fn vault_for_sim(sim: &flightdeck_sim::Sim, mut cfg: Config) -> Config {
    for inst in &mut cfg.instances {
        if let Auth::Token(t) = &inst.auth {
            let path = format!("argocd/{}", inst.name);
            sim.vault_put_secret("secret", &path, [("token", t.expose())]);
            inst.vault = Some(config::VaultRef { mount: "secret".into(), path: path.clone(), key: "token".into() });
            inst.auth = Auth::None;
            inst.auth_source = format!("token from vault secret/{path}");
        }
    }
    let (role_id, secret_id) = sim.vault_approle();
    cfg.vault = config::VaultSettings {
        address: sim.vault_addr(),
        auth: config::VaultAuth::AppRole { mount: "approle".into(), role_id, secret_id: Secret::new(secret_id) },
        ..config::VaultSettings::default()
    };
    cfg
}

/// Who has the demo estate open, told whenever a console comes or goes (never on a timer).
fn connected(ops: flightdeck_sim::Operators) -> crate::runtime::Extra {
    let rx = ops.changes();
    Box::pin(futures_util::stream::unfold((ops, rx, None::<Vec<String>>), |(ops, mut rx, last)| async move {
        loop {
            let users = ops.watching();
            if last.as_ref() != Some(&users) {
                let msg = crate::app::Msg::OperatorsConnected { users: users.clone() };
                return Some((msg, (ops, rx, Some(users))));
            }
            // A console came or went (on any instance); the simulator stopped: end.
            if rx.is_empty() {
                return None;
            }
            let changed = rx.iter_mut().map(|r| Box::pin(r.changed()));
            futures_util::future::select_all(changed).await.0.ok()?;
        }
    }))
}

/// Everything checked before the terminal is touched: logging, keymap, theme, credentials
/// (Vault), clients. In the demo, who this console is and who else is connected.
async fn open(
    mut cfg: Config,
    started: std::time::Instant,
    demo: Option<(crate::domain::model::DemoState, crate::runtime::Extra)>,
) -> Result<(), Failure> {
    let usage = |e: String| Failure::new(ErrorKind::Usage, e);
    let (_guard, log_path) =
        crate::logging::init(None).map_err(|e| usage(format!("cannot open the log file: {e:#}")))?;
    tracing::info!(log = %log_path.display(), instances = cfg.instances.len(), "starting console");
    let keymap = config::keymap::load(cfg.keymap_file.as_deref()).map_err(|e| usage(e.to_string()))?;
    let env = |k: &str| std::env::var(k).ok();
    let theme = theme::Theme::load(&cfg.theme, theme::Theme::detect_depth(&env)).map_err(usage)?;
    // Before the terminal goes raw: the masked prompt for users configured without a password.
    super::prompt::ask_passwords(&mut cfg, false)?;
    let resolved = crate::client::credentials::resolve(&mut cfg, &env).await.map_err(super::credential_failure)?;
    for line in &resolved.log {
        tracing::info!(credential = %line, "credential source");
    }
    if let Some(v) = &resolved.vault {
        // Renew the Vault token before it expires for as long as the console runs.
        tokio::spawn(v.clone().keep_alive());
    }
    let clients = crate::client::credentials::clients(&cfg, &resolved).map_err(|e| e.to_failure())?;
    let mut model = model_from(&cfg);
    for (inst, source) in model.instances.iter_mut().zip(&resolved.credentials) {
        inst.credential = Some(source.clone());
    }
    let git_auth = clients.first().and_then(|c| c.git_auth().cloned());
    let governance = crate::session::governance(&cfg, git_auth, Default::default())?;
    let ascii = crate::ui::widgets::glyphs::ascii_wanted(cfg.ascii, &env);
    let (state, extra) = demo.unzip();
    model.demo = state;
    crate::runtime::run(model, Ui { theme, keymap, ascii }, clients, governance, started, extra)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("{e:#}")))
}
