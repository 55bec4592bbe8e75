//! THE async layer: every call to a backend goes through here, one folder per backend —
//! [`argocd`] (request core, endpoints, the watch stream and its supervisor), [`vault`],
//! [`git`] (the runner, overlays, the promotion commit, git's credential) and [`engine`]
//! (where requests, decisions and runs live). Typed errors with a kind the UI branches on.
//! [`actions`] is the one implementation of every action (console and headless; a release of
//! several services runs in `release_run`),
//! [`credentials`] resolves each instance's token, and [`executor`] turns the pure update's
//! `Effect`s into calls and their results into `Msg`s. [`verify`] runs an environment's
//! verification checks.

pub mod actions;
pub mod argocd;
pub mod backoff;
pub mod conductor;
pub mod create;
pub mod credentials;
pub mod delivery;
pub mod engine;
pub mod error;
pub mod executor;
pub mod git;
pub mod preview_run;
mod release_run;
pub mod vault;
pub mod verify;
pub mod writes;

pub use actions::{run_action, run_action_with, RunOptions, StepReport, FOLLOW_TIMEOUT};
pub use argocd::apps::{Refresh, ResourceRef, SyncOpts};
pub use argocd::watch::{supervise, WatchOptions};
pub use argocd::ArgoClient;
pub use error::ClientError;
pub use executor::Executor;
pub use writes::Writes;
