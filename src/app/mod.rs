//! The pure heart of the console: [`Msg`] in, [`Model`](crate::domain::Model) changed,
//! [`Effect`]s out. No I/O here; the client layer executes effects, the runtime feeds
//! messages, and every behaviour is testable without a terminal or a network.

mod approvals;
#[cfg(test)]
mod approvals_tests;
mod attention;
mod bulk;
pub mod cmdline;
pub mod command;
mod delivery;
#[cfg(test)]
mod delivery_tests;
mod detail;
mod dialog;
mod editor;
pub mod effect;
mod gate;
#[cfg(test)]
mod gate_tests;
mod history;
#[cfg(test)]
mod incident_tests;
pub mod keymap;
pub mod keys;
mod logs;
pub mod msg;
mod new_service;
#[cfg(test)]
mod new_service_tests;
mod normal;
mod notify;
pub mod promote;
mod quit;
mod release;
mod rows;
mod runlog;
mod scale;
#[cfg(test)]
mod scale_tests;
#[cfg(test)]
mod tests;
pub mod update;

pub use command::Command;
pub use effect::Effect;
pub use keymap::{Binding, KeyContext, Keymap};
pub use keys::{Key, KeyCode};
pub use msg::{Msg, WatchChange};
pub use update::{init, update};
