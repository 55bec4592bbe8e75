//! What every session on an estate starts from, shared by the console, `demo`, `bench` and
//! the headless commands: the starting model built from configuration, the pipeline order,
//! the session's governance (policy, engine, trail), and the configuration of a running
//! simulator (one instance per environment, its bare repository as the GitOps remote).

use std::collections::HashSet;

use std::sync::Arc;

use crate::client::engine::embedded::LedgerPaths;
use crate::client::engine::Governance;
use crate::client::git::credentials::GitAuth;
use crate::config::{self, Auth, Config, GitopsSettings, InstanceConfig, Secret};
use crate::domain::approvals::{ApprovalsState, PolicyState};
use crate::domain::model::InstanceState;
use crate::domain::{ErrorKind, Failure, Model};

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

/// Point `cfg` at the simulator's Conductor and install Flightdeck's definitions there.
pub async fn conductor_for_sim(sim: &flightdeck_sim::Sim, cfg: &mut config::Config) -> Result<(), Failure> {
    let settings = config::ConductorSettings::new(sim.vault_addr());
    let client = crate::client::conductor::ConductorClient::new(&settings, None)?;
    let plan = crate::client::conductor::defs::plan(&client).await?;
    crate::client::conductor::defs::apply(&client, &plan, false).await?;
    cfg.engine = config::EngineKind::Conductor;
    cfg.conductor = Some(settings);
    Ok(())
}

/// The starting model: instances and environment columns from configuration.
pub fn model_from(cfg: &Config) -> Model {
    let envs = pipeline(cfg);
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
                read_only: i.read_only.clone(),
                ..Default::default()
            })
            .collect(),
        envs,
        protected_envs: cfg.protected_envs.iter().cloned().collect::<HashSet<_>>(),
        approvals: approvals_state(&cfg.gitops),
        notify: cfg.notify.clone(),
        page_rows: 20,
        utc_offset_secs: chrono::Local::now().offset().local_minus_utc(),
        read_only: cfg.read_only.clone(),
        new_service_via: cfg.gitops.applications,
        ..Default::default()
    }
}

/// The approvals side of a new model: where requests and the policy live (the one rule,
/// `GitopsSettings::source`), nothing loaded yet; without governance, Argo CD RBAC only.
pub fn approvals_state(g: &GitopsSettings) -> ApprovalsState {
    let source = g.source();
    let policy = if source.is_some() { PolicyState::Reading } else { PolicyState::RbacOnly };
    ApprovalsState { engine: source.map(|s| s.describe()), policy, ..ApprovalsState::default() }
}

/// The environments in pipeline order as configured (`envs`, then each instance's own
/// environment): the columns of the console and the order promotions keep without a policy.
pub fn pipeline(cfg: &Config) -> Vec<String> {
    let mut envs = cfg.envs.clone();
    for i in &cfg.instances {
        if let Some(e) = &i.env {
            if !envs.contains(e) {
                envs.push(e.clone());
            }
        }
    }
    envs
}

/// The governance of a session on `cfg`: its policy, engine and trail, or Argo CD RBAC only.
/// Git reaches the remote with the estate's git credential (`git_auth`). With `[engine] kind
/// = "conductor"` the engine is Conductor (its secret already read from Vault by
/// `client::credentials::resolve`); the policy stays in Git.
pub fn governance(cfg: &Config, git_auth: Option<Arc<GitAuth>>, paths: LedgerPaths) -> Result<Governance, Failure> {
    // Read-only reaches the engine too: no request, decision or trail record is written.
    let paths = LedgerPaths { writes: crate::client::Writes::from_cause(cfg.read_only.clone()), ..paths };
    let gov = Governance::new(cfg.gitops.source(), paths, git_auth);
    match conductor_engine(cfg, gov.git_store().cloned())? {
        Some(engine) => Ok(gov.with_conductor(engine)),
        None => Ok(gov),
    }
}

/// The Conductor engine `cfg` asks for, if any.
pub fn conductor_engine(
    cfg: &Config,
    git: Option<crate::client::engine::embedded::EmbeddedEngine>,
) -> Result<Option<crate::client::engine::conductor::ConductorEngine>, Failure> {
    if cfg.engine != config::EngineKind::Conductor {
        return Ok(None);
    }
    let Some(settings) = &cfg.conductor else {
        return Err(Failure::new(ErrorKind::Usage, "[engine] kind = \"conductor\" needs a [conductor] section")
            .with_hint("set [conductor] url (see config/flightdeck.example.toml)"));
    };
    let writes = crate::client::Writes::from_cause(cfg.read_only.clone());
    let client = crate::client::conductor::ConductorClient::new(settings, app_key(settings)?)?.with_writes(writes);
    Ok(Some(crate::client::engine::conductor::ConductorEngine::new(client, settings.domain.clone(), git)))
}

/// The Orkes application key, once its secret is a value (read from Vault by then).
pub fn app_key(s: &config::ConductorSettings) -> Result<Option<crate::client::conductor::AppKey>, Failure> {
    match (&s.key_id, &s.key_secret) {
        (Some(id), Some(config::KeySecret::Value(secret))) => {
            Ok(Some(crate::client::conductor::AppKey { key_id: id.clone(), secret: secret.clone() }))
        }
        (Some(_), Some(config::KeySecret::Vault(r))) => Err(Failure::new(
            ErrorKind::Unavailable,
            format!("the Conductor secret at vault {}/{} was not read", r.mount, r.path),
        )
        .with_hint("check [vault] and `flightdeck doctor`")),
        _ => Ok(None),
    }
}
