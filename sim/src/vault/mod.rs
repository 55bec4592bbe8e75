//! A loopback Vault on the simulator's own listener, under `/v1/...`: KV v2 (read, read by
//! version, metadata read and list), token lookup-self / renew-self, AppRole and Kubernetes
//! login, and `sys/health`, with the response envelopes of `shared/reference/vault/examples/`.
//! Where that reference and a real server disagree, the simulator answers as OpenBao 2.7 does
//! (it runs here and the tests compare the two, `tests/vault_contract.rs`): no
//! `performance_standby` or `mount_type`, a bare "permission denied" for a missing or bad
//! token. Tests steer it: seal, expire a token, put a secret, answer one 307 redirect.
//!
//! Time is wall-clock seconds: token TTLs are short-lived facts a test sets directly
//! (`set_ttl`, `expire`), so no simulated clock is needed here.

mod handlers;
mod kv;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;

/// A token the simulated Vault knows.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    /// API path prefixes this token may read (`""` = everything, for root).
    pub allowed: Vec<String>,
    pub policies: Vec<String>,
    /// The TTL the token was created (or last renewed) with, in seconds.
    pub creation_ttl_secs: u64,
    /// Unix seconds at which it stops working; `None` = never (root).
    pub expires_at_secs: Option<i64>,
    pub renewable: bool,
    pub accessor: String,
    pub path: String,
    /// Unix seconds of creation (lookup's `creation_time`).
    pub created_secs: i64,
    /// The login's `auth.metadata` (AppRole: `role_name`); `None` = JSON null.
    pub metadata: Option<BTreeMap<String, String>>,
}

/// One version of a KV v2 secret.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub data: BTreeMap<String, String>,
    pub created: chrono::DateTime<chrono::Utc>,
}

/// What the simulated Vault holds.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub sealed: bool,
    pub tokens: HashMap<String, TokenInfo>,
    /// `(mount, path)` → versions, oldest first.
    pub kv: HashMap<(String, String), Vec<Version>>,
    pub mounts: Vec<String>,
    /// The next request is answered with a 307 to this URL prefix.
    pub redirect_next: Option<String>,
    /// Tokens that arrived at the redirect target (`/v1/sys/trap/...`).
    pub trap_tokens: Vec<String>,
    /// Requests per path (without query), for tests.
    pub requests: HashMap<String, u64>,
    /// The `X-Vault-Namespace` of the last request that had one.
    pub last_namespace: Option<String>,
    pub counter: u64,
}

/// The simulated Vault: state plus the fixed credentials tests log in with.
pub struct Vault {
    pub(crate) state: Mutex<State>,
    pub(crate) root_token: String,
    pub(crate) role_id: String,
    pub(crate) secret_id: String,
    pub(crate) k8s_role: String,
    pub(crate) k8s_jwt: String,
    /// `http://host:port` of the listener, for redirects.
    pub(crate) addr: String,
    /// Default TTL of login tokens, seconds.
    pub(crate) login_ttl_secs: u64,
}

/// What AppRole and Kubernetes logins may read: the KV v2 mount `secret`, its data and its
/// metadata (read and list), as the policy `argocd-read` of the OpenBao tests grants.
const LOGIN_ALLOWED: [&str; 2] = ["secret/data/", "secret/metadata/"];

