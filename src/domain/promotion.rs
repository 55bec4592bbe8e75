//! The console's promotion dialog: what moves (A's images) from which environment to which,
//! the plan the client layer computed (the exact overlay diff), and the inputs the policy may
//! ask for (change ticket, reason). The policy in force is the console's one policy state;
//! the pure update decides with it on confirm, as for every other action.

use super::model::LineInput;
use super::{AppKey, DiffLine, Failure};

/// What the client layer answers to `Effect::PlanPromotion`.
#[derive(Clone, Debug, PartialEq)]
pub struct PromotionPlan {
    /// The exact diff of the files the promotion changes (`--- a/…`, `+++ b/…`, lines).
    pub diff: Vec<DiffLine>,
    /// The GitOps repository B's Application points at (where the overlay and policy live).
    pub repo_url: String,
    /// The overlay directory in that repository (`source.path`).
    pub path: String,
    /// The images the change writes (a rollback learns them from Git while planning).
    pub images: Vec<String>,
}

/// Where the promotion dialog's keys go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PromoteField {
    /// `j/k` scroll the diff.
    #[default]
    Diff,
    /// The typed service name (protected environments).
    Name,
    Ticket,
    Reason,
}

/// State of the promotion dialog (`DialogKind::Promote`).
#[derive(Clone, Debug, PartialEq)]
pub struct PromoteDialog {
    pub from_env: String,
    pub to_env: String,
    /// A's app, whose images move.
    pub source: AppKey,
    /// A's `status.summary.images` when the dialog opened.
    pub images: Vec<String>,
    /// B's version now (what the diff replaces), for the dialog's "moving" line.
    pub target_version: String,
    /// Bumped per plan request so a stale answer is dropped.
    pub generation: u64,
    /// Computing (Loading), the plan (Ready), or the refusal (Failed: nothing to do, no such
    /// image, unreachable remote …).
    pub plan: super::Loadable<PromotionPlan>,
    /// First diff line shown.
    pub scroll: u16,
    pub focus: PromoteField,
    pub ticket: LineInput,
    pub reason: LineInput,
    /// The policy's answer after a confirm, when it refused (the dialog stays open).
    pub refusal: Option<String>,
    /// What the policy in force asks of this promotion: a change ticket, a reason.
    pub asks: (bool, bool),
    /// A promotion (A → B), or a deploy of a chosen tag in place (`:deploy TAG`, A = B).
    pub intent: super::Intent,
    /// The other services of a release (marked rows + `p`), promoted in the same commit.
    pub also: Vec<super::release::ReleasePart>,
}

/// The images `running` (`name:tag[@digest]`), each at `tag` (a digest pin is dropped: the tag
/// decides); why not when `tag` is no tag or nothing runs.
pub fn retag(running: &[String], tag: &str) -> Result<Vec<String>, String> {
    let bad = tag.is_empty() || tag.chars().any(|c| c.is_whitespace() || c.is_control() || "/:@".contains(c));
    if bad {
        return Err(format!(
            "{:?} is not an image tag (a name like v1.4.0, no '/', ':' or '@')",
            super::sanitize::clean(tag)
        ));
    }
    let images: Vec<String> = running
        .iter()
        .map(|i| i.split('@').next().unwrap_or(i))
        .map(|i| match i.rfind(':').filter(|&c| !i[c..].contains('/')) {
            Some(c) => &i[..c],
            None => i,
        })
        .filter(|name| !name.is_empty())
        .map(|name| format!("{}:{tag}", super::sanitize::clean(name)))
        .collect();
    if images.is_empty() {
        return Err("the app reports no image to retag (status.summary.images is empty)".into());
    }
    Ok(images)
}

impl PromoteDialog {
    /// The plan's refusal, when the client said no (nothing to do, no such image, …).
    pub fn refused(&self) -> Option<&Failure> {
        self.plan.failure()
    }

    /// Versions moving, as tags (`v1.3.0`), from A's images.
    pub fn versions(&self) -> Vec<String> {
        self.images.iter().map(|i| super::deployment::image_tag(i).map_or_else(|| i.clone(), str::to_string)).collect()
    }

    /// The fields keys can go to, in tab order, given what the policy asks (`ticket`,
    /// `reason`) and whether the name must be typed.
    pub fn fields(&self, ticket: bool, reason: bool, typed_name: bool) -> Vec<PromoteField> {
        let mut f = vec![PromoteField::Diff];
        if ticket {
            f.push(PromoteField::Ticket);
        }
        if reason {
            f.push(PromoteField::Reason);
        }
        if typed_name {
            f.push(PromoteField::Name);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn retag_keeps_the_name_and_refuses_what_is_no_tag() {
        let running = vec!["registry.example.com:5000/web/alpha:v1.0.0@sha256:ab".to_string()];
        assert_eq!(super::retag(&running, "v1.2.0").unwrap(), ["registry.example.com:5000/web/alpha:v1.2.0"]);
        assert_eq!(super::retag(&["localhost:5000/a".into()], "v2").unwrap(), ["localhost:5000/a:v2"]);
        for bad in ["", "v1 2", "x/y", "a:b", "a@b"] {
            assert!(super::retag(&running, bad).is_err(), "{bad}");
        }
        assert!(super::retag(&[], "v1").is_err());
    }
}
