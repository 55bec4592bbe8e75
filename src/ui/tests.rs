//! Whole-screen snapshot tests on `TestBackend` at 120×40 and 80×24, for every pane and
//! mode, plus checks of colour handling, scrolling and the hint bar.

use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

use super::fixture::{self, fixture_model, key, ui, ui_no_color};
use super::{draw, Ui};
use crate::domain::model::{Dialog, DialogKind, Flash, LineInput, Mode};
use crate::domain::*;

pub(super) const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

pub(super) fn render(model: &Model, ui: &Ui, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| draw(f, model, ui)).unwrap();
    terminal
}

/// Snapshot the screen at both sizes.
pub(super) fn snap(name: &str, model: &Model) {
    let ui = ui();
    for (w, h) in SIZES {
        let terminal = render(model, &ui, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    }
}

pub(super) fn screen_text(model: &Model, ui: &Ui, w: u16, h: u16) -> String {
    render(model, ui, w, h).backend().to_string()
}

pub(super) fn dialog(kind: DialogKind) -> Dialog {
    Dialog {
        kind,
        target: key(fixture::SELECTED_SERVICE, 2),
        service: fixture::SELECTED_SERVICE.into(),
        env: "prod".into(),
        require_typed: None,
        typed: LineInput::default(),
        error: None,
        auto_sync: false,
        typing: false,
        gate: Default::default(),
    }
}

#[test]
fn normal_screen() {
    let m = fixture_model();
    snap("normal", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("1 degraded"));
    assert!(text.contains("1 out-of-sync"));
    assert!(text.contains("Run log"));
}

#[test]
fn reconnecting_header() {
    let mut m = fixture_model();
    let since = m.now - chrono::Duration::seconds(35);
    m.instances[2].conn = ConnState::Reconnecting { attempt: 2, error: "connection refused".into(), since };
    m.instances[2].stale_since = Some(since);
    snap("reconnecting", &m);
    let wide = screen_text(&m, &ui(), 120, 40);
    let header = wide.lines().next().unwrap();
    assert!(header.contains("prod ◌ reconnecting (2) · stale 35s"), "{header}");
    assert!(header.contains("admin"), "the user stays: {header}");
    // Every prod cell is stale, none drawn as live health; the other columns stay live.
    assert!(wide.contains("◌ stale 35s"), "{wide}");
    let cart = wide.lines().find(|l| l.contains(" cart ")).unwrap();
    assert_eq!(cart.matches("● Healthy").count(), 2, "{cart}");
    assert!(wide.contains("stale 35s: prod disconnected"), "the detail says so: {wide}");
    let narrow = screen_text(&m, &ui(), 80, 24);
    assert!(narrow.lines().next().unwrap().contains("admin"), "{narrow}");
    assert!(narrow.lines().next().unwrap().contains("prod◌35s"), "{narrow}");
}

#[test]
fn detail_loading_keeps_the_stale_value() {
    let mut m = fixture_model();
    if let Some(ds) = m.detail.as_mut() {
        ds.app = Loadable::Loading { stale: Some((fixture::app_detail(), m.now - chrono::Duration::seconds(3))) };
    }
    snap("detail_loading_stale", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("(refreshing, 3s old)"));
    assert!(text.contains("operation Running"));
}

#[test]
fn detail_failed_shows_stale_value_and_error() {
    let mut m = fixture_model();
    if let Some(ds) = m.detail.as_mut() {
        let failure =
            Failure::new(ErrorKind::Unavailable, "GET /api/v1/applications/payment-service-prod: connection refused")
                .with_hint("the console reconnects by itself");
        ds.app =
            Loadable::Failed { failure, stale: Some((fixture::app_detail(), m.now - chrono::Duration::seconds(40))) };
    }
    snap("detail_failed", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("connection refused"));
    assert!(text.contains("Progressing"));
}

#[test]
fn sync_dialog_in_prod_asks_to_type_the_name() {
    let mut m = fixture_model();
    let mut d = dialog(DialogKind::Sync { prune: true, dry_run: false, force: false, apply_only: false });
    d.require_typed = Some(fixture::SELECTED_SERVICE.into());
    d.typed.text = "paym".into();
    d.typing = true;
    m.mode = Mode::Dialog(Box::new(d));
    snap("sync_dialog_prod", &m);
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("Sync payment-service in PROD"));
    assert!(text.contains("[x] prune (p)"));
    assert!(text.contains("[ ] dry run (d)"));
    assert!(text.contains("type payment-service to confirm: paym"));
    assert!(text.contains("enter confirm · esc cancel"));
}

