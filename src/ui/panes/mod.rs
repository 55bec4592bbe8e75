//! One file per pane; each draws into its rectangle from `&Model` only.

pub mod approvals;
pub mod attention;
pub mod comment;
pub mod delivery;
pub mod detail;
pub mod dialog;
pub mod footer;
pub mod fullscreen;
pub mod header;
pub mod help;
pub mod hints;
pub mod history;
pub mod logs;
pub mod matrix;
pub mod new_service;
pub mod promote;
pub mod quit;
pub mod runlog;
pub mod workload;
