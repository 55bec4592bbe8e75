//! Set one scalar deep in a block-style YAML document — `spec.template.spec.containers[name=app]
//! .resources.limits.cpu`, `resources.requests.memory`, `spec.maxReplicas` — creating the keys
//! and the list item that are missing, and touching no other line (comments, order, quoting and
//! line endings stay). The result is parsed and compared with the same edit made on the parsed
//! document, so a layout this does not understand is refused, never mis-edited. An empty flow
//! value on the way (`resources: {}`, `containers: []`) is opened into a block.

use serde_yaml_ng::{Mapping, Value};

use super::overlay::{check_same, OverlayError};
use super::yaml_lines::{body, ending, indent, is_filler, key_of, render_scalar, replace_scalar_with, scalar_span};

/// One step of a path: a mapping key, or the item of a list whose `name` is this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    Key(&'a str),
    Named(&'a str),
}

/// Set the scalar at `path` to `value` (a string or a number). `Ok(None)` when it already holds
/// exactly that.
pub fn set_scalar(text: &str, path: &[Seg], value: &Value) -> Result<Option<String>, OverlayError> {
    let doc: Value = match text.trim() {
        "" => Value::Mapping(Mapping::new()),
        _ => serde_yaml_ng::from_str(text).map_err(|e| OverlayError::Invalid(e.to_string()))?,
    };
    let mut expected = doc.clone();
    if set_value(&mut expected, path, value)? == Some(value.clone()) {
        return Ok(None);
    }
    let edited = edit(text, path, value)?;
    check_same(&edited, &expected)?;
    Ok(Some(edited))
}

fn unsupported(why: String) -> OverlayError {
    OverlayError::Unsupported(why)
}

fn shown(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => k.to_string(),
            Seg::Named(n) => format!("[name={n}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The structural edit; returns what was there before.
fn set_value(doc: &mut Value, path: &[Seg], value: &Value) -> Result<Option<Value>, OverlayError> {
    let mut cur = doc;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        let wrong = || unsupported(format!("{} is not a mapping or list where expected", shown(&path[..=i])));
        match seg {
            Seg::Key(k) => {
                if cur.is_null() {
                    *cur = Value::Mapping(Mapping::new());
                }
                let m = cur.as_mapping_mut().ok_or_else(wrong)?;
                let key = Value::String((*k).to_string());
                if last {
                    return Ok(m.insert(key, value.clone()));
                }
                cur = m.entry(key).or_insert(Value::Null);
            }
            Seg::Named(n) => {
                if cur.is_null() {
                    *cur = Value::Sequence(Vec::new());
                }
                let list = cur.as_sequence_mut().ok_or_else(wrong)?;
                let at = match list.iter().position(|e| e.get("name").and_then(Value::as_str) == Some(n)) {
                    Some(at) => at,
                    None => {
                        let mut item = Mapping::new();
                        item.insert(Value::String("name".into()), Value::String((*n).to_string()));
                        list.push(Value::Mapping(item));
                        list.len() - 1
                    }
                };
                cur = &mut list[at];
            }
        }
    }
    Err(unsupported("empty key path".into()))
}

/// Where the next segment is looked for: lines `from..to`, children at column `col` (unknown
/// in an empty block), under a parent at column `parent`; `dash` is the line of a list item
/// whose first field sits after its dash.
#[derive(Clone, Copy)]
struct Scope {
    from: usize,
    to: usize,
    parent: Option<usize>,
    col: Option<usize>,
    dash: Option<usize>,
}

fn render(value: &Value, quote: Option<char>) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => render_scalar(s, quote),
        other => serde_yaml_ng::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

/// The lines of `path` (missing below an existing parent) written out at column `col`.
fn subtree(path: &[Seg], value: &Value, col: usize, eol: &str, out: &mut Vec<String>) {
    let pad = " ".repeat(col);
    match path {
        [] => {}
        [Seg::Key(k)] => out.push(format!("{pad}{k}: {}{eol}", render(value, None))),
        [Seg::Key(k), rest @ ..] => {
            out.push(format!("{pad}{k}:{eol}"));
            subtree(rest, value, col + 2, eol, out);
        }
        [Seg::Named(n), rest @ ..] => {
            out.push(format!("{pad}- name: {}{eol}", render_scalar(n, None)));
            subtree(rest, value, col + 2, eol, out);
        }
    }
}

fn edit(text: &str, path: &[Seg], value: &Value) -> Result<String, OverlayError> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let mut scope = Scope { from: 0, to: lines.len(), parent: None, col: Some(0), dash: None };
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        let next = match seg {
            Seg::Key(k) => find_key(&lines, scope, k),
            Seg::Named(n) => find_item(&lines, scope, n),
        };
        let Some(found) = next else {
            // Missing from here on: write the rest of the path at the end of this block.
            let col = match (seg, scope.col) {
                (Seg::Named(_), _) => first_dash(&lines, scope).unwrap_or(scope.parent.map_or(0, |p| p + 2)),
                (_, Some(c)) => c,
                (_, None) => scope.parent.map_or(0, |p| p + 2),
            };
            let mut new = Vec::new();
            subtree(&path[i..], value, col, eol, &mut new);
            let at = (scope.from..scope.to).rev().find(|&j| !is_filler(&lines[j])).map_or(scope.from, |j| j + 1);
            let at = at.max(scope.from);
            if let Some(prev) = at.checked_sub(1).and_then(|p| lines.get_mut(p)) {
                if ending(prev).is_empty() {
                    prev.push_str(eol);
                }
            }
            lines.splice(at..at, new);
            return Ok(lines.concat());
        };
        if let Seg::Named(_) = seg {
            scope = found;
            continue;
        }
        let (line, key_at) = (found.from, found.col.unwrap_or(0));
        if last {
            let replaced = replace_scalar_with(&lines[line], key_at, |q| render(value, q))
                .ok_or_else(|| unsupported(format!("{} is not a plain scalar", shown(path))))?;
            lines[line] = replaced;
            return Ok(lines.concat());
        }
        scope = open_block(&mut lines, line, key_at, scope.to, &path[..=i])?;
    }
    Err(unsupported("empty key path".into()))
}

