//! Placeholder: the simulator helper owns this crate.
