//! A remote value that never blanks: while it reloads or after a failure, the last good
//! value stays visible with its age.

use chrono::{DateTime, Utc};

use super::Failure;

/// Every remote value the UI shows.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Loadable<T> {
    #[default]
    NotAsked,
    /// Being fetched; the previous value (and when it arrived) stays shown.
    Loading {
        stale: Option<(T, DateTime<Utc>)>,
    },
    Ready {
        value: T,
        at: DateTime<Utc>,
    },
    /// The fetch failed; the previous value stays shown beside the error.
    Failed {
        failure: Failure,
        stale: Option<(T, DateTime<Utc>)>,
    },
}

impl<T> Loadable<T> {
    /// The newest value we have, fresh or stale.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Ready { value, .. } => Some(value),
            Self::Loading { stale } | Self::Failed { stale, .. } => stale.as_ref().map(|(v, _)| v),
            Self::NotAsked => None,
        }
    }
    /// When the value shown arrived.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Ready { at, .. } => Some(*at),
            Self::Loading { stale } | Self::Failed { stale, .. } => stale.as_ref().map(|(_, at)| *at),
            Self::NotAsked => None,
        }
    }
    pub fn is_loading(&self) -> bool {
        matches!(self, Self::Loading { .. })
    }
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Self::Failed { failure, .. } => Some(failure),
            _ => None,
        }
    }
    fn take_stale(self) -> Option<(T, DateTime<Utc>)> {
        match self {
            Self::Ready { value, at } => Some((value, at)),
            Self::Loading { stale } | Self::Failed { stale, .. } => stale,
            Self::NotAsked => None,
        }
    }
    /// Start a reload, keeping what is shown.
    pub fn start_loading(&mut self) {
        let old = std::mem::take(self);
        *self = Self::Loading { stale: old.take_stale() };
    }
    /// Apply a result: a value replaces, a failure keeps the stale value.
    pub fn finish(&mut self, result: Result<T, Failure>, now: DateTime<Utc>) {
        let old = std::mem::take(self);
        *self = match result {
            Ok(value) => Self::Ready { value, at: now },
            Err(failure) => Self::Failed { failure, stale: old.take_stale() },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_and_failure_keep_the_last_value() {
        let t0 = DateTime::from_timestamp(0, 0).unwrap();
        let mut l: Loadable<u32> = Loadable::NotAsked;
        l.start_loading();
        assert_eq!(l.value(), None);
        l.finish(Ok(7), t0);
        l.start_loading();
        assert_eq!(l.value(), Some(&7));
        l.finish(Err(Failure::new(super::super::ErrorKind::Unavailable, "down")), t0);
        assert_eq!(l.value(), Some(&7));
        assert_eq!(l.at(), Some(t0));
        assert!(l.failure().is_some());
    }
}
