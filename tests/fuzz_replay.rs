//! The fuzzers' saved inputs, replayed through the very target bodies the fuzzers run
//! (`tests/fuzz/targets.rs`): the committed corpus (`tests/fuzz/corpus/TARGET`, the inputs
//! that reached new code) and every input that once crashed a target and was fixed
//! (`tests/fuzz/regressions/TARGET`). A parser that regresses on any of them fails here, in
//! `cargo test`, with no fuzzer installed. Fuzzing itself: `tests/fuzz/run`.

#[path = "fuzz/targets.rs"]
mod targets;

use std::path::Path;

/// Run every saved input of `name` through its target; the file is named when one fails.
fn replay(name: &str) {
    let (_, target) = targets::TARGETS.iter().find(|(n, _)| *n == name).expect("a target of that name");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut inputs = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else { continue };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).expect("read a saved input");
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} fails the target again", file.display());
            inputs += 1;
        }
    }
    assert!(inputs > 0, "{name}: no saved inputs under {}", root.display());
}

macro_rules! replays {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test]
        fn $test() {
            replay($name);
        })*

        #[test]
        fn every_target_has_a_replay_test() {
            let tested = [$($name),*];
            for (name, _) in targets::TARGETS {
                assert!(tested.contains(&name), "{name} has no replay test");
            }
        }
    };
}

replays! {
    the_wire_types_survive_their_saved_inputs => "wire",
    the_watch_framings_survive_their_saved_inputs => "framing",
    the_config_file_parser_survives_its_saved_inputs => "config",
    the_keymap_parser_survives_its_saved_inputs => "keymap",
    the_theme_parser_survives_its_saved_inputs => "theme",
    the_policy_parser_survives_its_saved_inputs => "policy",
    the_overlay_edit_survives_its_saved_inputs => "overlay",
    the_ledger_records_survive_their_saved_inputs => "ledger",
    the_trail_records_survive_their_saved_inputs => "trail",
    the_sanitiser_survives_its_saved_inputs => "sanitize",
}
