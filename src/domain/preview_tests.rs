//! Tests of preview naming, TTL limits, the metadata file and what is due for tear-down.

use chrono::{Duration, TimeZone, Utc};

use super::*;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0).single().unwrap_or_default()
}

fn preview(name: &str, expires: DateTime<Utc>) -> Preview {
    Preview {
        name: name.into(),
        service: "cart-service".into(),
        from: "dev".into(),
        owner: "dave".into(),
        created: at(9, 0),
        expires,
    }
}

#[test]
fn the_metadata_file_round_trips_and_escapes_quotes() {
    let mut p = preview("preview-dave-00ff", at(17, 0));
    p.owner = "d\"ave\\x\u{1b}".into();
    let text = p.to_toml();
    let back = Preview::parse("apps/x/preview.toml", &text);
    assert_eq!(back.map(|b| b.owner), Ok("d\"ave\\x".to_string()));
    assert!(text.contains("expires = \"2026-12-03T17:00:00Z\""), "{text}");
}

#[test]
fn a_broken_metadata_file_names_itself() {
    let err = Preview::parse("apps/x/overlays/preview-a/preview.toml", "name = 1\n");
    assert!(err.as_ref().is_err_and(|e| e.starts_with("apps/x/overlays/preview-a/preview.toml: ")), "{err:?}");
}

#[test]
fn names_are_dns_labels_from_the_owner() {
    assert_eq!(name_for(None, "Dave.Smith@corp", 0x1_2345).as_deref(), Ok("preview-dave-smith-corp-2345"));
    assert_eq!(name_for(Some("login-fix"), "dave", 1).as_deref(), Ok("preview-login-fix"));
    assert_eq!(name_for(Some("preview-x"), "dave", 1).as_deref(), Ok("preview-x"));
    assert!(name_for(Some("Bad_Name"), "dave", 1).is_err());
    assert!(name_for(None, "@@@", 7).is_ok_and(|n| n == "preview-anon-0007"));
}

#[test]
fn the_app_name_must_fit_kubernetes() {
    assert_eq!(app_name("cart", "preview-a").as_deref(), Ok("cart-preview-a"));
    let long = "s".repeat(50);
    assert!(app_name(&long, "preview-dave-0001").is_err_and(|e| e.contains("--name")));
}

#[test]
fn ttl_limits() {
    assert!(check_ttl(Duration::hours(4)).is_ok());
    assert!(check_ttl(Duration::zero()).is_err());
    assert!(check_ttl(Duration::days(8)).is_err_and(|e| e.contains("at most 7d0h")));
}

#[test]
fn due_are_the_expired_ones_oldest_first() {
    let ps = vec![preview("preview-b", at(12, 0)), preview("preview-a", at(10, 0)), preview("preview-c", at(18, 0))];
    let names: Vec<&str> = due(&ps, at(12, 0)).iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["preview-a", "preview-b"]);
    assert!(due(&ps, at(9, 59)).is_empty());
}

#[test]
fn remaining_reads_both_ways() {
    let p = preview("preview-a", at(12, 0));
    assert_eq!(p.remaining(at(8, 48)), "in 3h12m");
    assert_eq!(p.remaining(at(12, 5)), "expired 5m ago");
    assert_eq!(short(Duration::days(2) + Duration::hours(4)), "2d4h");
}

#[test]
fn a_request_is_decided_once_for_console_and_command() {
    let i = request("cart", "dev", "dave", None, None, Some("v2".into()), at(9, 0), 0xab);
    let i = i.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((i.name.as_str(), i.service.as_str(), i.from.as_str()), ("preview-dave-00ab", "cart", "dev"));
    let PreviewOp::Request { expires, created, tag, .. } = i.op else { panic!("{:?}", i.op) };
    assert_eq!((expires - created, tag.as_deref()), (DEFAULT_TTL, Some("v2")));
    let week = std::time::Duration::from_secs(8 * 86_400);
    assert!(request("cart", "dev", "dave", None, Some(week), None, at(9, 0), 1).is_err_and(|e| e.contains("at most")));
    assert!(request("cart", "preview-a", "dave", None, None, None, at(9, 0), 1)
        .is_err_and(|e| e.contains("preview itself")));
}
