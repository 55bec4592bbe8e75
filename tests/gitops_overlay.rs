//! Overlay edits: kustomize images[] (newTag, newName, digest) and Helm values tags change only
//! the lines they must, and every case that cannot be done cleanly is refused with a reason.

use flightdeck::client::git::overlay::{edit_helm_values, edit_kustomization, ImageRef, OverlayError};

const K: &str = "\
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

fn img(s: &str) -> ImageRef {
    ImageRef::parse(s).unwrap()
}

#[test]
fn new_tag_changes_one_line_and_keeps_the_rest_byte_for_byte() {
    let out = edit_kustomization(K, &img("registry.example.com/backend/payment:v1.3.0")).unwrap().unwrap();
    assert_eq!(out, K.replace("newTag: v1.2.0", "newTag: v1.3.0"));
}

#[test]
fn the_same_tag_is_nothing_to_do() {
    assert_eq!(edit_kustomization(K, &img("registry.example.com/backend/payment:v1.2.0")).unwrap(), None);
}

#[test]
fn quoting_is_kept_and_numeric_looking_tags_stay_strings() {
    let out = edit_kustomization(K, &img("busybox:1.40")).unwrap().unwrap();
    assert_eq!(out, K.replace("\"1.36\"", "\"1.40\""));
    let plain = "images:\n- name: app\n  newTag: v1\n";
    assert_eq!(
        edit_kustomization(plain, &img("app:1.10")).unwrap().unwrap(),
        "images:\n- name: app\n  newTag: \"1.10\"\n"
    );
}

#[test]
fn missing_new_tag_is_inserted_under_the_entry() {
    let k = "images:\n  - name: app\nresources: [a.yaml]\n";
    let out = edit_kustomization(k, &img("app:v2")).unwrap().unwrap();
    assert_eq!(out, "images:\n  - name: app\n    newTag: v2\nresources: [a.yaml]\n");
}

#[test]
fn a_digest_is_set_when_the_source_runs_one_and_dropped_when_it_does_not() {
    let k = "images:\n  - name: app\n    newTag: v1\n    digest: sha256:aaa\n";
    let by_tag = edit_kustomization(k, &img("app:v2")).unwrap().unwrap();
    assert_eq!(by_tag, "images:\n  - name: app\n    newTag: v2\n");
    let by_digest = edit_kustomization(k, &img("app@sha256:bbb")).unwrap().unwrap();
    assert_eq!(by_digest, "images:\n  - name: app\n    newTag: v1\n    digest: sha256:bbb\n");
}

#[test]
fn an_entry_with_new_name_matches_by_the_name_it_resolves_to() {
    let k = "images:\n- name: app # placeholder\n  newName: staging-registry.example.com/team/app\n  newTag: v1\n";
    let out = edit_kustomization(k, &img("registry.example.com/team/app:v2")).unwrap().unwrap();
    assert_eq!(out, "images:\n- name: app # placeholder\n  newName: registry.example.com/team/app\n  newTag: v2\n");
}

#[test]
fn an_overlay_without_the_image_names_what_it_has() {
    let err = edit_kustomization(K, &img("registry.example.com/web/checkout:v4")).unwrap_err();
    assert_eq!(
        err,
        OverlayError::NoSuchImage {
            image: "registry.example.com/web/checkout".into(),
            known: "registry.example.com/backend/payment, busybox".into()
        }
    );
    let none = edit_kustomization("resources: [a.yaml]\n", &img("x:1")).unwrap_err();
    assert!(matches!(none, OverlayError::NoSuchImage { ref known, .. } if known == "none"), "{none}");
}

#[test]
fn flow_style_and_broken_yaml_are_refused_not_rewritten() {
    let flow = "images: [{name: app, newTag: v1}]\n";
    assert!(matches!(edit_kustomization(flow, &img("app:v2")), Err(OverlayError::Unsupported(_))));
    assert!(matches!(edit_kustomization("images: [\n", &img("app:v2")), Err(OverlayError::Invalid(_))));
}

#[test]
fn crlf_files_keep_their_line_endings() {
    let k = "images:\r\n  - name: app\r\n    newTag: v1\r\n";
    assert_eq!(
        edit_kustomization(k, &img("app:v2")).unwrap().unwrap(),
        "images:\r\n  - name: app\r\n    newTag: v2\r\n"
    );
}

#[test]
fn helm_values_tag_at_a_configurable_key_path() {
    let v = "replicaCount: 2\nimage:\n  repository: r/app\n  tag: v1.1.0  # prod\nsidecar:\n  image:\n    tag: v9\n";
    let out = edit_helm_values(v, "image.tag", "v1.2.0").unwrap().unwrap();
    assert_eq!(out, v.replace("tag: v1.1.0  # prod", "tag: v1.2.0  # prod"));
    let side = edit_helm_values(v, "sidecar.image.tag", "v10").unwrap().unwrap();
    assert_eq!(side, v.replace("tag: v9", "tag: v10"));
    assert_eq!(edit_helm_values(v, "image.tag", "v1.1.0").unwrap(), None);
    assert_eq!(
        edit_helm_values(v, "app.image.tag", "x").unwrap_err(),
        OverlayError::NoSuchKey { key: "app.image.tag".into() }
    );
}
