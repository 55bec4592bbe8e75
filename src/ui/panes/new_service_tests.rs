//! Snapshots of the `:new-service` form at 120×40 and 80×24: the fields with the cursor on
//! the focused one, then the new files as a diff once planned.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use crate::domain::model::{Dialog, DialogKind, LineInput, Mode};
use crate::domain::new_service::{FormField, NewServiceForm};
use crate::domain::*;
use crate::ui::fixture::{self, fixture_model};
use crate::ui::{draw, Ui};

fn render(model: &Model, ui: &Ui, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| draw(f, model, ui)).unwrap();
    terminal
}

fn form_model(plan: Loadable<Vec<DiffLine>>) -> Model {
    let mut m = fixture_model();
    let f = NewServiceForm {
        name: LineInput { text: "billing".into() },
        team: LineInput { text: "backend".into() },
        template: LineInput { text: "web".into() },
        ticket: LineInput { text: "CHG-7".into() },
        focus: FormField::Reason,
        envs: vec!["dev".into(), "staging".into(), "prod".into()],
        plan,
        ..NewServiceForm::default()
    };
    m.mode = Mode::Dialog(Box::new(Dialog {
        kind: DialogKind::NewService(Box::new(f)),
        target: AppKey::default(),
        service: String::new(),
        env: "prod".into(),
        require_typed: None,
        typed: LineInput::default(),
        error: None,
        auto_sync: false,
        typing: false,
        gate: Default::default(),
    }));
    m
}

fn diff() -> Vec<DiffLine> {
    let mut d = vec![
        DiffLine::Hunk("--- /dev/null".into()),
        DiffLine::Hunk("+++ b/apps/billing/overlays/dev/kustomization.yaml".into()),
    ];
    for l in [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "namespace: billing",
        "images:",
        "  - name: registry.example.com/backend/billing",
        "    newTag: v0.1.0",
    ] {
        d.push(DiffLine::Added(l.into()));
    }
    d
}

#[test]
fn new_service_form_before_and_after_its_plan() {
    let ui = fixture::ui();
    for (w, h) in [(120, 40), (80, 24)] {
        let t = render(&form_model(Loadable::NotAsked), &ui, w, h);
        let text = t.backend().to_string();
        assert!(text.contains("Create a service in DEV, STAGING, PROD"), "{text}");
        assert!(text.contains("name: billing") && text.contains("ticket: CHG-7"), "{text}");
        assert!(text.contains("enter checks the template"), "{text}");
        let t = render(&form_model(Loadable::Ready { value: diff(), at: fixture::now() }), &ui, w, h);
        insta::assert_snapshot!(format!("new_service_form_{w}x{h}"), t.backend());
        let text = t.backend().to_string();
        assert!(
            text.contains("new files") && text.contains("+++ b/apps/billing/overlays/dev/kustomization.yaml"),
            "{text}"
        );
    }
}
