//! THE async layer: every call to Argo CD goes through here. Typed errors with a kind the UI
//! branches on; the executor turns `Effect`s into requests and answers with `Msg`s.
//!
//! `argocd` is the request core (auth, TLS, retries, tracing), `apps` the endpoints,
//! `stream` + `framing` the watch stream, `watch` the per-instance supervisor, `actions` the
//! one implementation of every action (console and headless), `executor` the effect runner.

pub mod actions;
pub mod approvals;
pub mod apps;
pub mod argocd;
pub mod backoff;
pub mod credentials;
pub mod diff;
pub mod error;
pub mod executor;
pub mod follow;
pub mod framing;
pub mod git_credentials;
pub mod promote;
pub mod promote_flow;
pub mod request_payload;
pub mod stream;
pub mod tree;
pub mod vault;
pub mod vault_error;
pub mod watch;
pub mod wire;

pub use actions::{run_action, run_action_with, RunOptions, StepReport, FOLLOW_TIMEOUT};
pub use apps::{Refresh, ResourceRef, SyncOpts};
pub use argocd::ArgoClient;
pub use error::ClientError;
pub use executor::Executor;
pub use watch::{supervise, WatchOptions};
