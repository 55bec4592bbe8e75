//! Manifests as the console shows them: an app's desired manifests at a revision (to tell
//! which version a history entry deployed, and to diff two entries), and the live and desired
//! manifest of each managed resource. Pure.

use super::detail::diff_lines;
use super::DiffLine;

/// One resource's manifest, as YAML (noise stripped).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ManifestDoc {
    pub kind: String,
    pub name: String,
    pub yaml: String,
}

/// The desired manifests of an app at a revision.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Manifests {
    /// The revision Argo CD resolved.
    pub revision: String,
    pub docs: Vec<ManifestDoc>,
    /// The container images they run, in order (what a version is made of).
    pub images: Vec<String>,
}

/// A managed resource, live and desired.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ResourceManifest {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Empty when the side does not exist (not created yet, or to be pruned).
    pub live: String,
    pub desired: String,
}

/// The history view of one app: which entry is selected (newest first), which one is marked
/// to diff against, the desired manifests of each entry's revision as they arrive, and how
/// far its diff is scrolled.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct HistoryView {
    pub key: super::AppKey,
    /// Index in the history newest first.
    pub selected: usize,
    /// The entry (id) the selection is compared with; `None`: with what runs now.
    pub mark: Option<i64>,
    pub manifests: std::collections::HashMap<String, super::Loadable<Manifests>>,
    pub scroll: u16,
}

/// The manifest views of one app: every managed resource live and desired.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ManifestView {
    pub key: super::AppKey,
    pub resources: super::Loadable<Vec<ResourceManifest>>,
    /// Which resource, and live (false) or desired (true).
    pub selected: usize,
    pub desired: bool,
    pub scroll: u16,
}

/// The tags of `images` ("v1.2.0, v3"), or "" when none.
pub fn tags(images: &[String]) -> String {
    images.iter().filter_map(|i| super::deployment::image_tag(i)).collect::<Vec<_>>().join(", ")
}

/// The whole of `m` as one text, resources in kind/name order with a header each.
fn text(m: &Manifests) -> String {
    let mut docs: Vec<&ManifestDoc> = m.docs.iter().collect();
    docs.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    docs.iter().map(|d| format!("# {} {}\n{}", d.kind, d.name, d.yaml)).collect()
}

/// What changed from `old` to `new`, as a unified diff.
pub fn diff(old: &Manifests, new: &Manifests) -> Vec<DiffLine> {
    diff_lines(&text(old), &text(new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_revisions_differ_in_their_image_line() {
        let at = |tag: &str| Manifests {
            revision: tag.into(),
            docs: vec![
                ManifestDoc { kind: "Service".into(), name: "web".into(), yaml: "port: 80\n".into() },
                ManifestDoc { kind: "Deployment".into(), name: "web".into(), yaml: format!("image: web:{tag}\n") },
            ],
            images: vec![format!("web:{tag}")],
        };
        let d = diff(&at("v1"), &at("v2"));
        assert!(d.contains(&DiffLine::Removed("image: web:v1".into())));
        assert!(d.contains(&DiffLine::Added("image: web:v2".into())));
        assert!(diff(&at("v1"), &at("v1")).is_empty());
    }
}