/// The key line `line` (key at `key_at`) as the scope of its value: its nested block, or an
/// empty one when the value is `{}`/`[]`/nothing.
fn open_block(lines: &mut [String], line: usize, key_at: usize, to: usize, at: &[Seg]) -> Result<Scope, OverlayError> {
    let (_, off) = key_of(&lines[line][key_at..]).ok_or_else(|| unsupported(format!("{} is no key", shown(at))))?;
    let part = body(&lines[line][key_at + off..]).trim();
    let value = if part.starts_with('#') { "" } else { part.split(" #").next().unwrap_or("").trim() };
    match value {
        "" => {}
        "{}" | "[]" => {
            // `key: {} # note` → `key: # note`: the comment stays.
            let eol = ending(&lines[line]).to_string();
            let comment = part[value.len()..].trim_start();
            let sep = if comment.is_empty() { "" } else { " " };
            lines[line] = format!("{}{sep}{comment}{eol}", &lines[line][..key_at + off]);
        }
        _ => return Err(unsupported(format!("{} is written in flow style", shown(at)))),
    }
    let end = (line + 1..to)
        .find(|&j| {
            let l = &lines[j];
            !is_filler(l) && (indent(l) < key_at || (indent(l) == key_at && !body(l).trim_start().starts_with('-')))
        })
        .unwrap_or(to);
    let col = (line + 1..end).find(|&j| !is_filler(&lines[j])).map(|j| indent(&lines[j]));
    Ok(Scope { from: line + 1, to: end, parent: Some(key_at), col, dash: None })
}

/// The line of key `k` among the scope's fields: `Scope { from: line, col: key column }`.
fn find_key(lines: &[String], s: Scope, k: &str) -> Option<Scope> {
    let col = s.col?;
    (s.from..s.to).find_map(|j| {
        let l = &lines[j];
        let on_dash = Some(j) == s.dash;
        if !on_dash && (is_filler(l) || indent(l) != col) {
            return None;
        }
        let at = col;
        key_of(body(&l[at..])).filter(|(key, _)| *key == k).map(|_| Scope { from: j, col: Some(at), ..s })
    })
}

