//! Turning configured credential sources into tokens before clients are built: instances
//! with `vault = "mount/path#key"` get their Argo CD token from one shared Vault session, and a
//! `TokenSource` to fetch it again once on 401. The run log gets the source, never the secret.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::vault::error::VaultError;
use super::vault::VaultSession;
use super::{ArgoClient, ClientError};
use crate::config::{Auth, Config, Secret, VaultRef};

/// Something that can produce an instance's token again (after a 401).
pub trait TokenSource: Send + Sync {
    fn fetch(&self) -> BoxFuture<'_, Result<Secret, ClientError>>;
    /// Where the token comes from, e.g. "vault secret/argocd/prod#token".
    fn describe(&self) -> String;
}

/// A token kept in a Vault KV v2 secret.
pub struct VaultTokenSource {
    pub session: Arc<VaultSession>,
    pub reference: VaultRef,
}

impl TokenSource for VaultTokenSource {
    fn fetch(&self) -> BoxFuture<'_, Result<Secret, ClientError>> {
        Box::pin(async move {
            self.session.read(&self.reference).await.map_err(|e| ClientError::Config(format!("{e}; {}", e.hint())))
        })
    }
    fn describe(&self) -> String {
        format!("vault {}", self.reference)
    }
}

/// A Vault-kept token for a client built without a resolved session (headless commands that
/// only have the `Config`): it logs in to Vault on the first 401, then reads the secret.
pub struct LazyVaultTokenSource {
    pub settings: crate::config::VaultSettings,
    pub reference: VaultRef,
    session: tokio::sync::OnceCell<Arc<VaultSession>>,
}

impl LazyVaultTokenSource {
    pub fn new(settings: crate::config::VaultSettings, reference: VaultRef) -> Self {
        Self { settings, reference, session: tokio::sync::OnceCell::new() }
    }
}

impl TokenSource for LazyVaultTokenSource {
    fn fetch(&self) -> BoxFuture<'_, Result<Secret, ClientError>> {
        Box::pin(async move {
            let to_client = |e: VaultError| ClientError::Config(format!("{e}; {}", e.hint()));
            let session = self
                .session
                .get_or_try_init(|| async {
                    let env = |k: &str| std::env::var(k).ok();
                    VaultSession::connect(&self.settings, &env).await.map(Arc::new)
                })
                .await
                .map_err(to_client)?;
            session.read(&self.reference).await.map_err(to_client)
        })
    }
    fn describe(&self) -> String {
        format!("vault {}", self.reference)
    }
}

/// The outcome of resolving credentials: the Vault session (if any instance uses Vault), one
/// token source per instance (`None` = no refetch), a log line per instance, and per instance
/// where its credential came from for the model ("token from vault secret/argocd/prod ✓").
#[derive(Default)]
pub struct Resolved {
    pub vault: Option<Arc<VaultSession>>,
    pub sources: Vec<Option<Arc<dyn TokenSource>>>,
    pub log: Vec<String>,
    pub credentials: Vec<String>,
}

/// A failure to get an instance's credential, naming the instance.
#[derive(Debug, thiserror::Error)]
#[error("instance {instance}: {error}")]
pub struct CredentialError {
    pub instance: String,
    pub error: VaultError,
}

