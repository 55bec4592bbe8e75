//! Shared fixtures for the gitops tests: a bare "remote" with overlays, a second clone that
//! plays another operator, and a git shim that lets that operator push at the worst moment.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use flightdeck::client::git::commit::{Edit, Request, Target, Trailers};
use flightdeck::client::git::overlay::ImageRef;
use flightdeck::client::git::Git;

pub const KUSTOMIZATION: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
# staging overlay: keep this comment
resources:
  - ../../base
images:
  - name: registry.example.com/backend/payment   # the app
    newTag: v1.2.0
  - name: busybox
    newTag: \"1.36\"
";

pub struct Remote {
    pub tmp: tempfile::TempDir,
    pub bare: PathBuf,
    pub url: String,
    pub git: Git,
}

pub fn git() -> Git {
    Git::new().with_identity("Test Operator", "op@example.com")
}

impl Remote {
    /// A bare repository with `apps/payment/overlays/staging/kustomization.yaml` on `main`.
    pub fn new() -> Remote {
        let tmp = tempfile::tempdir().unwrap();
        let bare = tmp.path().join("gitops.git");
        let git = git();
        git.run(tmp.path(), &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()]).unwrap();
        let url = format!("file://{}", bare.display());
        let r = Remote { tmp, bare, url, git };
        let seed = r.other_clone("seed");
        r.commit_file(&seed, "apps/payment/overlays/staging/kustomization.yaml", KUSTOMIZATION, "seed");
        r.commit_file(
            &seed,
            "charts/payment/values-prod.yaml",
            "replicaCount: 2\nimage:\n  repository: registry.example.com/backend/payment\n  tag: v1.1.0  # prod\n",
            "helm",
        );
        r.git.run(&seed, &["push", "-q", "origin", "HEAD:refs/heads/main"]).unwrap();
        r
    }

    /// Another operator's clone at `name`.
    pub fn other_clone(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        if !dir.exists() {
            self.git.run(self.tmp.path(), &["clone", "-q", &self.url, dir.to_str().unwrap()]).unwrap();
        } else {
            self.git.run(&dir, &["pull", "-q", "--rebase", "origin", "main"]).unwrap();
        }
        dir
    }

    pub fn commit_file(&self, clone: &Path, path: &str, text: &str, msg: &str) {
        let full = clone.join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, text).unwrap();
        self.git.run(clone, &["add", "--", path]).unwrap();
        self.git.run(clone, &["commit", "-q", "-m", msg]).unwrap();
    }

    /// The remote's `main`.
    pub fn head(&self) -> String {
        self.git.run(&self.bare, &["rev-parse", "refs/heads/main"]).unwrap().line().to_string()
    }

    pub fn show(&self, rev_path: &str) -> String {
        self.git.run(&self.bare, &["show", rev_path]).unwrap().stdout
    }

    pub fn cache(&self) -> PathBuf {
        self.tmp.path().join("cache")
    }

    pub fn target(&self) -> Target {
        Target {
            repo_url: self.url.clone(),
            path: "apps/payment/overlays/staging".into(),
            branch: "main".into(),
            helm_value_files: vec![],
            helm_tag_key: "image.tag".into(),
            helm_replicas_key: "replicaCount".into(),
            helm_resources_key: "resources".into(),
            helm_autoscaling_key: "autoscaling".into(),
        }
    }

    /// A shim in front of `git` that, before each of the first `times` pushes, runs
    /// `other.sh` (another operator pushing first), then runs the real git.
    pub fn racing_git(&self, times: u32, other_script: &str) -> Git {
        let dir = self.tmp.path();
        let script = dir.join("other.sh");
        fs::write(&script, format!("#!/bin/sh\nset -e\n{other_script}\n")).unwrap();
        let shim = dir.join("git-shim");
        let counter = dir.join("pushes");
        fs::write(
            &shim,
            format!(
                "#!/bin/sh\nif [ \"$1\" = push ]; then n=$(cat '{c}' 2>/dev/null || echo 0); \
                 if [ \"$n\" -lt {times} ]; then echo $((n+1)) > '{c}'; sh '{s}' >&2 || exit 99; fi; fi\nexec git \"$@\"\n",
                c = counter.display(),
                s = script.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&shim, fs::Permissions::from_mode(0o755)).unwrap();
        git().with_program(shim)
    }

    pub fn pushes_raced(&self) -> u32 {
        fs::read_to_string(self.tmp.path().join("pushes")).map(|s| s.trim().parse().unwrap_or(0)).unwrap_or(0)
    }
}

pub fn image(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap()
}

pub fn request(images: Vec<ImageRef>) -> Request {
    Request {
        service: "payment".into(),
        from_env: "dev".into(),
        to_env: "staging".into(),
        edit: Edit::Images(images),
        intent: Default::default(),
        also: Vec::new(),
        trailers: Trailers {
            request_id: "req-42".into(),
            requested_by: "dave".into(),
            approved_by: vec!["alice".into(), "bob".into()],
            change_ticket: Some("CHG-12345".into()),
            reason: Some("fixes the checkout timeout".into()),
        },
    }
}
