//! A release: several services promoted as one request (`flightdeck promote A B --from E
//! --to F`). The first service is the promotion itself; the others ride along as parts, each
//! with its target app in the same instance and the images it moves. One diff, one policy
//! decision, one commit touching every overlay, then every app followed to healthy.

use super::Promotion;

/// One more service of a release: where its overlay is written and what moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleasePart {
    pub service: String,
    /// The target app (same instance as the release's first app).
    pub app: String,
    pub namespace: String,
    /// What runs in the source environment (`status.summary.images`).
    pub images: Vec<String>,
}

impl Promotion {
    /// Whether this promotion carries more than one service.
    pub fn is_release(&self) -> bool {
        !self.also.is_empty()
    }

    /// Every service it changes, the first one first.
    pub fn services(&self) -> Vec<&str> {
        std::iter::once(self.service.as_str()).chain(self.also.iter().map(|p| p.service.as_str())).collect()
    }

    /// "alpha v1.3.0, beta v2.0.1": each service with the versions it moves.
    pub fn release_versions(&self) -> String {
        let first = (self.service.as_str(), self.images.as_slice());
        std::iter::once(first)
            .chain(self.also.iter().map(|p| (p.service.as_str(), p.images.as_slice())))
            .map(|(s, images)| format!("{s} {}", tags(images)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The tags of `images` ("v1.3.0"), joined with `+` when a service moves several.
fn tags(images: &[String]) -> String {
    images.iter().map(|i| super::deployment::image_tag(i).unwrap_or(i)).collect::<Vec<_>>().join("+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_release_names_every_service_with_its_versions() {
        let mut p = Promotion::new("alpha", "dev", "staging", vec!["r/alpha:v1.3.0".into()]);
        assert!(!p.is_release());
        p.also.push(ReleasePart {
            service: "beta".into(),
            app: "beta-staging".into(),
            namespace: "argocd".into(),
            images: vec!["r/beta:v2.0.1".into()],
        });
        assert!(p.is_release());
        assert_eq!(p.services(), ["alpha", "beta"]);
        assert_eq!(p.release_versions(), "alpha v1.3.0, beta v2.0.1");
    }
}
