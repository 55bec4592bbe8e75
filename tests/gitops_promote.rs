//! Promotions in Git against a real bare repository: the plan shows the exact diff and writes
//! nothing; execute commits with trailers and pushes; a second clone pushing first is rebased
//! over and retried; refused pushes, conflicts and stale plans leave nothing behind; dirty and
//! corrupt working clones are re-cloned; an already-promoted version is nothing to do.

mod gitops_support;

use std::fs;

use flightdeck::client::git::clone::WorkingClone;
use flightdeck::client::git::commit::{execute, plan, Edit, PromoteError, Target};
use flightdeck::domain::DiffLine;
use gitops_support::{git, image, request, Remote, KUSTOMIZATION};

const OVERLAY: &str = "apps/payment/overlays/staging/kustomization.yaml";
const NEW: &str = "registry.example.com/backend/payment:v1.3.0";

fn open(r: &Remote) -> WorkingClone {
    WorkingClone::open(&git(), &r.cache(), &r.url, "main").unwrap()
}

#[test]
fn plan_shows_the_exact_diff_and_writes_nothing() {
    let r = Remote::new();
    let before = r.head();
    let c = open(&r);
    let p = plan(&c, &r.target(), &Edit::Images(vec![image(NEW)])).unwrap();
    assert_eq!(p.base, before);
    assert_eq!(p.files.len(), 1);
    assert_eq!(p.files[0].path, OVERLAY);
    assert_eq!(p.files[0].after, KUSTOMIZATION.replace("v1.2.0", "v1.3.0"));
    assert!(p.diff.contains(&DiffLine::Removed("    newTag: v1.2.0".into())), "{:?}", p.diff);
    assert!(p.diff.contains(&DiffLine::Added("    newTag: v1.3.0".into())), "{:?}", p.diff);
    assert_eq!(p.diff[0], DiffLine::Hunk(format!("--- a/{OVERLAY}")));
    assert_eq!(r.head(), before, "the remote did not move");
    assert_eq!(c.run(&["status", "--porcelain"]).unwrap(), "", "the clone was not touched");
}

#[test]
fn execute_commits_with_trailers_and_pushes() {
    let r = Remote::new();
    let c = open(&r);
    let p = plan(&c, &r.target(), &Edit::Images(vec![image(NEW)])).unwrap();
    let pushed = execute(&c, &r.target(), &request(vec![image(NEW)]), &p.diff, 5).unwrap();
    assert_eq!(pushed.attempts, 1);
    assert_eq!(r.head(), pushed.commit);
    assert_eq!(r.show(&format!("main:{OVERLAY}")), p.files[0].after);
    let msg = r.git.run(&r.bare, &["log", "-1", "--format=%B", "main"]).unwrap().stdout;
    assert!(msg.starts_with("promote payment dev -> staging: v1.3.0\n"), "{msg}");
    let trailers = r.git.run(&r.bare, &["log", "-1", "--format=%(trailers:only,unfold)", "main"]).unwrap().stdout;
    assert_eq!(
        trailers.trim_end(),
        "Flightdeck-Request: req-42\nRequested-by: dave\nApproved-by: alice\nApproved-by: bob\n\
         Change-Ticket: CHG-12345\nReason: fixes the checkout timeout"
    );
}

