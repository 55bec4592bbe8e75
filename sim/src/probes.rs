//! Verification probes that pass or fail on purpose: `GET /probe/{env}/{service}` answers 200
//! "ok" unless a test (or the demo) set another status for that deployment with
//! [`crate::Sim::set_probe`]. No Argo CD contract here: this stands for the service's own
//! health endpoint that a Flightdeck verification check (`http = …`) probes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

/// The status each deployment's probe answers (absent = 200).
#[derive(Default)]
pub struct Probes {
    status: Mutex<HashMap<(String, String), u16>>,
}

impl Probes {
    /// `env`/`service`'s probe answers `status` from now on.
    pub fn set(&self, env: &str, service: &str, status: u16) {
        lock(&self.status).insert((env.to_string(), service.to_string()), status);
    }

    fn status(&self, env: &str, service: &str) -> u16 {
        lock(&self.status).get(&(env.to_string(), service.to_string())).copied().unwrap_or(200)
    }
}

/// The `/probe` routes.
pub fn router(probes: Arc<Probes>) -> Router {
    Router::new().route("/probe/{env}/{service}", get(answer)).with_state(probes)
}

async fn answer(State(p): State<Arc<Probes>>, Path((env, service)): Path<(String, String)>) -> (StatusCode, String) {
    let status = StatusCode::from_u16(p.status(&env, &service)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if status.is_success() { "ok".to_string() } else { format!("{service} in {env} fails on purpose") };
    (status, body)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_probe_answers_200_until_told_otherwise() {
        let p = super::Probes::default();
        assert_eq!(p.status("staging", "alpha"), 200);
        p.set("staging", "alpha", 503);
        assert_eq!((p.status("staging", "alpha"), p.status("prod", "alpha")), (503, 200));
    }
}
