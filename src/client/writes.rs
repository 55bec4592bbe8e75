//! THE write check. Every path that changes something outside this process calls
//! [`Writes::check`] just before the change leaves: the Argo CD request core for every
//! request that writes (`argocd::ArgoClient::execute`), the git runner for every push
//! (`git::process::Git::run`, which promotions and the ledger both use), and the
//! governance path before any record reaches the engine (`engine::Governance`). A new
//! backend that writes (the Conductor client: starting workflows, completing HUMAN tasks,
//! worker task updates) must call it in its own request core the same way.
//!
//! In read-only mode the check refuses with the one refusal text (`domain::read_only`),
//! logs the refusal, and nothing is sent.

use crate::domain::{Failure, ReadOnly};

/// Whether writes may leave, and if not, why. Cheap to clone; the default allows writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Writes {
    read_only: Option<ReadOnly>,
}

impl Writes {
    /// Writes allowed.
    pub fn allowed() -> Self {
        Self::default()
    }

    /// Writes refused because of `cause`, or allowed when `None`.
    pub fn from_cause(cause: Option<ReadOnly>) -> Self {
        Self { read_only: cause }
    }

    /// What switched writes off, if anything did.
    pub fn read_only(&self) -> Option<&ReadOnly> {
        self.read_only.as_ref()
    }

    /// The one check: `Ok` when `what` may be sent, the read-only refusal otherwise.
    pub fn check(&self, what: &str) -> Result<(), Failure> {
        match &self.read_only {
            None => Ok(()),
            Some(cause) => {
                tracing::info!(what, cause = %cause.cause(), "read-only: write refused before it was sent");
                Err(cause.refusal(what))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_refuses_and_the_default_allows() {
        assert!(Writes::allowed().check("sync").is_ok());
        let refused = Writes::from_cause(Some(ReadOnly::Env)).check("git push").unwrap_err();
        assert_eq!(refused.kind, crate::domain::ErrorKind::ReadOnly);
        assert!(refused.message.contains("FLIGHTDECK_READ_ONLY"), "{refused:?}");
    }
}
