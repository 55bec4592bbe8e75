//! The bodies of the fuzz targets: one per parser of outside input, shared by the libFuzzer
//! binaries (`fuzz_targets/*.rs`) and the corpus replay test (`tests/fuzz_replay.rs`). None
//! may panic, whatever the bytes; each also checks what must hold for any input: no control,
//! escape or bidi-override character survives into text that reaches the terminal, a stream
//! split anywhere frames the same messages, an edit applied twice changes nothing more.

#![allow(dead_code)]

use std::borrow::Cow;
use std::path::Path;

use flightdeck::client::argocd::framing::{FrameParser, Framing};
use flightdeck::client::argocd::wire::{App, ListSeed, WatchEnvelope};
use flightdeck::client::error::{ClientError, Ctx};
use flightdeck::client::git::overlay::{edit_helm_values, edit_kustomization, ImageRef};
use flightdeck::domain::mapping::Mapping;
use flightdeck::domain::policy::{self, ActionKind, Request};
use flightdeck::domain::sanitize::{clean, clean_multiline};
use flightdeck::domain::{Deployment, UserInfo};
use flightdeck::engine::records::{fold, parse_log, Record};
use flightdeck::ui::theme::{ColorDepth, Theme};

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name (the corpus folders carry these names).
pub const TARGETS: [(&str, Target); 10] = [
    ("wire", wire),
    ("framing", framing),
    ("config", config),
    ("keymap", keymap),
    ("theme", theme),
    ("policy", policy),
    ("overlay", overlay),
    ("ledger", ledger),
    ("trail", trail),
    ("sanitize", sanitize),
];

fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// What may never reach a terminal: C0/C1 controls (ESC, CSI, OSC, DCS, BEL… and so OSC 52
/// and every other sequence, which need their introducer) and the bidi overrides.
fn forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn assert_clean(s: &str, what: &str) {
    assert!(!s.chars().any(forbidden), "{what} holds a control character: {s:?}");
}

/// Server text through the sanitiser: nothing forbidden comes out, cleaning is idempotent,
/// and the multi-line form only keeps newlines.
pub fn sanitize(data: &[u8]) {
    let s = text(data);
    let out = clean(&s);
    assert_clean(&out, "clean");
    assert_eq!(clean(&out), out, "cleaning clean text changes it");
    for line in clean_multiline(&s).split('\n') {
        assert_clean(line, "clean_multiline");
    }
}

/// Every string of a deployment that the matrix or `status` prints.
fn check_deployment(d: &Deployment) {
    let mut texts = vec![&d.project, &d.service, &d.env, &d.revision, &d.repo_url, &d.path, &d.target_revision];
    texts.push(&d.dest_namespace);
    texts.extend(d.images.iter());
    texts.extend(d.team.iter());
    texts.extend(d.health_message.iter());
    for t in texts {
        assert_clean(t, "a deployment field");
    }
    assert_clean(&d.version(), "the version");
}

/// The application wire types: one app, a list (read item by item), a watch message, and an
/// error body; everything converted as the console would.
pub fn wire(data: &[u8]) {
    let mapping = Mapping::default();
    if let Ok(app) = serde_json::from_slice::<App>(data) {
        check_deployment(&app.to_deployment(0, &mapping, "prod"));
        let detail = app.to_detail();
        for h in &detail.history {
            assert_clean(&h.revision, "a history revision");
        }
    }
    let seed = ListSeed { instance: 1, mapping: &mapping, fallback_env: "dev" };
    if let Ok(list) = seed.parse(data) {
        for d in &list.deployments {
            check_deployment(d);
        }
    }
    if let Ok(env) = serde_json::from_slice::<WatchEnvelope>(data) {
        if let Some(r) = env.result {
            check_deployment(&r.application.to_deployment(2, &mapping, "staging"));
        }
    }
    let status = data.first().map_or(500, |b| 400 + u16::from(*b % 200));
    let failure = ClientError::from_body(status, data, Ctx::new("sync", Some("app"))).to_failure();
    assert_clean(&failure.message, "an error message");
}

/// The watch framings (NDJSON and SSE): byte 0 picks the framing and byte 1 the chunk size;
/// the rest, fed in those chunks, must give the messages it gives in one piece.
pub fn framing(data: &[u8]) {
    let [kind, step, body @ ..] = data else { return };
    let framing = if kind & 1 == 0 { Framing::Ndjson } else { Framing::Sse };
    let whole = FrameParser::new(framing).push(body).unwrap_or_default();
    let mut parser = FrameParser::new(framing);
    let mut pieces = Vec::new();
    for chunk in body.chunks(usize::from(*step % 31) + 1) {
        pieces.extend(parser.push(chunk).unwrap_or_default());
    }
    assert_eq!(pieces, whole, "chunking changed the messages");
    for m in &whole {
        if let Ok(env) = serde_json::from_str::<WatchEnvelope>(m) {
            if let Some(r) = env.result {
                check_deployment(&r.application.to_deployment(0, &Mapping::default(), "dev"));
            }
        }
    }
}

