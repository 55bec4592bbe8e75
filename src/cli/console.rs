//! Starting the console: from configuration, or on the in-process simulator for `demo`.

use std::collections::HashSet;

use crate::config::{self, Auth, Config, InstanceConfig, Secret};
use crate::domain::model::InstanceState;
use crate::domain::{ErrorKind, Failure, Model};
use crate::ui::{theme, Ui};

use super::GlobalArgs;

/// `flightdeck` with no subcommand.
pub async fn run_configured(g: &GlobalArgs) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let cfg = super::load_config(g)?;
    open(cfg, started).await
}

/// `flightdeck demo [--user NAME]`: the simulator in-process, the console against it over
/// real HTTP. With `--user`, this console is that operator and the other operators' configs
/// are written next to a printed path, so a second terminal joins the same estate and remote.
pub async fn run_demo(services: usize, seed: u64, user: Option<String>) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let opts = flightdeck_sim::SimOptions { services, seed, ..Default::default() };
    let sim = flightdeck_sim::Sim::start(opts)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("cannot start the simulator: {e}")))?;
    let cfg = config_for_sim(&sim);
    // A developer by default, so a promotion runs (dev → staging) or asks for approval
    // (staging → prod) as the example policy says; the other operators' configs are written
    // so they can join from another terminal.
    let user = user.unwrap_or_else(|| super::demo::DEFAULT_USER.to_string());
    let cfg = match super::demo::operators(&cfg, &user) {
        // This console's tokens live in the simulator's Vault: the real path, Vault → token → Argo CD.
        Ok(mine) => vault_for_sim(&sim, tokens_for(&sim, mine, &user)),
        Err(f) => {
            sim.shutdown().await;
            return Err(f);
        }
    };
    let result = open(cfg, started).await;
    sim.shutdown().await;
    result
}

/// A Flightdeck config pointing at a running simulator: one instance per environment.
pub fn config_for_sim(sim: &flightdeck_sim::Sim) -> Config {
    let instances = sim
        .instances()
        .into_iter()
        .map(|i| {
            // One instance per environment: its environment is the name users know it by.
            let mut c = InstanceConfig::new(i.env.clone(), i.base_url);
            c.auth = Auth::Token(Secret::new(i.token));
            c.auth_source = "token from the demo simulator".into();
            c.env = Some(i.env);
            c
        })
        .collect();
    // The simulator's bare repository is the GitOps remote: its ledger ref holds approvals.
    let gitops = config::GitopsSettings { remote: Some(sim.git_remote()), ..Default::default() };
    Config { instances, gitops, ..Config::default() }
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

/// Everything checked before the terminal is touched: logging, keymap, theme, credentials
/// (Vault), clients.
async fn open(mut cfg: Config, started: std::time::Instant) -> Result<(), Failure> {
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
    crate::runtime::run(model, Ui { theme, keymap }, clients, started)
        .await
        .map_err(|e| Failure::new(ErrorKind::Unavailable, format!("{e:#}")))
}

/// The starting model: instances and environment columns from configuration.
pub fn model_from(cfg: &Config) -> Model {
    let mut envs = cfg.envs.clone();
    for i in &cfg.instances {
        if let Some(e) = &i.env {
            if !envs.contains(e) {
                envs.push(e.clone());
            }
        }
    }
    Model {
        now: chrono::Utc::now(),
        instances: cfg
            .instances
            .iter()
            .map(|i| InstanceState {
                name: i.name.clone(),
                url: i.server.clone(),
                env: i.env.clone(),
                credential: Some(i.auth_source.clone()),
                ..Default::default()
            })
            .collect(),
        envs,
        protected_envs: cfg.protected_envs.iter().cloned().collect::<HashSet<_>>(),
        approvals: super::demo::approvals_state(&cfg.gitops),
        page_rows: 20,
        utc_offset_secs: chrono::Local::now().offset().local_minus_utc(),
        ..Default::default()
    }
}