#[test]
fn the_policys_ticket_and_reason_fit_the_largest_dialog_at_80x24() {
    let mut m = fixture_model();
    let mut d = dialog(DialogKind::Rollback { selected: 1, pause_auto_sync: false });
    d.require_typed = Some(fixture::SELECTED_SERVICE.into());
    d.gate.ticket = Some(LineInput { text: "CHG-1".into() });
    d.gate.reason = Some(LineInput { text: "bad release".into() });
    d.gate.focus = crate::domain::model::GateFocus::Reason;
    d.error = Some("the policy needs a change ticket to rollback in prod".into());
    m.mode = Mode::Dialog(Box::new(d));
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("change ticket: [CHG-1]"), "{text}");
    assert!(text.contains("reason: [bad release█]"), "the focused input shows the cursor: {text}");
    assert!(text.contains("type payment-service to confirm:"), "{text}");
    assert!(text.contains("✖ the policy needs a change ticket"), "{text}");
    assert!(text.contains("enter confirm · esc cancel · tab options ⇄ name"), "{text}");
}

#[test]
fn rollback_dialog_with_auto_sync_on() {
    let mut m = fixture_model();
    let mut d = dialog(DialogKind::Rollback { selected: 1, pause_auto_sync: true });
    d.auto_sync = true;
    d.error = Some("rollback cannot be initiated when auto-sync is enabled".into());
    m.mode = Mode::Dialog(Box::new(d));
    snap("rollback_dialog_auto_sync", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("auto-sync on: off = GitOps commit — [x] break-glass: pause auto-sync (space)"), "{text}");
    // `selected` indexes the history as stored, oldest first: 1 is id 22.
    assert!(text.contains(">   22"));
}

#[test]
fn scale_dialog() {
    let mut m = fixture_model();
    let d = dialog(DialogKind::Scale {
        kind: "Rollout".into(),
        group: "argoproj.io".into(),
        name: "payment-service".into(),
        namespace: "payment-service".into(),
        replicas: LineInput { text: "7".into() },
        current: Some(5),
        state: Loadable::Ready {
            value: crate::domain::detail::WorkloadState {
                replicas: Some(5),
                ready: Some(4),
                desired: Some(5),
                hpa: Some("HorizontalPodAutoscaler payment-service (3–10)".into()),
                containers: vec!["app".into()],
            },
            at: m.now,
        },
        form: Box::default(),
    });
    m.mode = Mode::Dialog(Box::new(d));
    // Self-heal on: the change will not last.
    if let Some(ds) = m.detail.as_mut() {
        ds.app = Loadable::Ready {
            value: AppDetail { auto_sync: true, self_heal: true, ..fixture::app_detail() },
            at: m.now,
        };
    }
    snap("scale_dialog", &m);
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("now 5 replicas, 4 ready · Git says 5"), "{text}");
    assert!(text.contains("replicas: [7█]"), "{text}");
    assert!(text.contains("HorizontalPodAutoscaler payment-service (3–10) owns the replica count"), "{text}");
    assert!(text.contains("auto-sync on: written to Git (now 5), diff first; self-heal keeps it"), "{text}");
}

#[test]
fn scale_dialog_of_an_autoscaled_workload_offers_its_bounds() {
    use crate::domain::scale_form::{ScaleField, ScaleForm};
    let mut m = fixture_model();
    let form = ScaleForm {
        focus: ScaleField::Max,
        min: LineInput { text: "2".into() },
        max: LineInput { text: "8".into() },
        memory_limit: LineInput { text: "512Mi".into() },
        ..ScaleForm::default()
    };
    let d = dialog(DialogKind::Scale {
        kind: "Deployment".into(),
        group: "apps".into(),
        name: "payment-service".into(),
        namespace: "payment-service".into(),
        replicas: LineInput { text: "5".into() },
        current: Some(5),
        state: Loadable::Ready {
            value: crate::domain::detail::WorkloadState {
                replicas: Some(5),
                ready: Some(5),
                desired: Some(3),
                hpa: Some("ScaledObject payment-service (1–6)".into()),
                containers: vec!["app".into()],
            },
            at: m.now,
        },
        form: Box::new(form),
    });
    m.mode = Mode::Dialog(Box::new(d));
    if let Some(ds) = m.detail.as_mut() {
        let mut app = AppDetail { auto_sync: true, self_heal: true, ..fixture::app_detail() };
        app.resources.push(crate::domain::ResourceStatus {
            group: "keda.sh".into(),
            kind: "ScaledObject".into(),
            name: "payment-service".into(),
            ..Default::default()
        });
        ds.app = Loadable::Ready { value: app, at: m.now };
    }
    snap("scale_dialog_autoscaled", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("min: [2]  max: [8█]") && !text.contains("replicas: ["), "{text}");
    assert!(text.contains("memory limit: [512Mi]") && text.contains("set its min/max here"), "{text}");
}

