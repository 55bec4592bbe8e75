//! GitOps side of promotion: the system `git` runner, working clones kept in the platform
//! cache directory, overlay edits (kustomize `images[]`, Helm values), and the promotion
//! itself (plan = the exact diff before any write; execute = commit with trailers, push,
//! rebase and retry on a moved remote). Synchronous code over child processes; the async
//! client layer calls it through `spawn_blocking`.

pub mod clone;
pub mod git;
pub mod overlay;
pub mod promote;
mod yaml_lines;
