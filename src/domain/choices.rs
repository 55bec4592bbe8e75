//! The one wording of "that is not one of the choices": an unknown environment, service,
//! request id, history id or container becomes a usage failure (exit 2) that names what was
//! given, the closest valid choices first ("did you mean"), and the rest of them. Every
//! command calls this, so the sentence is the same everywhere.

use super::{ErrorKind, Failure};

/// At most this many choices are listed after the closest ones; longer lists end in "…".
const LISTED: usize = 12;

/// Edit distance (Levenshtein) of two short strings, counting characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(cur) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// What differs between two names once their common start and end are set aside.
fn differing(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let end = a[start..].iter().rev().zip(b[start..].iter().rev()).take_while(|(x, y)| x == y).count();
    (a.len() - start - end).max(b.len() - start - end)
}

/// The choices close enough to `given` to be what was meant, closest first: a substring
/// either way, or a few edits (at most half of what differs once the common start and end
/// are set aside, at least 1) — so `rollout promot` suggests `rollout promote`, not
/// `rollout abort`.
/// A number (a history id) gets the nearest number instead.
pub fn closest<'a>(given: &str, choices: &'a [String]) -> Vec<&'a str> {
    if let Ok(n) = given.trim().parse::<i64>() {
        let nearest = choices.iter().filter_map(|c| c.parse::<i64>().ok().map(|v| (v.abs_diff(n), c.as_str()))).min();
        return nearest.map(|(_, c)| c).into_iter().collect();
    }
    let g = given.to_lowercase();
    let mut scored: Vec<(usize, &str)> = choices
        .iter()
        .filter_map(|c| {
            let l = c.to_lowercase();
            let d = distance(&g, &l);
            let near = d <= (differing(&g, &l) / 2).max(1);
            let contains = !g.is_empty() && (l.contains(&g) || g.contains(&l));
            (near || contains).then_some((if contains { d.min(1) } else { d }, c.as_str()))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    scored.into_iter().map(|(_, c)| c).take(3).collect()
}

/// `unknown environment "prd"; did you mean prod? (choices: dev, staging, prod)`, exit 2.
/// `what` names the kind of thing ("environment", "service", "request"); the hint says where
/// the choices come from when the list is cut or empty.
pub fn unknown(what: &str, given: &str, choices: &[String]) -> Failure {
    let near = closest(given, choices);
    let mut msg = format!("unknown {what} {given:?}");
    if !near.is_empty() {
        msg.push_str(&format!("; did you mean {}?", near.join(" or ")));
    }
    if choices.is_empty() {
        msg.push_str(&format!(" (there is no {what} to choose from)"));
    } else {
        let listed: Vec<&str> = choices.iter().take(LISTED).map(String::as_str).collect();
        let more = if choices.len() > LISTED { format!(", … {} in all", choices.len()) } else { String::new() };
        msg.push_str(&format!(" (choices: {}{more})", listed.join(", ")));
    }
    Failure::new(ErrorKind::Usage, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs() -> Vec<String> {
        ["dev", "staging", "prod"].map(String::from).to_vec()
    }

    #[test]
    fn a_typo_names_the_closest_choice_first() {
        assert_eq!(closest("prd", &envs()), ["prod"]);
        assert_eq!(closest("stagin", &envs()), ["staging"]);
        assert_eq!(closest("Prod", &envs()), ["prod"]);
        let steps = ["rollout promote", "rollout abort", "rollout resume"].map(String::from).to_vec();
        assert_eq!(closest("rollout promot", &steps), ["rollout promote"]);
        assert_eq!(closest("chekout", &["checkout".to_string()]), ["checkout"]);
        assert!(closest("nope", &envs()).is_empty());
        let services = ["payment-service", "payments", "checkout"].map(String::from).to_vec();
        assert_eq!(closest("payment", &services), ["payment-service", "payments"]);
        let ids = ["10", "9", "8"].map(String::from).to_vec();
        assert_eq!(closest("0", &ids), ["8"]);
        assert_eq!(closest("11", &ids), ["10"]);
    }

    #[test]
    fn the_message_has_the_guess_and_the_choices() {
        let f = unknown("environment", "prd", &envs());
        assert_eq!(f.kind, ErrorKind::Usage);
        assert_eq!(f.message, r#"unknown environment "prd"; did you mean prod? (choices: dev, staging, prod)"#);
        let f = unknown("environment", "nope", &envs());
        assert_eq!(f.message, r#"unknown environment "nope" (choices: dev, staging, prod)"#);
        let f = unknown("request", "req-1", &[]);
        assert_eq!(f.message, r#"unknown request "req-1" (there is no request to choose from)"#);
        let many: Vec<String> = (0..20).map(|i| format!("svc-{i:02}")).collect();
        assert!(unknown("service", "x", &many).message.ends_with("svc-11, … 20 in all)"));
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }
}