/// The config file. Nothing of the machine's is read: HOME and every variable are unset.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let env = |_: &str| None;
    match flightdeck::config::parse_str(text, Path::new("/nonexistent-fuzz/config.toml"), &env) {
        Ok(cfg) => {
            // What parses can be written back and parses again.
            let again = flightdeck::config::to_toml(&cfg);
            let _ = flightdeck::config::parse_str(&again, Path::new("/nonexistent-fuzz/again.toml"), &env);
        }
        Err(e) => drop(e.to_string()),
    }
}

/// Keymap files: a whole preset, and an overlay on the built-in keys.
pub fn keymap(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz-keymap.toml");
    if let Err(e) = flightdeck::config::keymap::parse_preset(text, path) {
        drop(e.to_string());
    }
    match flightdeck::config::keymap::apply_overlay(flightdeck::config::keymap::builtin(), text, path) {
        Ok(k) => drop(k.hints().count()),
        Err(e) => drop(e.to_string()),
    }
}

/// Theme files, at every colour depth.
pub fn theme(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for depth in [ColorDepth::TrueColor, ColorDepth::Ansi256, ColorDepth::Ansi16, ColorDepth::NoColor] {
        let _ = Theme::parse("fuzz-theme.toml", text, depth);
    }
}

/// The policy file; what parses is asked to decide every action in every environment.
pub fn policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match policy::parse(text, Path::new("policy.toml")) {
        Ok(p) => {
            let user = UserInfo { username: "fuzz".into(), groups: vec!["developers".into()] };
            let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
            for env in p.environments.iter().chain(std::iter::once(&"nowhere".to_string())) {
                for kind in ActionKind::ALL {
                    let req = Request::new(kind, env);
                    let _ = policy::decide(&p, &req, &user, now);
                    let _ = policy::may_approve(&p, &req, "someone", &user);
                }
            }
        }
        Err(e) => drop(e.to_string()),
    }
}

/// The overlay edit: the first line is the image (or, after `helm:`, the key path and tag),
/// the rest the YAML file. An edit that succeeds, applied again, has nothing left to do.
pub fn overlay(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (first, yaml) = text.split_once('\n').unwrap_or((text, ""));
    if let Some(spec) = first.strip_prefix("helm:") {
        let (key, tag) = spec.split_once(' ').unwrap_or((spec, "v2"));
        if let Ok(Some(out)) = edit_helm_values(yaml, key, tag) {
            assert!(matches!(edit_helm_values(&out, key, tag), Ok(None)), "helm edit is not idempotent: {out:?}");
        }
    } else if let Some(image) = ImageRef::parse(first) {
        if let Ok(Some(out)) = edit_kustomization(yaml, &image) {
            assert!(matches!(edit_kustomization(&out, &image), Ok(None)), "kustomize edit not idempotent: {out:?}");
        }
    }
}

/// Ledger records: git's log output of the ledger ref, and one record's JSON; folded into
/// request states and tallied as the console and the headless commands do.
pub fn ledger(data: &[u8]) {
    let s = text(data);
    let (mut records, _) = parse_log(&s);
    if let Ok(r) = serde_json::from_slice::<Record>(data) {
        records.push(r);
    }
    let user = UserInfo { username: "alice".into(), groups: vec!["release-managers".into()] };
    let open = policy::Policy::open();
    for state in fold(&records) {
        let _ = state.tally(&open);
        let _ = flightdeck::engine::view::pending(&state, &open, &user);
    }
}

/// Trail records: the audit log's bytes and its head file (after the first 0xFF byte),
/// verified as `audit verify` does; every line that parses is a record.
pub fn trail(data: &[u8]) {
    let (log, head) = match data.iter().position(|b| *b == 0xff) {
        Some(i) => (&data[..i], Some(text(&data[i + 1..]))),
        None => (data, None),
    };
    let v = flightdeck::audit::verify_bytes(log, head.as_deref());
    assert!(v.records <= log.iter().filter(|b| **b == b'\n').count() as u64, "counted more records than lines");
    for line in log.split(|b| *b == b'\n') {
        let _ = serde_json::from_slice::<flightdeck::audit::Record>(line);
    }
}
