//! Logging goes to `<dir>/flightdeck.log` (private dir and file), never to the screen, and a
//! `Secret` logged by mistake shows as `***`. One test: the subscriber is process-global.

use flightdeck::config::Secret;

#[test]
fn logs_to_a_private_file_without_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log_dir = dir.path().join("state/flightdeck");
    let (guard, path) = flightdeck::logging::init(Some(log_dir.clone())).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(path, log_dir.join("flightdeck.log"));
    let token = Secret::new("canary-log-token");
    tracing::info!(?token, server = "https://a.example", "connected");
    tracing::debug!("below the default level");
    drop(guard); // flushes the non-blocking writer
    let text = std::fs::read_to_string(&path).expect("log file");
    assert!(text.contains("connected") && text.contains("Secret(***)"), "{text}");
    assert!(!text.contains("canary"), "{text}");
    assert!(!text.contains("below the default level"), "{text}");
    assert!(!text.contains('\u{1b}'), "ANSI escapes in the log: {text:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&log_dir), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
    // A second init in the same process fails cleanly instead of panicking.
    assert!(flightdeck::logging::init(Some(log_dir)).is_err());
}