/// The simulator's published AppRole role id (a role id is an identifier, not a secret; the
/// secret id is). `flightdeck sim` prints it for outside clients.
pub const ROLE_ID: &str = "flightdeck";
/// The AppRole role's name (`auth.metadata.role_name` of its logins).
pub const ROLE_NAME: &str = "flightdeck";

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Vault {
    pub(crate) fn new(addr: std::net::SocketAddr, seed: u64) -> Arc<Self> {
        let mut n = seed;
        let mut id = |prefix: &str| {
            n = crate::rng::mix(n.wrapping_add(0x51_7cc1_b727_220a));
            format!("{prefix}{:016x}{:08x}", n, n >> 32)
        };
        let root_token = id("hvs.root");
        let v = Vault {
            state: Mutex::new(State { mounts: vec!["secret".into()], ..State::default() }),
            role_id: ROLE_ID.into(),
            secret_id: id("secret-"),
            k8s_role: "flightdeck".into(),
            k8s_jwt: format!("eyJhbGciOiJSUzI1NiJ9.{}.sig", id("sa-")),
            addr: format!("http://{addr}"),
            login_ttl_secs: 3600,
            root_token: root_token.clone(),
        };
        lock(&v.state).tokens.insert(
            root_token,
            TokenInfo {
                allowed: vec![String::new()],
                policies: vec!["root".into()],
                creation_ttl_secs: 0,
                expires_at_secs: None,
                renewable: false,
                accessor: id("acc-"),
                path: "auth/token/root".into(),
                created_secs: now_secs(),
                metadata: None,
            },
        );
        Arc::new(v)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Issue a token that may read paths under `allowed` for `ttl_secs`.
    pub(crate) fn issue(
        &self,
        allowed: Vec<String>,
        policies: Vec<String>,
        ttl_secs: u64,
        renewable: bool,
        path: &str,
    ) -> (String, TokenInfo) {
        let mut st = self.state();
        st.counter += 1;
        let n = crate::rng::mix(st.counter ^ crate::rng::hash_bytes(7, self.root_token.as_bytes()));
        let token = format!("hvs.CAES{n:016x}{:08x}", st.counter);
        let info = TokenInfo {
            allowed,
            policies,
            creation_ttl_secs: ttl_secs,
            expires_at_secs: Some(now_secs() + ttl_secs as i64),
            renewable,
            accessor: format!("acc{n:x}"),
            path: path.to_string(),
            created_secs: now_secs(),
            metadata: None,
        };
        st.tokens.insert(token.clone(), info.clone());
        (token, info)
    }

    pub(crate) fn login_token(&self, path: &str, metadata: Option<BTreeMap<String, String>>) -> (String, TokenInfo) {
        let policies = vec!["argocd-read".into(), "default".into()];
        let allowed = LOGIN_ALLOWED.iter().map(|a| a.to_string()).collect();
        let (token, mut info) = self.issue(allowed, policies, self.login_ttl_secs, true, path);
        info.metadata = metadata;
        if let Some(t) = self.state().tokens.get_mut(&token) {
            t.metadata = info.metadata.clone();
        }
        (token, info)
    }

    pub(crate) fn put(&self, mount: &str, path: &str, data: BTreeMap<String, String>) {
        let mut st = self.state();
        if !st.mounts.iter().any(|m| m == mount) {
            st.mounts.push(mount.to_string());
        }
        st.kv
            .entry((mount.to_string(), path.to_string()))
            .or_default()
            .push(Version { data, created: chrono::Utc::now() });
    }
}

/// Test and demo controls, re-exported through `Sim::vault_*`.
impl Vault {
    pub(crate) fn put_secret<K: Into<String>, V: Into<String>>(
        &self,
        mount: &str,
        path: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) {
        self.put(mount, path, handlers::to_map(data));
    }

    pub(crate) fn seal(&self, sealed: bool) {
        self.state().sealed = sealed;
    }

    /// Make `token` expired (it then answers 403 "invalid token", as Vault does).
    pub(crate) fn expire_token(&self, token: &str) {
        if let Some(t) = self.state().tokens.get_mut(token) {
            t.expires_at_secs = Some(now_secs() - 1);
        }
    }

    /// Expire every token issued by a login (AppRole, Kubernetes): the client holds their ids.
    pub(crate) fn expire_logins(&self) {
        let past = now_secs() - 1;
        for t in self.state().tokens.values_mut().filter(|t| t.path.ends_with("/login")) {
            t.expires_at_secs = Some(past);
        }
    }

    /// Set the seconds `token` has left (its creation TTL is unchanged).
    pub(crate) fn set_ttl(&self, token: &str, secs_left: u64) {
        if let Some(t) = self.state().tokens.get_mut(token) {
            t.expires_at_secs = Some(now_secs() + secs_left as i64);
        }
    }

    /// Seconds `token` has left (`None`: unknown token or one that never expires).
    pub(crate) fn ttl_left(&self, token: &str) -> Option<i64> {
        self.state().tokens.get(token).and_then(|t| t.expires_at_secs).map(|e| e - now_secs())
    }

    /// The next request gets a 307 to the same listener under another host name
    /// (`localhost` instead of `127.0.0.1`), so a client that follows redirects across hosts
    /// with the token attached is caught at `/v1/sys/trap/...`.
    pub(crate) fn redirect_next(&self) {
        let target = self.addr.replace("127.0.0.1", "localhost");
        self.state().redirect_next = Some(target);
    }

    pub(crate) fn trap_tokens(&self) -> Vec<String> {
        self.state().trap_tokens.clone()
    }

    pub(crate) fn request_count(&self, path_prefix: &str) -> u64 {
        self.state().requests.iter().filter(|(p, _)| p.starts_with(path_prefix)).map(|(_, n)| *n).sum()
    }

    pub(crate) fn last_namespace(&self) -> Option<String> {
        self.state().last_namespace.clone()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The `/v1` routes (nested by the caller).
pub(crate) fn router(vault: Arc<Vault>) -> Router {
    handlers::router(vault)
}
