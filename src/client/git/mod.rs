//! The Git backend: the system `git` runner ([`process`]), working clones kept in the platform
//! cache directory ([`clone`]), overlay edits (kustomize `images[]`, Helm values:
//! [`overlay`]; replica counts: [`replicas`]; requests and limits: [`resources`]; autoscaler bounds:
//! [`autoscale`]; a scale's files: [`scaling`]), the promotion commit itself ([`commit`]: plan = the exact diff before any
//! write; execute = commit with trailers, push, rebase and retry on a moved remote), the
//! promotion as Flightdeck runs it against an Application ([`promote`], [`promote_flow`]),
//! a new service's files from a template ([`create`]), and git's HTTPS credential
//! ([`credentials`]). Child processes are synchronous; async
//! callers go through `spawn_blocking`.

pub mod autoscale;
pub mod clone;
pub mod commit;
pub mod create;
pub mod credentials;
pub mod history;
pub mod overlay;
pub mod preview;
pub mod process;
pub mod promote;
pub mod promote_flow;
pub mod release;
pub mod replicas;
pub mod resources;
pub mod scaling;
mod yaml_lines;
mod yaml_set;

pub use process::{Git, GitError, GitFailure};
