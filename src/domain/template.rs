//! Service templates kept in the GitOps repository, read and checked before anything is
//! written. Layout (`templates/NAME/` at the repository root):
//!
//! ```text
//! templates/NAME/template.toml     description, default image and tag, auto-sync on/off
//! templates/NAME/base/…            written to apps/{service}/base/…
//! templates/NAME/overlay/…         written to apps/{service}/overlays/{env}/… per environment
//! ```
//!
//! Files may hold `{{service}}`, `{{team}}`, `{{env}}` (overlay files only: the base is
//! shared by every environment), `{{image}}` and `{{tag}}`. The overlay must hold a
//! `kustomization.yaml` (what promotions edit and Argo CD renders). Every problem is a
//! [`ConfigError`] naming the template's file and line. Pure: the client layer hands in the
//! files it read from a clone.

use std::path::Path;

use serde::Deserialize;

use super::config_error::ConfigError;

/// Where templates live in the repository.
pub const TEMPLATES_DIR: &str = "templates";
/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &["service", "team", "env", "image", "tag"];

/// One file of a template as read from the repository (path relative to the repository).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateFile {
    pub path: String,
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    description: Option<String>,
    /// Default of `{{image}}`; may use `{{service}}` and `{{team}}`.
    image: String,
    /// Default of `{{tag}}`: the version the new service starts at.
    tag: String,
    /// Whether the Applications sync by themselves (default true).
    automated: Option<bool>,
}

/// A template that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub name: String,
    pub description: String,
    pub image: String,
    pub tag: String,
    pub automated: bool,
    /// (path below `base/`, text).
    pub base: Vec<(String, String)>,
    /// (path below `overlay/`, text).
    pub overlay: Vec<(String, String)>,
}

/// What one creation fills the placeholders with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params<'a> {
    pub service: &'a str,
    pub team: &'a str,
    pub image: &'a str,
    pub tag: &'a str,
}

/// The directory of template `name`.
pub fn dir_of(name: &str) -> String {
    format!("{TEMPLATES_DIR}/{name}")
}

/// Whether `name` is a DNS-1123 label (what Kubernetes and Argo CD accept as a name):
/// lowercase letters, digits and `-`, starting and ending alphanumeric, at most 63 long.
pub fn check_label(what: &str, name: &str) -> Result<(), String> {
    let ok_chars = name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let ends = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !name.is_empty() && name.len() <= 63 && ok_chars && ends(name.as_bytes().first()) && ends(name.as_bytes().last())
    {
        return Ok(());
    }
    Err(format!(
        "{what} {name:?} is not a DNS-1123 label: use lowercase letters, digits and '-', start and end with a \
         letter or digit, at most 63 characters"
    ))
}

