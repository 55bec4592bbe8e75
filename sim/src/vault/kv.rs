//! The simulated Vault's KV v2 engine: `{mount}/data/{path}[?version=N]`, metadata read
//! (`{mount}/metadata/{path}`) and list (`LIST` or `GET ?list=true` on `{mount}/metadata/…`).
//! Shapes: `shared/reference/vault/` (`KvV2ReadResponse`, `KvV2ReadMetadataResponse`,
//! `examples/kv2-read-200.json`) checked field by field against OpenBao 2.7's answers.

use std::collections::BTreeSet;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::handlers::{envelope, errors, json_resp, no_route, with_token};
use super::{Vault, Version};

/// Time format of KV timestamps (RFC 3339 with nanoseconds, UTC), as Vault and OpenBao send.
fn stamp(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// Whether `mount` is a KV v2 mount (else the "no handler" 404).
fn mounted(vault: &Vault, mount: &str) -> bool {
    vault.state().mounts.iter().any(|m| m == mount)
}

/// Under a token allowed `{mount}/{what}/{secret}` on a known mount, `f` with the secret's
/// versions (oldest first; none for a missing secret).
fn with_versions(
    vault: &Vault,
    headers: &HeaderMap,
    (mount, what, secret): (&str, &str, &str),
    f: impl FnOnce(Vec<Version>) -> Response,
) -> Response {
    let api_path = format!("{mount}/{what}/{secret}");
    with_token(vault, headers, &api_path, |_, _| {
        if !mounted(vault, mount) {
            return no_route(&api_path);
        }
        // Bound first: the state lock must be released before `f` (it takes it again).
        let versions = vault.state().kv.get(&(mount.to_string(), secret.to_string())).cloned().unwrap_or_default();
        f(versions)
    })
}

/// `GET {mount}/data/{secret}[?version=N]`.
pub(super) fn read(vault: &Vault, headers: &HeaderMap, mount: &str, secret: &str, version: Option<&str>) -> Response {
    with_versions(vault, headers, (mount, "data", secret), |versions| {
        // `version=0` (or none) means the newest; an unknown version is a 404 with no errors,
        // as for a missing secret (observed from OpenBao; examples/list-empty-404.json).
        let wanted = match version.filter(|v| !v.is_empty()).map(str::parse::<usize>) {
            None | Some(Ok(0)) => versions.len(),
            Some(Ok(n)) => n,
            Some(Err(_)) => return errors(StatusCode::BAD_REQUEST, &["invalid version"]),
        };
        let Some(v) = wanted.checked_sub(1).and_then(|i| versions.get(i)) else {
            return errors(StatusCode::NOT_FOUND, &[]);
        };
        let data = json!({
            "data": v.data,
            "metadata": {
                "created_time": stamp(&v.created),
                "custom_metadata": null,
                "deletion_time": "",
                "destroyed": false,
                "version": wanted,
            }
        });
        // Vault adds `"mount_type": "kv"` to the envelope; OpenBao 2.7 does not, nor the sim.
        json_resp(StatusCode::OK, &envelope(vault, data, Value::Null))
    })
}

/// `GET {mount}/metadata/{secret}`.
pub(super) fn metadata(vault: &Vault, headers: &HeaderMap, mount: &str, secret: &str) -> Response {
    with_versions(vault, headers, (mount, "metadata", secret), |versions| {
        let (Some(first), Some(last)) = (versions.first(), versions.last()) else {
            return errors(StatusCode::NOT_FOUND, &[]);
        };
        let each: Map<String, Value> = versions
            .iter()
            .enumerate()
            .map(|(i, v): (usize, &Version)| {
                let entry = json!({"created_time": stamp(&v.created), "deletion_time": "", "destroyed": false});
                ((i + 1).to_string(), entry)
            })
            .collect();
        let data = json!({
            "cas_required": false,
            "created_time": stamp(&first.created),
            // These two are not in Vault 1.15's spec; OpenBao 2.7 sends them.
            "current_metadata_version": 0,
            "current_version": versions.len(),
            "custom_metadata": null,
            "delete_version_after": "0s",
            "max_versions": 0,
            "metadata_cas_required": false,
            "oldest_version": 0,
            "updated_time": stamp(&last.created),
            "versions": each,
        });
        json_resp(StatusCode::OK, &envelope(vault, data, Value::Null))
    })
}

/// `LIST {mount}/metadata/{prefix}`: the direct children (`name`, or `folder/`), sorted; none
/// is a 404 with no errors (examples/list-empty-404.json). The reference fragment has no list
/// response schema; `data.keys` is what Vault and OpenBao send.
pub(super) fn list(vault: &Vault, headers: &HeaderMap, mount: &str, prefix: &str) -> Response {
    let api_path = format!("{mount}/metadata/{prefix}");
    with_token(vault, headers, &api_path, |_, _| {
        if !mounted(vault, mount) {
            return no_route(&api_path);
        }
        let prefix = prefix.trim_end_matches('/');
        let dir = if prefix.is_empty() { String::new() } else { format!("{prefix}/") };
        let keys: BTreeSet<String> = vault
            .state()
            .kv
            .iter()
            .filter(|((m, p), v)| m == mount && !v.is_empty() && p.starts_with(&dir))
            .map(|((_, p), _)| {
                let rest = &p[dir.len()..];
                match rest.split_once('/') {
                    Some((folder, _)) => format!("{folder}/"),
                    None => rest.to_string(),
                }
            })
            .collect();
        if keys.is_empty() {
            return errors(StatusCode::NOT_FOUND, &[]);
        }
        json_resp(StatusCode::OK, &envelope(vault, json!({ "keys": keys }), Value::Null))
    })
}
