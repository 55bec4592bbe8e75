//! Where requests, decisions and runs live, on the I/O side: the embedded engine (the
//! approvals ledger on a Git ref of the GitOps remote: [`ledger`] is its git store,
//! [`embedded`] the operations the console and the headless commands call).

pub mod embedded;
pub mod ledger;

pub use ledger::{describe_status, Ledger, LedgerError, Signing, DEFAULT_REF, MAX_ATTEMPTS};
