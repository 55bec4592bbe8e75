//! A failure as the UI and the CLI see it: a kind to branch on, the server's reason,
//! and what the user can do about it.

use std::fmt;

/// What went wrong, coarse enough to branch on (exit codes, hints, retry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 401: no or bad credentials.
    Unauthorized,
    /// 403: authenticated but not allowed (or the app is hidden from you).
    Forbidden,
    /// 404.
    NotFound,
    /// 409.
    Conflict,
    /// 400: the server refused the request as it stands (e.g. an operation is running).
    Rejected,
    /// Request or operation took too long.
    Timeout,
    /// Connection refused, DNS, TLS, 5xx.
    Unavailable,
    /// The answer was not what the contract says.
    Decode,
    /// Bad input or configuration on our side.
    Usage,
    /// The action ran and its operation failed or the app ended degraded.
    ActionFailed,
    /// Read-only mode refused a write before anything was sent.
    ReadOnly,
}

impl ErrorKind {
    /// Exit code of the headless commands: 1 failed, 2 usage, 3 auth or read-only, 4 unreachable.
    pub fn exit_code(self) -> i32 {
        match self {
            Self::ActionFailed | Self::Rejected | Self::Conflict | Self::NotFound | Self::Decode => 1,
            Self::Usage => 2,
            Self::Unauthorized | Self::Forbidden | Self::ReadOnly => 3,
            Self::Timeout | Self::Unavailable => 4,
        }
    }
}

/// A failure with the server's message and a hint of what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), hint: None }
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " — {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}
