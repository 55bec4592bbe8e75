//! The `[gitops]` section: where the approvals ledger and the policy live. `remote` overrides
//! the default (the repository the apps' desired state comes from, when they all share one);
//! `policy_path` is the policy file in that repository; `ledger_ref` the ref holding the
//! approval records; `signing` turns on git's own commit signing for the records.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::vault::SpanErr;

pub const DEFAULT_POLICY_PATH: &str = "policy.toml";
pub const DEFAULT_LEDGER_REF: &str = "refs/flightdeck/approvals";

/// Commit signing with git's machinery (`gpg.format` + `user.signingkey`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningConfig {
    /// An SSH key file (format `ssh`), or a GPG key id (format `openpgp`).
    pub key: String,
    /// `ssh`, `openpgp` or `x509`, as git's `gpg.format`.
    pub format: String,
}

/// The effective `[gitops]` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitopsSettings {
    pub remote: Option<String>,
    pub policy_path: String,
    pub ledger_ref: String,
    pub signing: Option<SigningConfig>,
    /// Key path of the image tag in Helm values files, e.g. `image.tag` or `app.image.tag`.
    pub helm_tag_key: Option<String>,
    /// Key path of the replica count in Helm values files (`replicaCount` unless set); a
    /// kustomize overlay uses its `replicas[]` field instead.
    pub helm_replicas_key: Option<String>,
    /// Key path of the CPU/memory requests and limits in Helm values (`resources` unless
    /// set: `resources.requests.cpu` …); a kustomize overlay gets a resources patch instead.
    pub helm_resources_key: Option<String>,
    /// Key path of the autoscaler's settings in Helm values (`autoscaling` unless set:
    /// `autoscaling.minReplicas`, `autoscaling.maxReplicas`); a kustomize overlay's HPA or
    /// ScaledObject file is edited instead.
    pub helm_autoscaling_key: Option<String>,
    /// How `new-service` makes the new Applications: committed for an app-of-apps parent
    /// (default) or created through Argo CD's API (`applications = "app-of-apps" | "api"`).
    pub applications: crate::domain::new_service::AppsVia,
}

impl GitopsSettings {
    /// The one rule deciding where the policy and the approvals ledger live, called by the
    /// console, every headless command and `doctor`: governance is opt-in, on exactly when a
    /// remote is configured (`[gitops] remote`, `--remote`, `FLIGHTDECK_GITOPS_REMOTE`).
    /// `None`: no Flightdeck policy, Argo CD's RBAC decides alone.
    pub fn source(&self) -> Option<crate::domain::approvals::ApprovalSource> {
        let remote = self.remote.as_deref().map(str::trim).filter(|r| !r.is_empty())?;
        Some(crate::domain::approvals::ApprovalSource {
            remote: remote.to_string(),
            policy_path: self.policy_path.clone(),
            ledger_ref: self.ledger_ref.clone(),
            signing: self.signing.as_ref().map(|s| (s.format.clone(), s.key.clone())),
        })
    }
}

impl Default for GitopsSettings {
    fn default() -> Self {
        Self {
            remote: None,
            policy_path: DEFAULT_POLICY_PATH.into(),
            ledger_ref: DEFAULT_LEDGER_REF.into(),
            signing: None,
            helm_tag_key: None,
            helm_replicas_key: None,
            helm_resources_key: None,
            helm_autoscaling_key: None,
            applications: Default::default(),
        }
    }
}

/// The whole `[gitops]` section as written. It also holds the git credential keys, which
/// `config::credentials` checks ([`RawGitops::take_credentials`]): one section, one list of
/// known keys, so a typo in either half is still refused with its line.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGitops {
    remote: Option<Spanned<String>>,
    policy_path: Option<Spanned<String>>,
    ledger_ref: Option<Spanned<String>>,
    signing: Option<Spanned<RawSigning>>,
    https_token_vault: Option<Spanned<String>>,
    https_username: Option<String>,
    helm_tag_key: Option<Spanned<String>>,
    helm_replicas_key: Option<Spanned<String>>,
    helm_resources_key: Option<Spanned<String>>,
    helm_autoscaling_key: Option<Spanned<String>>,
    applications: Option<Spanned<String>>,
}

