//! Snapshots of the approvals pane at 120×40 and 80×24: beside the detail pane, focused with
//! the diff of the selection, a four-eyes refusal, and the comment editor.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::fixture::{approvals_model, ui};
use super::{draw, Ui};
use crate::domain::approvals::{CommentDraft, TextEditor};
use crate::domain::model::Mode;
use crate::domain::Model;

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn render(model: &Model, ui: &Ui, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| draw(f, model, ui)).unwrap();
    terminal.backend().to_string()
}

fn snap(name: &str, model: &Model) {
    let ui = ui();
    for (w, h) in SIZES {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| draw(f, model, &ui)).unwrap();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

#[test]
fn pending_requests_beside_the_detail_pane() {
    let m = approvals_model();
    snap("approvals_side", &m);
    let wide = render(&m, &ui(), 120, 40);
    assert!(wide.contains("Approvals (2)"));
    assert!(wide.contains("promote payment-service staging → prod"));
    assert!(wide.contains("dave · CHG-12345 · 12m ago · 1 of 2 ✓"), "{wide}");
    // Narrow: folded into the detail pane's rule, with the key that opens it.
    assert!(render(&m, &ui(), 80, 24).contains("approvals: 2 waiting (tab)"));
}

#[test]
fn focused_pane_shows_the_selection_diff() {
    let mut m = approvals_model();
    m.mode = Mode::Approvals;
    snap("approvals_focused", &m);
    for (w, h) in SIZES {
        let text = render(&m, &ui(), w, h);
        assert!(text.contains("> promote payment-service staging → prod"), "{w}x{h}\n{text}");
        assert!(text.contains("+    newTag: v1.2.0"), "{w}x{h}\n{text}");
        assert!(text.contains("a approve"), "{w}x{h}\n{text}");
        assert!(text.contains("1 of 2 ✓alice"), "{w}x{h}\n{text}");
    }
}

#[test]
fn four_eyes_refusal_is_explained_and_unverified_marked() {
    let mut m = approvals_model();
    m.mode = Mode::Approvals;
    m.approvals.selected = 1;
    snap("approvals_refusal", &m);
    let text = render(&m, &ui(), 120, 40);
    assert!(text.contains("you cannot approve: you asked for this rollback"), "{text}");
    assert!(text.contains("?bob"), "{text}");
    assert!(text.contains("? = unsigned or unverified approval"), "{text}");
}

#[test]
fn comment_editor_shows_lines_and_keys() {
    let mut m = approvals_model();
    m.mode = Mode::ApprovalComment(Box::new(CommentDraft {
        id: "req-1a2b3c4d5e".into(),
        approve: false,
        summary: "promote payment-service staging → prod (v1.2.0)".into(),
        editor: TextEditor {
            lines: vec!["not during the incident".into(), "retry after 14:00".into()],
            row: 1,
            col: 17,
        },
        error: Some("a rejection needs a comment saying why".into()),
    }));
    snap("approval_comment", &m);
    for (w, h) in SIZES {
        let text = render(&m, &ui(), w, h);
        assert!(text.contains("Reject req-1a2b3c4d5e"), "{w}x{h}\n{text}");
        assert!(text.contains("retry after 14:00"), "{w}x{h}\n{text}");
        assert!(text.contains("ctrl-s submit"), "{w}x{h}\n{text}");
    }
}

#[test]
fn unconfigured_and_failed_ledgers_say_so() {
    let mut m = approvals_model();
    m.approvals.engine = None;
    m.approvals.policy = crate::domain::approvals::PolicyState::RbacOnly;
    let text = render(&m, &ui(), 120, 40);
    assert!(text.contains("not configured"), "{text}");
    assert!(text.lines().next().is_some_and(|l| l.contains("no policy: RBAC only")), "the header says so: {text}");
    let wide = render(&m, &ui(), 160, 40);
    let header = wide.lines().next().unwrap_or_default();
    assert!(header.contains("no Flightdeck policy: Argo CD RBAC only"), "in full where it fits: {header}");
    let mut m = approvals_model();
    m.approvals
        .pending
        .finish(Err(crate::domain::Failure::new(crate::domain::ErrorKind::Unavailable, "remote hung up")), m.now);
    let text = render(&m, &ui(), 120, 40);
    assert!(text.contains("ledger unreachable: remote hung up"), "{text}");
    // The stale requests stay shown beside the error.
    assert!(text.contains("promote payment-service"), "{text}");
}

#[test]
fn the_view_shows_the_whole_request_wrapped_and_scrolls_a_long_diff() {
    let mut m = approvals_model();
    m.mode = Mode::Approvals;
    let mut reqs = super::fixture::pending_requests();
    reqs[0].reason =
        Some("fixes the refund rounding bug that double-charged customers paying in two currencies".into());
    for i in 0..30 {
        reqs[0].diff.push(format!("+    - name: sidecar-{i}"));
    }
    m.approvals.pending = crate::domain::Loadable::Ready { value: reqs, at: m.now };
    for (w, h) in SIZES {
        let text = render(&m, &ui(), w, h);
        assert!(text.contains("requested by dave"), "{w}x{h}\n{text}");
        assert!(text.contains("ticket CHG-12345"), "{w}x{h}\n{text}");
        assert!(text.contains("alice 5m ago: lgtm"), "{w}x{h}\n{text}");
        assert!(text.contains("-    newTag: v1.1.0") && text.contains("+    newTag: v1.2.0"), "{w}x{h}\n{text}");
        assert!(text.contains("double-charged"), "the reason is wrapped, not cut: {w}x{h}\n{text}");
        assert!(!text.contains("sidecar-29"), "{w}x{h}\n{text}");
    }
    m.approvals.scroll = 100;
    for (w, h) in SIZES {
        let text = render(&m, &ui(), w, h);
        assert!(text.contains("sidecar-29"), "scrolled to the end: {w}x{h}\n{text}");
    }
}

#[test]
fn the_side_pane_uses_the_width_there_is() {
    let m = approvals_model();
    let wide = render(&m, &ui(), 200, 50);
    let line = wide.lines().find(|l| l.contains("Approvals (2)")).unwrap();
    let at = line.find('┬').unwrap();
    assert!(line[at..].chars().count() > 60, "{line}");
}
