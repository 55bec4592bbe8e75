//! Application lifecycle through the API: create (`POST /api/v1/applications`, body a
//! `v1alpha1Application` built by `domain::application`, query `upsert` and `validate` as
//! in swagger.json) and delete (`DELETE /api/v1/applications/{name}` with `cascade`). Both
//! are writes: refused in read-only mode by the request core, never retried, and their
//! refusals mapped by `client::error` like every other call.

use reqwest::Method;

use super::wire::App;
use super::{ArgoClient, Req};
use crate::client::error::{ClientError, Ctx};
use crate::domain::application::AppManifest;
use crate::domain::AppKey;

/// Options of a create (swagger: `ApplicationService_Create`'s query).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CreateOpts {
    /// Replace an existing app whose spec differs instead of being refused.
    pub upsert: bool,
    /// Let Argo CD check the source (repository, path) before creating. `false` sends
    /// `validate=false`; `true` leaves the server's default.
    pub validate: bool,
}

impl ArgoClient {
    /// Create the Application `app` on this instance; the answer is the app as created.
    pub async fn create_app(&self, app: &AppManifest, opts: CreateOpts) -> Result<App, ClientError> {
        let mut req =
            Req::new(Method::POST, "/api/v1/applications", Ctx::new("create", Some(&app.name))).json(&app.to_value());
        if opts.upsert {
            req = req.query("upsert", "true");
        }
        if !opts.validate {
            req = req.query("validate", "false");
        }
        self.call(req).await
    }

    /// Delete app `key`; `cascade` also deletes its resources (Argo CD's default).
    pub async fn delete_app(&self, key: &AppKey, cascade: bool) -> Result<(), ClientError> {
        let req = self.app_req(Method::DELETE, key, "", "delete").query("cascade", cascade.to_string());
        self.execute(&req).await.map(drop)
    }
}
