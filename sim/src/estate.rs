//! Deterministic estate generation: service names, teams, versions per environment (earlier
//! environments run newer versions), history, and a few apps that start Degraded or OutOfSync.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::model::{App, Health, Hist, Initiator, RolloutPhase, Service, Ver};
use crate::rng::{hash_bytes, mix, Rng};

const DOMAINS: &[(&str, &str)] = &[
    ("payment", "backend"),
    ("checkout", "web"),
    ("cart", "web"),
    ("search", "data"),
    ("inventory", "backend"),
    ("ledger", "backend"),
    ("catalog", "web"),
    ("pricing", "backend"),
    ("shipping", "backend"),
    ("orders", "backend"),
    ("billing", "backend"),
    ("notification", "platform"),
    ("auth", "platform"),
    ("identity", "platform"),
    ("profile", "web"),
    ("recommendation", "data"),
    ("review", "web"),
    ("media", "web"),
    ("analytics", "data"),
    ("reporting", "data"),
    ("gateway", "platform"),
    ("fraud", "data"),
    ("loyalty", "backend"),
    ("subscription", "backend"),
    ("invoice", "backend"),
    ("tax", "backend"),
    ("warehouse", "backend"),
    ("fulfillment", "backend"),
    ("returns", "web"),
    ("promotion", "web"),
    ("session", "platform"),
    ("audit", "platform"),
    ("feature-flag", "platform"),
    ("geo", "data"),
    ("currency", "backend"),
    ("email", "platform"),
];

const SUFFIXES: &[&str] = &["-service", "", "-api", "-worker", "-gateway", "-sync", "-ui"];

/// Users who appear as initiators of generated history.
const PEOPLE: &[&str] = &["admin", "ci-bot", "alice", "bob", "release-bot"];

pub const DEGRADED_MESSAGES: &[&str] = &[
    "Deployment \"{svc}\" exceeded its progress deadline",
    "back-off 5m0s restarting failed container=app pod={pod}",
    "Readiness probe failed: HTTP probe failed with statuscode: 503",
    "0/3 nodes are available: 3 Insufficient memory.",
    "OOMKilled: container app exceeded its memory limit",
];

/// Generate `n` unique service names and their teams.
pub fn services(n: usize, seed: u64) -> Vec<Service> {
    let mut out = Vec::with_capacity(n);
    let d = DOMAINS.len();
    let s = SUFFIXES.len();
    for i in 0..n {
        let (domain, team) = DOMAINS[i % d];
        let round = i / d;
        // Offset per (domain, seed) so different seeds pick different first suffixes, while the
        // suffixes used by one domain across rounds stay a permutation (names stay unique).
        let off = (hash_bytes(seed, domain.as_bytes()) % s as u64) as usize;
        let off = if i % d < 3 { 0 } else { off };
        let suffix = SUFFIXES[(round + off) % s];
        let name = if round < s { format!("{domain}{suffix}") } else { format!("{domain}{suffix}-{}", round / s + 1) };
        let salt = mix(seed ^ mix(i as u64 + 1));
        out.push(Service {
            name,
            team: Cow::Borrowed(team),
            rollout: salt % 5 == 0,
            salt,
            scaler: crate::autoscale::scaler_for(i),
        });
    }
    out
}

/// Version running in each environment position (0 = first env, the most ahead).
pub fn env_version(svc: &Service, env_pos: usize, env_count: usize) -> Ver {
    let mut rng = Rng::new(svc.salt);
    let mut v = Ver(rng.range(1, 4) as u16, rng.range(0, 12) as u16, rng.range(0, 9) as u16);
    // Walk from the last env (prod) towards the first, bumping now and then.
    let steps = env_count.saturating_sub(1 + env_pos);
    for _ in 0..steps {
        if rng.chance(65) {
            v = v.bump(rng.chance(30));
        }
    }
    v
}

/// Build every app of one environment, sorted by name.
pub fn apps_for_env(
    services: &[Service],
    env: &str,
    env_pos: usize,
    env_count: usize,
    seed: u64,
    now_ms: i64,
) -> Vec<App> {
    let is_last = env_pos + 1 == env_count && env_count > 1;
    let mut apps: Vec<App> = services
        .iter()
        .enumerate()
        .map(|(i, svc)| {
            let key = mix(svc.salt ^ hash_bytes(seed, env.as_bytes()));
            gen_app(i as u32, svc, env, env_pos, env_count, !is_last, key, now_ms)
        })
        .collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    apps
}

