//! Git HTTPS credentials through `GIT_ASKPASS` = `flightdeck askpass`: the real binary answers
//! git's prompts from the child's environment, and a real `git ls-remote` against a tiny local
//! HTTP server that demands Basic auth gets the token that way — never in argv (recorded by a
//! wrapper around the askpass program), never on disk (a `credential.helper = store` in the
//! user's git config is switched off for that child, so `~/.git-credentials` stays absent).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use flightdeck::client::git::credentials::{git_env_with, DEFAULT_USERNAME, TOKEN_VAR, USERNAME_VAR};
use flightdeck::client::git::Git;
use flightdeck::config::Secret;

const CANARY: &str = "ghs_canary-5e1f0a77-git-token";
const SHA: &str = "8f3c2b1a9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a";

fn askpass(prompt: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flightdeck"));
    c.arg("askpass").arg(prompt).env_remove(TOKEN_VAR).env_remove(USERNAME_VAR);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run flightdeck askpass")
}

#[test]
fn askpass_subcommand_prints_username_then_token_from_the_env() {
    let env = [(TOKEN_VAR, CANARY)];
    let user = askpass("Username for 'https://git.example.com': ", &env);
    assert!(user.status.success());
    assert_eq!(String::from_utf8_lossy(&user.stdout), format!("{DEFAULT_USERNAME}\n"));
    let pass = askpass("Password for 'https://x-access-token@git.example.com': ", &env);
    assert!(pass.status.success());
    assert_eq!(String::from_utf8_lossy(&pass.stdout), format!("{CANARY}\n"));
    let custom = askpass("Username for 'https://h': ", &[(TOKEN_VAR, CANARY), (USERNAME_VAR, "deploy-bot")]);
    assert_eq!(String::from_utf8_lossy(&custom.stdout), "deploy-bot\n");

    // Without the variable it fails (git then reports an authentication failure) and prints
    // nothing git could take for a password.
    let none = askpass("Password for 'https://h': ", &[]);
    assert!(!none.status.success());
    assert!(none.stdout.is_empty());
    assert!(String::from_utf8_lossy(&none.stderr).contains(TOKEN_VAR));
}

fn b64(input: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn pkt(line: &str) -> String {
    format!("{:04x}{line}", line.len() + 4)
}

/// One request: answer 401 + `WWW-Authenticate: Basic` without the right Authorization, else a
/// smart-HTTP ref advertisement (protocol v0) with one branch. Reports each request's
/// Authorization header (or "") on `seen`.
fn serve(mut s: TcpStream, expected: &str, seen: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(s.try_clone().expect("clone"));
    let mut auth = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.strip_prefix("Authorization: ").or_else(|| line.strip_prefix("authorization: ")) {
            auth = v.trim().to_string();
        }
    }
    let _ = seen.send(auth.clone());
    let reply = if auth == expected {
        let body = format!(
            "{}0000{}0000",
            pkt("# service=git-upload-pack\n"),
            pkt(&format!("{SHA} refs/heads/main\0side-band-64k\n"))
        );
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/x-git-upload-pack-advertisement\r\nCache-Control: no-cache\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    } else {
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_string()
    };
    let _ = s.write_all(reply.as_bytes());
}

#[test]
fn git_ls_remote_gets_the_token_through_askpass_and_never_stores_it() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let expected = format!("Basic {}", b64(format!("{DEFAULT_USERNAME}:{CANARY}").as_bytes()));
    let (tx, rx) = mpsc::channel();
    let exp = expected.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            serve(s, &exp, &tx);
        }
    });

    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    // A user whose git stores credentials on disk: the Vault token must not end up there.
    std::fs::write(home.join(".gitconfig"), "[credential]\n\thelper = store\n").expect("gitconfig");
    // A wrapper around the askpass program that records the argv it was given.
    let argv_log = tmp.path().join("askpass-argv.log");
    let wrapper = tmp.path().join("askpass.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\nexec '{}' askpass \"$@\"\n",
            argv_log.display(),
            env!("CARGO_BIN_EXE_flightdeck")
        ),
    )
    .expect("wrapper");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }

    let token = Secret::new(CANARY);
    let mut env = git_env_with(&wrapper, Some(&token), None);
    env.push(("HOME".into(), Secret::new(home.to_string_lossy())));
    env.push(("XDG_CONFIG_HOME".into(), Secret::new(home.join(".config").to_string_lossy())));
    env.push(("GIT_CONFIG_NOSYSTEM".into(), Secret::new("1")));
    let git = Git::new().with_env(env).with_timeout(Duration::from_secs(60));
    let url = format!("http://127.0.0.1:{port}/estate.git");
    let out = git.run(tmp.path(), &["ls-remote", url.as_str()]).expect("git ls-remote with the token");
    assert_eq!(out.line(), format!("{SHA}\trefs/heads/main"));

    // The server first saw no credential, then exactly user:token as Basic auth.
    let first = rx.recv_timeout(Duration::from_secs(30)).expect("first request");
    assert_eq!(first, "", "git must not send a credential before the server asks");
    let mut got = Vec::new();
    while let Ok(a) = rx.recv_timeout(Duration::from_millis(0)) {
        got.push(a);
    }
    assert!(got.contains(&expected), "git never sent the askpass token: {got:?}");

    // Askpass ran, and its argv held only git's prompts.
    let argv = std::fs::read_to_string(&argv_log).expect("askpass ran");
    assert!(argv.contains("Username for") && argv.contains("Password for"), "{argv}");
    assert!(!argv.contains(CANARY), "the token reached argv: {argv}");
    // No credential helper stored it.
    assert!(!home.join(".git-credentials").exists(), "the token was written to ~/.git-credentials");
    assert!(!Path::new(&home).join(".config/git/credentials").exists());
}

#[test]
fn git_without_a_token_is_refused_and_never_prompts() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, _rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            serve(s, "Basic never", &tx);
        }
    });
    let tmp = tempfile::tempdir().expect("tempdir");
    // The default (no token) adds nothing; with no helper and no terminal prompt git fails fast
    // as unauthorized instead of waiting for a human.
    let env = vec![
        ("HOME".to_string(), Secret::new(tmp.path().to_string_lossy())),
        ("GIT_CONFIG_NOSYSTEM".to_string(), Secret::new("1")),
        ("GIT_ASKPASS".to_string(), Secret::new("")),
        ("SSH_ASKPASS".to_string(), Secret::new("")),
    ];
    assert!(git_env_with(Path::new("/x"), None, None).is_empty());
    let git = Git::new().with_env(env).with_timeout(Duration::from_secs(60));
    let url = format!("http://127.0.0.1:{port}/estate.git");
    let err = git.run(tmp.path(), &["ls-remote", url.as_str()]).expect_err("no credential");
    assert_eq!(err.failure(), flightdeck::client::git::GitFailure::Unauthorized, "{err}");
}
