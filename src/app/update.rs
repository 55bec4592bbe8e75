//! The pure update function (placeholder while the spine is laid).

use super::{Effect, Msg};
use crate::domain::Model;

/// Effects to run when the console starts.
pub fn init(model: &mut Model) -> Vec<Effect> {
    let _ = model;
    Vec::new()
}

/// Apply one message.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let _ = (model, msg);
    Vec::new()
}