#[test]
fn a_second_clone_pushing_first_is_rebased_over_and_retried() {
    let r = Remote::new();
    let other = r.other_clone("other");
    // The other operator commits an unrelated change and pushes it just before our push.
    let script = format!(
        "cd '{}' && echo 'replicas: 3' > apps/payment/overlays/staging/replicas.yaml && git add -A \
         && git -c user.name=o -c user.email=o@x commit -qm other && git push -q origin HEAD:refs/heads/main",
        other.display()
    );
    let racing = r.racing_git(1, &script);
    let c = WorkingClone::open(&racing, &r.cache(), &r.url, "main").unwrap();
    let p = plan(&c, &r.target(), &Edit::Images(vec![image(NEW)])).unwrap();
    let pushed = execute(&c, &r.target(), &request(vec![image(NEW)]), &p.diff, 5).unwrap();
    assert_eq!(r.pushes_raced(), 1);
    assert_eq!(pushed.attempts, 2, "first push lost the race, second won");
    let log = r.git.run(&r.bare, &["log", "--format=%s", "main"]).unwrap().stdout;
    let subjects: Vec<&str> = log.lines().collect();
    assert_eq!(subjects[..2], ["promote payment dev -> staging: v1.3.0", "other"], "both commits kept, ours on top");
    assert_eq!(r.show("main:apps/payment/overlays/staging/replicas.yaml"), "replicas: 3\n");
    assert_eq!(r.show(&format!("main:{OVERLAY}")), p.files[0].after);
}

#[test]
fn a_remote_that_never_stops_moving_gives_up_after_the_bound() {
    let r = Remote::new();
    let other = r.other_clone("other");
    let script = format!(
        "cd '{}' && date +%s%N >> noise.txt && git add -A && git -c user.name=o -c user.email=o@x commit -qm noise \
         && git push -q origin HEAD:refs/heads/main",
        other.display()
    );
    let racing = r.racing_git(100, &script);
    let c = WorkingClone::open(&racing, &r.cache(), &r.url, "main").unwrap();
    let p = plan(&c, &r.target(), &Edit::Images(vec![image(NEW)])).unwrap();
    let err = execute(&c, &r.target(), &request(vec![image(NEW)]), &p.diff, 3).unwrap_err();
    assert!(matches!(err, PromoteError::Busy(3)), "{err}");
    assert_eq!(r.pushes_raced(), 3);
    assert_eq!(r.show(&format!("main:{OVERLAY}")), KUSTOMIZATION, "our change never landed half-way");
    assert_eq!(c.head().unwrap(), r.head(), "clone reset to the remote");
}

#[test]
fn a_conflicting_push_first_aborts_the_rebase_and_pushes_nothing() {
    let r = Remote::new();
    let other = r.other_clone("other");
    let script = format!(
        "cd '{}' && sed -i 's/v1.2.0/v1.2.9/' {OVERLAY} && git add -A && git -c user.name=o -c user.email=o@x commit -qm hotfix \
         && git push -q origin HEAD:refs/heads/main",
        other.display()
    );
    let racing = r.racing_git(1, &script);
    let c = WorkingClone::open(&racing, &r.cache(), &r.url, "main").unwrap();
    let p = plan(&c, &r.target(), &Edit::Images(vec![image(NEW)])).unwrap();
    let err = execute(&c, &r.target(), &request(vec![image(NEW)]), &p.diff, 5).unwrap_err();
    assert!(matches!(err, PromoteError::Conflict(ref f) if f == OVERLAY), "{err}");
    assert_eq!(r.show(&format!("main:{OVERLAY}")), KUSTOMIZATION.replace("v1.2.0", "v1.2.9"));
    assert_eq!(c.head().unwrap(), r.head());
    assert_eq!(c.run(&["status", "--porcelain"]).unwrap(), "");
}

#[test]
fn a_refused_push_is_explained_and_leaves_the_remote_and_clone_clean() {
    let r = Remote::new();
    let hook = r.bare.join("hooks/pre-receive");
    fs::write(&hook, "#!/bin/sh\necho 'main is protected: open a pull request' >&2\nexit 1\n").unwrap();
    fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let before = r.head();
    let c = open(&r);
    let p = plan(&c, &r.target(), &Edit::Images(vec![image(NEW)])).unwrap();
    let err = execute(&c, &r.target(), &request(vec![image(NEW)]), &p.diff, 5).unwrap_err();
    assert!(matches!(err, PromoteError::Refused(ref why) if why.contains("pre-receive hook declined")), "{err}");
    assert_eq!(r.head(), before);
    assert_eq!(c.head().unwrap(), before, "the local commit was dropped");
}

