//! Reading `policy.toml`: TOML into raw tables, then checks that point at the line at fault
//! (unknown keys, unknown environments, bad principals, bad freeze patterns, approvals that
//! nobody can give) and say what to do. Pure: the caller supplies the text and its path.

use std::ops::Range;
use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use toml::Spanned;

use super::{ActionKind, Cron, EnvPolicy, Freeze, FreezeWhen, Lane, Policy, Principal, Rules};
use crate::domain::config_error::ConfigError;

const SCHEMA_HINT: &str = "`flightdeck config example policy` prints every key with what it does";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    /// Pipeline order.
    environments: Spanned<Vec<String>>,
    /// How long a request waits for approvals before it expires: "72h", "3d", "90m".
    request_ttl: Option<Spanned<String>>,
    #[serde(default)]
    env: std::collections::BTreeMap<String, Spanned<RawEnv>>,
    /// Promotions allowed to skip environments (a hotfix lane), with rules of their own.
    #[serde(default)]
    lane: Vec<Spanned<RawLane>>,
    /// The teams a new service may belong to (any, when absent).
    #[serde(default)]
    teams: Vec<String>,
}

/// `[[lane]]`: a named promotion route that skips environments; its rule keys override the
/// target environment's promote rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLane {
    name: String,
    from: Spanned<String>,
    to: Spanned<String>,
    requesters: Option<Vec<Spanned<String>>>,
    approvals: Option<Spanned<u32>>,
    approvers: Option<Vec<Spanned<String>>>,
    self_approve: Option<bool>,
    require_ticket: Option<bool>,
    require_reason: Option<bool>,
    count_unverified: Option<bool>,
}

/// Rule keys shared by the environment table (its defaults) and its action tables.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawRules {
    requesters: Option<Vec<Spanned<String>>>,
    approvals: Option<Spanned<u32>>,
    approvers: Option<Vec<Spanned<String>>>,
    self_approve: Option<bool>,
    require_ticket: Option<bool>,
    require_reason: Option<bool>,
    count_unverified: Option<bool>,
    emergency: Option<Vec<Spanned<String>>>,
}

