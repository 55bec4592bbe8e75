//! The console's `:new-service` form, pure: name, team, template (and a ticket and reason
//! for the policy); enter plans the creation (`Effect::PlanCreation`: every check, the new
//! files as a diff), enter again governs it like every other GitOps change (`gate::govern`,
//! as a `create` of the last environment) — run, filed for approval, or refused in the form.
//! The new service appears in the matrix when the watch delivers its apps.

use chrono::{DateTime, Utc};

use super::editor::edit_line;
use super::gate::{self, Asked, Hold};
use super::{Effect, Key, KeyCode};
use crate::domain::model::{Dialog, DialogKind, Flash, LineInput, Mode};
use crate::domain::new_service::{app_name, FormField, NewService, NewServiceForm};
use crate::domain::{Action, AppKey, DiffLine, Failure, Loadable, Model};

/// Open the empty form (`:new-service`), for every environment of the pipeline.
pub fn open(model: &mut Model) {
    let env = model.envs.last().cloned().unwrap_or_default();
    let instance = model.instances.iter().position(|i| i.env.as_deref() == Some(env.as_str())).unwrap_or(0);
    let form = NewServiceForm { envs: model.envs.clone(), via: model.new_service_via, ..NewServiceForm::default() };
    model.mode = Mode::Dialog(Box::new(Dialog {
        kind: DialogKind::NewService(Box::new(form)),
        target: AppKey { instance, ..AppKey::default() },
        service: String::new(),
        env,
        require_typed: None,
        typed: LineInput::default(),
        error: None,
        auto_sync: false,
        typing: false,
        gate: Default::default(),
    }));
}

/// A key in the form: tab moves between fields, typing edits the focused one (and drops a
/// plan made for other values), enter plans, then confirms; j/k scroll a shown diff.
pub fn on_key(model: &mut Model, key: Key, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    let DialogKind::NewService(f) = &mut d.kind else { return };
    match key.code {
        KeyCode::Esc => model.mode = Mode::Normal,
        KeyCode::Tab | KeyCode::BackTab => {
            let i = FormField::ALL.iter().position(|x| *x == f.focus).unwrap_or(0);
            let n = FormField::ALL.len();
            let next = if key.code == KeyCode::BackTab { (i + n - 1) % n } else { (i + 1) % n };
            f.focus = FormField::ALL[next];
        }
        KeyCode::Down if f.plan.value().is_some() => f.scroll = f.scroll.saturating_add(1),
        KeyCode::Up => f.scroll = f.scroll.saturating_sub(1),
        KeyCode::Enter => match &f.plan {
            Loadable::Ready { .. } => confirm(model, fx),
            Loadable::Loading { .. } => {
                d.error = Some("still checking the template — confirm once the diff is shown".into())
            }
            _ => plan(model, fx),
        },
        _ => {
            let editing_plan = matches!(f.focus, FormField::Name | FormField::Team | FormField::Template);
            if edit_line(f.field_mut(f.focus), key) {
                d.error = None;
                if editing_plan {
                    // The diff shown must be the one for these values: plan again on enter.
                    f.plan = Loadable::NotAsked;
                    f.scroll = 0;
                }
            }
        }
    }
}

/// Ask the client to check and plan the creation the fields describe.
fn plan(model: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    let DialogKind::NewService(f) = &mut d.kind else { return };
    if let Some(empty) =
        [FormField::Name, FormField::Team, FormField::Template].into_iter().find(|x| f.field(*x).text.trim().is_empty())
    {
        d.error = Some(format!("the {} is needed", empty.label()));
        f.focus = empty;
        return;
    }
    model.promote_plans += 1;
    f.generation = model.promote_plans;
    f.plan = Loadable::Loading { stale: None };
    d.error = None;
    fx.push(Effect::PlanCreation { generation: f.generation, creation: Box::new(f.request()) });
}

/// The plan arrived: show the diff, or why there is none (the form stays to be fixed).
pub fn on_planned(model: &mut Model, generation: u64, result: Result<Vec<DiffLine>, Failure>, at: DateTime<Utc>) {
    let Mode::Dialog(d) = &mut model.mode else { return };
    let DialogKind::NewService(f) = &mut d.kind else { return };
    if f.generation != generation {
        return;
    }
    if let Err(e) = &result {
        d.error = Some(match &e.hint {
            Some(h) => format!("{} ({h})", e.message),
            None => e.message.clone(),
        });
    }
    f.plan.finish(result, at);
}

/// The app a creation is governed, run and recorded as (it does not exist yet): its
/// Application in the environment whose rules govern it, on the instance serving that
/// environment (the first when none does), as the headless command names it.
pub fn target_of(model: &Model, n: &NewService) -> AppKey {
    let env = n.governed_env();
    let instance = model.instances.iter().position(|i| i.env.as_deref() == Some(env)).unwrap_or(0);
    AppKey { instance, namespace: String::new(), name: app_name(&n.service, env) }
}

/// Confirm the shown diff: the one gate decides, as for every other action.
pub fn confirm(model: &mut Model, fx: &mut Vec<Effect>) {
    let Mode::Dialog(d) = &model.mode else { return };
    let DialogKind::NewService(f) = &d.kind else { return };
    let Some(diff) = f.plan.value().cloned() else { return };
    let mut n = f.request();
    n.diff = diff;
    let env = n.governed_env().to_string();
    let target = target_of(model, &n);
    let asked = Asked { ticket: n.ticket.clone(), reason: n.reason.clone(), override_freeze: false };
    let service = n.service.clone();
    match gate::govern(model, target, &service, &env, Action::Create(Box::new(n)), &asked, fx) {
        Ok(()) => {
            model.mode = Mode::Normal;
            model.flash = Some(Flash {
                text: format!("create {service}: sent — it appears when Argo CD lists it"),
                error: false,
            });
        }
        Err(h) => {
            let reading = matches!(h, Hold::Reading);
            if let Mode::Dialog(d) = &mut model.mode {
                d.error = Some(h.text());
                d.gate.awaiting_policy = reading;
            }
        }
    }
}