/// Read and check template `name` from its files (every file under [`dir_of`]).
pub fn load(name: &str, files: &[TemplateFile]) -> Result<Template, ConfigError> {
    let dir = dir_of(name);
    let toml_path = format!("{dir}/template.toml");
    let Some(manifest) = files.iter().find(|f| f.path == toml_path) else {
        return Err(ConfigError::in_file(
            Path::new(&toml_path),
            format!("template {name:?} has no template.toml"),
            format!("add {toml_path} with `image` and `tag` (see config/template.example.md)"),
        ));
    };
    let raw: RawTemplate = toml::from_str(&manifest.text).map_err(|e| {
        ConfigError::from_toml(Path::new(&toml_path), &manifest.text, &e, "keys: description, image, tag, automated")
    })?;
    let mut base = Vec::new();
    let mut overlay = Vec::new();
    for f in files {
        if f.path == toml_path {
            continue;
        }
        let rel = f.path.strip_prefix(&format!("{dir}/")).unwrap_or(&f.path);
        let (kind, rest) = rel.split_once('/').unwrap_or((rel, ""));
        let list = match kind {
            "base" => &mut base,
            "overlay" => &mut overlay,
            _ => {
                return Err(ConfigError::in_file(
                    Path::new(&f.path),
                    "a template file outside base/ and overlay/",
                    "move it under base/ (shared) or overlay/ (per environment), or remove it",
                ))
            }
        };
        check_placeholders(f, kind == "base")?;
        check_yaml(f)?;
        list.push((rest.to_string(), f.text.clone()));
    }
    for (kind, list) in [("base", &base), ("overlay", &overlay)] {
        if !list.iter().any(|(p, _)| p == "kustomization.yaml") {
            let missing = format!("{dir}/{kind}/kustomization.yaml");
            return Err(ConfigError::in_file(
                Path::new(&missing),
                format!("template {name:?} has no {kind}/kustomization.yaml"),
                "every base and overlay is a kustomization: add the file",
            ));
        }
    }
    let fake = TemplateFile { path: toml_path.clone(), text: raw.image.clone() };
    check_placeholders(&fake, true).map_err(|e| ConfigError { line: None, col: None, ..e })?;
    Ok(Template {
        name: name.to_string(),
        description: raw.description.unwrap_or_default(),
        image: raw.image,
        tag: raw.tag,
        automated: raw.automated.unwrap_or(true),
        base,
        overlay,
    })
}

