//! The names the completion scripts offer: services and environments seen by the last
//! listing (`status`, or any command that resolves a service), kept in the platform cache
//! directory (`~/.cache/flightdeck/names.json` on Linux). Completion reads this file and never
//! the network, so a TAB answers at once and works offline; the file holds names only.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::output::outln;
use crate::domain::Failure;

/// What the cache file holds.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    pub services: Vec<String>,
    pub envs: Vec<String>,
}

/// Where the cache lives: the platform cache dir.
fn path() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "flightdeck", "flightdeck").map(|d| d.cache_dir().join("names.json"))
}

/// The cached names (empty when there are none yet).
pub fn load() -> Names {
    path().and_then(|p| std::fs::read(p).ok()).and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// Keep `services` and `envs`: replacing what was there after a complete listing, adding to
/// it after a partial one (one environment's instances). A failure to write only costs
/// completion its names, so it is logged and otherwise ignored.
pub fn save(services: &[String], envs: &[String], complete: bool) {
    let Some(path) = path() else { return };
    let mut names = if complete { Names::default() } else { load() };
    for (have, new) in [(&mut names.services, services), (&mut names.envs, envs)] {
        for n in new {
            if !have.contains(n) {
                have.push(n.clone());
            }
        }
    }
    names.services.sort();
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(&names).map_err(std::io::Error::other)?)?;
        std::fs::rename(&tmp, &path)
    };
    if let Err(e) = write() {
        tracing::debug!(error = %e, path = %path.display(), "could not keep the names for completion");
    }
}

/// Hidden `flightdeck complete-names services|envs`: one name a line.
pub fn print(what: &str) -> Result<(), Failure> {
    let names = load();
    let list = match what {
        "services" => names.services,
        "envs" => names.envs,
        other => {
            let choices = ["services", "envs"].map(String::from);
            return Err(crate::domain::choices::unknown("name list", other, &choices));
        }
    };
    for n in list {
        outln!("{n}");
    }
    Ok(())
}
