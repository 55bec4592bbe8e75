//! Where requests, decisions and runs live, on the I/O side: the embedded engine (the
//! approvals ledger on a Git ref of the GitOps remote: [`ledger`] is its git store,
//! [`embedded`] the `engine::Engine` it implements), and [`governance`], the one path the
//! console's executor and every headless command call (policy, requests, decisions, the
//! trail).

pub mod conductor;
pub mod conductor_run;
mod decisions;
pub mod embedded;
pub mod governance;
pub mod ledger;

pub use governance::Governance;

pub use ledger::{describe_status, Ledger, LedgerError, Signing, DEFAULT_REF, MAX_ATTEMPTS};
