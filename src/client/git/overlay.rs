//! Overlay edits for a promotion: point a kustomization's `images[]` entry at a new tag (and
//! `newName`/`digest` when the source image needs them), or set a Helm values file's image tag
//! at a configurable key path. Only the lines that must change are touched; the result is then
//! parsed and compared with the same edit done on the parsed document, so an unusual layout is
//! refused with a clear error instead of being rewritten or mis-edited.

use serde_yaml_ng::{Mapping, Value};

use super::yaml_lines::{
    body, ending, indent, is_filler, key_of, render_scalar, replace_scalar, replace_scalar_with, Lines,
};

/// An image as Argo CD reports it in `status.summary.images`: `name[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Split `registry:5000/team/app:v1.2@sha256:…`; None for an empty name.
    pub fn parse(s: &str) -> Option<ImageRef> {
        let s = s.trim();
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        (!name.is_empty()).then(|| ImageRef { name: name.to_string(), tag, digest })
    }

    /// The last path segment (`payment-service` of `registry.example.com/backend/payment-service`).
    pub fn short_name(&self) -> &str {
        short(&self.name)
    }

    /// What an environment runs, as a promotion compares it: tag, else digest.
    pub fn version(&self) -> &str {
        self.tag.as_deref().or(self.digest.as_deref()).unwrap_or("")
    }
}

fn short(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Why an overlay could not be edited. The caller names the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OverlayError {
    /// The overlay has no `images[]` entry for the image.
    #[error("no image {image} in images[] (it has: {known})")]
    NoSuchImage { image: String, known: String },
    /// A Helm values file lacks the configured key path.
    #[error("no key {key} (set the image tag key path in the [gitops] config)")]
    NoSuchKey { key: String },
    /// Not YAML at all.
    #[error("not valid YAML: {0}")]
    Invalid(String),
    /// The overlay cannot say what was asked (no autoscaler for the workload, bounds that
    /// would cross, a workload kind a patch cannot change): why, and what to do.
    #[error("{0}")]
    Refused(String),
    /// Valid YAML in a layout the line editor does not handle (flow style, anchors, …).
    #[error("cannot edit this layout without reformatting the file: {0}")]
    Unsupported(String),
}

/// Point the kustomization's entry for `image` at it. `Ok(None)` when the entry already says
/// exactly that (nothing to commit).
pub fn edit_kustomization(text: &str, image: &ImageRef) -> Result<Option<String>, OverlayError> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| OverlayError::Invalid(e.to_string()))?;
    let entries = doc.get("images").and_then(Value::as_sequence).cloned().unwrap_or_default();
    let Some((index, changes)) = plan_entry(&entries, image) else {
        let known = entries.iter().filter_map(|e| e.get("name").and_then(Value::as_str)).collect::<Vec<_>>().join(", ");
        return Err(OverlayError::NoSuchImage {
            image: image.name.clone(),
            known: if known.is_empty() { "none".into() } else { known },
        });
    };
    if changes.is_empty() {
        return Ok(None);
    }
    let mut expected = doc.clone();
    if let Some(Value::Mapping(entry)) = expected.get_mut("images").and_then(|v| v.get_mut(index)) {
        apply_to_mapping(entry, &changes);
    }
    let edited = edit_lines(text, "images", index, &changes)?;
    check_same(&edited, &expected)?;
    Ok(Some(edited))
}

/// Set the scalar at `key_path` (dot-separated, e.g. `image.tag`) of a Helm values file.
/// `Ok(None)` when it already holds `tag`.
pub fn edit_helm_values(text: &str, key_path: &str, tag: &str) -> Result<Option<String>, OverlayError> {
    edit_helm_scalar(text, key_path, Value::String(tag.to_string()))
}

/// Set the number at `key_path` (e.g. `replicaCount`) of a Helm values file. `Ok(None)` when
/// it already holds `n`.
pub fn edit_helm_number(text: &str, key_path: &str, n: u32) -> Result<Option<String>, OverlayError> {
    edit_helm_scalar(text, key_path, Value::Number(n.into()))
}

