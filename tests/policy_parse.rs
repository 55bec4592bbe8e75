//! policy.toml checks: every mistake names the file, the line and what to do.

use std::path::Path;

use flightdeck::domain::policy::{self, ActionKind, Principal};

fn err(text: &str) -> String {
    policy::parse(text, Path::new("policy.toml")).unwrap_err().to_string()
}

#[test]
fn the_example_parses_with_defaults_applied() {
    let p = policy::parse(policy::EXAMPLE, Path::new("x")).unwrap();
    assert_eq!(p.environments, ["dev", "staging", "prod"]);
    let prod = p.env("prod").unwrap();
    let promote = prod.rules(ActionKind::Promote).unwrap();
    assert_eq!(promote.approvals, 2);
    assert_eq!(promote.approvers, vec![Principal::Group("release-managers".into())]);
    assert!(!promote.self_approve && promote.require_ticket && promote.require_reason);
    // Inherited from [env.prod]: one approval for a sync.
    assert_eq!(prod.rules(ActionKind::Sync).unwrap().approvals, 1);
    assert_eq!(prod.rules(ActionKind::Rollback).unwrap().emergency, vec![Principal::Group("sre".into())]);
    assert_eq!(prod.freezes.len(), 2);
    assert_eq!(p.env("dev").unwrap().rules(ActionKind::Scale).unwrap().approvals, 0);
}

#[test]
fn a_typo_in_a_key_names_the_line_and_the_key_meant() {
    let e = err("environments = [\"dev\"]\n[env.dev]\napprovels = 1\n");
    assert!(e.starts_with("policy.toml:3:"), "{e}");
    assert!(e.contains("approvels"), "{e}");
}

#[test]
fn a_bad_principal_names_its_line() {
    let e = err("environments = [\"dev\"]\n[env.dev]\nrequesters = [\"developers\"]\n");
    assert!(e.starts_with("policy.toml:3:"), "{e}");
    assert!(e.contains("\"developers\" names nobody") && e.contains("group:NAME"), "{e}");
}

#[test]
fn an_env_not_in_the_pipeline_is_refused() {
    let e = err("environments = [\"dev\", \"prod\"]\n\n[env.qa]\napprovals = 1\n");
    assert!(e.starts_with("policy.toml:3:") || e.starts_with("policy.toml:4:"), "{e}");
    assert!(e.contains("[env.qa] is not in `environments`"), "{e}");
}

#[test]
fn bad_freeze_patterns_and_ranges_are_refused() {
    let e = err("environments = [\"prod\"]\n[[env.prod.freeze]]\nname = \"x\"\ncron = [\"* 25 * * *\"]\n");
    assert!(e.starts_with("policy.toml:4:") && e.contains("hour: 25 is outside 0-23"), "{e}");
    let e = err(
        "environments = [\"prod\"]\n[[env.prod.freeze]]\nname = \"x\"\nfrom = \"2025-02-01\"\nuntil = \"2025-01-01\"\n",
    );
    assert!(e.contains("ends before it starts"), "{e}");
    let e = err("environments = [\"prod\"]\n[[env.prod.freeze]]\nname = \"never\"\n");
    assert!(e.contains("never applies"), "{e}");
}

#[test]
fn approvals_without_approvers_are_refused() {
    let e = err("environments = [\"prod\"]\n[env.prod]\napprovals = 2\napprovers = []\n");
    assert!(e.contains("needs 2 approvals but names no approvers"), "{e}");
}

#[test]
fn a_utc_offset_out_of_range_is_an_error_not_an_overflow() {
    let base = policy::EXAMPLE.replace("utc_offset = \"+00:00\"", "utc_offset = \"OFFSET\"");
    assert!(base.contains("OFFSET"), "the example has a utc_offset to replace");
    for bad in ["+268456207:00", "+24:00", "-05:60", "+1:-5"] {
        let e = err(&base.replace("OFFSET", bad));
        assert!(e.contains("policy.toml") && e.contains("utc_offset"), "{bad}: {e}");
    }
    assert!(policy::parse(&base.replace("OFFSET", "-05:30"), Path::new("p")).is_ok());
}