#[test]
fn the_sync_policy_dialog_shows_now_and_after_with_what_it_means() {
    let mut m = fixture_model();
    let wanted = SyncPolicy { auto_sync: true, self_heal: true, prune: false };
    m.mode = Mode::Dialog(Box::new(dialog(DialogKind::SyncPolicy(wanted))));
    snap("sync_policy_dialog", &m);
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("now: auto-sync off"), "{text}");
    assert!(text.contains("[x] self-heal"), "{text}");
    assert!(text.contains("after: auto-sync on, self-heal on, prune off"), "{text}");
    assert!(text.contains("reverted to what Git says"), "{text}");
}

#[test]
fn terminate_says_which_operation_it_stops() {
    let mut m = fixture_model();
    m.mode = Mode::Dialog(Box::new(dialog(DialogKind::Confirm(Action::Terminate))));
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains("stops the Running operation to 9b1e4d7, started 7s ago by admin"), "{text}");
}

#[test]
fn confirm_dialog_names_the_fixed_action() {
    let mut m = fixture_model();
    let action = Action::Restart {
        kind: "Rollout".into(),
        group: "argoproj.io".into(),
        name: "payment-service".into(),
        namespace: "payment-service".into(),
    };
    m.mode = Mode::Dialog(Box::new(dialog(DialogKind::Confirm(action))));
    snap("confirm_dialog", &m);
    assert!(screen_text(&m, &ui(), 80, 24).contains("Restart payment-service in PROD"));
}

#[test]
fn help_lists_the_keymap() {
    let mut m = fixture_model();
    m.mode = Mode::Help { scroll: 0 };
    snap("help", &m);
    let ui = ui();
    let text = screen_text(&m, &ui, 120, 40);
    for b in ui.keymap.bindings.iter().take(10) {
        assert!(text.contains(&b.desc), "help lacks {:?}", b.desc);
    }
    // Scrolling moves the list; scrolling past the end stops at the last page.
    m.mode = Mode::Help { scroll: 3 };
    let scrolled = screen_text(&m, &ui, 80, 24);
    m.mode = Mode::Help { scroll: 0 };
    assert_ne!(scrolled, screen_text(&m, &ui, 80, 24));
    m.mode = Mode::Help { scroll: 500 };
    assert!(screen_text(&m, &ui, 80, 24).contains("Delete in an input"));
}

#[test]
fn fullscreen_detail() {
    let mut m = fixture_model();
    m.mode = Mode::Detail { scroll: 0 };
    snap("fullscreen_detail", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("history (3, newest first)"));
    assert!(text.contains("argoproj.io/Rollout payment-service/payment-service"));
}

#[test]
fn diff_view() {
    let mut m = fixture_model();
    m.mode = Mode::Diff { scroll: 0 };
    snap("diff", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("-       - image: registry.local/shop/payment-service:v1.1.0"));
    assert!(text.contains("+       - image: registry.local/shop/payment-service:v1.2.0"));
}

#[test]
fn filter_input() {
    let mut m = fixture_model();
    m.filter.text = "pay".into();
    m.rows.retain(|r| r.service.contains("pay"));
    m.selected_row = 0;
    m.mode = Mode::Filter;
    snap("filter", &m);
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.lines().last().unwrap().contains("/pay█"));
    assert!(!text.lines().any(|l| l.starts_with(" checkout")), "filtered-out rows are not drawn");
}

#[test]
fn failed_run_shows_message_and_hint() {
    let mut m = fixture_model();
    let failed = m.runs.remove(1);
    m.runs.push(failed);
    m.flash = Some(Flash { text: "sync of checkout/staging failed".into(), error: true });
    snap("failed_run", &m);
    let text = screen_text(&m, &ui(), 120, 40);
    assert!(text.contains("✖ one or more synchronization tasks completed unsuccessfully — hint: see the events"));
}