/// Read every Vault-backed token into `cfg` (as `Auth::Token`). `env` supplies `VAULT_TOKEN`
/// and `HOME`.
pub async fn resolve(cfg: &mut Config, env: crate::config::argocd_cli::Env<'_>) -> Result<Resolved, CredentialError> {
    let mut out = Resolved::default();
    for inst in &mut cfg.instances {
        let Some(reference) = inst.vault.clone() else {
            out.sources.push(None);
            out.log.push(format!("{}: {}", inst.name, inst.auth_source));
            out.credentials.push(inst.auth_source.clone());
            continue;
        };
        let session = match &out.vault {
            Some(s) => s.clone(),
            None => {
                let s = VaultSession::connect(&cfg.vault, env)
                    .await
                    .map_err(|error| CredentialError { instance: inst.name.clone(), error })?;
                let s = Arc::new(s);
                out.vault = Some(s.clone());
                s
            }
        };
        let token =
            session.read(&reference).await.map_err(|error| CredentialError { instance: inst.name.clone(), error })?;
        inst.auth = Auth::Token(token);
        tracing::info!(instance = %inst.name, source = %inst.auth_source, vault_login = %session.token_source(), "credential ✓");
        out.log.push(format!("{}: {} ✓", inst.name, inst.auth_source));
        out.credentials.push(format!("{} ✓", inst.auth_source));
        out.sources.push(Some(Arc::new(VaultTokenSource { session, reference })));
    }
    if let Some(line) = resolve_conductor(cfg, env, &mut out.vault).await? {
        out.log.push(line);
    }
    Ok(out)
}

/// Read the Conductor application secret into `cfg` when it lives in Vault (once, like a
/// token), on `vault`'s session or a new one kept there; the log line, if it was read. The
/// commands that reach Conductor but not Argo CD (`runs`, `conductor install`) call only this.
pub async fn resolve_conductor(
    cfg: &mut Config,
    env: crate::config::argocd_cli::Env<'_>,
    vault: &mut Option<Arc<VaultSession>>,
) -> Result<Option<String>, CredentialError> {
    let Some(crate::config::KeySecret::Vault(reference)) = cfg.conductor.as_ref().and_then(|c| c.key_secret.clone())
    else {
        return Ok(None);
    };
    let named = |error| CredentialError { instance: "conductor".into(), error };
    let session = match vault {
        Some(s) => s.clone(),
        None => Arc::new(VaultSession::connect(&cfg.vault, env).await.map_err(named)?),
    };
    let secret = session.read(&reference).await.map_err(named)?;
    if let Some(c) = cfg.conductor.as_mut() {
        c.key_secret = Some(crate::config::KeySecret::Value(secret));
    }
    vault.get_or_insert(session);
    Ok(Some(format!("conductor: key secret from vault {}/{} ✓", reference.mount, reference.path)))
}

/// Clients for every instance, with their token sources attached. An instance reading its
/// token from Vault but without a source in `resolved` (e.g. `Resolved::default()`) gets a
/// lazy one, so every client built here has the "401 → read again once → retry once" path.
///
/// Every client also carries the git HTTPS credential of `[gitops] https_token_vault` (if
/// any), so a promotion or a ledger write run through it hands git the same token.
pub fn clients(cfg: &Config, resolved: &Resolved) -> Result<Vec<ArgoClient>, ClientError> {
    let git_auth = super::git::credentials::GitAuth::from_config(&cfg.git, &cfg.vault, resolved.vault.clone());
    cfg.instances
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let client = ArgoClient::new(c)?.with_instance(i).with_git_auth(git_auth.clone());
            let source: Option<Arc<dyn TokenSource>> = match (resolved.sources.get(i).cloned().flatten(), &c.vault) {
                (Some(s), _) => Some(s),
                (None, Some(r)) => Some(Arc::new(LazyVaultTokenSource::new(cfg.vault.clone(), r.clone()))),
                (None, None) => None,
            };
            Ok(match source {
                Some(s) => client.with_refetch(s),
                None => client,
            })
        })
        .collect()
}

/// `GET /api/v1/account/can-i/applications/{action}/*`: may this credential do `action` on
/// applications (any project)? Argo CD answers `{"value":"yes"|"no"}`.
pub async fn can_i(client: &ArgoClient, action: &str) -> Result<bool, ClientError> {
    use super::argocd::Req;
    let path = format!("/api/v1/account/can-i/applications/{action}/*");
    let req = Req::new(reqwest::Method::GET, path, super::error::Ctx::new("get", None));
    let v: serde_json::Value = client.call(req).await?;
    Ok(v.get("value").and_then(|x| x.as_str()) == Some("yes"))
}
