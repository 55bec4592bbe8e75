//! One Argo CD Application seen as a deployment: a service in an environment, compactly.

use chrono::{DateTime, Utc};

/// Health of an app or resource (`gitops-engine/pkg/health`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Health {
    Healthy,
    Progressing,
    Degraded,
    Suspended,
    Missing,
    #[default]
    Unknown,
}

impl Health {
    pub fn parse(s: &str) -> Self {
        match s {
            "Healthy" => Self::Healthy,
            "Progressing" => Self::Progressing,
            "Degraded" => Self::Degraded,
            "Suspended" => Self::Suspended,
            "Missing" => Self::Missing,
            _ => Self::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "Healthy",
            Self::Progressing => "Progressing",
            Self::Degraded => "Degraded",
            Self::Suspended => "Suspended",
            Self::Missing => "Missing",
            Self::Unknown => "Unknown",
        }
    }
    /// Worst-first rank used by Argo CD when aggregating: Unknown > Degraded > Missing >
    /// Progressing > Suspended > Healthy. Higher is worse.
    pub fn badness(self) -> u8 {
        match self {
            Self::Healthy => 0,
            Self::Suspended => 1,
            Self::Progressing => 2,
            Self::Missing => 3,
            Self::Degraded => 4,
            Self::Unknown => 5,
        }
    }
}

/// Sync status of an app or resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SyncStatus {
    Synced,
    OutOfSync,
    #[default]
    Unknown,
}

impl SyncStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "Synced" => Self::Synced,
            "OutOfSync" => Self::OutOfSync,
            _ => Self::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Synced => "Synced",
            Self::OutOfSync => "OutOfSync",
            Self::Unknown => "Unknown",
        }
    }
}

/// Phase of `status.operationState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpPhase {
    Running,
    Terminating,
    Failed,
    Error,
    Succeeded,
}

impl OpPhase {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Running" => Self::Running,
            "Terminating" => Self::Terminating,
            "Failed" => Self::Failed,
            "Error" => Self::Error,
            "Succeeded" => Self::Succeeded,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "Running",
            Self::Terminating => "Terminating",
            Self::Failed => "Failed",
            Self::Error => "Error",
            Self::Succeeded => "Succeeded",
        }
    }
    /// Completed = Failed | Error | Succeeded.
    pub fn is_completed(self) -> bool {
        matches!(self, Self::Failed | Self::Error | Self::Succeeded)
    }
}

/// Identity of an Application: which instance (index into the configured instances),
/// and its namespace/name there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AppKey {
    pub instance: usize,
    pub namespace: String,
    pub name: String,
}

/// The list/watch view of one Application: exactly what the matrix needs, nothing more.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Deployment {
    pub key: AppKey,
    pub project: String,
    pub service: String,
    pub env: String,
    /// `app.kubernetes.io/team` or `team` label, when present.
    pub team: Option<String>,
    pub health: Health,
    pub health_message: Option<String>,
    pub sync: SyncStatus,
    pub revision: String,
    pub images: Vec<String>,
    pub operation: Option<OpPhase>,
    pub op_started_at: Option<DateTime<Utc>>,
    pub op_finished_at: Option<DateTime<Utc>>,
    pub auto_sync: bool,
    pub repo_url: String,
    pub path: String,
    pub target_revision: String,
    pub dest_namespace: String,
    pub deleting: bool,
    /// The server's health word when Flightdeck does not know it (a newer Argo CD, a custom
    /// health check): shown as it came, never dropped; `health` is then `Unknown`.
    pub unknown_health: Option<String>,
    /// The same for the sync status.
    pub unknown_sync: Option<String>,
}

impl Deployment {
    /// The health as the server said it.
    pub fn health_word(&self) -> &str {
        self.unknown_health.as_deref().unwrap_or(self.health.as_str())
    }

    /// The sync status as the server said it.
    pub fn sync_word(&self) -> &str {
        self.unknown_sync.as_deref().unwrap_or(self.sync.as_str())
    }

    /// What runs: the tag of the first image in `status.summary.images`, else the short
    /// synced revision.
    pub fn version(&self) -> String {
        self.version_str().to_string()
    }

    /// [`Self::version`] borrowed (counting widths over 50,000 apps allocates nothing).
    pub fn version_str(&self) -> &str {
        self.images.first().and_then(|img| image_tag(img)).unwrap_or_else(|| short_revision(&self.revision))
    }
}

/// The tag of an image reference (`repo/name:tag` or `name:tag@sha256:…`), if it has one.
pub fn image_tag(image: &str) -> Option<&str> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split_once(':').map(|(_, tag)| tag).filter(|t| !t.is_empty())
}

/// First seven characters of a git SHA; other revisions (tags, chart versions) unchanged.
pub fn short_revision(rev: &str) -> &str {
    if rev.len() >= 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        &rev[..7]
    } else {
        rev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_prefers_image_tag() {
        let mut d = Deployment { revision: "3f2a1c9d0e3f2a1c9d0e3f2a1c9d0e3f2a1c9d0e".into(), ..Default::default() };
        assert_eq!(d.version(), "3f2a1c9");
        d.images = vec!["registry:5000/shop/payment:v1.3.0".into()];
        assert_eq!(d.version(), "v1.3.0");
        assert_eq!(image_tag("nginx@sha256:abc"), None);
        assert_eq!(image_tag("ghcr.io/a/b:1.2@sha256:abc"), Some("1.2"));
    }

    #[test]
    fn health_order_matches_argo() {
        assert!(Health::Unknown.badness() > Health::Degraded.badness());
        assert!(Health::Degraded.badness() > Health::Missing.badness());
        assert!(Health::Progressing.badness() > Health::Suspended.badness());
    }
}
