//! THE async layer: every call to Argo CD goes through here. Typed errors with a kind the UI
//! branches on; the executor turns `Effect`s into requests and answers with `Msg`s.

pub mod actions;
pub mod argocd;
pub mod error;
pub mod executor;
pub mod wire;
pub mod watch;

