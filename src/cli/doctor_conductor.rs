//! `doctor`'s engine rows: which engine keeps requests, decisions and runs; for Conductor,
//! the server reachable, the application key accepted (a token exchanged at `/api/token`,
//! never shown), and Flightdeck's workflow and task definitions present and current.

use super::{Check, Status};
use crate::client::conductor::{defs, ConductorClient};
use crate::config::{Config, EngineKind};
use crate::domain::ErrorKind;

pub(super) async fn checks(cfg: &Config) -> Vec<Check> {
    let settings = match (cfg.engine, &cfg.conductor) {
        (EngineKind::Embedded, _) => {
            return vec![Check::ok("engine", "embedded: requests and runs on the GitOps remote's ledger")]
        }
        (EngineKind::Conductor, None) => {
            return vec![Check::fail("engine", "Conductor, but no [conductor] section", "set [conductor] url")]
        }
        (EngineKind::Conductor, Some(s)) => s,
    };
    let mut out = vec![Check::ok("engine", format!("Conductor at {}", settings.api_url()))];
    let client = match crate::session::app_key(settings).and_then(|k| ConductorClient::new(settings, k)) {
        Ok(c) => c,
        Err(f) => {
            out.push(Check::fail("conductor auth", f.message, f.hint.unwrap_or_default()));
            return out;
        }
    };
    let problems = match defs::problems(&client).await {
        Ok(p) => p,
        Err(f) => {
            let (row, advice) = match f.kind {
                ErrorKind::Unauthorized | ErrorKind::Forbidden => {
                    ("conductor auth", "check [conductor] key_id and its secret")
                }
                _ => ("conductor reachable", "check [conductor] url and that the server runs"),
            };
            out.push(Check::fail(row, f.message, f.hint.unwrap_or_else(|| advice.into())));
            return out;
        }
    };
    out.push(Check::ok("conductor reachable", client.api_url().to_string()));
    let auth = match &settings.key_id {
        Some(id) => format!("application key {id}: token accepted"),
        None => "no application key (a server without auth)".into(),
    };
    out.push(Check::ok("conductor auth", auth));
    if problems.is_empty() {
        let n = defs::WORKFLOWS.len();
        out.push(Check::ok(
            "conductor definitions",
            format!("{n} workflows and {} task types current", defs::TASK_TYPES.len()),
        ));
    } else {
        out.push(Check {
            name: "conductor definitions".into(),
            status: Status::Fail,
            detail: crate::domain::sanitize::clean(&problems.join("; ")),
            advice: Some("run `flightdeck conductor install` (it shows what it changes)".into()),
        });
    }
    out
}
