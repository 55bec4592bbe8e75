//! Crash test of the shared ledger: real `flightdeck ledger-stress` processes append trail
//! records to a ledger ref (the ack is printed only after the push returned) and are killed
//! with SIGKILL at random points — often while their git push is on its way. After every kill
//! the ref's history is whole (every commit a record, none twice); at the end every
//! acknowledged record is there exactly once and `git fsck` finds nothing. Figures printed:
//! records written, processes killed, records lost and duplicated (both must be zero). The
//! 1,000-kill torture is `cargo test --release --test ledger_crash -- --ignored`.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use flightdeck::engine::records::parse_log;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").arg("--git-dir").arg(dir).args(args).output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The subjects of the trail records on the remote's ref, oldest first; every commit must
/// be a record.
fn subjects(remote: &Path) -> Vec<String> {
    let has_ref = Command::new("git")
        .arg("--git-dir")
        .arg(remote)
        .args(["rev-parse", "-q", "--verify", "refs/flightdeck/trail"])
        .output()
        .expect("git")
        .status
        .success();
    if !has_ref {
        return Vec::new();
    }
    let log = git(remote, &["log", "--reverse", "--format=%H%x1f%G?%x1f%B%x1e", "refs/flightdeck/trail"]);
    let (records, skipped) = parse_log(&log);
    assert!(skipped.is_empty(), "commits that are not records: {skipped:?}");
    records.into_iter().filter_map(|r| r.trail).map(|t| t.subject).collect()
}

#[test]
fn killed_ledger_writers_lose_and_duplicate_no_record() {
    torture(20);
}

#[test]
#[ignore = "the 1,000-kill torture, run by hand"]
fn a_thousand_kills_lose_and_duplicate_no_ledger_record() {
    torture(1000);
}

fn torture(kills: u64) {
    let tmp = tempfile::tempdir().expect("tmp");
    let remote = tmp.path().join("gitops.git");
    let status = Command::new("git").args(["init", "-q", "--bare"]).arg(&remote).status().expect("git init");
    assert!(status.success());
    let cache = tmp.path().join("cache");
    let bin = env!("CARGO_BIN_EXE_flightdeck");
    let mut rng = common::Rng(0x1ed9_e5c4_a5e0_0002);
    let mut acked: HashSet<String> = HashSet::new();
    for round in 0..kills {
        let mut child = Command::new(bin)
            .args(["ledger-stress", "--remote"])
            .arg(&remote)
            .arg("--cache")
            .arg(&cache)
            .args(["--tag", &format!("r{round}"), "--count", "100000"])
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn flightdeck ledger-stress");
        // Let it get a few records acknowledged, then kill it while it keeps writing: the kill
        // lands anywhere in its loop, a push in flight included.
        let want = 1 + rng.next() % 3;
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut got = 0;
        while got < want {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(id) = line.strip_prefix("ack ") {
                acked.insert(id.to_string());
                got += 1;
            }
        }
        child.kill().expect("SIGKILL");
        for line in lines.map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("ack ") {
                acked.insert(id.to_string());
            }
        }
        let status = child.wait().expect("wait");
        assert!(status.code().is_none(), "the writer must have died of the signal: {status:?}");
        assert!(got > 0, "round {round}: the restarted writer appended again");
        // After every kill: the history is whole, nothing twice.
        let now = subjects(&remote);
        let unique: HashSet<&String> = now.iter().collect();
        assert_eq!(unique.len(), now.len(), "round {round}: a record landed twice");
    }
    // A push the kill left running finishes on its own; its record may land, once.
    let all = subjects(&remote);
    let present: HashSet<&String> = all.iter().collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !present.contains(id)).collect();
    let duplicated = all.len() - present.len();
    git(&remote, &["fsck", "--strict", "--no-progress"]);
    println!(
        "ledger crash test: records written {} (acknowledged {}), processes killed {kills}, records lost {}, duplicated {duplicated}",
        all.len(),
        acked.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged records lost: {lost:?}");
    assert_eq!(duplicated, 0);
}
