//! One Vault for a scenario, either the simulator's or a real OpenBao (`bao.rs`), behind the
//! same few verbs, so every Vault scenario runs against both (`both!`). The Argo CD side is
//! always the simulator; with the simulated Vault it is the same `Sim`.
#![allow(dead_code)]

pub mod bao;
pub mod doctor;

use std::io::Write as _;
use std::sync::Arc;

use flightdeck::config::{Secret, VaultAuth, VaultSettings};
use flightdeck_sim::{Sim, SimClock, SimOptions};
use serde_json::Value;

/// Print `line` on the terminal (past the test harness's capture) once per test binary.
pub fn say_once(line: &str) {
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !said.iter().any(|l| l == line) {
        said.push(line.to_string());
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// One raw Vault API call: `method` `/v1/<path>` with `token` (None: no token header).
/// Returns the status and the JSON body (Null when there is none).
pub async fn raw_call(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = reqwest::Client::new().request(m, format!("{addr}/v1/{path}"));
    if let Some(t) = token {
        req = req.header("X-Vault-Token", t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("Vault answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub enum Vault {
    Sim(Arc<Sim>),
    Bao(bao::Bao),
}

/// A scenario's world: the simulator (Argo CD, and perhaps Vault) and the Vault in use.
pub struct World {
    pub sim: Arc<Sim>,
    pub vault: Vault,
}

async fn calm_sim() -> Arc<Sim> {
    let opts = SimOptions { services: 4, chaos: false, clock: SimClock::Manual, ..Default::default() };
    Arc::new(Sim::start(opts).await.expect("simulator starts"))
}

impl World {
    pub async fn simulated() -> World {
        let sim = calm_sim().await;
        World { vault: Vault::Sim(sim.clone()), sim }
    }

    /// With a real OpenBao; `None` when this machine has no `bao` (said once).
    pub async fn openbao() -> Option<World> {
        let bin = bao::find()?;
        Some(World { sim: calm_sim().await, vault: Vault::Bao(bao::Bao::start(&bin).await) })
    }

    pub fn name(&self) -> &'static str {
        match self.vault {
            Vault::Sim(_) => "simulated Vault",
            Vault::Bao(_) => "OpenBao",
        }
    }

    pub fn addr(&self) -> String {
        match &self.vault {
            Vault::Sim(s) => s.vault_addr(),
            Vault::Bao(b) => b.addr.clone(),
        }
    }

    pub fn root(&self) -> String {
        match &self.vault {
            Vault::Sim(s) => s.vault_root_token(),
            Vault::Bao(_) => bao::ROOT.to_string(),
        }
    }

    /// Store a new version of `secret/<path>`.
    pub async fn put(&self, path: &str, pairs: &[(&str, &str)]) {
        match &self.vault {
            Vault::Sim(s) => s.vault_put_secret("secret", path, pairs.iter().copied()),
            Vault::Bao(b) => {
                let map: serde_json::Map<String, Value> =
                    pairs.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
                b.put_secret(path, Value::Object(map)).await;
            }
        }
    }

    /// A token that may read under each of `allowed` (API path prefixes).
    pub async fn token(&self, allowed: &[&str], ttl_secs: u64, renewable: bool) -> String {
        match &self.vault {
            Vault::Sim(s) => s.vault_create_token(allowed, ttl_secs, renewable),
            Vault::Bao(b) => b.token(allowed, ttl_secs, renewable).await,
        }
    }

    /// The AppRole `(role_id, secret_id)` of role `flightdeck` (mount `approle`).
    pub async fn approle(&self) -> (String, String) {
        match &self.vault {
            Vault::Sim(s) => s.vault_approle(),
            Vault::Bao(b) => ("flightdeck".to_string(), b.secret_id().await),
        }
    }

    pub async fn approle_settings(&self) -> VaultSettings {
        let (role_id, secret_id) = self.approle().await;
        let auth = VaultAuth::AppRole { mount: "approle".into(), role_id, secret_id: Secret::new(secret_id) };
        self.settings(auth)
    }

    pub fn settings(&self, auth: VaultAuth) -> VaultSettings {
        VaultSettings { address: self.addr(), auth, ..VaultSettings::default() }
    }

    pub async fn seal(&self) {
        match &self.vault {
            Vault::Sim(s) => s.vault_seal(true),
            Vault::Bao(b) => b.seal().await,
        }
    }

    /// Make every token an AppRole login issued unusable (expired or revoked).
    pub async fn end_logins(&self) {
        match &self.vault {
            Vault::Sim(s) => s.vault_expire_logins(),
            Vault::Bao(b) => b.revoke_logins().await,
        }
    }

    /// Requests for API path `path` (e.g. `secret/data/argocd/dev`) the Vault has seen.
    pub fn requests(&self, path: &str) -> u64 {
        match &self.vault {
            Vault::Sim(s) => s.vault_request_count(path),
            Vault::Bao(b) => b.requests(path),
        }
    }
}

/// Run scenario `$f(World)` as two tests, `$f::simulated` and `$f::openbao`.
#[macro_export]
macro_rules! both {
    ($($f:ident),* $(,)?) => {$(
        mod $f {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn simulated() {
                super::$f(super::vault_support::World::simulated().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn openbao() {
                if let Some(w) = super::vault_support::World::openbao().await {
                    super::$f(w).await;
                }
            }
        }
    )*};
}