#[test]
fn pinned_app_shows_the_banner_with_the_resume_key() {
    let mut m = fixture_model();
    m.pinned.insert(key(fixture::SELECTED_SERVICE, 2));
    snap("pinned", &m);
    let ui = ui();
    let resume = ui.keymap.keys_for(crate::app::Command::ResumeAutoSync);
    let expected = format!("PINNED: auto-sync paused by rollback — press {} to resume", resume[0]);
    assert!(screen_text(&m, &ui, 120, 40).contains(&expected));
}

#[test]
fn empty_estate_says_connecting() {
    let mut m = fixture_model();
    m.deployments.clear();
    m.rows.clear();
    m.detail = None;
    m.runs.clear();
    for i in &mut m.instances {
        i.conn = ConnState::Connecting;
        i.user = Loadable::NotAsked;
    }
    snap("empty", &m);
    assert!(screen_text(&m, &ui(), 80, 24).contains("connecting…"));
}

fn coloured_cells(terminal: &Terminal<TestBackend>) -> usize {
    terminal.backend().buffer().content().iter().filter(|c| c.fg != Color::Reset || c.bg != Color::Reset).count()
}

#[test]
fn no_color_puts_no_colour_in_any_cell() {
    let mut m = fixture_model();
    for (w, h) in SIZES {
        let terminal = render(&m, &ui_no_color(), w, h);
        assert_eq!(coloured_cells(&terminal), 0);
        insta::assert_snapshot!(format!("no_color_{w}x{h}"), terminal.backend());
        // The same screen with the default theme does use colour, so the check can fail.
        assert!(coloured_cells(&render(&m, &ui(), w, h)) > 0);
    }
    // The selection stays visible without colour: reverse video on the selected cell.
    let terminal = render(&m, &ui_no_color(), 120, 40);
    let reversed = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| c.modifier.contains(ratatui::style::Modifier::REVERSED))
        .count();
    assert!(reversed > 0);
    m.mode = Mode::Dialog(Box::new(dialog(DialogKind::Sync {
        prune: false,
        dry_run: false,
        force: false,
        apply_only: false,
    })));
    assert_eq!(coloured_cells(&render(&m, &ui_no_color(), 80, 24)), 0);
}

#[test]
fn selection_stays_visible_when_scrolled_away() {
    let mut m = fixture_model();
    for i in 0..40 {
        m.rows.push(ServiceRow {
            service: format!("svc-{i:02}").into(),
            team: None,
            cells: vec![None, None, None].into(),
            trouble: 0,
        });
    }
    m.selected_row = 30;
    m.scroll = 0;
    let page = super::matrix_page_rows(80, 24);
    assert_eq!(super::panes::matrix::first_visible(&m, page), 30 + 1 - page);
    let text = screen_text(&m, &ui(), 80, 24);
    assert!(text.contains(">svc-23"));
    m.selected_row = 2;
    m.scroll = 20;
    assert_eq!(super::panes::matrix::first_visible(&m, page), 2);
    // A scroll past the end is clamped to the last page.
    m.selected_row = 46;
    m.scroll = 100;
    assert_eq!(super::panes::matrix::first_visible(&m, page), m.rows.len() - page);
}

#[test]
fn hint_bar_keeps_help_and_quit_when_narrow() {
    let m = fixture_model();
    let ui = ui();
    for w in [120, 80, 50] {
        let text = screen_text(&m, &ui, w, 24);
        let last = text.lines().last().unwrap();
        assert!(last.contains("? help") && last.contains("q quit"), "at {w}: {last}");
    }
    let last = screen_text(&m, &ui, 50, 24).lines().last().unwrap().to_string();
    assert!(last.contains('…'));
}

pub(super) fn ui_16() -> Ui {
    Ui { theme: crate::ui::theme::Theme::load("default", crate::ui::theme::ColorDepth::Ansi16).unwrap(), ..ui() }
}

