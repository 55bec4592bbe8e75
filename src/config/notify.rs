//! The `[notify]` section: how the console tells you what happened while you looked elsewhere
//! (a terminal bell, and a desktop notification by OSC 9 or OSC 777, both of which travel
//! over SSH), and on which events.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::vault::SpanErr;
use crate::domain::notify::{Desktop, NotifyEvent, NotifySettings};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    bell: Option<bool>,
    desktop: Option<Spanned<String>>,
    on: Option<Spanned<Vec<String>>>,
}

fn desktop_name(d: Desktop) -> &'static str {
    match d {
        Desktop::Off => "off",
        Desktop::Osc9 => "osc9",
        Desktop::Osc777 => "osc777",
    }
}

/// The effective settings: the defaults (bell and OSC 9 on every event) where unset.
pub(super) fn settings(raw: RawNotify, err: SpanErr) -> Result<NotifySettings, super::ConfigError> {
    let mut s = NotifySettings::default();
    if let Some(b) = raw.bell {
        s.bell = b;
    }
    if let Some(d) = raw.desktop {
        s.desktop = [Desktop::Off, Desktop::Osc9, Desktop::Osc777]
            .into_iter()
            .find(|x| desktop_name(*x) == d.get_ref())
            .ok_or_else(|| {
                err(
                    d.span(),
                    format!("unknown desktop notification {:?}", d.get_ref()),
                    "use \"osc9\" (iTerm2, WezTerm, kitty, Windows Terminal), \"osc777\" (GNOME Terminal, foot, urxvt) or \"off\"".into(),
                )
            })?;
    }
    if let Some(on) = raw.on {
        let span = on.span();
        s.on = Vec::new();
        for name in on.into_inner() {
            let e = NotifyEvent::from_name(&name).ok_or_else(|| {
                err(
                    span.clone(),
                    format!("unknown notify event {name:?}"),
                    "list any of \"degraded\", \"run_ended\", \"approval\" (or [] for none)".into(),
                )
            })?;
            if !s.on.contains(&e) {
                s.on.push(e);
            }
        }
    }
    Ok(s)
}

/// `[notify]` written back, when it differs from the defaults.
#[derive(Serialize)]
pub(super) struct OutNotify {
    bell: bool,
    desktop: &'static str,
    on: Vec<&'static str>,
}

impl OutNotify {
    pub(super) fn of(s: &NotifySettings) -> Option<Self> {
        (s != &NotifySettings::default()).then(|| Self {
            bell: s.bell,
            desktop: desktop_name(s.desktop),
            on: s.on.iter().map(|e| e.name()).collect(),
        })
    }
}
