//! The scale dialog's inputs beyond the replica count: CPU/memory requests and limits, and —
//! when an HPA or a KEDA ScaledObject owns the count — its min/max in place of the count.
//! Which fields show, which keys each takes, and the [`ScaleChange`] they add up to (empty
//! fields change nothing). Pure; the dialog's keys are `app::scale`, its body `ui::panes::workload`.

use super::detail::ResourceStatus;
use super::model::LineInput;
use super::scale::ScaleChange;

/// One input of the scale dialog, in the order `↓` walks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ScaleField {
    #[default]
    Replicas,
    Min,
    Max,
    CpuRequest,
    CpuLimit,
    MemoryRequest,
    MemoryLimit,
}

impl ScaleField {
    /// The label the dialog shows.
    pub fn label(self) -> &'static str {
        match self {
            Self::Replicas => "replicas",
            Self::Min => "min",
            Self::Max => "max",
            Self::CpuRequest => "cpu request",
            Self::CpuLimit => "cpu limit",
            Self::MemoryRequest => "memory request",
            Self::MemoryLimit => "memory limit",
        }
    }

    /// Whether `c` may be typed here: digits for counts, a quantity's characters otherwise.
    pub fn accepts(self, c: char) -> bool {
        match self {
            Self::Replicas | Self::Min | Self::Max => c.is_ascii_digit(),
            _ => c.is_ascii_alphanumeric() || c == '.',
        }
    }
}

/// The inputs (the replica count itself stays the dialog's `replicas`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScaleForm {
    pub focus: ScaleField,
    pub min: LineInput,
    pub max: LineInput,
    pub cpu_request: LineInput,
    pub cpu_limit: LineInput,
    pub memory_request: LineInput,
    pub memory_limit: LineInput,
}

/// What owns the replica count besides Git among an app's resources: an `autoscaling`
/// HorizontalPodAutoscaler or a `keda.sh` ScaledObject, as "Kind name". The one reading of it,
/// for the console and (through the app's detail) the command line.
pub fn owner_of(resources: &[ResourceStatus]) -> Option<String> {
    resources
        .iter()
        .find(|r| {
            (r.kind == "HorizontalPodAutoscaler" && r.group == "autoscaling")
                || (r.kind == "ScaledObject" && r.group == "keda.sh")
        })
        .map(|r| format!("{} {}", super::sanitize::clean(&r.kind), super::sanitize::clean(&r.name)))
}

impl ScaleForm {
    /// The fields shown: the count, or the autoscaler's bounds when one owns it; then the
    /// requests and limits.
    pub fn fields(owned: bool) -> &'static [ScaleField] {
        use ScaleField::*;
        if owned {
            &[Min, Max, CpuRequest, CpuLimit, MemoryRequest, MemoryLimit]
        } else {
            &[Replicas, CpuRequest, CpuLimit, MemoryRequest, MemoryLimit]
        }
    }

    /// The focused field among those shown.
    pub fn focused(&self, owned: bool) -> ScaleField {
        let fields = Self::fields(owned);
        if fields.contains(&self.focus) {
            self.focus
        } else {
            fields[0]
        }
    }

    /// Move the focus to the next (or previous) field shown, stopping at the ends.
    pub fn step(&mut self, owned: bool, back: bool) {
        let fields = Self::fields(owned);
        let at = fields.iter().position(|f| *f == self.focused(owned)).unwrap_or(0);
        let next = if back { at.saturating_sub(1) } else { (at + 1).min(fields.len() - 1) };
        self.focus = fields[next];
    }

    /// The input of `field` (`None` for the count, which the dialog keeps).
    pub fn input_mut(&mut self, field: ScaleField) -> Option<&mut LineInput> {
        match field {
            ScaleField::Replicas => None,
            ScaleField::Min => Some(&mut self.min),
            ScaleField::Max => Some(&mut self.max),
            ScaleField::CpuRequest => Some(&mut self.cpu_request),
            ScaleField::CpuLimit => Some(&mut self.cpu_limit),
            ScaleField::MemoryRequest => Some(&mut self.memory_request),
            ScaleField::MemoryLimit => Some(&mut self.memory_limit),
        }
    }

    /// The text of `field`, `replicas` being the count's.
    pub fn text<'a>(&'a self, field: ScaleField, replicas: &'a str) -> &'a str {
        match field {
            ScaleField::Replicas => replicas,
            ScaleField::Min => &self.min.text,
            ScaleField::Max => &self.max.text,
            ScaleField::CpuRequest => &self.cpu_request.text,
            ScaleField::CpuLimit => &self.cpu_limit.text,
            ScaleField::MemoryRequest => &self.memory_request.text,
            ScaleField::MemoryLimit => &self.memory_limit.text,
        }
    }

    /// The change the inputs ask for: the count when it differs from Git's (`desired`) and
    /// nothing owns it, the bounds when something does, and every quantity typed. Why not
    /// when a count is no number.
    pub fn change(&self, replicas: &str, desired: Option<u32>, owned: bool) -> Result<ScaleChange, String> {
        let number = |label: &str, t: &str| -> Result<Option<u32>, String> {
            match t.trim() {
                "" => Ok(None),
                t => t.parse().map(Some).map_err(|_| format!("{label} must be a whole number")),
            }
        };
        let text = |l: &LineInput| Some(l.text.trim().to_string()).filter(|t| !t.is_empty());
        let (count, min, max) = match owned {
            true => (None, number("min", &self.min.text)?, number("max", &self.max.text)?),
            false => (number("replicas", replicas)?.filter(|n| Some(*n) != desired), None, None),
        };
        Ok(ScaleChange {
            replicas: count,
            cpu_request: text(&self.cpu_request),
            cpu_limit: text(&self.cpu_limit),
            memory_request: text(&self.memory_request),
            memory_limit: text(&self.memory_limit),
            min,
            max,
            ..ScaleChange::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> LineInput {
        LineInput { text: s.into() }
    }

    #[test]
    fn the_count_or_the_bounds_and_the_quantities_typed() {
        let form = ScaleForm { cpu_request: line(" 250m "), min: line("2"), max: line("6"), ..ScaleForm::default() };
        let free = form.change("4", Some(3), false).unwrap();
        assert_eq!((free.replicas, free.min, free.cpu_request.as_deref()), (Some(4), None, Some("250m")));
        assert_eq!(form.change("3", Some(3), false).unwrap().replicas, None, "Git's count already");
        let owned = form.change("4", Some(3), true).unwrap();
        assert_eq!((owned.replicas, owned.min, owned.max), (None, Some(2), Some(6)));
        let bad = ScaleForm { max: line("6x"), ..form };
        assert_eq!(bad.change("", None, true).unwrap_err(), "max must be a whole number");
    }

    #[test]
    fn focus_walks_the_fields_shown() {
        let mut f = ScaleForm::default();
        assert_eq!(f.focused(true), ScaleField::Min);
        f.step(true, false);
        assert_eq!(f.focus, ScaleField::Max);
        f.step(false, false);
        assert_eq!(f.focus, ScaleField::CpuRequest, "max is not shown without an autoscaler: on from the first");
        for _ in 0..9 {
            f.step(false, false);
        }
        assert_eq!(f.focus, ScaleField::MemoryLimit);
        assert!(ScaleField::CpuLimit.accepts('m') && !ScaleField::Min.accepts('m'));
    }
}
