//! Kubernetes label selectors as the list/watch `selector` parameter accepts them: equality
//! (`a=b`, `a==b`, `a!=b`), existence (`key`, `!key`) and set-based (`a in (x,y)`, `a notin (x)`).

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector(Vec<Req>);

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && k.starts_with(|c: char| c.is_ascii_alphanumeric())
}

fn valid_value(v: &str) -> bool {
    v.len() <= 63 && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Split on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn parse_set(rest: &str) -> Result<Vec<String>, String> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| "found '', expected: '('".to_string())?;
    let vals: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
    if let Some(bad) = vals.iter().find(|v| !valid_value(v)) {
        return Err(format!("invalid label value: \"{bad}\""));
    }
    Ok(vals)
}

impl Selector {
    /// Parse; the error is the text after `error parsing the selector: `.
    pub fn parse(s: &str) -> Result<Selector, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(Selector(reqs));
        }
        for part in split_top(s) {
            let part = part.trim();
            let req = if let Some(k) = part.strip_prefix('!') {
                Req::NotExists(k.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Req::Ne(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once("==") {
                Req::Eq(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, v)) = part.split_once('=') {
                Req::Eq(k.trim().to_string(), v.trim().to_string())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Req::NotIn(k.trim().to_string(), parse_set(rest)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Req::In(k.trim().to_string(), parse_set(rest)?)
            } else {
                Req::Exists(part.to_string())
            };
            let (key, val) = match &req {
                Req::Eq(k, v) | Req::Ne(k, v) => (k, Some(v)),
                Req::Exists(k) | Req::NotExists(k) | Req::In(k, _) | Req::NotIn(k, _) => (k, None),
            };
            if !valid_key(key) {
                return Err(format!(
                    "unable to parse requirement: invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.'"
                ));
            }
            if let Some(v) = val {
                if !valid_value(v) {
                    return Err(format!("unable to parse requirement: invalid label value: \"{v}\""));
                }
            }
            reqs.push(req);
        }
        Ok(Selector(reqs))
    }

    pub fn matches(&self, labels: &BTreeMap<&str, &str>) -> bool {
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k.as_str()) == Some(&v.as_str()),
            Req::Ne(k, v) => labels.get(k.as_str()) != Some(&v.as_str()),
            Req::Exists(k) => labels.contains_key(k.as_str()),
            Req::NotExists(k) => !labels.contains_key(k.as_str()),
            Req::In(k, vs) => labels.get(k.as_str()).is_some_and(|l| vs.iter().any(|v| v == l)),
            Req::NotIn(k, vs) => labels.get(k.as_str()).is_none_or(|l| vs.iter().all(|v| v != l)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_existence_and_errors() {
        let labels: BTreeMap<&str, &str> = [("team", "web"), ("env", "prod")].into_iter().collect();
        assert!(Selector::parse("team=web,env!=dev").unwrap().matches(&labels));
        assert!(!Selector::parse("team==data").unwrap().matches(&labels));
        assert!(Selector::parse("team,!missing").unwrap().matches(&labels));
        assert!(Selector::parse("env in (prod,staging)").unwrap().matches(&labels));
        assert!(Selector::parse("team=web=x").is_err());
        assert!(Selector::parse("=x").is_err());
    }
}
