//! The effective keymap: data, with a description on every binding. Help and the hint bar
//! are generated from it. Loading presets and user overlays lives in `config::keymap`.

use super::{Command, Key};

/// One binding: keys that run a command, described for help.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub command: Command,
    pub desc: String,
    /// Shown in the one-line hint bar.
    pub hint: bool,
}

/// The keymap in force for normal mode (dialogs and inputs have fixed editing keys).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Keymap {
    /// The command bound to `key`; the first binding wins (so prepended user bindings win).
    pub fn lookup(&self, key: Key) -> Option<Command> {
        self.bindings.iter().find(|b| b.keys.contains(&key)).map(|b| b.command)
    }
    /// Keys that run `cmd`, for help and hints.
    pub fn keys_for(&self, cmd: Command) -> Vec<Key> {
        self.bindings.iter().filter(|b| b.command == cmd).flat_map(|b| b.keys.iter().copied()).collect()
    }
    /// Bindings marked for the hint bar, in keymap order.
    pub fn hints(&self) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(|b| b.hint)
    }
}