impl RawGitops {
    /// The credential half of the section, for `config::credentials::git_settings`.
    pub(super) fn take_credentials(&mut self) -> super::credentials::RawGitops {
        super::credentials::RawGitops {
            https_token_vault: self.https_token_vault.take(),
            https_username: self.https_username.take(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSigning {
    key: String,
    #[serde(default = "ssh")]
    format: String,
}

fn ssh() -> String {
    "ssh".into()
}

/// Check the section; errors point at the key, with what to do.
pub(super) fn settings(
    raw: RawGitops,
    expand: &dyn Fn(&str) -> PathBuf,
    err: SpanErr,
) -> Result<GitopsSettings, super::ConfigError> {
    let mut s = GitopsSettings::default();
    if let Some(r) = raw.remote {
        let url = r.get_ref().trim();
        if url.is_empty() || url.chars().any(char::is_control) || url.starts_with('-') {
            return Err(err(
                r.span(),
                format!("{url:?} is not a Git remote"),
                "use e.g. remote = \"https://git.example.com/platform/deploy.git\" or \"file:///srv/gitops.git\""
                    .into(),
            ));
        }
        s.remote = Some(url.to_string());
    }
    if let Some(p) = raw.policy_path {
        let path = p.get_ref().trim();
        if path.is_empty() || path.starts_with('/') || path.split('/').any(|seg| seg == "..") {
            return Err(err(
                p.span(),
                format!("policy_path {path:?} is not a path inside the repository"),
                "use a relative path such as policy_path = \"policy.toml\"".into(),
            ));
        }
        s.policy_path = path.to_string();
    }
    if let Some(r) = raw.ledger_ref {
        let name = r.get_ref().trim();
        if !name.starts_with("refs/") || name.contains("..") || name.chars().any(|c| c.is_whitespace() || c == ':') {
            return Err(err(
                r.span(),
                format!("ledger_ref {name:?} is not a full ref name"),
                format!("use e.g. ledger_ref = \"{DEFAULT_LEDGER_REF}\""),
            ));
        }
        s.ledger_ref = name.to_string();
    }
    if let Some(sig) = raw.signing {
        let span = sig.span();
        let sig = sig.into_inner();
        if !["ssh", "openpgp", "x509"].contains(&sig.format.as_str()) {
            return Err(err(
                span,
                format!("signing format {:?} is not one git knows", sig.format),
                "use format = \"ssh\" (with an SSH key file) or \"openpgp\" (with a GPG key id)".into(),
            ));
        }
        // An SSH key is a file: resolve it like every other path in the config.
        let key = if sig.format == "ssh" { expand(&sig.key).to_string_lossy().into_owned() } else { sig.key };
        s.signing = Some(SigningConfig { key, format: sig.format });
    }
    s.helm_tag_key = key_path(raw.helm_tag_key, "helm_tag_key", "image.tag", err)?;
    s.helm_replicas_key = key_path(raw.helm_replicas_key, "helm_replicas_key", "replicaCount", err)?;
    s.helm_resources_key = key_path(raw.helm_resources_key, "helm_resources_key", "resources", err)?;
    s.helm_autoscaling_key = key_path(raw.helm_autoscaling_key, "helm_autoscaling_key", "autoscaling", err)?;
    if let Some(a) = raw.applications {
        s.applications = crate::domain::new_service::AppsVia::parse(a.get_ref().trim()).ok_or_else(|| {
            err(
                a.span(),
                format!("applications {:?} is not a way to create Applications", a.get_ref()),
                "use applications = \"app-of-apps\" (manifests committed for a parent app) or \"api\"".into(),
            )
        })?;
    }
    Ok(s)
}

/// A dotted key path of a Helm values file (`image.tag`), refused with its line otherwise.
fn key_path(
    k: Option<Spanned<String>>,
    name: &str,
    example: &str,
    err: SpanErr,
) -> Result<Option<String>, super::ConfigError> {
    let Some(k) = k else { return Ok(None) };
    let key = k.get_ref().trim();
    if key.is_empty() || key.split('.').any(|seg| seg.is_empty() || seg.contains(char::is_whitespace)) {
        return Err(err(
            k.span(),
            format!("{name} {key:?} is not a dotted key path"),
            format!("use e.g. {name} = \"{example}\""),
        ));
    }
    Ok(Some(key.to_string()))
}

/// The section as written back by `to_toml` (only what differs from the defaults matters,
/// but writing it whole keeps the file self-describing).
#[derive(Serialize)]
pub(super) struct OutGitops<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    remote: Option<&'a str>,
    policy_path: &'a str,
    ledger_ref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    helm_tag_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helm_replicas_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helm_resources_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helm_autoscaling_key: Option<&'a str>,
    applications: Option<&'static str>,
}

impl<'a> OutGitops<'a> {
    /// `None` when nothing is set beyond the defaults.
    pub(super) fn of(g: &'a GitopsSettings) -> Option<Self> {
        (g != &GitopsSettings::default()).then(|| Self {
            remote: g.remote.as_deref(),
            policy_path: &g.policy_path,
            ledger_ref: &g.ledger_ref,
            helm_tag_key: g.helm_tag_key.as_deref(),
            helm_replicas_key: g.helm_replicas_key.as_deref(),
            helm_resources_key: g.helm_resources_key.as_deref(),
            helm_autoscaling_key: g.helm_autoscaling_key.as_deref(),
            applications: (g.applications != Default::default()).then(|| g.applications.name()),
        })
    }
}
