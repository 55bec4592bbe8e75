//! Creating a service (`flightdeck new-service`, the console's `:new-service` form): what is
//! asked (name, team, template, environments, the way its Applications come to be) and what
//! it writes — the template's files plus one Argo CD Application per environment, built by
//! the one builder in `domain::application`. A creation is governed once, as a `create`,
//! by the rules of the last environment it creates in (in pipeline order: the most
//! protected), and lands in Git as one commit or nothing.

use std::collections::BTreeMap;

use super::application::AppManifest;
use super::model::LineInput;
use super::template::TemplateFile;
use super::{DiffLine, Loadable};

/// Where the app-of-apps parent reads the Applications from (the simulator's parent reads
/// the same directory; a real estate points its parent Application's path there).
pub const APPS_DIR: &str = "argocd/apps";
/// The in-cluster destination every created Application deploys to.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// How the new Applications come to be (`[gitops] applications`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AppsVia {
    /// Committed as manifests under [`APPS_DIR`] for an app-of-apps parent to create.
    #[default]
    AppOfApps,
    /// Created through Argo CD's API once the commit is pushed.
    Api,
}

impl AppsVia {
    pub fn name(self) -> &'static str {
        match self {
            Self::AppOfApps => "app-of-apps",
            Self::Api => "api",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "app-of-apps" => Some(Self::AppOfApps),
            "api" => Some(Self::Api),
            _ => None,
        }
    }
}

/// One service to create, as asked and (once planned) as shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewService {
    pub service: String,
    pub team: String,
    pub template: String,
    /// In pipeline order.
    pub envs: Vec<String>,
    /// `None`: the template's defaults.
    pub image: Option<String>,
    pub tag: Option<String>,
    pub via: AppsVia,
    /// The diff the user was shown; empty = plan again when it runs (an approved request).
    pub diff: Vec<DiffLine>,
    pub ticket: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub approved_by: Vec<String>,
    /// The requester of an approved request (`Requested-by`); `None` = whoever runs it.
    pub requested_by: Option<String>,
}

impl NewService {
    /// The environment whose `create` rules govern it: the last one it creates in.
    pub fn governed_env(&self) -> &str {
        self.envs.last().map_or("", String::as_str)
    }

    /// "billing (backend) from template web in dev, staging, prod via app-of-apps".
    pub fn describe(&self) -> String {
        format!(
            "{} ({}) from template {} in {} via {}",
            self.service,
            self.team,
            self.template,
            self.envs.join(", "),
            self.via.name()
        )
    }
}

/// The Application of `service` in `env`: `{service}-{env}`.
pub fn app_name(service: &str, env: &str) -> String {
    format!("{service}-{env}")
}

/// What the Applications of one creation share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppShape<'a> {
    pub repo_url: &'a str,
    pub branch: &'a str,
    /// The configured service and environment label keys.
    pub service_label: &'a str,
    pub env_label: &'a str,
    pub automated: bool,
}

/// The Application of `n` in `env`.
pub fn manifest(n: &NewService, env: &str, shape: &AppShape<'_>) -> AppManifest {
    let labels: BTreeMap<String, String> = [
        (shape.service_label.to_string(), n.service.clone()),
        (shape.env_label.to_string(), env.to_string()),
        ("team".to_string(), n.team.clone()),
    ]
    .into_iter()
    .collect();
    let annotations = [("flightdeck.io/template".to_string(), n.template.clone())].into_iter().collect();
    AppManifest {
        name: app_name(&n.service, env),
        project: n.team.clone(),
        labels,
        annotations,
        repo_url: shape.repo_url.to_string(),
        path: format!("apps/{}/overlays/{env}", n.service),
        target_revision: shape.branch.to_string(),
        dest_server: IN_CLUSTER.to_string(),
        dest_namespace: n.service.clone(),
        automated: shape.automated,
    }
}

/// The app-of-apps files of `n`: one Application manifest per environment.
pub fn app_files(n: &NewService, shape: &AppShape<'_>) -> Vec<TemplateFile> {
    n.envs
        .iter()
        .map(|env| TemplateFile {
            path: format!("{APPS_DIR}/{}.yaml", app_name(&n.service, env)),
            text: manifest(n, env, shape).to_yaml(),
        })
        .collect()
}

/// The console's `:new-service` form (`DialogKind::NewService`): the fields, then the plan
/// (the new files as a diff), then the policy on confirm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewServiceForm {
    pub name: LineInput,
    pub team: LineInput,
    pub template: LineInput,
    pub ticket: LineInput,
    pub reason: LineInput,
    /// Which field has the keys.
    pub focus: FormField,
    /// Every environment of the pipeline, in order.
    pub envs: Vec<String>,
    pub via: AppsVia,
    /// Bumped per plan request so a stale answer is dropped.
    pub generation: u64,
    /// Not asked (the fields are being filled), computing, the diff, or why not.
    pub plan: Loadable<Vec<DiffLine>>,
    /// First diff line shown.
    pub scroll: u16,
}

/// The fields of the form, in tab order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FormField {
    #[default]
    Name,
    Team,
    Template,
    Ticket,
    Reason,
}

impl FormField {
    pub const ALL: [FormField; 5] = [Self::Name, Self::Team, Self::Template, Self::Ticket, Self::Reason];

    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Team => "team",
            Self::Template => "template",
            Self::Ticket => "ticket",
            Self::Reason => "reason",
        }
    }
}

impl NewServiceForm {
    pub fn field(&self, f: FormField) -> &LineInput {
        match f {
            FormField::Name => &self.name,
            FormField::Team => &self.team,
            FormField::Template => &self.template,
            FormField::Ticket => &self.ticket,
            FormField::Reason => &self.reason,
        }
    }

    pub fn field_mut(&mut self, f: FormField) -> &mut LineInput {
        match f {
            FormField::Name => &mut self.name,
            FormField::Team => &mut self.team,
            FormField::Template => &mut self.template,
            FormField::Ticket => &mut self.ticket,
            FormField::Reason => &mut self.reason,
        }
    }

    /// What the form asks for, as the headless command would (trimmed; empty ticket and
    /// reason are none).
    pub fn request(&self) -> NewService {
        let given = |l: &LineInput| Some(l.text.trim().to_string()).filter(|t| !t.is_empty());
        NewService {
            service: self.name.text.trim().to_string(),
            team: self.team.text.trim().to_string(),
            template: self.template.text.trim().to_string(),
            envs: self.envs.clone(),
            via: self.via,
            ticket: given(&self.ticket),
            reason: given(&self.reason),
            ..NewService::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_manifest_per_environment_with_the_configured_labels() {
        let n = NewService {
            service: "billing".into(),
            team: "backend".into(),
            template: "web".into(),
            envs: vec!["dev".into(), "prod".into()],
            ..NewService::default()
        };
        let shape = AppShape {
            repo_url: "file:///r.git",
            branch: "main",
            service_label: "svc",
            env_label: "stage",
            automated: true,
        };
        let files = app_files(&n, &shape);
        assert_eq!(files[1].path, "argocd/apps/billing-prod.yaml");
        let v = manifest(&n, "prod", &shape).to_value();
        assert_eq!(
            (v["metadata"]["labels"]["svc"].as_str(), v["metadata"]["labels"]["stage"].as_str()),
            (Some("billing"), Some("prod"))
        );
        assert_eq!(n.governed_env(), "prod");
        assert_eq!(AppsVia::parse("api"), Some(AppsVia::Api));
        assert!(n.describe().contains("in dev, prod via app-of-apps"));
    }
}
