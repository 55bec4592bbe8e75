//! Notifications, pure: when to tell the user something happened while they looked elsewhere
//! (something watched degrades, a run they started ends, an approval waits on them) and how
//! (`[notify]`: a terminal bell, a desktop notification by OSC 9 or OSC 777, which both travel
//! over SSH as terminal output). The escape text is built here; the terminal-writing layer
//! (`runtime`) writes it, never the update.

use super::sanitize::clean;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotifyEvent {
    /// A deployment turned Degraded.
    Degraded,
    /// A run this console started ended (succeeded or failed).
    RunEnded,
    /// An approval request this user may decide arrived.
    Approval,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 3] = [Self::Degraded, Self::RunEnded, Self::Approval];
    /// The name in the config file (`on = ["degraded", …]`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Degraded => "degraded",
            Self::RunEnded => "run_ended",
            Self::Approval => "approval",
        }
    }
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == s)
    }
}

/// The desktop notification's escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Desktop {
    /// None: the bell only (if on).
    Off,
    /// `ESC ] 9 ; text BEL`: iTerm2, WezTerm, kitty, Windows Terminal, ghostty.
    #[default]
    Osc9,
    /// `ESC ] 777 ; notify ; title ; body BEL`: VTE terminals, foot, urxvt, WezTerm.
    Osc777,
}

/// `[notify]` as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifySettings {
    pub bell: bool,
    pub desktop: Desktop,
    /// The events that notify.
    pub on: Vec<NotifyEvent>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self { bell: true, desktop: Desktop::Osc9, on: NotifyEvent::ALL.to_vec() }
    }
}

impl NotifySettings {
    pub fn wants(&self, e: NotifyEvent) -> bool {
        (self.bell || self.desktop != Desktop::Off) && self.on.contains(&e)
    }
}

/// One notification: a short title and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub event: NotifyEvent,
    pub title: String,
    pub body: String,
}

/// Longest body sent: desktop notifiers cut long ones anyway, and a server string must not
/// flood the terminal.
const BODY_MAX: usize = 200;

impl Notice {
    /// A notice; server strings in `body` are cleaned of control and escape sequences.
    pub fn new(event: NotifyEvent, body: &str) -> Self {
        let title = match event {
            NotifyEvent::Degraded => "Flightdeck: degraded",
            NotifyEvent::RunEnded => "Flightdeck: run ended",
            NotifyEvent::Approval => "Flightdeck: approval waits on you",
        };
        Self { event, title: title.into(), body: clean(body).chars().take(BODY_MAX).collect() }
    }
}

/// What to write to the terminal for `n` (empty when nothing is on). Text is cleaned again
/// (no control character can end the sequence early), and OSC 777's `;` field separator is
/// replaced in the fields.
pub fn escape(n: &Notice, s: &NotifySettings) -> String {
    let field = |t: &str| clean(t).replace(';', ",");
    let mut out = String::new();
    match s.desktop {
        Desktop::Off => {}
        Desktop::Osc9 => out.push_str(&format!("\x1b]9;{}: {}\x07", clean(&n.title), clean(&n.body))),
        Desktop::Osc777 => out.push_str(&format!("\x1b]777;notify;{};{}\x07", field(&n.title), field(&n.body))),
    }
    if s.bell {
        out.push('\x07');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc9_and_osc777_carry_cleaned_text_and_the_bell_follows() {
        let n = Notice::new(NotifyEvent::Degraded, "web/prod\x1b]9;evil\x07; back-off\nrestarting");
        assert_eq!(n.body, "web/prod; back-off restarting");
        let s = NotifySettings::default();
        assert_eq!(escape(&n, &s), "\x1b]9;Flightdeck: degraded: web/prod; back-off restarting\x07\x07");
        let s = NotifySettings { desktop: Desktop::Osc777, bell: false, ..s };
        assert_eq!(escape(&n, &s), "\x1b]777;notify;Flightdeck: degraded;web/prod, back-off restarting\x07");
        let off = NotifySettings { desktop: Desktop::Off, bell: false, ..s };
        assert_eq!(escape(&n, &off), "");
        assert!(!off.wants(NotifyEvent::Degraded));
    }

    #[test]
    fn only_the_configured_events_notify() {
        let s = NotifySettings { on: vec![NotifyEvent::Approval], ..Default::default() };
        assert!(s.wants(NotifyEvent::Approval) && !s.wants(NotifyEvent::RunEnded));
        assert_eq!(NotifyEvent::from_name("run_ended"), Some(NotifyEvent::RunEnded));
    }
}
