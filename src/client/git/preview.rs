//! The Git half of a preview environment: the files a request, an extension or a tear-down
//! changes on a working clone (planned exactly, nothing written: `commit` writes them), and
//! the previews the repository holds. A preview lives beside the overlay it copies
//! (`apps/S/overlays/dev` → `apps/S/overlays/preview-NAME`): every file of the source overlay,
//! the kustomization's namespace set to the preview's own (and its image tags to the one
//! asked for, when one is), and a `preview.toml` with the owner and the expiry.

use super::clone::WorkingClone;
use super::commit::{read, safe_rel, FileChange, PromoteError, Target};
use super::promote::{blocking, open_clone, target_of, PromoteSettings};
use crate::client::argocd::wire::App;
use crate::client::argocd::ArgoClient;
use crate::domain::preview::{self, Preview, PreviewIntent, PreviewOp, META_FILE, PREFIX};
use crate::domain::sanitize::clean;
use crate::domain::Failure;

/// The preview's directory: a sibling of the source overlay.
pub fn dir_of(target: &Target, name: &str) -> Result<String, PromoteError> {
    let source = safe_rel(&target.path)?;
    let parent = source.rsplit_once('/').map(|(p, _)| p).ok_or_else(|| {
        PromoteError::Invalid(format!(
            "the overlay {} is at the repository root; a preview needs a directory beside it",
            clean(&source)
        ))
    })?;
    Ok(format!("{parent}/{name}"))
}

/// The tracked files under `dir`, sorted.
fn tracked(clone: &WorkingClone, dir: &str) -> Result<Vec<String>, PromoteError> {
    let out = clone.run(&["ls-files", "-z", "--", dir])?;
    let mut files: Vec<String> = out.split('\0').filter(|f| !f.is_empty()).map(str::to_string).collect();
    files.sort();
    Ok(files)
}

/// The files `intent` changes; `target` is the overlay of the environment it copies.
pub fn files(clone: &WorkingClone, target: &Target, intent: &PreviewIntent) -> Result<Vec<FileChange>, PromoteError> {
    let (name, service, from_env) = (&intent.name, intent.service.as_str(), intent.from.as_str());
    if !name.starts_with(PREFIX) {
        return Err(PromoteError::Invalid(format!("{} is not a preview environment", clean(name))));
    }
    let dir = dir_of(target, name)?;
    let meta = format!("{dir}/{META_FILE}");
    let existing = tracked(clone, &dir)?;
    match &intent.op {
        PreviewOp::Request { owner, created, expires, tag } => {
            if !existing.is_empty() {
                return Err(PromoteError::Invalid(format!(
                    "the preview {} of {} already exists",
                    clean(name),
                    clean(service)
                )));
            }
            let source = safe_rel(&target.path)?;
            let namespace = preview::app_name(service, name).map_err(PromoteError::Invalid)?;
            let mut out = Vec::new();
            let mut kustomized = false;
            for path in tracked(clone, &source)? {
                let Some(file) = path.strip_prefix(&format!("{source}/")) else { continue };
                if file.contains('/') || file == META_FILE {
                    continue;
                }
                let mut text = read(clone, &path)?;
                if matches!(file, "kustomization.yaml" | "kustomization.yml" | "Kustomization") {
                    kustomized = true;
                    text = set_namespace(&text, &namespace);
                    if let Some(t) = tag {
                        text = set_tags(&text, t);
                    }
                }
                out.push(FileChange { path: format!("{dir}/{file}"), before: String::new(), after: text });
            }
            if !kustomized {
                return Err(PromoteError::Invalid(format!(
                    "previews are copied from kustomize overlays and {} has no kustomization.yaml",
                    clean(&source)
                )));
            }
            let p = Preview {
                name: name.clone(),
                service: service.to_string(),
                from: from_env.to_string(),
                owner: owner.clone(),
                created: *created,
                expires: *expires,
            };
            out.push(FileChange { path: meta, before: String::new(), after: p.to_toml() });
            Ok(out)
        }
        PreviewOp::Extend { expires } => {
            let before = existing_meta(clone, &existing, &meta, service, name)?;
            let mut p = Preview::parse(&meta, &before).map_err(PromoteError::Invalid)?;
            p.expires = *expires;
            Ok(vec![FileChange { path: meta, after: p.to_toml(), before }])
        }
        PreviewOp::TearDown { .. } => {
            existing_meta(clone, &existing, &meta, service, name)?;
            existing
                .into_iter()
                .map(|path| Ok(FileChange { before: read(clone, &path)?, path, after: String::new() }))
                .collect()
        }
    }
}

