//! Pure types of the estate and the one [`Model`] the console renders.
//! No I/O crates here: the client layer fills these in, the update function changes them.

pub mod application;
pub mod approvals;
pub mod attention;
pub mod choices;
pub mod config_error;
pub mod delivery;
pub mod deployment;
pub mod detail;
pub mod duration;
pub mod failure;
pub mod filter;
pub mod loadable;
pub mod logs;
pub mod manifest;
pub mod mapping;
pub mod model;
pub mod new_service;
pub mod notify;
pub mod policy;
pub mod preview;
pub mod promotion;
pub mod read_only;
pub mod release;
pub mod run;
pub mod sanitize;
pub mod scale;
pub mod scale_form;
pub mod template;

pub use deployment::{AppKey, Deployment, Health, OpPhase, SyncStatus};
pub use detail::{
    AppDetail, Condition, DiffLine, HistoryEntry, KubeEvent, OperationInfo, ResourceDiff, ResourceStatus, ResourceTree,
    TreeNode,
};
pub use failure::{ErrorKind, Failure};
pub use loadable::Loadable;
pub use model::{ConnState, InstanceState, Model, ServiceRow, UserInfo};
pub use read_only::ReadOnly;
pub use run::{Action, Intent, Promotion, Run, RunContext, RunOutcome, Step, StepStatus, SyncPolicy};
