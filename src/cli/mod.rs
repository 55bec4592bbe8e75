//! Headless subcommands (placeholder).