fn existing_meta(
    clone: &WorkingClone,
    existing: &[String],
    meta: &str,
    service: &str,
    name: &str,
) -> Result<String, PromoteError> {
    if !existing.iter().any(|f| f == meta) {
        return Err(PromoteError::Invalid(format!(
            "{} has no preview {} (see `flightdeck env list`)",
            clean(service),
            clean(name)
        )));
    }
    read(clone, meta)
}

/// Every preview the clone's head describes, and the files that could not be read (named).
pub fn list(clone: &WorkingClone) -> Result<(Vec<Preview>, Vec<String>), PromoteError> {
    let out = clone.run(&["ls-files", "-z", "--", &format!("*/{PREFIX}*/{META_FILE}")])?;
    let (mut found, mut broken) = (Vec::new(), Vec::new());
    for path in out.split('\0').filter(|f| !f.is_empty()) {
        match read(clone, path).map_err(|e| e.to_string()).and_then(|t| Preview::parse(path, &t)) {
            Ok(p) => found.push(p),
            Err(e) => broken.push(clean(&e)),
        }
    }
    found.sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
    Ok((found, broken))
}

/// The previews in the repository `app` deploys from (its GitOps repository), freshly
/// fetched, and the `preview.toml` files that could not be read.
pub async fn previews(client: &ArgoClient, app: &App) -> Result<(Vec<Preview>, Vec<String>), Failure> {
    let settings = PromoteSettings::for_client(client).await?;
    let target = target_of(app, &settings)?;
    blocking(move || {
        let clone = open_clone(&settings, &target)?;
        list(&clone)
    })
    .await
}

/// The kustomization with its top-level `namespace:` set (added after `kind:` when missing).
pub fn set_namespace(text: &str, namespace: &str) -> String {
    let mut out = Vec::new();
    let mut done = false;
    for line in text.lines() {
        if line.starts_with("namespace:") {
            out.push(format!("namespace: {namespace}"));
            done = true;
        } else {
            out.push(line.to_string());
        }
    }
    if !done {
        let at = out.iter().position(|l| l.starts_with("kind:")).map_or(0, |i| i + 1);
        out.insert(at, format!("namespace: {namespace}"));
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// Every `newTag:` of the kustomization's `images[]` set to `tag`.
pub fn set_tags(text: &str, tag: &str) -> String {
    let mut s: String = text
        .lines()
        .map(|line| {
            let body = line.trim_start();
            let lead = &line[..line.len() - body.len()];
            let dash = body.strip_prefix("- ").map_or("", |_| "- ");
            let rest = body.strip_prefix("- ").unwrap_or(body);
            if rest.starts_with("newTag:") {
                format!("{lead}{dash}newTag: {tag}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_is_replaced_or_added_after_kind() {
        let k =
            "apiVersion: v1beta1\nkind: Kustomization\nnamespace: cart\nimages:\n  - name: r/cart\n    newTag: v1\n";
        assert!(set_namespace(k, "cart-preview-a").contains("\nnamespace: cart-preview-a\nimages:"));
        let bare = "apiVersion: v1beta1\nkind: Kustomization\nresources:\n  - ../../base\n";
        assert_eq!(
            set_namespace(bare, "ns"),
            "apiVersion: v1beta1\nkind: Kustomization\nnamespace: ns\nresources:\n  - ../../base\n"
        );
    }

    #[test]
    fn tags_are_set_in_every_image_entry() {
        let k = "images:\n  - name: r/a\n    newTag: v1\n  - newTag: v2\n    name: r/b\n";
        assert_eq!(set_tags(k, "v9"), "images:\n  - name: r/a\n    newTag: v9\n  - newTag: v9\n    name: r/b\n");
    }
}
