//! File logging: `flightdeck.log` in the platform state directory (never stdout/stderr, which
//! belong to the terminal UI), non-blocking through `tracing-appender`; level from
//! `FLIGHTDECK_LOG` (an `EnvFilter`, default `info`). Hold the guard until the terminal is
//! restored so the last lines are flushed. Secrets are redacted by `config::Secret`'s `Debug`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The log file's name inside the log directory.
pub const LOG_FILE: &str = "flightdeck.log";

/// The default log directory: the platform state dir, else the local data dir.
pub fn default_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("dev", "flightdeck", "flightdeck")?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf())
}

/// Start logging to `<dir>/flightdeck.log` (`dir` defaults to [`default_dir`]). Returns the
/// guard that flushes on drop and the log file's path (to tell the user where to look).
pub fn init(dir: Option<PathBuf>) -> anyhow::Result<(WorkerGuard, PathBuf)> {
    let dir = match dir {
        Some(d) => d,
        None => default_dir().context("no home directory: cannot place the log file")?,
    };
    create_private_dir(&dir).with_context(|| format!("cannot create the log directory {}", dir.display()))?;
    let path = dir.join(LOG_FILE);
    create_private_file(&path).with_context(|| format!("cannot create the log file {}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, LOG_FILE));
    let filter = EnvFilter::try_from_env("FLIGHTDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))?;
    Ok((guard, path))
}

/// Logs may name servers and users: keep the directory to its owner (0700).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Create the file 0600 before the appender opens it (it would use the umask otherwise).
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map(drop)
}