fn edit_helm_scalar(text: &str, key_path: &str, new: Value) -> Result<Option<String>, OverlayError> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| OverlayError::Invalid(e.to_string()))?;
    let keys: Vec<&str> = key_path.split('.').filter(|k| !k.is_empty()).collect();
    let missing = || OverlayError::NoSuchKey { key: key_path.to_string() };
    let mut cur = &doc;
    for k in &keys {
        cur = cur.get(*k).ok_or_else(missing)?;
    }
    if cur == &new {
        return Ok(None);
    }
    let mut expected = doc.clone();
    let mut slot = &mut expected;
    for k in &keys {
        slot = slot.get_mut(*k).ok_or_else(missing)?;
    }
    *slot = new.clone();

    let lines = Lines::new(text);
    let mut from = 0;
    let mut to = lines.lines.len();
    let mut parent_indent: Option<usize> = None;
    let mut found = None;
    for k in &keys {
        let hit = (from..to).find(|&i| {
            let l = lines.lines[i];
            !is_filler(l)
                && parent_indent.is_none_or(|p| indent(l) > p)
                && key_of(&l[indent(l)..]).is_some_and(|(key, _)| key == *k)
                && (parent_indent.is_some() || indent(l) == 0)
        });
        let i = hit.ok_or_else(|| OverlayError::Unsupported(format!("{key_path} is not in block style")))?;
        let own = indent(lines.lines[i]);
        let end = (i + 1..to).find(|&j| !is_filler(lines.lines[j]) && indent(lines.lines[j]) <= own).unwrap_or(to);
        found = Some(i);
        from = i + 1;
        to = end;
        parent_indent = Some(own);
    }
    let i = found.ok_or_else(missing)?;
    let line = lines.lines[i];
    let replaced = match &new {
        Value::Number(n) => replace_scalar_with(line, indent(line), |_| n.to_string()),
        other => replace_scalar(line, indent(line), other.as_str().unwrap_or_default()),
    }
    .ok_or_else(|| OverlayError::Unsupported(format!("{key_path} is not a plain scalar")))?;
    let mut out = String::with_capacity(text.len() + 8);
    for (j, l) in lines.lines.iter().enumerate() {
        out.push_str(if j == i { &replaced } else { l });
    }
    check_same(&out, &expected)?;
    Ok(Some(out))
}

