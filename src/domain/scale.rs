//! What a scale made the GitOps way writes into an overlay: the workload's replica count, its
//! container's CPU/memory requests and limits, or — when an HPA or a KEDA ScaledObject owns the
//! count — that autoscaler's min/max. Pure: the quantities are checked here (Kubernetes
//! quantity syntax, request ≤ limit) so the console and the command line refuse the same input
//! with the same words, and [`ScaleChange::describe`] is the one wording of a scale that the
//! commit subject, the run log, the trail and the approvals pane all show.

/// Every field is optional; at least one is set (see [`ScaleChange::is_empty`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScaleChange {
    /// The workload's replica count (kustomize `replicas[]`, Helm `replicaCount`).
    pub replicas: Option<u32>,
    /// The workload's kind (`Deployment`, `StatefulSet`), which a resources patch names;
    /// `None` = `Deployment`.
    pub kind: Option<String>,
    /// The container whose resources change (resolved before planning: see [`pick_container`]).
    pub container: Option<String>,
    pub cpu_request: Option<String>,
    pub cpu_limit: Option<String>,
    pub memory_request: Option<String>,
    pub memory_limit: Option<String>,
    /// The autoscaler's bounds (HPA `minReplicas`/`maxReplicas`, ScaledObject
    /// `minReplicaCount`/`maxReplicaCount`).
    pub min: Option<u32>,
    pub max: Option<u32>,
}

/// Which resource setting, in the order they are written and described.
pub const RESOURCE_FIELDS: [(&str, &str); 4] =
    [("requests", "cpu"), ("limits", "cpu"), ("requests", "memory"), ("limits", "memory")];

impl ScaleChange {
    /// Only a replica count (the scale issue 15 started with).
    pub fn replicas(n: u32) -> Self {
        Self { replicas: Some(n), ..Self::default() }
    }

    /// Nothing asked.
    pub fn is_empty(&self) -> bool {
        self.replicas.is_none() && !self.has_resources() && !self.has_bounds()
    }

    /// Any CPU/memory request or limit asked.
    pub fn has_resources(&self) -> bool {
        self.resources().iter().any(|(_, _, v)| v.is_some())
    }

    /// A min or max of the autoscaler asked.
    pub fn has_bounds(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    /// `(requests|limits, cpu|memory, value)` in [`RESOURCE_FIELDS`] order.
    pub fn resources(&self) -> [(&'static str, &'static str, Option<&str>); 4] {
        let v = [&self.cpu_request, &self.cpu_limit, &self.memory_request, &self.memory_limit];
        let mut out = [("", "", None); 4];
        for (i, ((section, what), value)) in RESOURCE_FIELDS.iter().zip(v).enumerate() {
            out[i] = (*section, *what, value.as_deref());
        }
        out
    }

    /// "alpha to 3 replicas, cpu request 250m, memory limit 512Mi, min 2 max 6 replicas": the
    /// commit subject's tail, the run log's and the trail's wording.
    pub fn describe(&self, workload: &str) -> String {
        let mut parts = Vec::new();
        if let Some(n) = self.replicas {
            parts.push(format!("{workload} to {n} replicas"));
        }
        for (section, what, value) in self.resources() {
            if let Some(v) = value {
                let kind = if section == "requests" { "request" } else { "limit" };
                parts.push(format!("{what} {kind} {v}"));
            }
        }
        if let (Some(c), true) = (&self.container, self.has_resources()) {
            parts.push(format!("container {c}"));
        }
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => parts.push(format!("min {lo} max {hi} replicas")),
            (Some(lo), None) => parts.push(format!("min {lo} replicas")),
            (None, Some(hi)) => parts.push(format!("max {hi} replicas")),
            (None, None) => {}
        }
        if parts.is_empty() {
            return format!("{workload} unchanged");
        }
        parts.join(", ")
    }

