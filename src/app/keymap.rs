//! The effective keymap: data, with a description on every binding. Help and the hint bar
//! are generated from it. Loading presets and user overlays lives in `config::keymap`.
//! A binding belongs to a context: the matrix (`normal`), or a view with keys of its own
//! (the approvals view, the pod logs…); a view's own bindings win there, and the normal ones
//! fill in the rest (moving, back, help, quit).

use serde::Deserialize;

use super::{Command, Key};

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyContext {
    /// The matrix and everything without keys of its own.
    #[default]
    Normal,
    /// The approvals view (`tab`).
    Approvals,
    /// The pod logs view.
    Logs,
    /// The delivery view (`D`).
    Delivery,
}

impl KeyContext {
    pub const ALL: [KeyContext; 4] = [Self::Normal, Self::Approvals, Self::Logs, Self::Delivery];
    /// The name in keymap files (`context = "approvals"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Approvals => "approvals",
            Self::Logs => "logs",
            Self::Delivery => "delivery",
        }
    }
    /// The heading of its section in help.
    pub fn title(self) -> &'static str {
        match self {
            Self::Normal => "keys",
            Self::Approvals => "in the approvals view",
            Self::Logs => "in the pod logs view",
            Self::Delivery => "in the delivery view",
        }
    }
}

/// One binding: keys that run a command, described for help.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub command: Command,
    pub desc: String,
    /// Shown in the one-line hint bar (of its context).
    pub hint: bool,
    pub context: KeyContext,
}

/// The keymap in force (dialogs and inputs have fixed editing keys).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Keymap {
    /// The command bound to `key` in normal mode; the first binding wins (so prepended user
    /// bindings win).
    pub fn lookup(&self, key: Key) -> Option<Command> {
        self.find(KeyContext::Normal, key)
    }
    /// The command bound to `key` in `ctx`: its own bindings first, then the normal ones.
    pub fn lookup_in(&self, ctx: KeyContext, key: Key) -> Option<Command> {
        self.find(ctx, key).or_else(|| if ctx == KeyContext::Normal { None } else { self.lookup(key) })
    }
    fn find(&self, ctx: KeyContext, key: Key) -> Option<Command> {
        self.bindings.iter().find(|b| b.context == ctx && b.keys.contains(&key)).map(|b| b.command)
    }
    /// Keys that run `cmd` in normal mode, for help and hints.
    pub fn keys_for(&self, cmd: Command) -> Vec<Key> {
        self.keys_in(KeyContext::Normal, cmd)
    }
    /// Keys that run `cmd` in `ctx` (its own bindings, else the normal ones).
    pub fn keys_in(&self, ctx: KeyContext, cmd: Command) -> Vec<Key> {
        let own: Vec<Key> = self
            .bindings
            .iter()
            .filter(|b| b.context == ctx && b.command == cmd)
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        if own.is_empty() && ctx != KeyContext::Normal {
            return self.keys_in(KeyContext::Normal, cmd);
        }
        own
    }
    /// The first key of `cmd` in `ctx` as text, or `:name` when nothing is bound.
    pub fn key_name(&self, ctx: KeyContext, cmd: Command) -> String {
        self.keys_in(ctx, cmd).first().map_or_else(|| format!(":{}", cmd.name()), ToString::to_string)
    }
    /// Normal-mode bindings marked for the hint bar, in keymap order.
    pub fn hints(&self) -> impl Iterator<Item = &Binding> {
        self.hints_in(KeyContext::Normal)
    }
    /// `ctx`'s bindings marked for its hint bar, in keymap order.
    pub fn hints_in(&self, ctx: KeyContext) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.hint && b.context == ctx)
    }
}
