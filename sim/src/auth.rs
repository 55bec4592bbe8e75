//! Local users, HS256-shaped session tokens (signed with the simulator's keyed hash), token
//! extraction (Bearer with three parts, else the `argocd.token` cookie) and the RBAC rules:
//! `admin` (and the demo operators alice, bob, dave, olga) may do everything, `viewer` may
//! only `get`.

use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::errors::ApiError;
use crate::render::ts;
use crate::rng::{mix, sign};

/// Default `users.session.duration` (24 h).
pub const SESSION_SECS: i64 = 24 * 3600;

pub struct User {
    pub name: &'static str,
    pub password: &'static str,
    pub groups: &'static [&'static str],
    pub admin: bool,
}

pub const USERS: &[User] = &[
    User { name: "admin", password: "password", groups: &["admins"], admin: true },
    User { name: "viewer", password: "viewer", groups: &["viewers"], admin: false },
    // Operators for two-terminal approval demos: Argo CD lets them act (RBAC admin); what
    // they may do in each environment is Flightdeck's policy, decided on their groups.
    User { name: "alice", password: "alice", groups: &["release-managers"], admin: true },
    User { name: "bob", password: "bob", groups: &["release-managers"], admin: true },
    User { name: "dave", password: "dave", groups: &["developers"], admin: true },
    User { name: "olga", password: "olga", groups: &["sre", "on-call"], admin: true },
];

pub fn user(name: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.name == name)
}

/// Verified session.
#[derive(Debug, Clone)]
pub struct Claims {
    pub user: &'static User,
    pub iat: i64,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        write!(f, "User({})", self.name)
    }
}

/// Issue a token for `user` at sim time `now_secs`.
pub fn issue(secret: u64, user: &str, now_secs: i64, nonce: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let jti = crate::rng::uid(mix(nonce ^ now_secs as u64));
    let claims = json!({
        "iss": "argocd", "sub": format!("{user}:login"),
        "iat": now_secs, "nbf": now_secs, "exp": now_secs + SESSION_SECS, "jti": jti,
    });
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing = format!("{header}.{body}");
    let sig = URL_SAFE_NO_PAD.encode(sign(secret, signing.as_bytes()));
    format!("{signing}.{sig}")
}

/// Verify signature and expiry; the error is the reason after `invalid session: `.
pub fn verify(secret: u64, token: &str, now_secs: i64) -> Result<Claims, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, b, s] = parts[..] else {
        return Err("token contains an invalid number of segments".into());
    };
    let expected = URL_SAFE_NO_PAD.encode(sign(secret, format!("{h}.{b}").as_bytes()));
    if expected != s {
        return Err("token signature is invalid: signature is invalid".into());
    }
    let claims: Value = URL_SAFE_NO_PAD
        .decode(b)
        .ok()
        .and_then(|raw| serde_json::from_slice(&raw).ok())
        .ok_or("token is malformed: could not JSON decode claim")?;
    if claims["exp"].as_i64().is_some_and(|exp| exp <= now_secs) {
        return Err("token has invalid claims: token is expired".into());
    }
    let sub = claims["sub"].as_str().unwrap_or_default();
    let name = sub.split(':').next().unwrap_or_default();
    let user = user(name).ok_or("account not found")?;
    Ok(Claims { user, iat: claims["iat"].as_i64().unwrap_or(0) })
}

/// The token a request carries: `Authorization: Bearer` (three parts only) else the cookie.
pub fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        if let Some(t) = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")) {
            if t.trim().split('.').count() == 3 {
                return Some(t.trim().to_string());
            }
        }
    }
    for v in headers.get_all("cookie") {
        let Ok(s) = v.to_str() else { continue };
        for kv in s.split(';') {
            if let Some(t) = kv.trim().strip_prefix("argocd.token=") {
                return Some(t.to_string());
            }
        }
    }
    None
}

/// Authenticate a request or produce the 401.
pub fn authenticate(secret: u64, headers: &HeaderMap, now_secs: i64) -> Result<Claims, ApiError> {
    let token = token_of(headers).ok_or_else(ApiError::no_session)?;
    verify(secret, &token, now_secs).map_err(|r| ApiError::unauthenticated(format!("invalid session: {r}")))
}

impl Claims {
    /// Enforce `applications, <action>, <project>/<app>`; the 403 carries `EnforceErr`'s text.
    pub fn enforce(&self, action: &str, project: &str, app: &str) -> Result<(), ApiError> {
        if self.allows(action) {
            return Ok(());
        }
        Err(ApiError::forbidden(format!(
            "permission denied: applications, {action}, {project}/{app}, sub: {}, iat: {}",
            self.user.name,
            ts(self.iat * 1000)
        )))
    }

    pub fn allows(&self, action: &str) -> bool {
        self.user.admin || action == "get"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_roundtrip_expiry_and_tamper() {
        let t = issue(7, "admin", 1000, 1);
        assert_eq!(verify(7, &t, 1001).unwrap().user.name, "admin");
        assert!(verify(8, &t, 1001).unwrap_err().contains("signature"));
        assert!(verify(7, &t, 1000 + SESSION_SECS).unwrap_err().contains("expired"));
    }
}