/// One field change of a list entry (`images[]`, `replicas[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Change {
    Set(&'static str, String),
    /// A number, written plain (a `count: 3`, never `"3"`).
    Number(&'static str, u32),
    Remove(&'static str),
}

/// Which entry matches `image`, and what must change in it. An entry matches by the name it
/// resolves to (`newName`, else `name`); failing that, by the last path segment, so an overlay
/// that pulls the same image from another registry still matches (and gets `newName`).
fn plan_entry(entries: &[Value], image: &ImageRef) -> Option<(usize, Vec<Change>)> {
    let field = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
    let resolved = |e: &Value| field(e, "newName").or_else(|| field(e, "name")).unwrap_or_default();
    let index = entries
        .iter()
        .position(|e| resolved(e) == image.name)
        .or_else(|| entries.iter().position(|e| short(&resolved(e)) == image.short_name()))?;
    let entry = &entries[index];
    let mut changes = Vec::new();
    if resolved(entry) != image.name {
        changes.push(Change::Set("newName", image.name.clone()));
    }
    if let Some(tag) = &image.tag {
        if field(entry, "newTag").as_deref() != Some(tag) {
            changes.push(Change::Set("newTag", tag.clone()));
        }
    }
    match (&image.digest, field(entry, "digest")) {
        (Some(d), old) if old.as_deref() != Some(d) => changes.push(Change::Set("digest", d.clone())),
        // A stale digest would win over the new tag in kustomize: drop it.
        (None, Some(_)) => changes.push(Change::Remove("digest")),
        _ => {}
    }
    Some((index, changes))
}

pub(super) fn apply_to_mapping(entry: &mut Mapping, changes: &[Change]) {
    for c in changes {
        match c {
            Change::Set(k, v) => {
                entry.insert(Value::String((*k).into()), Value::String(v.clone()));
            }
            Change::Number(k, n) => {
                entry.insert(Value::String((*k).into()), Value::Number((*n).into()));
            }
            Change::Remove(k) => {
                entry.remove(*k);
            }
        }
    }
}

/// Apply `changes` to item `index` of the top-level block sequence `list:` (`images`, …).
pub(super) fn edit_lines(text: &str, list: &str, index: usize, changes: &[Change]) -> Result<String, OverlayError> {
    let unsupported = |why: &str| OverlayError::Unsupported(why.to_string());
    let mut lines: Vec<String> = Lines::new(text).lines.iter().map(|l| l.to_string()).collect();
    let head = lines
        .iter()
        .position(|l| indent(l) == 0 && key_of(body(l)).is_some_and(|(k, _)| k == list))
        .ok_or_else(|| unsupported(&format!("{list} is not a top-level block key")))?;
    if key_of(body(&lines[head])).is_some_and(|(_, off)| !body(&lines[head])[off..].trim().is_empty()) {
        return Err(unsupported(&format!("{list} is written in flow style")));
    }
    let first = (head + 1..lines.len())
        .find(|&i| !is_filler(&lines[i]))
        .ok_or_else(|| unsupported(&format!("empty {list}")))?;
    let dash = indent(&lines[first]);
    let is_item = |l: &str| indent(l) == dash && body(l)[dash..].starts_with('-');
    let end = (first..lines.len())
        .find(|&i| {
            !is_filler(&lines[i]) && (indent(&lines[i]) < dash || (indent(&lines[i]) == dash && !is_item(&lines[i])))
        })
        .unwrap_or(lines.len());
    let starts: Vec<usize> = (first..end).filter(|&i| is_item(&lines[i])).collect();
    let start = *starts.get(index).ok_or_else(|| unsupported(&format!("{list}[] items are not one per dash")))?;
    let stop = starts.get(index + 1).copied().unwrap_or(end);
    let after_dash = &body(&lines[start])[dash + 1..];
    let field_col = dash + 1 + (after_dash.len() - after_dash.trim_start().len());
    // (line, byte where the key starts) of each field of the item.
    let fields = |lines: &[String], stop: usize| -> Vec<(usize, usize, String)> {
        (start..stop)
            .filter_map(|i| {
                let col = if i == start { field_col } else { indent(&lines[i]) };
                if is_filler(&lines[i]) || col != field_col {
                    return None;
                }
                key_of(&lines[i][col..]).map(|(k, _)| (i, col, k.to_string()))
            })
            .collect()
    };
    let mut stop = stop;
    for change in changes {
        let found = fields(&lines, stop);
        let set = match change {
            Change::Set(key, value) => Some((*key, value.clone(), None)),
            Change::Number(key, n) => Some((*key, n.to_string(), Some(n.to_string()))),
            Change::Remove(_) => None,
        };
        match (change, set) {
            (_, Some((key, value, raw))) => match found.iter().find(|(_, _, k)| k == key) {
                Some((i, col, _)) => {
                    let replaced = match &raw {
                        Some(r) => replace_scalar_with(&lines[*i], *col, |_| r.clone()),
                        None => replace_scalar(&lines[*i], *col, &value),
                    };
                    lines[*i] = replaced.ok_or_else(|| unsupported(&format!("{key} is not a plain scalar")))?;
                }
                None => {
                    let last = found
                        .last()
                        .map(|f| f.0)
                        .ok_or_else(|| unsupported(&format!("{list}[] item has no fields")))?;
                    let eol = match ending(&lines[last]) {
                        "" => "\n".to_string(),
                        e => e.to_string(),
                    };
                    if ending(&lines[last]).is_empty() {
                        lines[last].push_str(&eol);
                    }
                    let rendered = raw.unwrap_or_else(|| render_scalar(&value, None));
                    let new = format!("{}{key}: {rendered}{eol}", " ".repeat(field_col));
                    lines.insert(last + 1, new);
                    stop += 1;
                }
            },
            (Change::Remove(key), None) => {
                let Some(pos) = found.iter().position(|(_, _, k)| k == key) else { continue };
                let (i, _, _) = found[pos];
                if i == start {
                    // The key sits on the dash line: pull the next field up onto it.
                    let (next, col, _) = found.get(pos + 1).cloned().ok_or_else(|| unsupported("lone field"))?;
                    let pulled = format!("{}{}", &lines[start][..field_col], &lines[next][col..]);
                    lines[start] = pulled;
                    lines.remove(next);
                } else {
                    lines.remove(i);
                }
                stop -= 1;
            }
            (_, None) => {}
        }
    }
    Ok(lines.concat())
}

/// The line edit must mean exactly what the structural edit means.
pub(super) fn check_same(edited: &str, expected: &Value) -> Result<(), OverlayError> {
    let got: Value = serde_yaml_ng::from_str(edited).map_err(|e| OverlayError::Unsupported(e.to_string()))?;
    if &got == expected {
        Ok(())
    } else {
        Err(OverlayError::Unsupported("the line edit would change more than the image".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_image_references() {
        let i = ImageRef::parse("registry.example.com:5000/backend/pay:v1.2.0").unwrap();
        assert_eq!(
            (i.name.as_str(), i.tag.as_deref(), i.digest),
            ("registry.example.com:5000/backend/pay", Some("v1.2.0"), None)
        );
        let d = ImageRef::parse("ghcr.io/x/y@sha256:abc").unwrap();
        assert_eq!((d.name.as_str(), d.tag, d.digest.as_deref()), ("ghcr.io/x/y", None, Some("sha256:abc")));
        assert_eq!(ImageRef::parse("localhost:5000/app").unwrap().tag, None);
    }
}
