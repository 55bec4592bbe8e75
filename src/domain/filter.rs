//! The matrix filter and the natural order, pure. A filter is words and `key:value` terms,
//! all of which must hold: words match a service's name, team or app names, or a health or
//! sync state (`/degraded` finds the degraded ones); `health:`, `sync:` and `env:` terms hold
//! when one deployment of the row has them together (`health:degraded env:prod`). Names sort
//! naturally: "svc-2" before "svc-10".

use std::cmp::Ordering;

use super::{Deployment, Health, SyncStatus};

const HEALTHS: [Health; 6] =
    [Health::Healthy, Health::Progressing, Health::Degraded, Health::Suspended, Health::Missing, Health::Unknown];

/// A parsed filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Plain words, lower case.
    pub words: Vec<String>,
    pub health: Vec<String>,
    pub sync: Vec<String>,
    pub env: Vec<String>,
}

impl Filter {
    pub fn parse(text: &str) -> Self {
        let mut f = Self::default();
        for token in text.split_whitespace().map(str::to_lowercase) {
            match token.split_once(':') {
                Some(("health" | "h", v)) if !v.is_empty() => f.health.push(v.to_string()),
                Some(("sync" | "s", v)) if !v.is_empty() => f.sync.push(v.replace('-', "")),
                Some(("env" | "e", v)) if !v.is_empty() => f.env.push(v.to_string()),
                _ => f.words.push(token),
            }
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.health.is_empty() && self.sync.is_empty() && self.env.is_empty()
    }

    /// Whether the filter reads health or sync state (then a state change may move a row in
    /// or out of it; a name-only filter never changes with state).
    pub fn reads_state(&self) -> bool {
        !self.health.is_empty()
            || !self.sync.is_empty()
            || self.words.iter().any(|w| {
                HEALTHS.iter().any(|h| h.as_str().to_lowercase().contains(w.as_str()))
                    || "outofsync".contains(w.as_str())
            })
    }

    /// Whether a service row with these deployments passes.
    pub fn matches(&self, service: &str, deps: &[&Deployment]) -> bool {
        let deployment_terms = |d: &Deployment| {
            let health = d.health.as_str().to_lowercase();
            let sync = d.sync.as_str().to_lowercase();
            self.health.iter().all(|h| health.starts_with(h.as_str()))
                && self.sync.iter().all(|s| sync.starts_with(s.as_str()))
                && self.env.iter().all(|e| d.env.to_lowercase().contains(e.as_str()))
        };
        let terms = self.health.is_empty() && self.sync.is_empty() && self.env.is_empty()
            || deps.iter().any(|d| deployment_terms(d));
        terms && self.words.iter().all(|w| word_matches(w, service, deps))
    }
}

fn word_matches(w: &str, service: &str, deps: &[&Deployment]) -> bool {
    service.to_lowercase().contains(w)
        || deps.iter().any(|d| {
            d.key.name.to_lowercase().contains(w)
                || d.team.as_deref().is_some_and(|t| t.to_lowercase().contains(w))
                || d.health.as_str().to_lowercase().starts_with(w)
                || (d.sync == SyncStatus::OutOfSync && "outofsync".starts_with(&w.replace('-', "")))
        })
}

/// Natural order: runs of digits compare by value, the rest by character (case-insensitive
/// first, then exactly, so the order is total).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut s = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        s.push(c);
                        it.next();
                    }
                    s
                };
                let (n, m) = (take(&mut x), take(&mut y));
                let (n, m) = (n.trim_start_matches('0'), m.trim_start_matches('0'));
                let by = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if by != Ordering::Equal {
                    return by;
                }
            }
            (Some(c), Some(d)) => {
                let by = c.to_lowercase().cmp(d.to_lowercase());
                if by != Ordering::Equal {
                    return by;
                }
                x.next();
                y.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AppKey;

    fn dep(service: &str, env: &str, health: Health, sync: SyncStatus) -> Deployment {
        Deployment {
            key: AppKey { instance: 0, namespace: "argocd".into(), name: format!("{service}-{env}") },
            service: service.into(),
            env: env.into(),
            team: Some("payments".into()),
            health,
            sync,
            ..Default::default()
        }
    }

    #[test]
    fn natural_order_counts_numbers() {
        let mut v = vec!["svc-10", "svc-2", "svc-1", "Svc-3", "svc-02a", "alpha"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["alpha", "svc-1", "svc-2", "svc-02a", "Svc-3", "svc-10"]);
        assert_eq!(natural_cmp("a", "A"), "a".cmp("A"), "total: equal ignoring case still orders");
    }

    #[test]
    fn words_match_names_teams_and_states_and_terms_hold_together() {
        let ok = dep("cart", "prod", Health::Healthy, SyncStatus::Synced);
        let bad = dep("cart", "staging", Health::Degraded, SyncStatus::OutOfSync);
        let row = [&ok, &bad];
        assert!(Filter::parse("degraded").matches("cart", &row));
        assert!(Filter::parse("PAY").matches("cart", &row), "the team");
        assert!(Filter::parse("out-of-sync").matches("cart", &row));
        assert!(!Filter::parse("degraded").matches("cart", &[&ok]));
        assert!(Filter::parse("health:degraded env:staging").matches("cart", &row));
        assert!(!Filter::parse("health:degraded env:prod").matches("cart", &row), "one deployment has both");
        assert!(Filter::parse("sync:outofsync").matches("cart", &row));
        assert!(!Filter::parse("cart sync:synced health:deg").matches("cart", &row));
        assert!(Filter::parse("degraded").reads_state() && !Filter::parse("cart").reads_state());
        assert!(Filter::parse("").is_empty());
    }
}
