//! Keymap presets and overlays: the built-in preset parses with the issue's keys and hint bar,
//! overlays prepend / append / unbind / replace, and bad overlays fail at file:line with a fix.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use flightdeck::app::{Command, Key, KeyCode, KeyContext};
use flightdeck::config::keymap::{apply_overlay, builtin, builtin_checked, load};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config").join(name)
}

fn key(s: &str) -> Key {
    Key::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn preset_has_the_issue_keys() {
    let k = builtin_checked().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(k, builtin());
    let expect = [
        ("j", Command::Down),
        ("down", Command::Down),
        ("k", Command::Up),
        ("up", Command::Up),
        ("h", Command::Left),
        ("left", Command::Left),
        ("l", Command::Right),
        ("right", Command::Right),
        ("enter", Command::Detail),
        ("/", Command::Filter),
        (":", Command::CommandLine),
        ("?", Command::Help),
        ("s", Command::Sync),
        ("r", Command::Rollback),
        ("S", Command::Scale),
        ("R", Command::Refresh),
        ("t", Command::Terminate),
        ("x", Command::Restart),
        ("P", Command::RolloutPromote),
        ("A", Command::RolloutAbort),
        ("d", Command::Diff),
        ("p", Command::Promote),
        ("q", Command::Quit),
        ("ctrl-z", Command::Suspend),
        ("U", Command::ResumeAutoSync),
        ("o", Command::ToggleSort),
        ("g", Command::Top),
        ("home", Command::Top),
        ("G", Command::Bottom),
        ("end", Command::Bottom),
        ("ctrl-d", Command::PageDown),
        ("pgdn", Command::PageDown),
        ("ctrl-u", Command::PageUp),
        ("pgup", Command::PageUp),
        ("esc", Command::Back),
    ];
    for (s, c) in expect {
        assert_eq!(k.lookup(key(s)), Some(c), "key {s}");
    }
    // Every command is bound somewhere, every binding is described, and no key is bound
    // twice in one context.
    for c in Command::ALL {
        let bound = KeyContext::ALL.iter().any(|ctx| !k.keys_in(*ctx, *c).is_empty());
        assert!(bound, "{c:?} unbound");
    }
    assert!(k.bindings.iter().all(|b| b.desc == b.command.desc()));
    for ctx in KeyContext::ALL {
        let all: Vec<Key> =
            k.bindings.iter().filter(|b| b.context == ctx).flat_map(|b| b.keys.iter().copied()).collect();
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len(), "a key is bound twice in {ctx:?}");
    }
}

#[test]
fn views_have_keys_of_their_own_and_the_normal_ones_fill_in() {
    let k = builtin();
    // x restarts in the matrix and rejects in the approvals view.
    assert_eq!(k.lookup(key("x")), Some(Command::Restart));
    assert_eq!(k.lookup_in(KeyContext::Approvals, key("x")), Some(Command::Reject));
    assert_eq!(k.lookup_in(KeyContext::Approvals, key("a")), Some(Command::Approve));
    assert_eq!(k.lookup_in(KeyContext::Approvals, key("w")), Some(Command::Withdraw));
    // Moving, back and quit come from the normal keys.
    assert_eq!(k.lookup_in(KeyContext::Approvals, key("j")), Some(Command::Down));
    assert_eq!(k.lookup_in(KeyContext::Approvals, key("esc")), Some(Command::Back));
    assert_eq!(k.lookup_in(KeyContext::Logs, key("q")), Some(Command::Quit));
    assert_eq!(k.lookup_in(KeyContext::Logs, key("f")), Some(Command::LogFollow));
    assert_eq!(k.key_name(KeyContext::Approvals, Command::Reject), "x");
    assert_eq!(k.key_name(KeyContext::Approvals, Command::Down), "j");
}

