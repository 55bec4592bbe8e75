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
/// Bit of [`states_of`] for an app out of sync (the healths take bits 0–5).
pub const OUT_OF_SYNC: u8 = 1 << 6;

/// The health and sync states of a service's apps as bits: bit `Health as u8` per health
/// present, and [`OUT_OF_SYNC`].
pub fn states_of<'a>(deps: impl IntoIterator<Item = &'a Deployment>) -> u8 {
    deps.into_iter()
        .fold(0, |bits, d| bits | 1 << d.health as u8 | if d.sync == SyncStatus::OutOfSync { OUT_OF_SYNC } else { 0 })
}

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

    /// Whether only words are asked (no `health:`, `sync:` or `env:` term): then a service's
    /// lowercased names and state bits decide, as `matches` would on its apps.
    pub fn words_only(&self) -> bool {
        self.health.is_empty() && self.sync.is_empty() && self.env.is_empty()
    }

    /// `matches` for a words-only filter, from what the rows' index keeps of a service: its
    /// names lowercased in one string, and [`states_of`] its apps.
    pub fn matches_names(&self, names: &str, states: u8) -> bool {
        self.words.iter().all(|w| {
            names.contains(w.as_str())
                || HEALTHS.iter().any(|h| states & (1 << *h as u8) != 0 && starts_with_folded(h.as_str(), w))
                || (states & OUT_OF_SYNC != 0 && "outofsync".starts_with(&w.replace('-', "")))
        })
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
                    || "outofsync".contains(w.replace('-', "").as_str())
            })
    }

    /// Whether a service row with these deployments passes.
    pub fn matches(&self, service: &str, deps: &[&Deployment]) -> bool {
        let deployment_terms = |d: &Deployment| {
            self.health.iter().all(|h| starts_with_folded(d.health.as_str(), h))
                && self.sync.iter().all(|s| starts_with_folded(d.sync.as_str(), s))
                && self.env.iter().all(|e| contains_folded(&d.env, e))
        };
        let terms = self.health.is_empty() && self.sync.is_empty() && self.env.is_empty()
            || deps.iter().any(|d| deployment_terms(d));
        terms && self.words.iter().all(|w| word_matches(w, service, deps))
    }
}

fn word_matches(w: &str, service: &str, deps: &[&Deployment]) -> bool {
    contains_folded(service, w)
        || deps.iter().any(|d| {
            contains_folded(&d.key.name, w)
                || d.team.as_deref().is_some_and(|t| contains_folded(t, w))
                || starts_with_folded(d.health.as_str(), w)
                || (d.sync == SyncStatus::OutOfSync && "outofsync".starts_with(&w.replace('-', "")))
        })
}

/// `hay` lowercased contains `needle` (already lowercase), without allocating for ASCII text:
/// a filter keystroke tests every service of the estate.
fn contains_folded(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() {
        hay.as_bytes().windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        hay.to_lowercase().contains(needle)
    }
}

/// `hay` lowercased starts with `prefix` (already lowercase); `hay` is one of our own ASCII
/// words (health, sync).
fn starts_with_folded(hay: &str, prefix: &str) -> bool {
    hay.as_bytes().get(..prefix.len()).is_some_and(|h| h.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Natural order: runs of digits compare by value, the rest by character (case-insensitive
/// first, then exactly, so the order is total).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    // Sorting 16,000 services by team compares many equal names; by version, short ASCII.
    if a == b {
        return Ordering::Equal;
    }
    if a.is_ascii() && b.is_ascii() {
        return natural_cmp_ascii(a.as_bytes(), b.as_bytes()).then_with(|| a.cmp(b));
    }
    natural_cmp_chars(a, b)
}

/// `natural_cmp` on any text, character by character.
fn natural_cmp_chars(a: &str, b: &str) -> Ordering {
    // Byte offsets into both; digit runs are compared as slices (sorting 16,000 services
    // allocates nothing).
    let (mut i, mut j) = (0, 0);
    loop {
        match (a[i..].chars().next(), b[j..].chars().next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let n_end = i + a[i..].bytes().take_while(u8::is_ascii_digit).count();
                let m_end = j + b[j..].bytes().take_while(u8::is_ascii_digit).count();
                let (n, m) = (a[i..n_end].trim_start_matches('0'), b[j..m_end].trim_start_matches('0'));
                let by = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if by != Ordering::Equal {
                    return by;
                }
                (i, j) = (n_end, m_end);
            }
            (Some(c), Some(d)) => {
                let by = if c.is_ascii() && d.is_ascii() {
                    c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase())
                } else {
                    c.to_lowercase().cmp(d.to_lowercase())
                };
                if by != Ordering::Equal {
                    return by;
                }
                (i, j) = (i + c.len_utf8(), j + d.len_utf8());
            }
        }
    }
}

/// `natural_cmp` on ASCII bytes, before its exact tie-break.
fn natural_cmp_ascii(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (c, d) = (a[i], b[j]);
        if c.is_ascii_digit() && d.is_ascii_digit() {
            let n_end = i + a[i..].iter().take_while(|x| x.is_ascii_digit()).count();
            let m_end = j + b[j..].iter().take_while(|x| x.is_ascii_digit()).count();
            let trim = |run: &[u8]| run.iter().position(|x| *x != b'0').map_or(0, |z| run.len() - z);
            let (n_len, m_len) = (trim(&a[i..n_end]), trim(&b[j..m_end]));
            let by = n_len.cmp(&m_len).then_with(|| a[n_end - n_len..n_end].cmp(&b[m_end - m_len..m_end]));
            if by != Ordering::Equal {
                return by;
            }
            (i, j) = (n_end, m_end);
        } else {
            let by = c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase());
            if by != Ordering::Equal {
                return by;
            }
            (i, j) = (i + 1, j + 1);
        }
    }
    (a.len() - i).cmp(&(b.len() - j)).then(Ordering::Equal)
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
    fn the_ascii_path_orders_exactly_as_the_character_path() {
        // Every pair of a set of names that covers case, digit runs (with leading zeros, of
        // different lengths, against letters) and prefixes.
        let names = [
            "", "a", "A", "b", "svc", "svc-2", "svc-10", "svc-02", "svc-002", "Svc-2", "svc2a", "svc2b", "v1.9.0",
            "v1.10.0", "v1.10", "v01.10.0", "10", "9", "0", "00", "a0", "a00", "a-0", "z", "_", "1a", "a1b2", "a1b10",
        ];
        for a in names {
            for b in names {
                let fast = natural_cmp_ascii(a.as_bytes(), b.as_bytes()).then_with(|| a.cmp(b));
                assert_eq!(fast, natural_cmp_chars(a, b), "{a:?} vs {b:?}");
                assert_eq!(natural_cmp(a, b), natural_cmp_chars(a, b), "{a:?} vs {b:?}");
            }
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