/// Every `{{name}}` of `f` is known (and `{{env}}` is not in a base file).
fn check_placeholders(f: &TemplateFile, base: bool) -> Result<(), ConfigError> {
    let mut at = 0;
    while let Some(open) = f.text[at..].find("{{").map(|i| at + i) {
        let Some(close) = f.text[open..].find("}}").map(|i| open + i) else {
            return Err(ConfigError::at(
                Path::new(&f.path),
                &f.text,
                open..open + 2,
                "`{{` is never closed",
                "write {{name}}",
            ));
        };
        let name = f.text[open + 2..close].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(ConfigError::at(
                Path::new(&f.path),
                &f.text,
                open..close,
                format!("unknown placeholder {{{{{name}}}}}"),
                format!(
                    "known: {}",
                    PLACEHOLDERS.iter().map(|p| format!("{{{{{p}}}}}")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if base && name == "env" {
            return Err(ConfigError::at(
                Path::new(&f.path),
                &f.text,
                open..close,
                "{{env}} in a shared file",
                "the base is shared by every environment: move what varies to overlay/",
            ));
        }
        at = close + 2;
    }
    Ok(())
}

/// A `.yaml`/`.yml` file is YAML once filled in (sample values keep every line in place).
fn check_yaml(f: &TemplateFile) -> Result<(), ConfigError> {
    if !(f.path.ends_with(".yaml") || f.path.ends_with(".yml")) {
        return Ok(());
    }
    let sample = Params { service: "svc", team: "team", image: "registry.example.com/team/svc", tag: "v0.1.0" };
    let text = fill(&f.text, &sample, "dev");
    for doc in serde_yaml_ng::Deserializer::from_str(&text) {
        if let Err(e) = serde_yaml_ng::Value::deserialize(doc) {
            let loc = e.location();
            return Err(ConfigError {
                path: Some(f.path.clone().into()),
                line: loc.as_ref().map(|l| l.line()),
                col: loc.as_ref().map(|l| l.column()),
                what: format!("not YAML: {e}"),
                hint: "fix the YAML (placeholders are filled in before it is read)".into(),
            });
        }
    }
    Ok(())
}

/// `text` with every placeholder filled in for `env`.
pub fn fill(text: &str, p: &Params<'_>, env: &str) -> String {
    text.replace("{{service}}", p.service)
        .replace("{{team}}", p.team)
        .replace("{{env}}", env)
        .replace("{{image}}", p.image)
        .replace("{{tag}}", p.tag)
}

impl Template {
    /// The default image for `service` of `team` (the template's `image`, filled in).
    pub fn image_for(&self, service: &str, team: &str) -> String {
        self.image.replace("{{service}}", service).replace("{{team}}", team)
    }

    /// The files a new service writes: its base once, its overlay per environment.
    pub fn render(&self, p: &Params<'_>, envs: &[String]) -> Vec<TemplateFile> {
        let mut out: Vec<TemplateFile> = self
            .base
            .iter()
            .map(|(rel, text)| TemplateFile { path: format!("apps/{}/base/{rel}", p.service), text: fill(text, p, "") })
            .collect();
        for env in envs {
            out.extend(self.overlay.iter().map(|(rel, text)| TemplateFile {
                path: format!("apps/{}/overlays/{env}/{rel}", p.service),
                text: fill(text, p, env),
            }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> TemplateFile {
        TemplateFile { path: path.into(), text: text.into() }
    }

    fn web() -> Vec<TemplateFile> {
        vec![
            file("templates/web/template.toml", "image = \"registry.example.com/{{team}}/{{service}}\"\ntag = \"v0.1.0\"\n"),
            file("templates/web/base/kustomization.yaml", "resources:\n  - deployment.yaml\n"),
            file("templates/web/base/deployment.yaml", "kind: Deployment\nmetadata:\n  name: {{service}}\n"),
            file(
                "templates/web/overlay/kustomization.yaml",
                "resources:\n  - ../../base\nnamespace: {{service}}\nimages:\n  - name: {{image}}\n    newTag: {{tag}}\n",
            ),
        ]
    }

    #[test]
    fn a_template_renders_its_base_once_and_its_overlay_per_environment() {
        let t = load("web", &web()).unwrap();
        assert!(t.automated);
        let image = t.image_for("billing", "backend");
        assert_eq!(image, "registry.example.com/backend/billing");
        let p = Params { service: "billing", team: "backend", image: &image, tag: "v0.1.0" };
        let files = t.render(&p, &["dev".into(), "prod".into()]);
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "apps/billing/base/kustomization.yaml",
                "apps/billing/base/deployment.yaml",
                "apps/billing/overlays/dev/kustomization.yaml",
                "apps/billing/overlays/prod/kustomization.yaml"
            ]
        );
        assert!(files[2].text.contains("name: registry.example.com/backend/billing\n    newTag: v0.1.0"));
    }

    #[test]
    fn every_problem_names_the_file_and_line() {
        let mut files = web();
        files[2].text = "kind: Deployment\nmetadata:\n  name: {{servce}}\n".into();
        let e = load("web", &files).unwrap_err();
        assert_eq!((e.path.as_deref(), e.line), (Some(Path::new("templates/web/base/deployment.yaml")), Some(3)));
        assert!(e.what.contains("{{servce}}"), "{e}");

        let mut files = web();
        files[1].text = "resources:\n  - a\n bad: [\n".into();
        let e = load("web", &files).unwrap_err();
        assert_eq!(e.path.as_deref(), Some(Path::new("templates/web/base/kustomization.yaml")));
        assert!(e.line.is_some() && e.what.starts_with("not YAML"), "{e}");

        let mut files = web();
        files[0].text = "image = \"x\"\ntag = \"v1\"\ncolour = 1\n".into();
        let e = load("web", &files).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");

        let mut files = web();
        files[2].text = "name: {{env}}\n".into();
        assert!(load("web", &files).unwrap_err().what.contains("shared"));

        let e = load("web", &web()[1..]).unwrap_err();
        assert!(e.to_string().starts_with("templates/web/template.toml:"), "{e}");
        let e = load("web", &web()[..3]).unwrap_err();
        assert!(e.to_string().contains("templates/web/overlay/kustomization.yaml"), "{e}");
    }

    #[test]
    fn names_are_dns_labels() {
        assert!(check_label("service", "billing-2").is_ok());
        for bad in ["Billing", "-a", "a-", "", "a_b", &"a".repeat(64)] {
            assert!(check_label("service", bad).is_err(), "{bad}");
        }
    }
}