#[test]
fn approval_keys_are_remapped_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    std::fs::write(
        &path,
        "prepend_keymap = [{ on = [\"y\"], run = \"approve\", context = \"approvals\" }]\nunbind = [\"a\"]\n",
    )
    .unwrap();
    let k = load(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(k.lookup_in(KeyContext::Approvals, key("y")), Some(Command::Approve));
    assert_eq!(k.lookup_in(KeyContext::Approvals, key("a")), None);
    assert_eq!(k.lookup(key("y")), None, "only in the approvals view");
    // A context that does not exist is named with the line.
    std::fs::write(&path, "prepend_keymap = [{ on = [\"y\"], run = \"approve\", context = \"aprovals\" }]\n").unwrap();
    let e = load(Some(&path)).unwrap_err().to_string();
    assert!(e.contains("keys.toml:1") && e.contains("aprovals"), "{e}");
}

#[test]
fn hint_bar_order() {
    let hints: Vec<String> = builtin().hints().map(|b| format!("{} {}", b.keys[0], b.command.hint())).collect();
    assert_eq!(
        hints,
        [
            "s sync",
            "p promote",
            "r rollback",
            "S scale",
            "a approve",
            "! attention",
            "R refresh",
            "x restart",
            "d diff",
            "/ filter",
            ": command",
            "? help",
            "q quit"
        ]
    );
}

#[test]
fn overlay_prepends_appends_and_unbinds() {
    let k = load(Some(&fixture("keymap_overlay.toml"))).unwrap_or_else(|e| panic!("{e}"));
    // x is rebound by the prepended binding; restart lost its only key and is gone.
    assert_eq!(k.lookup(key("x")), Some(Command::Refresh));
    assert_eq!(k.bindings[0].desc, "Refresh (my x)");
    assert!(k.keys_for(Command::Restart).is_empty());
    assert_eq!(k.lookup(key("ctrl-z")), None);
    // The appended D comes after the preset's d; both run diff.
    assert_eq!(k.keys_for(Command::Diff), vec![key("d"), key("D")]);
    assert_eq!(k.lookup(key("j")), Some(Command::Down));
}

#[test]
fn overlay_replaces_everything() {
    let k = load(Some(&fixture("keymap_replace.toml"))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(k.bindings.len(), 2);
    assert_eq!(k.lookup(key("n")), Some(Command::Down));
    assert_eq!(k.lookup(key("j")), None);
    assert_eq!(k.hints().count(), 1);
}

#[test]
fn unbind_removes_a_key_from_a_multi_key_binding() {
    let k = apply_overlay(builtin(), "unbind = [\"j\"]\n", Path::new("o.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(k.keys_for(Command::Down), vec![Key::plain(KeyCode::Down)]);
}

#[test]
fn unknown_command_names_close_ones() {
    let p = fixture("keymap_bad_command.toml");
    let e = load(Some(&p)).expect_err("rollbak");
    assert_eq!((e.path.as_deref(), e.line), (Some(p.as_path()), Some(7)));
    assert!(e.what.contains("unknown command \"rollbak\""), "{e}");
    assert!(e.hint.contains("\"rollback\""), "{e}");
}

#[test]
fn bad_key_lists_the_accepted_forms() {
    let p = fixture("keymap_bad_key.toml");
    let e = load(Some(&p)).expect_err("hyper-x");
    assert_eq!(e.line, Some(2));
    assert!(e.what.contains("bad key \"hyper-x\""), "{e}");
    assert!(e.hint.contains("ctrl-") && e.hint.contains("pgdn"), "{e}");
}

#[test]
fn other_overlay_errors() {
    let p = Path::new("o.toml");
    let e = apply_overlay(builtin(), "[[prepend_keymap]]\non = []\nrun = \"quit\"\n", p).expect_err("no keys");
    assert_eq!(e.line, Some(2));
    let e = apply_overlay(builtin(), "bind = []\n", p).expect_err("unknown key");
    assert!(e.what.contains("unknown field `bind`"), "{e}");
    assert!(e.hint.contains("unbind"), "{e}");
    let e = load(Some(Path::new("/nonexistent/keymap.toml"))).expect_err("missing file");
    assert!(e.hint.contains("[ui] keymap"), "{e}");
}