// serde cannot combine `flatten` with `deny_unknown_fields`, so the env table repeats the
// rule keys (its defaults for every action) next to its action tables.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawEnv {
    requesters: Option<Vec<Spanned<String>>>,
    approvals: Option<Spanned<u32>>,
    approvers: Option<Vec<Spanned<String>>>,
    self_approve: Option<bool>,
    require_ticket: Option<bool>,
    require_reason: Option<bool>,
    count_unverified: Option<bool>,
    emergency: Option<Vec<Spanned<String>>>,
    sync: Option<RawRules>,
    promote: Option<RawRules>,
    rollback: Option<RawRules>,
    scale: Option<RawRules>,
    deploy: Option<RawRules>,
    preview: Option<RawRules>,
    restart: Option<RawRules>,
    create: Option<RawRules>,
    #[serde(default)]
    freeze: Vec<Spanned<RawFreeze>>,
    /// Verification checks (`[[env.E.check]]`), see `checks.rs`.
    #[serde(default)]
    check: Vec<Spanned<super::checks::RawCheck>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFreeze {
    name: String,
    #[serde(default)]
    cron: Vec<Spanned<String>>,
    from: Option<Spanned<String>>,
    until: Option<Spanned<String>>,
    /// `+01:00`; default UTC.
    utc_offset: Option<Spanned<String>>,
    #[serde(default, rename = "override")]
    overriders: Vec<Spanned<String>>,
}

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, what: impl Into<String>, hint: impl Into<String>) -> ConfigError {
        ConfigError::at(self.path, self.text, span, what, hint)
    }

    fn principals(&self, list: &[Spanned<String>]) -> Result<Vec<Principal>, ConfigError> {
        list.iter()
            .map(|s| {
                Principal::parse(s.get_ref()).ok_or_else(|| {
                    self.err(
                        s.span(),
                        format!("{:?} names nobody", s.get_ref()),
                        "write \"*\" (anyone), \"user:NAME\" or \"group:NAME\" (groups as Argo CD's userinfo reports them)",
                    )
                })
            })
            .collect()
    }

    /// Apply one layer of rule keys on top of `base`.
    fn layer(&self, base: &Rules, raw: &RawRules) -> Result<Rules, ConfigError> {
        let mut r = base.clone();
        if let Some(p) = &raw.requesters {
            r.requesters = self.principals(p)?;
        }
        if let Some(n) = &raw.approvals {
            r.approvals = *n.get_ref();
        }
        if let Some(p) = &raw.approvers {
            r.approvers = self.principals(p)?;
        }
        if let Some(p) = &raw.emergency {
            r.emergency = self.principals(p)?;
        }
        r.self_approve = raw.self_approve.unwrap_or(r.self_approve);
        r.require_ticket = raw.require_ticket.unwrap_or(r.require_ticket);
        r.require_reason = raw.require_reason.unwrap_or(r.require_reason);
        r.count_unverified = raw.count_unverified.unwrap_or(r.count_unverified);
        Ok(r)
    }

    fn instant(&self, s: &Spanned<String>, offset: FixedOffset) -> Result<DateTime<Utc>, ConfigError> {
        let t = s.get_ref().trim();
        if let Ok(d) = DateTime::parse_from_rfc3339(t) {
            return Ok(d.with_timezone(&Utc));
        }
        let naive = NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .or_else(|| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").ok());
        match naive {
            Some(n) => Ok((n - chrono::Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()),
            None => Err(self.err(
                s.span(),
                format!("{t:?} is not a date"),
                "write YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" (in the freeze's utc_offset) or an RFC 3339 time",
            )),
        }
    }

    fn freeze(&self, raw: &Spanned<RawFreeze>) -> Result<Freeze, ConfigError> {
        let f = raw.get_ref();
        let utc_offset = match &f.utc_offset {
            None => FixedOffset::east_opt(0),
            Some(s) => parse_offset(s.get_ref()),
        }
        .ok_or_else(|| {
            let span = f.utc_offset.as_ref().map_or(raw.span(), Spanned::span);
            self.err(span, "utc_offset is not an offset", "write it as +HH:MM or -HH:MM, e.g. \"+01:00\"")
        })?;
        let mut when = Vec::new();
        for c in &f.cron {
            let cron = Cron::parse(c.get_ref()).map_err(|e| {
                self.err(
                    c.span(),
                    e,
                    "five fields: minute hour day-of-month month day-of-week, e.g. \"* 17-23 * * fri\"",
                )
            })?;
            when.push(FreezeWhen::Cron(cron));
        }
        match (&f.from, &f.until) {
            (Some(a), Some(b)) => {
                let (from, until) = (self.instant(a, utc_offset)?, self.instant(b, utc_offset)?);
                if from >= until {
                    return Err(self.err(
                        b.span(),
                        "the freeze ends before it starts",
                        "make `until` later than `from`",
                    ));
                }
                when.push(FreezeWhen::Range { from, until });
            }
            (None, None) => {}
            _ => {
                return Err(self.err(
                    raw.span(),
                    "a date-range freeze needs both `from` and `until`",
                    "add the missing one",
                ))
            }
        }
        if when.is_empty() {
            return Err(self.err(
                raw.span(),
                format!("freeze {:?} never applies", f.name),
                "give it `cron = [\"...\"]` patterns and/or `from` and `until` dates",
            ));
        }
        Ok(Freeze { name: f.name.clone(), when, utc_offset, overriders: self.principals(&f.overriders)? })
    }
}

fn parse_offset(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    if s == "Z" || s == "UTC" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
    // Bounded before multiplying: a huge hour count overflowed (found by fuzzing).
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Parse and check a policy file's text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Policy, ConfigError> {
    let raw: RawPolicy = toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e, SCHEMA_HINT))?;
    let cx = Ctx { path, text };
    let order = raw.environments.get_ref();
    if order.is_empty() {
        return Err(cx.err(
            raw.environments.span(),
            "no environments",
            "list them in pipeline order, e.g. [\"dev\", \"staging\", \"prod\"]",
        ));
    }
    if let Some(dup) = order.iter().enumerate().find(|(i, e)| order[..*i].contains(e)).map(|(_, e)| e) {
        return Err(cx.err(
            raw.environments.span(),
            format!("environment {dup:?} is listed twice"),
            "list each environment once",
        ));
    }
    let mut envs = Vec::new();
    for (name, spanned) in &raw.env {
        if !order.contains(name) {
            return Err(cx.err(
                spanned.span(),
                format!("[env.{name}] is not in `environments`"),
                format!("add {name:?} to `environments` in pipeline order, or fix the name ({})", order.join(", ")),
            ));
        }
        let e = spanned.get_ref();
        let env_layer = RawRules {
            requesters: e.requesters.clone(),
            approvals: e.approvals.clone(),
            approvers: e.approvers.clone(),
            self_approve: e.self_approve,
            require_ticket: e.require_ticket,
            require_reason: e.require_reason,
            count_unverified: e.count_unverified,
            emergency: e.emergency.clone(),
        };
        let base = cx.layer(&Rules::default(), &env_layer)?;
        let mut actions = Vec::new();
        for kind in ActionKind::ALL {
            let own = match kind {
                ActionKind::Sync => &e.sync,
                ActionKind::Promote => &e.promote,
                ActionKind::Rollback => &e.rollback,
                ActionKind::Scale => &e.scale,
                ActionKind::Restart => &e.restart,
                ActionKind::Deploy => &e.deploy,
                ActionKind::Preview => &e.preview,
                ActionKind::Create => &e.create,
            };
            let rules = match own {
                Some(raw_rules) => cx.layer(&base, raw_rules)?,
                None => base.clone(),
            };
            if rules.approvals > 0 && rules.approvers.is_empty() {
                return Err(cx.err(
                    spanned.span(),
                    format!("{kind} in {name} needs {} approvals but names no approvers", rules.approvals),
                    "set `approvers`, or set `approvals = 0`",
                ));
            }
            actions.push((kind, rules));
        }
        let freezes = e.freeze.iter().map(|f| cx.freeze(f)).collect::<Result<Vec<_>, _>>()?;
        let err = |span, what: String, hint: &str| cx.err(span, what, hint);
        let checks = e.check.iter().map(|c| super::checks::check(c, &err)).collect::<Result<Vec<_>, _>>()?;
        envs.push(EnvPolicy { name: name.clone(), actions, freezes, checks });
    }
    // Environments without a table get the defaults, so every listed one has rules.
    for name in order {
        if !envs.iter().any(|e| &e.name == name) {
            let actions = ActionKind::ALL.iter().map(|k| (*k, Rules::default())).collect();
            envs.push(EnvPolicy { name: name.clone(), actions, freezes: Vec::new(), checks: Vec::new() });
        }
    }
    envs.sort_by_key(|e| order.iter().position(|o| *o == e.name));
    let lanes = raw.lane.iter().map(|l| cx.lane(l, order, &envs)).collect::<Result<Vec<_>, _>>()?;
    let request_ttl = match &raw.request_ttl {
        None => super::DEFAULT_REQUEST_TTL,
        Some(t) => parse_duration(t.get_ref()).ok_or_else(|| {
            cx.err(
                t.span(),
                format!("request_ttl {:?} is not a duration", t.get_ref()),
                "write e.g. \"72h\", \"3d\" or \"90m\"",
            )
        })?,
    };
    Ok(Policy { environments: order.clone(), envs, lanes, request_ttl, open: false, teams: raw.teams })
}

