//! `flightdeck env request|list|extend|down|reap`: the preview environments' command line.

use clap::Subcommand;

use super::args::{parse_duration, Justification, Output, Waiting};

/// What `env` does.
#[derive(Debug, Subcommand)]
pub enum EnvSub {
    /// Request a preview environment of SERVICE: its overlay copied from --from (with --tag
    /// instead of its version, if given) and an Application, torn down when --ttl passes.
    Request {
        /// Service name.
        #[arg(value_name = "SERVICE", value_hint = clap::ValueHint::Other)]
        service: String,
        /// The environment to copy (default: the first of the pipeline).
        #[arg(long, value_name = "ENV", value_hint = clap::ValueHint::Other)]
        from: Option<String>,
        /// Run this image tag instead of the source environment's.
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
        /// How long it lives (4h, 2d; default 8h, at most 7d).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        ttl: Option<std::time::Duration>,
        /// Its name (made `preview-NAME`; default `preview-YOU-XXXX`).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[command(flatten)]
        wait: Waiting,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        out: Output,
    },
    /// List the preview environments: owner, expiry, and how their Applications are doing.
    List {
        /// Only this service's.
        #[arg(long, value_name = "SERVICE", value_hint = clap::ValueHint::Other)]
        service: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// Give a preview environment more time: it expires DURATION from now.
    Extend {
        /// The preview's name, as `env list` shows it.
        #[arg(value_name = "NAME")]
        name: String,
        /// How long from now (4h, 1d; at most 7d).
        #[arg(long = "by", value_name = "DURATION", value_parser = parse_duration)]
        by: std::time::Duration,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        out: Output,
    },
    /// Tear a preview environment down now: its overlay removed in Git, its Application deleted.
    Down {
        /// The preview's name, as `env list` shows it.
        #[arg(value_name = "NAME")]
        name: String,
        #[command(flatten)]
        why: Justification,
        #[command(flatten)]
        out: Output,
    },
    /// Tear down every preview environment whose TTL has passed (run it from cron, or leave
    /// `--watch` running); each tear-down is recorded in the trail.
    Reap {
        /// Keep running: look again every interval (default 1m).
        #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "1m", value_parser = parse_duration)]
        watch: Option<std::time::Duration>,
        /// Say what would be torn down, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}
