//! Preview environments: a short-lived copy of one service's environment (its overlay beside
//! the source one, `…/overlays/preview-NAME`, and an Application), with an owner and an
//! expiry. Git holds the truth: the overlay directory carries a `preview.toml` saying who
//! asked, from which environment, when and until when, so a preview is listed, extended and
//! torn down by commits like every other change. Pure: naming, the TTL rules, the metadata
//! file, and which previews are due for tear-down at a given time.

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use super::template::check_label;

/// The file in a preview's overlay directory that describes it.
pub const META_FILE: &str = "preview.toml";
/// Every preview environment's name starts with this, so it never shadows a pipeline one.
pub const PREFIX: &str = "preview-";
/// The TTL when none is asked for.
pub const DEFAULT_TTL: Duration = Duration::hours(8);
/// The longest TTL one request or extension may set: a preview is not a place to live.
pub const MAX_TTL: Duration = Duration::days(7);

/// What a GitOps preview change does (the `Intent` of its promotion-shaped action).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewIntent {
    /// The preview environment's name (`preview-…`).
    pub name: String,
    /// Whose preview, and the environment whose overlay it copies (the change's target).
    pub service: String,
    pub from: String,
    pub op: PreviewOp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewOp {
    /// Create it from the source environment's overlay (with `tag` instead of its version,
    /// when given), owned by `owner` from `created` until `expires`. The times are fixed
    /// when asked, so the diff shown is the diff committed.
    Request { owner: String, created: DateTime<Utc>, expires: DateTime<Utc>, tag: Option<String> },
    /// Move its expiry.
    Extend { expires: DateTime<Utc> },
    /// Remove it; `expired`: because its TTL passed (recorded as such).
    TearDown { expired: bool },
}

impl PreviewOp {
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Request { .. } => "request preview",
            Self::Extend { .. } => "extend preview",
            Self::TearDown { .. } => "tear down preview",
        }
    }
}

impl PreviewIntent {
    /// "preview-dave-1a2b until 2026-12-03 18:00 UTC (v1.2.0)", for run logs and subjects.
    pub fn describe(&self) -> String {
        let until = |d: &DateTime<Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
        match &self.op {
            PreviewOp::Request { expires, tag: Some(t), .. } => format!("{} until {} ({t})", self.name, until(expires)),
            PreviewOp::Request { expires, .. } => format!("{} until {}", self.name, until(expires)),
            PreviewOp::Extend { expires } => format!("{} until {}", self.name, until(expires)),
            PreviewOp::TearDown { expired: true } => format!("{} (its TTL passed)", self.name),
            PreviewOp::TearDown { expired: false } => self.name.clone(),
        }
    }
}

/// One preview environment as its `preview.toml` describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    pub name: String,
    pub service: String,
    /// The environment it was copied from (its policy governs the preview).
    pub from: String,
    pub owner: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
}

impl Preview {
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires <= now
    }

    /// "in 3h12m" or "expired 5m ago".
    pub fn remaining(&self, now: DateTime<Utc>) -> String {
        let left = self.expires - now;
        if left > Duration::zero() {
            format!("in {}", short(left))
        } else {
            format!("expired {} ago", short(-left))
        }
    }

    /// The `preview.toml` text.
    pub fn to_toml(&self) -> String {
        let q = |s: &str| toml_string(s);
        // Quoted: chrono reads RFC 3339 strings, not TOML's own date-time values.
        let t = |d: &DateTime<Utc>| q(&d.to_rfc3339_opts(SecondsFormat::Secs, true));
        format!(
            "# A preview environment managed by Flightdeck (`flightdeck env list`); it is torn down\n\
             # when `expires` passes. Change it with `flightdeck env extend` or `flightdeck env down`.\n\
             name = {}\nservice = {}\nfrom = {}\nowner = {}\ncreated = {}\nexpires = {}\n",
            q(&self.name),
            q(&self.service),
            q(&self.from),
            q(&self.owner),
            t(&self.created),
            t(&self.expires),
        )
    }

    /// Parse a `preview.toml`; the error names the file.
    pub fn parse(path: &str, text: &str) -> Result<Preview, String> {
        toml::from_str::<Preview>(text).map_err(|e| format!("{path}: {}", e.message()))
    }
}

