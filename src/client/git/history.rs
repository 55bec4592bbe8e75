//! The version an earlier deployment ran, read from the GitOps repository. Argo CD keeps no
//! image list per `status.history[]` entry when the images live in the overlay (only the
//! source's own `kustomize.images` overrides), but it keeps the revision it synced: the
//! overlay at that commit says which tag ran. A GitOps rollback writes that tag back. And the
//! overlay's log: every commit that changed it, with its subject and requester, for the
//! delivery history.

use serde_yaml_ng::Value;

use super::clone::WorkingClone;
use super::commit::{PromoteError, Target};
use super::overlay::ImageRef;
use super::promote::{blocking, open_clone, target_of, PromoteSettings};
use crate::client::argocd::wire::App;
use crate::domain::sanitize::clean;
use crate::domain::Failure;

/// The images `running` (what the app runs now, `name:tag`) had at `revision` of `app`'s
/// overlay: the same names, each with the tag the overlay then gave it.
pub async fn images_at(
    app: &App,
    revision: &str,
    running: &[String],
    settings: &PromoteSettings,
) -> Result<Vec<String>, Failure> {
    let mut all = images_at_each(app, &[revision.to_string()], running, settings).await?;
    all.pop().unwrap_or_else(|| Err(Failure::new(crate::domain::ErrorKind::NotFound, "no revision asked for")))
}

/// [`images_at`] for several revisions on one working clone (`history` lists them all).
pub async fn images_at_each(
    app: &App,
    revisions: &[String],
    running: &[String],
    settings: &PromoteSettings,
) -> Result<Vec<Result<Vec<String>, Failure>>, Failure> {
    let target = target_of(app, settings)?;
    let (revisions, running, settings) = (revisions.to_vec(), running.to_vec(), settings.clone());
    blocking(move || {
        let clone = open_clone(&settings, &target)?;
        Ok(revisions.iter().map(|r| tags_at(&clone, &target, r, &running).map_err(Failure::from)).collect())
    })
    .await
}

fn tags_at(
    clone: &WorkingClone,
    target: &Target,
    revision: &str,
    running: &[String],
) -> Result<Vec<String>, PromoteError> {
    if revision.is_empty() || revision.starts_with('-') || !revision.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(PromoteError::Invalid(format!("{:?} is not a commit", clean(revision))));
    }
    let (file, text) = overlay_at(clone, target, revision)?;
    let tags = if file.ends_with("values.yaml") || target.helm_value_files.iter().any(|f| file.ends_with(f)) {
        helm_tag(&text, &target.helm_tag_key).map(|t| vec![(None, t)])
    } else {
        Some(kustomize_tags(&text))
    };
    let tags = tags.unwrap_or_default();
    let images: Vec<String> = running
        .iter()
        .filter_map(|i| ImageRef::parse(i))
        .filter_map(|i| {
            let tag = tags.iter().find(|(name, _)| name.as_ref().is_none_or(|n| same_image(n, &i)))?;
            Some(format!("{}:{}", i.name, tag.1))
        })
        .collect();
    if images.is_empty() {
        return Err(PromoteError::Invalid(format!(
            "{file} at {} names no tag for the images the app runs",
            revision.get(..7).unwrap_or(revision)
        )));
    }
    Ok(images)
}

/// One commit that changed an overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlayCommit {
    pub sha: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub subject: String,
    /// The `Requested-by` trailer, else the author.
    pub who: String,
}

/// Every commit of the tracked branch that changed `app`'s overlay directory, newest first.
pub async fn overlay_log(app: &App, settings: &PromoteSettings) -> Result<Vec<OverlayCommit>, Failure> {
    let target = target_of(app, settings)?;
    let settings = settings.clone();
    blocking(move || {
        let clone = open_clone(&settings, &target)?;
        let format = "--format=%H%x1f%ct%x1f%an%x1f%(trailers:key=Requested-by,valueonly,separator=%x2C)%x1f%s";
        let path = target.path.trim_matches('/').to_string();
        let out = clone.run(&["log", format, "HEAD", "--", &path])?;
        Ok(out
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.splitn(5, '\u{1f}').collect();
                let [sha, secs, author, requested, subject] = f[..] else { return None };
                let at = chrono::DateTime::from_timestamp(secs.parse().ok()?, 0)?;
                let who = if requested.trim().is_empty() { author } else { requested.trim() };
                Some(OverlayCommit { sha: sha.into(), at, subject: clean(subject), who: clean(who) })
            })
            .collect())
    })
    .await
}

/// The overlay file (kustomization, else Helm values) as it was at `revision`.
fn overlay_at(clone: &WorkingClone, target: &Target, revision: &str) -> Result<(String, String), PromoteError> {
    let dir = target.path.trim_matches('/');
    let values =
        if target.helm_value_files.is_empty() { vec!["values.yaml".into()] } else { target.helm_value_files.clone() };
    let names =
        ["kustomization.yaml", "kustomization.yml", "Kustomization"].iter().map(|s| s.to_string()).chain(values);
    let mut missing = true;
    for name in names {
        let file = if dir.is_empty() || dir == "." { name } else { format!("{dir}/{name}") };
        match clone.run(&["show", &format!("{revision}:{file}")]) {
            Ok(text) => return Ok((file, text)),
            Err(e) => missing &= e.to_string().contains("does not exist") || e.to_string().contains("exists on disk"),
        }
    }
    let why = if missing { "has no overlay file there" } else { "is not a commit of the GitOps repository's branch" };
    Err(PromoteError::Invalid(format!("revision {} {why}", revision.get(..7).unwrap_or(revision))))
}

/// `(image name, tag)` of each `images[]` entry that sets a tag.
fn kustomize_tags(text: &str) -> Vec<(Option<String>, String)> {
    let Ok(doc) = serde_yaml_ng::from_str::<Value>(text) else { return Vec::new() };
    let field = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
    doc.get("images")
        .and_then(Value::as_sequence)
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| {
                    let name = field(e, "newName").or_else(|| field(e, "name"))?;
                    Some((Some(name), field(e, "newTag")?))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn helm_tag(text: &str, key_path: &str) -> Option<String> {
    let doc = serde_yaml_ng::from_str::<Value>(text).ok()?;
    let mut cur = &doc;
    for k in key_path.split('.').filter(|k| !k.is_empty()) {
        cur = cur.get(k)?;
    }
    cur.as_str().map(str::to_string)
}

/// The overlay names the image by its full name or by its last path segment (another registry).
fn same_image(name: &str, image: &ImageRef) -> bool {
    name == image.name || name.rsplit('/').next() == Some(image.short_name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tags_from_either_overlay_kind() {
        let k = "images:\n  - name: r/alpha\n    newTag: v1.0.0\n  - name: r/sidecar\n";
        assert_eq!(kustomize_tags(k), vec![(Some("r/alpha".into()), "v1.0.0".into())]);
        assert_eq!(helm_tag("image:\n  tag: v2\n", "image.tag").as_deref(), Some("v2"));
        let i = ImageRef::parse("other.registry/team/alpha:v3").unwrap();
        assert!(same_image("r/alpha", &i) && !same_image("r/beta", &i));
    }
}
