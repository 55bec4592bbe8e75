//! The event loop (placeholder).