/// A TOML basic string (quotes and backslashes escaped, control characters dropped).
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// "3h12m", "45m", "2d4h", "30s".
pub fn short(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, mins) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, h, _) => format!("{d}d{h}h"),
    }
}

/// Check a requested TTL against the limits.
pub fn check_ttl(ttl: Duration) -> Result<Duration, String> {
    if ttl <= Duration::zero() {
        return Err("the TTL must be positive".into());
    }
    if ttl > MAX_TTL {
        return Err(format!("a preview lives at most {} (asked {})", short(MAX_TTL), short(ttl)));
    }
    Ok(ttl)
}

/// The preview name for `owner`: `preview-OWNER-XXXX` (a DNS label), or the one asked for.
/// `salt` makes two previews of one owner differ (the caller passes the time).
pub fn name_for(asked: Option<&str>, owner: &str, salt: u64) -> Result<String, String> {
    let name = match asked {
        Some(n) if n.starts_with(PREFIX) => n.to_string(),
        Some(n) => format!("{PREFIX}{n}"),
        None => {
            let slug: String = owner
                .to_ascii_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .take(20)
                .collect();
            let slug = slug.trim_matches('-');
            let slug = if slug.is_empty() { "anon" } else { slug };
            format!("{PREFIX}{slug}-{:04x}", salt % 0x10000)
        }
    };
    check_label("the preview name", &name)?;
    Ok(name)
}

/// A TTL as read by `domain::duration` (std), checked against the limits.
pub fn ttl_of(d: std::time::Duration) -> Result<Duration, String> {
    check_ttl(Duration::from_std(d).map_err(|_| format!("a preview lives at most {}", short(MAX_TTL)))?)
}

/// A request for a preview of `service` in `from`, owned by `owner`: the TTL (default
/// [`DEFAULT_TTL`]) checked, the name made (or the one asked for) and checked to fit
/// Kubernetes with the service's. One decision for the console and `env request`.
#[allow(clippy::too_many_arguments)]
pub fn request(
    service: &str,
    from: &str,
    owner: &str,
    name: Option<&str>,
    ttl: Option<std::time::Duration>,
    tag: Option<String>,
    now: DateTime<Utc>,
    salt: u64,
) -> Result<PreviewIntent, String> {
    if from.starts_with(PREFIX) {
        return Err(format!("{from} is a preview itself; copy the environment it was made from"));
    }
    let ttl = ttl.map_or(Ok(DEFAULT_TTL), ttl_of)?;
    let name = name_for(name, owner, salt)?;
    app_name(service, &name)?;
    let now = now.trunc_subsecs(0);
    let op = PreviewOp::Request { owner: owner.to_string(), created: now, expires: now + ttl, tag };
    Ok(PreviewIntent { name, service: service.to_string(), from: from.to_string(), op })
}

/// The Application and namespace of `service`'s preview `name` (checked to fit a label).
pub fn app_name(service: &str, name: &str) -> Result<String, String> {
    // Named as every Application of a service in an environment is.
    let app = super::new_service::app_name(service, name);
    check_label("the Application name", &app)
        .map_err(|_| format!("{app} is longer than Kubernetes allows (63); ask for a shorter --name"))?;
    Ok(app)
}

/// The previews whose TTL has passed at `now`, oldest expiry first.
pub fn due(previews: &[Preview], now: DateTime<Utc>) -> Vec<&Preview> {
    let mut out: Vec<&Preview> = previews.iter().filter(|p| p.expired(now)).collect();
    out.sort_by_key(|p| p.expires);
    out
}

#[cfg(test)]
#[path = "preview_tests.rs"]
mod tests;