/// Each screen line, then under it one letter per cell for its foreground at 16 colours
/// (`g`reen, `r`ed, `y`ellow, `b`lue, `m`agenta, `c`yan, `w`hite, `k` dark grey, `.` the
/// terminal's own), upper case (`#` for the terminal's own) where the cell is in reverse
/// video: a snapshot of colour.
pub(super) fn colour_map(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut text = String::new();
        let mut map = String::new();
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            text.push_str(c.symbol());
            let letter = match c.fg {
                Color::Green | Color::LightGreen => 'g',
                Color::Red | Color::LightRed => 'r',
                Color::Yellow | Color::LightYellow => 'y',
                Color::Blue | Color::LightBlue => 'b',
                Color::Magenta | Color::LightMagenta => 'm',
                Color::Cyan | Color::LightCyan => 'c',
                Color::White | Color::Gray => 'w',
                Color::DarkGray => 'k',
                Color::Reset => '.',
                other => panic!("not one of the 16 colours at ({x},{y}): {other:?}"),
            };
            let reversed = c.modifier.contains(ratatui::style::Modifier::REVERSED);
            map.push(match (reversed, letter) {
                (true, '.') => '#',
                (true, l) => l.to_ascii_uppercase(),
                (false, l) => l,
            });
            assert!(matches!(c.bg, Color::Reset), "no background colour at 16 colours ({x},{y}): {:?}", c.bg);
        }
        out.push_str(&format!("{text}\n{map}\n"));
    }
    out
}

#[test]
fn sixteen_colours_keep_every_role_apart_and_the_selection_visible() {
    use crate::ui::theme::{ColorDepth, Role, Theme};
    for name in ["default", "light"] {
        let t = Theme::load(name, ColorDepth::Ansi16).unwrap();
        let fg = |r: Role| t.style(r).fg;
        assert_eq!(fg(Role::Healthy), Some(Color::Green), "{name}");
        assert_eq!(fg(Role::Degraded), Some(Color::Red), "{name}");
        assert_eq!(fg(Role::Progressing), Some(Color::Yellow), "{name}");
        assert_ne!(fg(Role::OutOfSync), fg(Role::Progressing), "{name}");
        assert_ne!(fg(Role::OutOfSync), fg(Role::Healthy), "{name}");
        assert_ne!(fg(Role::Dim), fg(Role::Healthy), "{name}: dim text is not healthy");
        assert_ne!(fg(Role::Dim), fg(Role::Synced), "{name}");
        let sel = t.style(Role::Selected);
        assert!(sel.add_modifier.contains(ratatui::style::Modifier::REVERSED), "{name}: {sel:?}");
        assert_eq!(sel.bg, None, "{name}: no background that may be the terminal's own");
    }
    // A theme file without an [ansi16] table: hues stay hues, the selection reverse video.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, "[roles]\nhealthy = \"#5fd75f\"\ndim = \"#8a8a8a\"\nselected = \"bg:#303a50\"\n").unwrap();
    let t = Theme::load(path.to_str().unwrap(), ColorDepth::Ansi16).unwrap();
    assert_eq!(t.style(Role::Healthy).fg, Some(Color::Green));
    assert_eq!(t.style(Role::Dim).fg, Some(Color::DarkGray));
    assert!(t.style(Role::Selected).add_modifier.contains(ratatui::style::Modifier::REVERSED));
    assert_eq!(t.style(Role::Selected).bg, None);
}

#[test]
fn sixteen_colour_screens() {
    let m = fixture_model();
    for (w, h) in SIZES {
        let terminal = render(&m, &ui_16(), w, h);
        insta::assert_snapshot!(format!("ansi16_{w}x{h}"), colour_map(&terminal));
    }
    // The selected cell (payment-service in prod) is in reverse video.
    let map = colour_map(&render(&m, &ui_16(), 120, 40));
    let lines: Vec<&str> = map.lines().collect();
    let row = lines.iter().position(|l| l.starts_with(">payment-service")).unwrap();
    let marks = lines[row + 1];
    assert!(marks.contains("YY######"), "the whole cell: {}\n{marks}", lines[row]);
}

#[test]
fn ascii_glyphs_draw_nothing_outside_ascii() {
    let mut m = fixture_model();
    let ascii = Ui { ascii: true, ..ui() };
    for (w, h) in SIZES {
        let text = screen_text(&m, &ascii, w, h);
        assert!(text.is_ascii(), "{text}");
        insta::assert_snapshot!(format!("ascii_{w}x{h}"), text);
    }
    let text = screen_text(&m, &ascii, 120, 40);
    assert!(text.contains("* Healthy"), "{text}");
    assert!(text.contains("X Degraded"), "{text}");
    // Help explains the glyphs on screen, whichever set that is.
    m.mode = Mode::Help { scroll: 500 };
    let help = screen_text(&m, &ascii, 120, 40);
    assert!(help.contains("* healthy") && help.contains("! out of sync") && help.contains(". stale"), "{help}");
    let help = screen_text(&m, &ui(), 120, 40);
    assert!(help.contains("● healthy") && help.contains("↻ out of sync"), "{help}");
}
