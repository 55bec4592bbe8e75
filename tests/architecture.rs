//! The arrows of the architecture, checked on the source tree: `ui → domain ← app → (Effect)
//! → client → (Msg) → app`. No import circle between top-level modules; `domain`, `app` and
//! `engine` stay free of I/O and terminal crates; `ui` never reaches the client; HTTP lives
//! only in `client/`. Test code (`*tests.rs`, fixtures, `#[cfg(test)]` items) is left out:
//! tests may reach across layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The product code of a file: test-only files give nothing; a `#[cfg(test)] mod x;` line is
/// dropped, and an inline `#[cfg(test)]` item (the test module at the end) cuts the rest.
fn product_code(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.ends_with("tests.rs") || name == "fixture.rs" {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            match lines.next() {
                Some(next) if next.trim_start().starts_with("mod ") && next.trim_end().ends_with(';') => continue,
                Some(next) if next.trim_start().starts_with("#[path") => {
                    lines.next();
                    continue;
                }
                _ => break,
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Top-level module of a file under `src/`: `src/app/update.rs` → `app`, `src/runtime.rs` → `runtime`.
fn top_module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            out.insert(name);
        }
        rest = after;
    }
    out
}

struct Tree {
    /// (top module, file, product code)
    files: Vec<(String, PathBuf, String)>,
}

fn tree() -> Tree {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths.sort();
    let files = paths.into_iter().map(|p| (top_module(&src, &p), p.clone(), product_code(&p))).collect();
    Tree { files }
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|s| s == m).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn top_level_modules_import_each_other_without_a_circle() {
    let t = tree();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, _, code) in &t.files {
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(crate_refs(code).into_iter().filter(|d| d != module));
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import circle between top-level modules: {}", cycle.join(" → "));
    }
}

#[test]
fn pure_layers_use_no_io_or_terminal_crate() {
    let banned = ["ratatui", "crossterm", "tokio", "reqwest", "vaultrs"];
    let mut found = Vec::new();
    for (module, path, code) in &tree().files {
        if !["domain", "app", "engine"].contains(&module.as_str()) {
            continue;
        }
        for b in banned {
            if code.contains(&format!("{b}::")) || code.contains(&format!("use {b}")) {
                found.push(format!("{} uses {b}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "pure layers must not do I/O: {found:#?}");
}

#[test]
fn the_ui_reads_the_model_and_never_the_client_and_the_engine_seam_stays_pure() {
    let mut found = Vec::new();
    for (module, path, code) in &tree().files {
        let refs = crate_refs(code);
        if module == "ui" && refs.contains("client") {
            found.push(format!("{} reaches the client", path.display()));
        }
        if (module == "engine" || module == "domain") && (refs.contains("client") || refs.contains("cli")) {
            found.push(format!("{} reaches the I/O layer", path.display()));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn http_lives_only_in_the_client_layer() {
    let stray: Vec<String> = tree()
        .files
        .iter()
        .filter(|(module, _, code)| module != "client" && code.contains("reqwest::"))
        .map(|(_, p, _)| p.display().to_string())
        .collect();
    assert!(stray.is_empty(), "HTTP outside src/client/: {stray:?}");
}

#[test]
fn the_modules_of_the_update_call_downwards_only() {
    // Inside `app/`: key handling goes down into dialogs, the gate and the run log, never back
    // up to `update` (which used to hand out runs its callers then took back).
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path, code) in &tree().files {
        if module != "app" {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let deps = graph.entry(name.clone()).or_default();
        let mut rest = code.as_str();
        while let Some(i) = rest.find("super::") {
            let after = &rest[i + "super::".len()..];
            // `super::{a, b}` and `super::a`.
            let names: Vec<String> = match after.strip_prefix('{') {
                Some(list) => {
                    list.split('}').next().unwrap_or_default().split(',').map(|n| n.trim().to_string()).collect()
                }
                None => vec![after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()],
            };
            for n in names {
                let n = n.split("::").next().unwrap_or_default().to_string();
                if !n.is_empty() && n.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && n != name {
                    deps.insert(n);
                }
            }
            rest = after;
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import circle inside app/: {}", cycle.join(" → "));
    }
}

#[test]
fn the_checker_sees_a_circle_when_there_is_one() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    assert_eq!(find_cycle(&g), None);
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&g).map(|c| c.len()), Some(4));
    assert_eq!(crate_refs("use crate::app::x; crate::domain::Y"), BTreeSet::from(["app".into(), "domain".into()]));
}
