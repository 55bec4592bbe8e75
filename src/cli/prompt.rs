//! The masked password prompt for instances configured with `username` and no password
//! source. It runs BEFORE the console takes the terminal (raw mode only while reading, then
//! restored), echoes one `*` per character, handles backspace, ctrl-u, enter, esc and ctrl-c.
//! Headless commands without a terminal on stdin refuse with exit 2 and say what to configure.

use std::io::{IsTerminal, Write};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::config::{Auth, Config, Secret};
use crate::domain::{ErrorKind, Failure};

/// What one key does to the password being typed.
#[derive(Debug, PartialEq, Eq)]
pub enum Edit {
    /// A character was added: echo one `*`.
    Typed,
    /// The last character was removed: erase one `*`.
    Erased,
    /// Everything typed was removed: erase this many `*`.
    Cleared(usize),
    /// Enter: the password is complete.
    Done,
    /// Esc or ctrl-c: give up.
    Cancelled,
    Ignored,
}

/// Apply one key to `buf` (pure, so the editing rules are tested without a terminal).
pub fn edit(buf: &mut String, key: KeyEvent) -> Edit {
    if key.kind == KeyEventKind::Release {
        return Edit::Ignored;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c' | 'd') if ctrl => Edit::Cancelled,
        KeyCode::Char('u') if ctrl => {
            let n = buf.chars().count();
            buf.clear();
            Edit::Cleared(n)
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            buf.push(c);
            Edit::Typed
        }
        KeyCode::Backspace => match buf.pop() {
            Some(_) => Edit::Erased,
            None => Edit::Ignored,
        },
        KeyCode::Enter => Edit::Done,
        KeyCode::Esc => Edit::Cancelled,
        _ => Edit::Ignored,
    }
}

/// Leaves raw mode however the read ends (error, cancel, panic unwinding).
struct RawGuard;

impl Drop for RawGuard {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Ask for a password on the terminal (prompt on stderr, nothing echoed but `*`).
/// `Ok(None)` when the user cancelled.
pub fn read_masked(prompt: &str) -> std::io::Result<Option<Secret>> {
    let mut err = std::io::stderr();
    // Raw (no echo) before the prompt shows: a fast typist must not see the first keys echoed.
    crossterm::terminal::enable_raw_mode()?;
    let guard = RawGuard;
    write!(err, "{prompt}")?;
    err.flush()?;
    let mut buf = String::new();
    let outcome = loop {
        let Event::Key(key) = event::read()? else { continue };
        match edit(&mut buf, key) {
            Edit::Typed => write!(err, "*")?,
            Edit::Erased => write!(err, "\x08 \x08")?,
            Edit::Cleared(n) => write!(err, "{}", "\x08 \x08".repeat(n))?,
            Edit::Done => break Some(Secret::new(std::mem::take(&mut buf))),
            Edit::Cancelled => break None,
            Edit::Ignored => {}
        }
        err.flush()?;
    };
    drop(guard);
    // Raw mode ignored the user's enter: move to a fresh line ourselves.
    write!(err, "\r\n")?;
    err.flush()?;
    Ok(outcome)
}

/// The prompt text: "Password for admin@prod: ".
pub fn prompt_text(username: &str, instance: &str) -> String {
    format!("Password for {username}@{instance}: ")
}

/// Fill the password of every instance that wants one from the terminal. `headless` commands
/// refuse when stdin is not a terminal (a script would hang): exit 2, naming what to set.
pub fn ask_passwords(cfg: &mut Config, headless: bool) -> Result<(), Failure> {
    for inst in cfg.instances.iter_mut().filter(|i| i.password_prompt) {
        let Auth::Login { username, password } = &mut inst.auth else { continue };
        if headless && !std::io::stdin().is_terminal() {
            return Err(Failure::new(
                ErrorKind::Usage,
                format!("instance {}: user {username} has no password and there is no terminal to ask on", inst.name),
            )
            .with_hint(
                "set password_env = \"VAR\" for this instance (and export VAR), or use a token: \
                 --auth-token / ARGOCD_AUTH_TOKEN, token_env, token_file, vault or argocd_context",
            ));
        }
        match read_masked(&prompt_text(username, &inst.name)) {
            Ok(Some(p)) if !p.is_empty() => *password = p,
            Ok(Some(_)) => return Err(Failure::new(ErrorKind::Usage, "empty password")),
            Ok(None) => return Err(Failure::new(ErrorKind::Usage, "login cancelled")),
            Err(e) => {
                return Err(Failure::new(ErrorKind::Usage, format!("cannot read the password: {e}"))
                    .with_hint("run Flightdeck in a terminal, or set password_env for this instance"))
            }
        }
        inst.password_prompt = false;
        inst.auth_source = format!("password typed at the prompt (user {username})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn typing_erasing_and_finishing() {
        let none = KeyModifiers::NONE;
        let mut b = String::new();
        assert_eq!(edit(&mut b, key(KeyCode::Char('p'), none)), Edit::Typed);
        assert_eq!(edit(&mut b, key(KeyCode::Char('W'), KeyModifiers::SHIFT)), Edit::Typed);
        assert_eq!(edit(&mut b, key(KeyCode::Char('x'), none)), Edit::Typed);
        assert_eq!(edit(&mut b, key(KeyCode::Backspace, none)), Edit::Erased);
        assert_eq!(b, "pW");
        assert_eq!(edit(&mut b, key(KeyCode::Left, none)), Edit::Ignored);
        assert_eq!(edit(&mut b, key(KeyCode::Enter, none)), Edit::Done);
        assert_eq!(b, "pW");
        assert_eq!(edit(&mut b, key(KeyCode::Char('u'), KeyModifiers::CONTROL)), Edit::Cleared(2));
        assert!(b.is_empty());
        assert_eq!(edit(&mut b, key(KeyCode::Backspace, none)), Edit::Ignored);
    }

    #[test]
    fn ctrl_c_and_esc_cancel() {
        let mut b = "abc".to_string();
        assert_eq!(edit(&mut b, key(KeyCode::Char('c'), KeyModifiers::CONTROL)), Edit::Cancelled);
        assert_eq!(edit(&mut b, key(KeyCode::Esc, KeyModifiers::NONE)), Edit::Cancelled);
        let mut release = key(KeyCode::Char('z'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(edit(&mut b, release), Edit::Ignored);
        assert_eq!(b, "abc");
    }

    #[test]
    fn prompt_names_user_and_instance() {
        assert_eq!(prompt_text("admin", "prod"), "Password for admin@prod: ");
    }
}
