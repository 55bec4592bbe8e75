//! The policy is read from the GitOps repository: when that repository cannot be read, every
//! gated action must be refused (fail closed), never treated as "no policy, run anything".

use flightdeck::client::engine::embedded::load_policy;
use flightdeck::client::engine::{Ledger, DEFAULT_REF};
use flightdeck::client::git::Git;

fn git() -> Git {
    Git::new().with_timeout(std::time::Duration::from_secs(60))
}

#[test]
fn an_unreadable_repository_is_an_error_not_an_open_policy() {
    let remote = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    git().run(remote.path(), &["init", "-q", "--bare", "-b", "main", "."]).unwrap();
    let url = format!("file://{}", remote.path().display());
    let ledger = Ledger::open(git(), &url, cache.path(), DEFAULT_REF).unwrap();
    // An empty repository simply has no policy file: that is the documented open policy.
    assert!(load_policy(&ledger, "policy.toml").is_ok());
    // The repository goes away (moved, permissions, network): refuse, do not open up.
    std::fs::remove_dir_all(remote.path()).unwrap();
    let err = load_policy(&ledger, "policy.toml").expect_err("must fail closed");
    assert!(err.message.contains("git"), "{err:?}");
}