#[allow(clippy::too_many_arguments)]
fn gen_app(
    idx: u32,
    svc: &Service,
    env: &str,
    env_pos: usize,
    env_count: usize,
    auto_sync: bool,
    key: u64,
    now_ms: i64,
) -> App {
    let mut rng = Rng::new(key);
    let live = env_version(svc, env_pos, env_count);
    let n = rng.range(3, 10) as u32;
    let first_id = if n == 10 { rng.range(0, 40) as u32 } else { 0 };
    const HOUR_MS: i64 = 3_600_000;
    let mut at = now_ms - rng.range(1, 72) as i64 * HOUR_MS;
    let mut history = Vec::with_capacity(n as usize);
    let mut ver = live;
    for k in (0..n).rev() {
        let started = at - rng.range(2, 9) as i64 * 1000;
        history.push(Hist {
            id: first_id + k,
            rev: mix(key ^ u64::from(first_id + k + 1)),
            ver,
            started_ms: started,
            deployed_ms: at,
            initiator: if auto_sync && rng.chance(70) {
                Initiator::Automated
            } else {
                Initiator::User(Cow::Borrowed(PEOPLE[rng.range(0, 4) as usize]))
            },
        });
        ver = ver.older(rng.range(1, 2) as u16);
        at -= rng.range(2, 120) as i64 * HOUR_MS;
    }
    history.reverse();
    let last = history.last().map(|h| (h.rev, h.deployed_ms)).unwrap_or((key, now_ms));
    let replicas = rng.range(2, 5) as u16;
    let mut app = App {
        svc: idx,
        name: format!("{}-{env}", svc.name),
        uid_seed: key,
        rv: 1,
        generation: rng.range(5, 300) as u32,
        created_ms: at - 30 * 24 * HOUR_MS,
        auto_sync,
        self_heal: true,
        auto_prune: true,
        health: Health::Healthy,
        health_since_ms: last.1,
        health_msg: None,
        health_token: 0,
        head_rev: last.0,
        head_ver: live,
        live_ver: live,
        replicas,
        live_replicas: replicas,
        bounds: svc.scaler.map(|_| crate::autoscale::START_BOUNDS),
        resources: None,
        live_resources: None,
        paused: false,
        restarted_ms: None,
        rollout: RolloutPhase::Healthy,
        history,
        op: None,
        reconciled_ms: now_ms - rng.range(5, 170) as i64 * 1000,
        fail_next_sync: None,
        autosync_due: false,
        conditions: Vec::new(),
        events: VecDeque::new(),
        origin: Default::default(),
    };
    // A few apps start in an interesting state so the demo shows something.
    let roll = rng.range(0, 99);
    if roll < 3 {
        app.health = Health::Degraded;
        let tmpl = DEGRADED_MESSAGES[rng.range(0, DEGRADED_MESSAGES.len() as u64 - 1) as usize];
        app.health_msg = Some(degraded_message(tmpl, &svc.name, key));
        app.health_since_ms = now_ms - rng.range(60, 3600) as i64 * 1000;
    } else if roll < 6 && !auto_sync {
        // A promotion already landed in git but nobody synced prod yet.
        app.head_ver = live.bump(false);
        app.head_rev = mix(key ^ 0xfeed);
    } else if roll < 8 {
        app.conditions.push((
            "OrphanedResourceWarning",
            "Application has 1 orphaned resources".to_string(),
            now_ms - 7_200_000,
        ));
    }
    app
}

/// Fill `{svc}` / `{pod}` in a degraded-message template.
pub fn degraded_message(tmpl: &str, svc: &str, key: u64) -> String {
    let pod = format!("{svc}-{}-{}", crate::rng::k8s_suffix(key, 10), crate::rng::k8s_suffix(key ^ 1, 5));
    tmpl.replace("{svc}", svc).replace("{pod}", &pod)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_realistic() {
        let s = services(2000, 3);
        let mut names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(s[0].name, "payment-service");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 2000);
    }

    #[test]
    fn earlier_envs_are_never_behind() {
        for svc in services(200, 9) {
            let dev = env_version(&svc, 0, 3);
            let stg = env_version(&svc, 1, 3);
            let prod = env_version(&svc, 2, 3);
            assert!(dev >= stg && stg >= prod, "{}: {dev:?} {stg:?} {prod:?}", svc.name);
        }
    }
}
