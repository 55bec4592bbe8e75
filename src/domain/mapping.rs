//! Which service and environment an Application belongs to: by labels, by a name pattern
//! such as `{service}-{env}`, or by the instance it lives on. Configurable per instance.

/// How one instance's Applications map to service × environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// Read two labels (defaults `app.kubernetes.io/name`, `app.kubernetes.io/environment`).
    Labels { service: String, env: String },
    /// Split the app name with a pattern holding `{service}` and `{env}`.
    NamePattern(String),
    /// Every app of this instance is in `env`; the service is the name label, else the app name.
    Instance { env: String },
}

impl Default for Mapping {
    fn default() -> Self {
        Self::Labels { service: "app.kubernetes.io/name".into(), env: "app.kubernetes.io/environment".into() }
    }
}

/// The service label used as a fallback by every mapping.
pub const NAME_LABEL: &str = "app.kubernetes.io/name";

impl Mapping {
    /// Service and environment of an app. Falls back to the app name as service and
    /// `fallback_env` (the instance's environment, if it has one, else "-") when a label
    /// or the pattern does not match, so no app ever disappears from the matrix.
    pub fn resolve<'a>(
        &self,
        name: &str,
        label: impl Fn(&str) -> Option<&'a str>,
        fallback_env: &str,
    ) -> (String, String) {
        match self {
            Self::Labels { service, env } => {
                let s = label(service).unwrap_or(name);
                let e = label(env).unwrap_or(fallback_env);
                (s.to_string(), e.to_string())
            }
            Self::NamePattern(p) => match match_pattern(p, name) {
                Some((s, e)) => (s, e),
                None => (name.to_string(), fallback_env.to_string()),
            },
            Self::Instance { env } => {
                let s = label(NAME_LABEL).unwrap_or(name);
                (s.to_string(), env.clone())
            }
        }
    }
}

/// Check that a pattern has exactly one `{service}` and one `{env}` separated by a literal.
pub fn validate_pattern(p: &str) -> Result<(), String> {
    let s = p.matches("{service}").count();
    let e = p.matches("{env}").count();
    if s != 1 || e != 1 {
        return Err(format!("pattern {p:?} must contain {{service}} and {{env}} exactly once each"));
    }
    if p.contains("{service}{env}") || p.contains("{env}{service}") {
        return Err(format!("pattern {p:?} needs a separator between {{service}} and {{env}}"));
    }
    Ok(())
}

/// Match `name` against a pattern like `{service}-{env}` or `{env}.{service}`. The env part
/// is matched as the shortest suffix/prefix so that dashes inside service names survive.
fn match_pattern(pattern: &str, name: &str) -> Option<(String, String)> {
    let si = pattern.find("{service}")?;
    let ei = pattern.find("{env}")?;
    let (first, second) = if si < ei { ("{service}", "{env}") } else { ("{env}", "{service}") };
    let (prefix, rest) = pattern.split_once(first)?;
    let (middle, suffix) = rest.split_once(second)?;
    let body = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    // Service names may contain the separator; env names rarely do. Split so env is short.
    let (a, b) = if si < ei { body.rsplit_once(middle)? } else { body.split_once(middle)? };
    if a.is_empty() || b.is_empty() {
        return None;
    }
    Some(if si < ei { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_labels(_: &str) -> Option<&'static str> {
        None
    }

    #[test]
    fn name_pattern_keeps_dashes_in_service() {
        let m = Mapping::NamePattern("{service}-{env}".into());
        assert_eq!(m.resolve("payment-service-prod", no_labels, "-"), ("payment-service".into(), "prod".into()));
        let m = Mapping::NamePattern("{env}.{service}".into());
        assert_eq!(m.resolve("prod.api.v2", no_labels, "-"), ("api.v2".into(), "prod".into()));
        let m = Mapping::NamePattern("{service}-{env}".into());
        assert_eq!(m.resolve("nodash", no_labels, "dev"), ("nodash".into(), "dev".into()));
    }

    #[test]
    fn labels_and_instance() {
        let labels = |k: &str| match k {
            "app.kubernetes.io/name" => Some("checkout"),
            "app.kubernetes.io/environment" => Some("staging"),
            _ => None,
        };
        assert_eq!(Mapping::default().resolve("x", labels, "-"), ("checkout".into(), "staging".into()));
        let m = Mapping::Instance { env: "prod".into() };
        assert_eq!(m.resolve("x", labels, "-"), ("checkout".into(), "prod".into()));
    }

    #[test]
    fn pattern_validation() {
        assert!(validate_pattern("{service}-{env}").is_ok());
        assert!(validate_pattern("{service}{env}").is_err());
        assert!(validate_pattern("{service}").is_err());
    }
}
