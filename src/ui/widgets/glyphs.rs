//! Status glyphs with their theme roles. Every glyph is distinct in shape, so meaning never
//! depends on colour (and words accompany them wherever the width allows).

use crate::domain::{Health, SyncStatus};
use crate::ui::theme::Role;

pub fn health_glyph(h: Health) -> &'static str {
    match h {
        Health::Healthy => "●",
        Health::Progressing => "◐",
        Health::Degraded => "✖",
        Health::Suspended => "‖",
        Health::Missing => "○",
        Health::Unknown => "?",
    }
}

pub fn health_role(h: Health) -> Role {
    match h {
        Health::Healthy => Role::Healthy,
        Health::Progressing => Role::Progressing,
        Health::Degraded => Role::Degraded,
        Health::Suspended => Role::Suspended,
        Health::Missing => Role::Missing,
        Health::Unknown => Role::Unknown,
    }
}

pub fn sync_glyph(s: SyncStatus) -> &'static str {
    match s {
        SyncStatus::Synced => "✓",
        SyncStatus::OutOfSync => "↻",
        SyncStatus::Unknown => "?",
    }
}

pub fn sync_role(s: SyncStatus) -> Role {
    match s {
        SyncStatus::Synced => Role::Synced,
        SyncStatus::OutOfSync => Role::OutOfSync,
        SyncStatus::Unknown => Role::Unknown,
    }
}

/// A cell or instance whose data may no longer be true (its stream is down).
pub const STALE: &str = "◌";
/// Marks an app whose auto-sync was paused by a rollback.
pub const PINNED: &str = "⚑";
/// A step or run that finished well / failed.
pub const DONE: &str = "✓";
pub const FAILED: &str = "✖";
