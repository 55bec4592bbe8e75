//! Views (placeholder).
