//! The audit chain: records link by SHA-256, verify names the record that was changed, a torn
//! tail is repaired on open, and two writers on one file extend one chain.

use std::io::Write;

use chrono::{TimeZone, Utc};
use flightdeck::audit::{self, Audit, Entry};

fn entry(i: u64) -> Entry {
    Entry {
        at: Utc.with_ymd_and_hms(2025, 6, 4, 12, 0, 0).unwrap() + chrono::Duration::seconds(i as i64),
        actor: "alice".into(),
        event: "action".into(),
        subject: format!("sync svc-{i}/prod"),
        detail: String::new(),
        ..Entry::default()
    }
}

fn write_n(dir: &std::path::Path, n: u64) {
    let (mut log, repair) = Audit::open(dir).unwrap();
    assert_eq!(repair, None);
    for i in 0..n {
        log.append(entry(i)).unwrap();
    }
}

#[test]
fn records_chain_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    write_n(dir.path(), 5);
    let v = audit::verify(dir.path()).unwrap();
    assert_eq!((v.records, v.ok()), (5, true));
    let recs = audit::read_records(dir.path()).unwrap();
    assert_eq!(recs.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(recs[0].prev, audit::GENESIS);
    let raw = std::fs::read_to_string(dir.path().join(audit::FILE_NAME)).unwrap();
    let first = raw.lines().next().unwrap();
    assert_eq!(recs[1].prev, audit::sha256_hex(first.as_bytes()));
    // Reopening continues the chain.
    let (mut log, _) = Audit::open(dir.path()).unwrap();
    assert_eq!(log.append(entry(9)).unwrap().seq, 6);
    assert!(audit::verify(dir.path()).unwrap().ok());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(audit::FILE_NAME)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_tampered_record_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_n(dir.path(), 6);
    let path = dir.path().join(audit::FILE_NAME);
    let raw = std::fs::read_to_string(&path).unwrap();
    // Change who did record 3: valid JSON, same seq, different actor.
    let tampered: Vec<String> = raw
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 2 { l.replace("\"alice\"", "\"mallory\"") } else { l.to_string() })
        .collect();
    std::fs::write(&path, tampered.join("\n") + "\n").unwrap();
    let v = audit::verify(dir.path()).unwrap();
    let (line, what) = v.broken.clone().expect("tamper detected");
    assert_eq!(line, 3, "{what}");
    assert!(what.contains("record 3 was changed"), "{what}");
    assert_eq!(v.records, 2);
}

#[test]
fn a_removed_record_and_a_garbled_line_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write_n(dir.path(), 4);
    let path = dir.path().join(audit::FILE_NAME);
    let raw = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = raw.lines().collect();
    lines.remove(1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert_eq!(audit::verify(dir.path()).unwrap().broken.unwrap().0, 1);

    let dir = tempfile::tempdir().unwrap();
    write_n(dir.path(), 3);
    let path = dir.path().join(audit::FILE_NAME);
    let raw = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, raw.replacen("{\"seq\":2", "{\"seq\":2,,", 1)).unwrap();
    let (line, what) = audit::verify(dir.path()).unwrap().broken.unwrap();
    assert_eq!(line, 2);
    assert!(what.contains("not a valid record"), "{what}");
}

#[test]
fn a_torn_tail_is_repaired_on_open_and_the_chain_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write_n(dir.path(), 3);
    let path = dir.path().join(audit::FILE_NAME);
    let before = std::fs::metadata(&path).unwrap().len();
    let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(b"{\"seq\":4,\"at\":\"2025-").unwrap();
    drop(f);
    let (mut log, repair) = Audit::open(dir.path()).unwrap();
    assert_eq!(repair.unwrap().removed_bytes, 20);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), before);
    assert_eq!(log.append(entry(4)).unwrap().seq, 4);
    let v = audit::verify(dir.path()).unwrap();
    assert_eq!((v.records, v.ok()), (4, true));
}

#[test]
fn two_writers_on_one_file_extend_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = Audit::open(dir.path()).unwrap();
    let (mut b, _) = Audit::open(dir.path()).unwrap();
    let d = dir.path().to_path_buf();
    let t = std::thread::spawn(move || {
        let (mut c, _) = Audit::open(&d).unwrap();
        for i in 0..50 {
            c.append(entry(1000 + i)).unwrap();
        }
    });
    for i in 0..50 {
        a.append(entry(i)).unwrap();
        b.append(entry(500 + i)).unwrap();
    }
    t.join().unwrap();
    let v = audit::verify(dir.path()).unwrap();
    assert_eq!((v.records, v.ok()), (150, true), "{:?}", v.broken);
}
