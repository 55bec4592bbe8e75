//! Telling "not Argo CD at this URL" from "Argo CD said no": Argo CD's list never answers
//! 404, and always answers JSON, so when it does either the client asks `/api/version` at the
//! same root. Anything but Argo CD's version object there means the URL (often its path, as
//! in `…:8080/prd` for `/prod`) points at something else — said as such (exit 4), instead of
//! an HTTP 404 about an app nobody asked for.

use reqwest::Method;

use super::{ArgoClient, Req};
use crate::client::error::{ClientError, Ctx};

impl ArgoClient {
    /// `e` (the answer to `tried`, a request path), or what it means when the server at this
    /// URL is not an Argo CD API.
    pub(crate) async fn explain_not_argo(&self, e: ClientError, tried: &str) -> ClientError {
        let first = match &e {
            ClientError::Http { status: 404 | 405, message, .. } => format!("{} {message}", status_of(&e)),
            ClientError::Decode { .. } => "a body that is not Argo CD's JSON".to_string(),
            _ => return e,
        };
        let req = Req::new(Method::GET, "/api/version", Ctx::new("get", None));
        let answer = match self.execute(&req).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let ct = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("no content type")
                    .to_string();
                let body = resp.bytes().await.unwrap_or_default();
                let version = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.get("Version").and_then(|x| x.as_str()).map(str::to_string));
                if version.is_some() {
                    // Argo CD itself answered: the first error stands as it is.
                    return e;
                }
                format!("{status} with {} (not Argo CD's version object)", crate::domain::sanitize::clean(&ct))
            }
            Err(ClientError::Http { status, message, .. }) => format!("{status} {message}"),
            Err(other) => other.to_string(),
        };
        let root = root_path(self.config().server.trim_end_matches('/'));
        ClientError::NotArgo {
            server: self.config().server.trim_end_matches('/').to_string(),
            tried: format!("GET {root}{tried}"),
            first,
            probe: format!("GET {root}/api/version"),
            answer,
        }
    }
}

fn status_of(e: &ClientError) -> u16 {
    e.status().unwrap_or_default()
}

/// The path part of a server URL (`/prd` of `http://host:8080/prd`), empty at the root.
fn root_path(server: &str) -> &str {
    let after_scheme = server.split_once("://").map_or(server, |(_, rest)| rest);
    after_scheme.find('/').map_or("", |i| &after_scheme[i..])
}

#[cfg(test)]
mod tests {
    use super::root_path;

    #[test]
    fn the_root_path_is_what_follows_the_host() {
        assert_eq!(root_path("http://127.0.0.1:8080/prd"), "/prd");
        assert_eq!(root_path("https://argocd.example.com"), "");
        assert_eq!(root_path("https://h/a/b"), "/a/b");
    }
}
