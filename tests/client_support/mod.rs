//! Shared helpers of the client integration tests: a manual-clock simulator, instance
//! configs and clients for it, and a generous safety-net timeout for channel receives.
#![allow(dead_code)]

use std::time::Duration;

use flightdeck::client::ArgoClient;
use flightdeck::config::{Auth, InstanceConfig, Secret};
use flightdeck::domain::AppKey;
use flightdeck_sim::{Sim, SimClock, SimInstance, SimOptions};

/// Safety net for waits on real events (never a sleep: it only bounds a hang).
pub const SAFETY: Duration = Duration::from_secs(20);

pub async fn sim() -> Sim {
    let opts = SimOptions { services: 5, chaos: false, clock: SimClock::Manual, ..Default::default() };
    Sim::start(opts).await.expect("simulator starts")
}

pub fn instance(sim: &Sim, i: usize) -> SimInstance {
    sim.instances().into_iter().nth(i).expect("instance")
}

pub fn config(inst: &SimInstance, auth: Auth) -> InstanceConfig {
    let mut cfg = InstanceConfig::new(inst.name.clone(), inst.base_url.clone());
    cfg.auth = auth;
    cfg.env = Some(inst.env.clone());
    cfg.request_timeout = Duration::from_secs(10);
    cfg
}

/// An admin (token) client of instance `i`.
pub fn client(sim: &Sim, i: usize) -> ArgoClient {
    let inst = instance(sim, i);
    let cfg = config(&inst, Auth::Token(Secret::new(inst.token.clone())));
    ArgoClient::new(&cfg).expect("client").with_instance(i)
}

pub fn login_client(sim: &Sim, i: usize, user: &str, password: &str) -> ArgoClient {
    let inst = instance(sim, i);
    let auth = Auth::Login { username: user.into(), password: Secret::new(password) };
    ArgoClient::new(&config(&inst, auth)).expect("client").with_instance(i)
}

/// The key of the first app of instance `i`, as the list reports it.
pub async fn first_key(c: &ArgoClient) -> AppKey {
    let (apps, _) = c.list().await.expect("list");
    apps.into_iter().next().expect("an app").key
}

/// Receive with the safety net; panics on timeout or a closed channel.
pub async fn recv<T>(rx: &mut tokio::sync::mpsc::Receiver<T>) -> T {
    tokio::time::timeout(SAFETY, rx.recv()).await.expect("timely message").expect("channel open")
}
