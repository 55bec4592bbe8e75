//! Flightdeck: a terminal operations console for GitOps estates run on Argo CD.
//!
//! Data flow, one direction only:
//! terminal events and client results arrive as [`app::Msg`] → the pure [`app::update`] changes
//! the one [`domain::Model`] and returns [`app::Effect`]s → the [`client`] executor runs each
//! effect against Argo CD and answers with more `Msg`s → [`ui`] draws the model, reading only.
//! [`runtime`] owns the terminal and the channels; [`cli`] runs the same client headless.

pub mod app;
pub mod audit;
pub mod bench;
pub mod cli;
pub mod client;
pub mod config;
pub mod domain;
pub mod engine;
pub mod logging;
pub mod runtime;
pub mod session;
pub mod ui;