/// "90m", "72h", "3d" → a positive duration.
fn parse_duration(s: &str) -> Option<chrono::Duration> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    match unit.trim() {
        "m" | "min" => chrono::Duration::try_minutes(n),
        "h" => chrono::Duration::try_hours(n),
        "d" => chrono::Duration::try_days(n),
        _ => None,
    }
}

impl Ctx<'_> {
    /// A `[[lane]]`: both ends known, forward, skipping at least one environment; its rules
    /// layered on the target's promote rules.
    fn lane(&self, raw: &Spanned<RawLane>, order: &[String], envs: &[EnvPolicy]) -> Result<Lane, ConfigError> {
        let l = raw.get_ref();
        let pos = |e: &Spanned<String>| {
            order.iter().position(|o| o == e.get_ref()).ok_or_else(|| {
                self.err(
                    e.span(),
                    format!("lane {:?}: {:?} is not in `environments`", l.name, e.get_ref()),
                    format!("use one of {}", order.join(", ")),
                )
            })
        };
        let (from, to) = (pos(&l.from)?, pos(&l.to)?);
        if to <= from + 1 {
            return Err(self.err(
                raw.span(),
                format!(
                    "lane {:?} skips nothing: {} → {} is not a skip forward",
                    l.name,
                    l.from.get_ref(),
                    l.to.get_ref()
                ),
                "a lane names a later environment than the next one, e.g. from = \"dev\", to = \"prod\"",
            ));
        }
        let base = envs
            .iter()
            .find(|e| &e.name == l.to.get_ref())
            .and_then(|e| e.rules(ActionKind::Promote))
            .cloned()
            .unwrap_or_default();
        let own = RawRules {
            requesters: l.requesters.clone(),
            approvals: l.approvals.clone(),
            approvers: l.approvers.clone(),
            self_approve: l.self_approve,
            require_ticket: l.require_ticket,
            require_reason: l.require_reason,
            count_unverified: l.count_unverified,
            emergency: None,
        };
        let rules = self.layer(&base, &own)?;
        if rules.approvals > 0 && rules.approvers.is_empty() {
            return Err(self.err(
                raw.span(),
                format!("lane {:?} needs approvals but names no approvers", l.name),
                "set `approvers`",
            ));
        }
        Ok(Lane { name: l.name.clone(), from: l.from.get_ref().clone(), to: l.to.get_ref().clone(), rules })
    }
}

/// The example policy shipped in `config/`, compiled in so tests and the simulator use it.
pub const EXAMPLE: &str = include_str!("../../../config/policy.example.toml");