fn first_dash(lines: &[String], s: Scope) -> Option<usize> {
    (s.from..s.to).find(|&j| !is_filler(&lines[j])).map(|j| indent(&lines[j]))
}

/// The list item named `n` in the scope (a block sequence): its lines, fields after its dash.
fn find_item(lines: &[String], s: Scope, n: &str) -> Option<Scope> {
    let dash = first_dash(lines, s)?;
    let is_item = |l: &str| !is_filler(l) && indent(l) == dash && body(l)[dash..].starts_with('-');
    let starts: Vec<usize> = (s.from..s.to).filter(|&j| is_item(&lines[j])).collect();
    starts.iter().enumerate().find_map(|(i, &start)| {
        let stop = starts.get(i + 1).copied().unwrap_or(s.to);
        let after = &body(&lines[start])[dash + 1..];
        let col = dash + 1 + (after.len() - after.trim_start().len());
        let item = Scope { from: start, to: stop, parent: Some(dash), col: Some(col), dash: Some(start) };
        let name = find_key(lines, item, "name")?;
        let l = &lines[name.from];
        let (_, off) = key_of(&l[col..])?;
        let (a, b, _) = scalar_span(&l[col + off..])?;
        let raw = &l[col + off + a..col + off + b];
        let parsed: Value = serde_yaml_ng::from_str(raw).ok()?;
        (parsed.as_str() == Some(n)).then_some(item)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPU: [Seg; 8] = [
        Seg::Key("spec"),
        Seg::Key("template"),
        Seg::Key("spec"),
        Seg::Key("containers"),
        Seg::Named("app"),
        Seg::Key("resources"),
        Seg::Key("limits"),
        Seg::Key("cpu"),
    ];

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn creates_every_missing_level() {
        let out = set_scalar("kind: Deployment\n", &CPU, &s("1")).unwrap().unwrap();
        assert_eq!(
            out,
            "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          \
             resources:\n            limits:\n              cpu: \"1\"\n"
        );
        assert_eq!(set_scalar(&out, &CPU, &s("1")).unwrap(), None, "already so");
    }

    #[test]
    fn edits_in_place_keeping_comments_and_order() {
        let text = "spec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: x\n      \
                    - name: app # main\n        resources:\n          limits:\n            memory: 1Gi # peak\n            \
                    cpu: 500m\n          requests: {}\n";
        let out = set_scalar(text, &CPU, &s("2")).unwrap().unwrap();
        assert_eq!(out, text.replace("cpu: 500m", "cpu: \"2\""));
        let mut req = CPU;
        req[6] = Seg::Key("requests");
        let out = set_scalar(text, &req, &s("250m")).unwrap().unwrap();
        assert_eq!(out, text.replace("requests: {}\n", "requests:\n            cpu: 250m\n"));
        let mut other = CPU;
        other[4] = Seg::Named("worker");
        let out = set_scalar(text, &other, &s("1")).unwrap().unwrap();
        assert!(out.starts_with(text), "{out}");
        assert!(out.ends_with("      - name: worker\n        resources:\n          limits:\n            cpu: \"1\"\n"));
    }

    #[test]
    fn numbers_stay_numbers_and_flow_values_are_refused() {
        let path = [Seg::Key("spec"), Seg::Key("maxReplicas")];
        let text = "spec:\n  minReplicas: 2\n  maxReplicas: 10 # burst\n";
        let out = set_scalar(text, &path, &Value::Number(6.into())).unwrap().unwrap();
        assert_eq!(out, text.replace("10 # burst", "6 # burst"));
        let err = set_scalar("spec: {maxReplicas: 3}\n", &path, &Value::Number(6.into())).unwrap_err();
        assert!(matches!(err, OverlayError::Unsupported(_)), "{err}");
    }
}
