//! Crash test: real `flightdeck audit-stress` processes append acknowledged records (the ack is
//! printed only after write + fsync) and are killed with SIGKILL at random points, two at a
//! time on one log. After every round the chain must verify after repair; at the end every
//! acknowledged record must be present exactly once, and the figures are printed: records
//! written, processes killed, records lost and duplicated (both must be zero). The 1,000-kill
//! torture is `cargo test --release --test audit_crash -- --ignored`.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use flightdeck::audit::{self, Audit};

const WRITERS_PER_ROUND: u64 = 2;

#[test]
fn killed_writers_lose_no_acknowledged_record() {
    torture(25);
}

#[test]
#[ignore = "the 1,000-kill torture, run by hand"]
fn a_thousand_kills_lose_and_duplicate_no_trail_record() {
    torture(500);
}

fn torture(rounds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_flightdeck");
    let mut rng = common::Rng(0x5eed_1234_abcd_0001);
    let mut acked: HashSet<String> = HashSet::new();
    let mut killed = 0u64;
    let mut repairs = 0u64;
    for round in 0..rounds {
        let mut children = Vec::new();
        for w in 0..WRITERS_PER_ROUND {
            let child = Command::new(bin)
                .args(["audit-stress", "--dir"])
                .arg(dir.path())
                .args(["--tag", &format!("r{round}w{w}"), "--count", "100000"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn flightdeck audit-stress");
            children.push(child);
        }
        // Let each writer get a random number of records acknowledged, then kill it while it
        // keeps writing: the kill lands at an arbitrary point of its loop.
        for mut child in children {
            let want = 1 + rng.next() % 40;
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let mut got = 0;
            while got < want {
                let Some(Ok(line)) = lines.next() else { break };
                if let Some(id) = line.strip_prefix("ack ") {
                    acked.insert(id.to_string());
                    got += 1;
                } else if line.starts_with("repaired ") {
                    repairs += 1;
                }
            }
            child.kill().expect("SIGKILL");
            // Acks already printed before the kill count too.
            for line in lines.map_while(Result::ok) {
                if let Some(id) = line.strip_prefix("ack ") {
                    acked.insert(id.to_string());
                }
            }
            let status = child.wait().unwrap();
            assert!(status.code().is_none(), "the writer must have died of the signal: {status:?}");
            killed += 1;
        }
        // After every restart: repaired, the chain holds.
        let (_, repair) = Audit::open(dir.path()).unwrap();
        repairs += u64::from(repair.is_some());
        let v = audit::verify(dir.path()).unwrap();
        assert!(v.ok(), "round {round}: chain broken after repair: {:?}", v.broken);
    }
    let (_, final_repair) = Audit::open(dir.path()).unwrap();
    repairs += u64::from(final_repair.is_some());
    let v = audit::verify(dir.path()).unwrap();
    assert!(v.ok(), "chain broken after repair: {:?}", v.broken);
    let subjects: Vec<String> = audit::read_records(dir.path()).unwrap().into_iter().map(|r| r.entry.subject).collect();
    let present: HashSet<String> = subjects.iter().cloned().collect();
    let duplicated = subjects.len() - present.len();
    let lost: Vec<&String> = acked.iter().filter(|id| !present.contains(*id)).collect();
    println!(
        "audit crash test: records written {} (acknowledged {}), processes killed {killed}, torn tails repaired {repairs}, records lost {}, duplicated {duplicated}",
        v.records,
        acked.len(),
        lost.len()
    );
    assert_eq!(killed, rounds * WRITERS_PER_ROUND);
    assert_eq!(duplicated, 0, "records written twice");
    assert!(acked.len() as u64 >= killed, "every writer acknowledged at least one record");
    assert!(lost.is_empty(), "acknowledged records lost: {lost:?}");
}
