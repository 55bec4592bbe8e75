//! Our own rustify endpoints, for the calls whose vaultrs 0.8 response type is stricter than
//! what Vault and OpenBao send. They are executed by vaultrs (`vaultrs::api::exec_with_no_result`,
//! as vaultrs's own `sys::health` is), so the request goes through vaultrs's client with its
//! headers (`X-Vault-Request`, token, namespace), and its errors come back as vaultrs's
//! `ClientError`, mapped in `error.rs` like every other. Each response type requires only the
//! field the call exists for.
//!
//! - `sys/health`: vaultrs's `ReadHealthResponse` requires `performance_standby` (Vault only;
//!   OpenBao 2.x never sends it), `replication_performance_mode`, `replication_dr_mode` and
//!   `server_time_utc`. Ours requires `sealed`. vaultrs also hands a standby's answer (429,
//!   472, 473) over as an error; it carries the health body and is read as one here.

use rustify::endpoint::Endpoint;
use rustify::enums::{RequestMethod, RequestType, ResponseType};
use serde::Deserialize;
use vaultrs::client::VaultClient;
use vaultrs::error::ClientError;

use super::error::{decode_error, from_vaultrs, VaultError};
use super::Health;

const HEALTH: &str = "sys/health";

/// `GET /v1/sys/health` (unauthenticated; a token is sent if the client has one, as vaultrs's
/// own `sys::health` does).
struct ReadHealth;

impl Endpoint for ReadHealth {
    type Response = HealthWire;
    const REQUEST_BODY_TYPE: RequestType = RequestType::JSON;
    const RESPONSE_BODY_TYPE: ResponseType = ResponseType::JSON;

    fn path(&self) -> String {
        HEALTH.into()
    }

    fn method(&self) -> RequestMethod {
        RequestMethod::GET
    }
}

/// The health body: `sealed` is what the call is for; Vault's replication, cluster and
/// Enterprise fields are not read.
#[derive(Deserialize)]
struct HealthWire {
    sealed: bool,
    #[serde(default)]
    initialized: bool,
    #[serde(default)]
    standby: bool,
    #[serde(default)]
    version: String,
}

impl From<HealthWire> for Health {
    fn from(h: HealthWire) -> Self {
        Health { initialized: h.initialized, sealed: h.sealed, standby: h.standby, version: h.version }
    }
}

/// `sys/health` through `client`.
pub(super) async fn health(client: &VaultClient) -> Result<Health, VaultError> {
    health_from(vaultrs::api::exec_with_no_result(client, ReadHealth).await)
}

/// What an answer to `sys/health` means. 200 is an active node; 429 (unsealed standby), 472
/// (DR secondary) and 473 (performance standby) carry the same body; 501 is an uninitialized
/// Vault, 503 a sealed one (`error.rs`).
fn health_from(r: Result<HealthWire, ClientError>) -> Result<Health, VaultError> {
    use rustify::errors::ClientError as Rest;
    match r {
        Ok(h) => Ok(h.into()),
        Err(ClientError::RestClientError { source: Rest::ServerResponseError { code: 429 | 472 | 473, content } }) => {
            serde_json::from_str::<HealthWire>(content.as_deref().unwrap_or_default())
                .map(Health::from)
                .map_err(|e| decode_error(HEALTH, Some(&e)))
        }
        Err(ClientError::RestClientError { source: Rest::ServerResponseError { code: 501, .. } }) => {
            Err(VaultError::Api { code: 501, path: HEALTH.into(), message: "not initialized".into() })
        }
        Err(e) => Err(from_vaultrs(e, HEALTH)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustify::errors::ClientError as Rest;

    /// OpenBao 2.7.2's answers, as `bao server -dev` sends them.
    const OPENBAO_ACTIVE: &str = r#"{"initialized":true,"sealed":false,"standby":false,"replication_performance_mode":"disabled","replication_dr_mode":"disabled","server_time_utc":1796295597,"version":"2.7.2","cluster_name":"vault-cluster-ef936da5","cluster_id":"43320f5e-748e-e6c4-8ac9-5247b7240e30"}"#;
    const OPENBAO_SEALED: &str = r#"{"initialized":true,"sealed":true,"standby":true,"replication_performance_mode":"unknown","replication_dr_mode":"unknown","server_time_utc":1796295602,"version":"2.7.2"}"#;

    fn status(code: u16, body: &str) -> Result<HealthWire, ClientError> {
        Err(ClientError::RestClientError { source: Rest::ServerResponseError { code, content: Some(body.into()) } })
    }

    /// Why this endpoint exists: vaultrs's own type refuses OpenBao's answer; ours reads it.
    #[test]
    fn openbao_health_is_read_where_vaultrs_type_refuses_it() {
        let strict = serde_json::from_str::<vaultrs::api::sys::responses::ReadHealthResponse>(OPENBAO_ACTIVE);
        assert!(strict.is_err_and(|e| e.to_string().contains("performance_standby")));
        let ours: HealthWire = serde_json::from_str(OPENBAO_ACTIVE).expect("lenient");
        assert_eq!(
            Health::from(ours),
            Health { initialized: true, sealed: false, standby: false, version: "2.7.2".into() }
        );
    }

    #[test]
    fn standby_uninitialized_and_sealed_answers() {
        let standby = OPENBAO_ACTIVE.replace(r#""standby":false"#, r#""standby":true"#);
        for code in [429, 472, 473] {
            let h = health_from(status(code, &standby)).expect("a standby is healthy");
            assert!(h.standby && !h.sealed && h.version == "2.7.2", "{code}: {h:?}");
        }
        assert_eq!(health_from(status(503, OPENBAO_SEALED)), Err(VaultError::Sealed));
        let uninit = health_from(status(501, r#"{"initialized":false,"sealed":true}"#)).unwrap_err();
        assert_eq!(uninit, VaultError::Api { code: 501, path: HEALTH.into(), message: "not initialized".into() });
        // A rate-limited 429 is an error, not a standby.
        let limited =
            health_from(Err(ClientError::APIError { code: 429, errors: vec!["rate limit quota exceeded".into()] }));
        assert!(matches!(limited, Err(VaultError::Api { code: 429, .. })), "{limited:?}");
    }
}
