//! Placeholder: owned by the client layer work.
