//! Snapshots of the promotion dialog at 120×40 and 80×24: the route, the versions moving, the
//! exact overlay diff, the policy's inputs and the typed name; plus the computing and refused
//! states and the diff colours.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::domain::model::{Dialog, DialogKind, LineInput, Mode};
use crate::domain::promotion::{PromoteDialog, PromoteField, PromotionPlan};
use crate::domain::*;
use crate::ui::fixture::{self, fixture_model, key, ui};
use crate::ui::{draw, Ui};

fn render(model: &Model, ui: &Ui, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| draw(f, model, ui)).unwrap();
    terminal
}

fn overlay_diff() -> Vec<DiffLine> {
    let path = "apps/payment-service/overlays/prod/kustomization.yaml";
    let mut d = vec![DiffLine::Hunk(format!("--- a/{path}")), DiffLine::Hunk(format!("+++ b/{path}"))];
    d.push(DiffLine::Hunk("@@ -1,9 +1,9 @@".into()));
    for l in ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:", "  - ../../base"] {
        d.push(DiffLine::Context(l.into()));
    }
    d.push(DiffLine::Context("images:".into()));
    d.push(DiffLine::Context("  - name: registry.example.com/shop/payment-service".into()));
    d.push(DiffLine::Removed("    newTag: v1.2.0".into()));
    d.push(DiffLine::Added("    newTag: v1.3.0".into()));
    d
}

/// Promote payment-service staging → prod: plan ready, the example policy (ticket, reason).
fn promote_model(plan: Loadable<PromotionPlan>) -> Model {
    let mut m = fixture_model();
    let p = PromoteDialog {
        from_env: "staging".into(),
        to_env: "prod".into(),
        intent: Default::default(),
        also: Vec::new(),
        source: key(fixture::SELECTED_SERVICE, 1),
        images: vec!["registry.example.com/shop/payment-service:v1.3.0".into()],
        target_version: "v1.2.0".into(),
        generation: 1,
        plan,
        scroll: 0,
        focus: PromoteField::Reason,
        ticket: LineInput { text: "CHG-12345".into() },
        reason: LineInput { text: "fixes the checkout timeout".into() },
        refusal: None,
        // The example policy asks a ticket and a reason to promote to prod.
        asks: (true, true),
    };
    m.mode = Mode::Dialog(Box::new(Dialog {
        kind: DialogKind::Promote(Box::new(p)),
        target: key(fixture::SELECTED_SERVICE, 2),
        service: fixture::SELECTED_SERVICE.into(),
        env: "prod".into(),
        require_typed: Some(fixture::SELECTED_SERVICE.into()),
        typed: LineInput::default(),
        error: None,
        auto_sync: false,
        typing: false,
        gate: Default::default(),
    }));
    m
}

fn ready() -> Loadable<PromotionPlan> {
    let plan = PromotionPlan {
        diff: overlay_diff(),
        repo_url: "https://git.example.com/platform/gitops.git".into(),
        path: "apps/payment-service/overlays/prod".into(),
        images: Vec::new(),
    };
    Loadable::Ready { value: plan, at: fixture::now() }
}

#[test]
fn promote_dialog_with_the_diff() {
    let m = promote_model(ready());
    let ui = ui();
    for (w, h) in [(120, 40), (80, 24)] {
        let t = render(&m, &ui, w, h);
        insta::assert_snapshot!(format!("promote_dialog_{w}x{h}"), t.backend());
        let text = t.backend().to_string();
        assert!(text.contains("Promote payment-service staging → PROD"), "{text}");
        assert!(text.contains("staging → prod: v1.3.0"));
        assert!(text.contains("- ") && text.contains("newTag: v1.2.0") && text.contains("newTag: v1.3.0"));
        assert!(text.contains("change ticket: CHG-12345"));
        assert!(text.contains("type payment-service to confirm"));
    }
}

#[test]
fn diff_lines_use_the_themes_diff_roles() {
    let m = promote_model(ready());
    let t = render(&m, &ui(), 120, 40);
    let buf = t.backend().buffer();
    // The colour of the cell where `needle` starts, on the row that has it.
    let fg_of = |needle: &str| {
        (0..40u16)
            .find_map(|y| {
                let row: Vec<String> = (0..120u16).map(|x| buf[(x, y)].symbol().to_string()).collect();
                let at = row.concat().find(needle)?;
                let col = row.concat()[..at].chars().count();
                Some(buf[(u16::try_from(col).unwrap(), y)].fg)
            })
            .unwrap()
    };
    let (added, removed) = (fg_of("newTag: v1.3.0"), fg_of("newTag: v1.2.0"));
    let context = fg_of("kind: Kustomization");
    assert_ne!(added, removed, "added and removed lines differ in colour");
    assert_ne!(added, context);
}
#[test]
fn a_release_names_every_service_and_what_each_moves() {
    let mut m = promote_model(ready());
    if let Mode::Dialog(d) = &mut m.mode {
        if let DialogKind::Promote(p) = &mut d.kind {
            p.also.push(crate::domain::release::ReleasePart {
                service: "checkout".into(),
                app: "checkout-prod".into(),
                namespace: "argocd".into(),
                images: vec!["registry.example.com/shop/checkout:v4.0.1".into()],
            });
        }
    }
    let text = render(&m, &ui(), 120, 40).backend().to_string();
    assert!(text.contains("Release payment-service, checkout staging → PROD"), "{text}");
    assert!(text.contains("payment-service v1.3.0, checkout v4.0.1"), "{text}");
}

#[test]
fn computing_and_refused_states() {
    let m = promote_model(Loadable::Loading { stale: None });
    let text = render(&m, &ui(), 80, 24).backend().to_string();
    assert!(text.contains("computing diff…"), "{text}");
    let refused = Failure::new(ErrorKind::Usage, "nothing to do: payment-service-prod already runs v1.3.0");
    let m = promote_model(Loadable::Failed { failure: refused, stale: None });
    let text = render(&m, &ui(), 80, 24).backend().to_string();
    assert!(text.contains("✖ nothing to do: payment-service-prod already runs v1.3.0"), "{text}");
    assert!(text.contains("nothing will be written"));
}

#[test]
fn a_long_diff_scrolls_inside_the_dialog_at_80x24() {
    let mut m = promote_model(ready());
    if let Mode::Dialog(d) = &mut m.mode {
        if let DialogKind::Promote(p) = &mut d.kind {
            if let Loadable::Ready { value, .. } = &mut p.plan {
                for i in 0..40 {
                    value.diff.push(DiffLine::Context(format!("filler {i}")));
                }
            }
            p.scroll = 10;
        }
    }
    let text = render(&m, &ui(), 80, 24).backend().to_string();
    assert!(text.contains("11–21/51 · j/k"), "{text}");
    assert!(!text.contains("--- a/apps"), "scrolled past the header: {text}");
    assert!(text.contains("enter confirm"), "the key line stays on screen: {text}");
}
