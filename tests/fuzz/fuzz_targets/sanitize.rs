//! libFuzzer entry point of the `sanitize` target (body in `targets.rs`).
#![no_main]

#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::sanitize(data));