#[test]
fn an_overlay_changed_after_the_diff_was_shown_is_refused_as_stale() {
    let r = Remote::new();
    let c = open(&r);
    let p = plan(&c, &r.target(), &Edit::Images(vec![image(NEW)])).unwrap();
    let other = r.other_clone("other");
    r.commit_file(&other, OVERLAY, &KUSTOMIZATION.replace("busybox", "alpine"), "swap sidecar");
    r.git.run(&other, &["push", "-q", "origin", "HEAD:refs/heads/main"]).unwrap();
    let moved = r.head();
    let err = execute(&c, &r.target(), &request(vec![image(NEW)]), &p.diff, 5).unwrap_err();
    assert!(matches!(err, PromoteError::Stale), "{err}");
    assert_eq!(r.head(), moved);
}

#[test]
fn a_version_already_in_the_overlay_is_nothing_to_do() {
    let r = Remote::new();
    let c = open(&r);
    let same = image("registry.example.com/backend/payment:v1.2.0");
    let p = plan(&c, &r.target(), &Edit::Images(vec![same.clone()])).unwrap();
    assert!(p.is_empty() && p.diff.is_empty());
    let before = r.head();
    let err = execute(&c, &r.target(), &request(vec![same]), &p.diff, 5).unwrap_err();
    assert!(matches!(err, PromoteError::NothingToDo), "{err}");
    assert_eq!(r.head(), before);
}

#[test]
fn an_overlay_without_the_image_says_so_with_the_file() {
    let r = Remote::new();
    let c = open(&r);
    let err =
        plan(&c, &r.target(), &Edit::Images(vec![image("registry.example.com/web/checkout:v4.0.1")])).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with(OVERLAY) && text.contains("no image registry.example.com/web/checkout"), "{text}");
}

#[test]
fn helm_values_are_promoted_at_the_configured_key() {
    let r = Remote::new();
    let c = open(&r);
    let t = Target { path: "charts/payment".into(), helm_value_files: vec!["values-prod.yaml".into()], ..r.target() };
    let p = plan(&c, &t, &Edit::Images(vec![image("registry.example.com/backend/payment:v1.2.0")])).unwrap();
    assert_eq!(p.files[0].path, "charts/payment/values-prod.yaml");
    assert!(p.files[0].after.contains("  tag: v1.2.0  # prod\n"));
    execute(&c, &t, &request(vec![image("registry.example.com/backend/payment:v1.2.0")]), &p.diff, 5).unwrap();
    assert!(r.show("main:charts/payment/values-prod.yaml").contains("tag: v1.2.0  # prod"));
}

#[test]
fn a_dirty_working_clone_is_recloned() {
    let r = Remote::new();
    let dir = open(&r).dir.clone();
    fs::write(dir.join(OVERLAY), "half an edit from a crashed run\n").unwrap();
    let c = open(&r);
    assert_eq!(c.recloned.as_deref(), Some("dirty work tree"));
    assert_eq!(fs::read_to_string(c.dir.join(OVERLAY)).unwrap(), KUSTOMIZATION);
}

#[test]
fn a_corrupt_working_clone_is_recloned() {
    let r = Remote::new();
    let dir = open(&r).dir.clone();
    fs::write(dir.join(".git/HEAD"), "garbage\n").unwrap();
    let c = open(&r);
    assert!(c.recloned.as_deref().is_some_and(|why| why.starts_with("corrupt")), "{:?}", c.recloned);
    assert_eq!(c.head().unwrap(), r.head());
    // A clone whose objects are gone entirely is also replaced.
    fs::remove_dir_all(c.dir.join(".git/objects")).unwrap();
    let dir = c.dir.clone();
    drop(c);
    let again = open(&r);
    assert!(again.recloned.is_some());
    assert_eq!(again.dir, dir);
    assert_eq!(again.head().unwrap(), r.head());
}