    /// Why this scale is refused for `workload` before anything is planned — the one wording
    /// the console and `flightdeck scale` give: a count while `owner` (an HPA or ScaledObject)
    /// owns it, bounds while nothing autoscales, or what only Git can hold asked of a live
    /// patch (`gitops` false: no auto-sync overlay, or break-glass). `(why, what to do)`.
    pub fn refusal(&self, workload: &str, owner: Option<&str>, gitops: bool) -> Option<(String, String)> {
        if !gitops {
            if self.has_resources() || self.has_bounds() {
                return Some((
                    format!(
                        "requests, limits and autoscaler bounds of {workload} are changed in Git only, and this scale \
                         would patch the live workload (the app has no auto-sync, or --break-glass was asked)"
                    ),
                    "turn auto-sync on so the overlay is what runs (sync-policy --auto-sync on), or drop --break-glass"
                        .into(),
                ));
            }
            return self.replicas.is_none().then(|| ("a live scale needs a count".into(), "give --replicas N".into()));
        }
        match (owner, self.replicas, self.has_bounds()) {
            (Some(o), Some(_), _) => Some((
                format!("{o} owns the replicas of {workload}: a count in Git would be overridden"),
                "change its bounds instead: --min N --max M (written to the overlay, a reviewed commit)".into(),
            )),
            (None, _, true) => Some((
                format!("nothing autoscales {workload}: no HorizontalPodAutoscaler or ScaledObject owns its replicas"),
                "set the count itself: --replicas N".into(),
            )),
            _ => None,
        }
    }

    /// Why this change cannot be written as asked: nothing asked, a value that is no
    /// Kubernetes quantity, a request above its limit, min above max, a max of 0.
    pub fn check(&self) -> Result<(), String> {
        if self.is_empty() {
            return Err("nothing to scale: give --replicas, a CPU/memory request or limit, or --min/--max".into());
        }
        for (section, what, value) in self.resources() {
            if let Some(v) = value {
                quantity(v).map_err(|why| format!("{what} {}: {why}", &section[..section.len() - 1]))?;
            }
        }
        let pairs = [("cpu", &self.cpu_request, &self.cpu_limit), ("memory", &self.memory_request, &self.memory_limit)];
        for (what, req, lim) in pairs {
            if let (Some(r), Some(l)) = (req, lim) {
                if quantity(r)? > quantity(l)? {
                    return Err(format!(
                        "{what} request {r} is above its limit {l}: a request must not exceed the limit"
                    ));
                }
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max) {
            if lo > hi {
                return Err(format!("min {lo} is above max {hi}"));
            }
        }
        if self.max == Some(0) {
            return Err("max 0: an autoscaler needs a max of at least 1".into());
        }
        if let Some(c) = &self.container {
            if c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
                return Err(format!("{:?} is no container name (letters, digits and '-')", super::sanitize::clean(c)));
            }
        }
        Ok(())
    }
}

/// The container a resources change is for: the one named, which must be among the workload's
/// `containers` when they are known, else its only container; why not otherwise.
pub fn pick_container(asked: Option<&str>, containers: &[String]) -> Result<String, String> {
    let list = || containers.iter().map(|c| super::sanitize::clean(c)).collect::<Vec<_>>().join(", ");
    match (asked, containers) {
        (Some(c), []) => Ok(c.to_string()),
        (Some(c), known) if known.iter().any(|k| k == c) => Ok(c.to_string()),
        (Some(c), _) => {
            Err(format!("no container {:?} in the workload (it has: {})", super::sanitize::clean(c), list()))
        }
        (None, [only]) => Ok(only.clone()),
        (None, []) => Err("the workload's containers are not known: name one (--container NAME)".into()),
        (None, _) => Err(format!("the workload has several containers ({}): name one (--container NAME)", list())),
    }
}

