//! Read-only mode: where it was switched on, and the one refusal every write path gives —
//! the console when an action key is pressed, the headless commands (exit 3), and the
//! client's write check (`client::writes`) before a request, a push or a ledger record leaves.

use super::{ErrorKind, Failure};

/// What switched writes off. Read-only is only ever switched on: a later layer (a variable,
/// the config file) can add it, never take it away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadOnly {
    /// `--read-only` on the command line.
    Flag,
    /// `FLIGHTDECK_READ_ONLY` in the environment.
    Env,
    /// `read_only = true` at the top of the config file (every instance, Git and the ledger).
    Config,
    /// `read_only = true` on this one `[[instance]]`.
    Instance(String),
}

impl ReadOnly {
    /// Where it was switched on, as the user wrote it.
    pub fn cause(&self) -> String {
        match self {
            Self::Flag => "--read-only".into(),
            Self::Env => "FLIGHTDECK_READ_ONLY".into(),
            Self::Config => "read_only in the config".into(),
            Self::Instance(name) => format!("read_only on instance {name}"),
        }
    }

    /// How to act after all.
    fn hint(&self) -> &'static str {
        match self {
            Self::Flag => "this session only looks; start it without --read-only to act",
            Self::Env => "this session only looks; unset FLIGHTDECK_READ_ONLY to act",
            Self::Config => "this session only looks; remove read_only from the config file to act",
            Self::Instance(_) => "this instance is only looked at; remove read_only from its [[instance]] to act",
        }
    }

    /// The refusal of `what` (`sync`, `git push`, `approval record`…): nothing was sent.
    pub fn refusal(&self, what: &str) -> Failure {
        Failure::new(ErrorKind::ReadOnly, format!("read-only ({}): {what} refused, nothing was sent", self.cause()))
            .with_hint(self.hint())
    }
}

/// `FLIGHTDECK_READ_ONLY`'s value as a switch: `1`/`true`/`yes`/`on` (any case) on,
/// `0`/`false`/`no`/`off` or empty off; anything else is a mistake to report.
pub fn switch(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("FLIGHTDECK_READ_ONLY={other:?} is not a switch: use 1 (read-only) or 0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_cause_and_exits_3() {
        let f = ReadOnly::Instance("prod".into()).refusal("sync");
        assert_eq!(f.message, "read-only (read_only on instance prod): sync refused, nothing was sent");
        assert_eq!(f.kind.exit_code(), 3);
        assert!(ReadOnly::Flag.refusal("git push").hint.unwrap_or_default().contains("--read-only"));
    }

    #[test]
    fn the_variable_is_a_switch() {
        assert_eq!(switch("1"), Ok(true));
        assert_eq!(switch(" On "), Ok(true));
        assert_eq!(switch("0"), Ok(false));
        assert_eq!(switch(""), Ok(false));
        assert!(switch("maybe").is_err());
    }
}
