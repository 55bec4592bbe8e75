//! libFuzzer entry point of the `theme` target (body in `targets.rs`).
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::theme(data));