/// The value of a Kubernetes resource quantity (`250m`, `1`, `0.5`, `256Mi`, `1G`, `1e3`), in
/// base units, for comparing a request with its limit; why not when it is no quantity.
/// The syntax is the API machinery's: a non-negative decimal number, then one suffix — a
/// binary one (`Ki Mi Gi Ti Pi Ei`), a decimal one (`n u m k M G T P E`) or an exponent
/// (`e3`, `E-2`).
pub fn quantity(text: &str) -> Result<f64, String> {
    let why = || {
        format!(
            "{:?} is no Kubernetes quantity (a number with an optional suffix: 250m, 0.5, 512Mi, 1G)",
            super::sanitize::clean(text)
        )
    };
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number = number.strip_prefix('+').unwrap_or(number);
    let digits_ok = !number.is_empty()
        && number.chars().filter(|&c| c == '.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit())
        && number.chars().all(|c| c.is_ascii_digit() || c == '.');
    if !digits_ok {
        return Err(why());
    }
    let value: f64 = number.parse().map_err(|_| why())?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => {
            let exp = &s[1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 3 {
                return Err(why());
            }
            10f64.powi(exp.parse::<i32>().map_err(|_| why())?)
        }
        _ => return Err(why()),
    };
    Ok(value * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_follow_the_kubernetes_syntax() {
        for (text, value) in
            [("250m", 0.25), ("1", 1.0), ("0.5", 0.5), ("1Ki", 1024.0), ("2k", 2000.0), ("1e3", 1000.0)]
        {
            assert_eq!(quantity(text), Ok(value), "{text}");
        }
        assert_eq!(quantity("256Mi"), Ok(256.0 * 1024.0 * 1024.0));
        assert!(quantity("1.5Gi").unwrap() > quantity("1G").unwrap());
        for bad in ["", "m", "-1", "1.2.3", "12 Mi", "1mi", "1KB", "abc", "1e", "0x10", "1e99999"] {
            let err = quantity(bad).unwrap_err();
            assert!(err.contains("no Kubernetes quantity") && err.contains("512Mi"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_request_above_its_limit_is_refused_naming_both() {
        let c = ScaleChange { cpu_request: Some("2".into()), cpu_limit: Some("1500m".into()), ..Default::default() };
        let err = c.check().unwrap_err();
        assert!(err.contains("cpu request 2") && err.contains("limit 1500m"), "{err}");
        let ok = ScaleChange { memory_request: Some("512Mi".into()), memory_limit: Some("1Gi".into()), ..c.clone() };
        assert!(ScaleChange { cpu_request: Some("1".into()), ..ok.clone() }.check().is_ok());
        let err = ScaleChange { memory_limit: Some("1GB".into()), ..ok }.check().unwrap_err();
        assert!(err.starts_with("memory limit: \"1GB\""), "{err}");
    }

    #[test]
    fn bounds_and_emptiness_are_checked() {
        assert!(ScaleChange::default().check().unwrap_err().contains("--min/--max"));
        let c = ScaleChange { min: Some(5), max: Some(2), ..Default::default() };
        assert_eq!(c.check().unwrap_err(), "min 5 is above max 2");
        assert!(ScaleChange { max: Some(0), ..Default::default() }.check().is_err());
        assert!(ScaleChange { min: Some(0), ..Default::default() }.check().is_ok());
        let bad = ScaleChange { container: Some("a b".into()), ..ScaleChange::replicas(1) };
        assert!(bad.check().unwrap_err().contains("container"));
    }

    #[test]
    fn who_owns_the_count_decides_what_may_change() {
        let hpa = Some("HorizontalPodAutoscaler a");
        let (why, what) = ScaleChange::replicas(3).refusal("a", hpa, true).unwrap();
        assert!(why.contains("HorizontalPodAutoscaler a owns the replicas of a") && what.contains("--min N --max M"));
        let bounds = ScaleChange { min: Some(1), max: Some(4), ..ScaleChange::default() };
        assert_eq!(bounds.refusal("a", hpa, true), None);
        assert!(bounds.refusal("a", None, true).unwrap().0.contains("nothing autoscales a"));
        let cpu = ScaleChange { cpu_limit: Some("1".into()), ..ScaleChange::default() };
        assert_eq!(cpu.refusal("a", hpa, true), None, "resources are not the count");
        assert!(cpu.refusal("a", None, false).unwrap().0.contains("Git only"));
        assert_eq!(ScaleChange::replicas(2).refusal("a", hpa, false), None, "break-glass warns instead");
    }

    #[test]
    fn the_container_is_named_or_the_only_one() {
        let two = ["app".to_string(), "proxy".to_string()];
        assert_eq!(pick_container(None, &two[..1]), Ok("app".into()));
        assert!(pick_container(None, &two).unwrap_err().contains("app, proxy"));
        assert_eq!(pick_container(Some("proxy"), &two), Ok("proxy".into()));
        assert!(pick_container(Some("web"), &two).unwrap_err().contains("no container \"web\""));
        assert_eq!(pick_container(Some("web"), &[]), Ok("web".into()));
    }

    #[test]
    fn describe_names_every_part_once() {
        assert_eq!(ScaleChange::replicas(4).describe("alpha"), "alpha to 4 replicas");
        let c = ScaleChange {
            cpu_request: Some("250m".into()),
            memory_limit: Some("512Mi".into()),
            container: Some("app".into()),
            ..ScaleChange::default()
        };
        assert_eq!(c.describe("alpha"), "cpu request 250m, memory limit 512Mi, container app");
        let b = ScaleChange { min: Some(2), max: Some(6), ..ScaleChange::default() };
        assert_eq!(b.describe("alpha"), "min 2 max 6 replicas");
    }
}
