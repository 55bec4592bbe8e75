//! Error responses in grpc-gateway's shapes: unary `{"error","code","message"}`, the stream
//! chunk `{"error":{"grpc_code","http_code","message","http_status"}}`, and plain-text routing
//! errors (415, 404).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A gRPC status mapped to HTTP (grpc-gateway v1.16 `HTTPStatusFromCode`).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: u32,
    pub message: String,
}

pub fn http_status(code: u32) -> StatusCode {
    match code {
        0 => StatusCode::OK,
        1 => StatusCode::REQUEST_TIMEOUT,
        3 | 9 | 11 => StatusCode::BAD_REQUEST,
        4 => StatusCode::GATEWAY_TIMEOUT,
        5 => StatusCode::NOT_FOUND,
        6 | 10 => StatusCode::CONFLICT,
        7 => StatusCode::FORBIDDEN,
        8 => StatusCode::TOO_MANY_REQUESTS,
        12 => StatusCode::NOT_IMPLEMENTED,
        14 => StatusCode::SERVICE_UNAVAILABLE,
        16 => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The gRPC code a fault-injected HTTP status stands for (inverse of the table above).
pub fn code_for_status(status: u16) -> u32 {
    match status {
        400 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        408 => 1,
        409 => 10,
        429 => 8,
        501 => 12,
        503 => 14,
        504 => 4,
        500 => 13,
        _ => 2,
    }
}

impl ApiError {
    pub fn new(code: u32, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }
    pub fn no_session() -> Self {
        Self::new(16, "no session information")
    }
    pub fn unauthenticated(m: impl Into<String>) -> Self {
        Self::new(16, m)
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(7, m)
    }
    pub fn permission_denied() -> Self {
        Self::new(7, "permission denied")
    }
    pub fn invalid(m: impl Into<String>) -> Self {
        Self::new(3, m)
    }
    pub fn precondition(m: impl Into<String>) -> Self {
        Self::new(9, m)
    }
    pub fn not_found_app(name: &str) -> Self {
        Self::new(5, format!("applications.argoproj.io \"{name}\" not found"))
    }
    pub fn status(&self) -> StatusCode {
        http_status(self.code)
    }
    /// The stream-error chunk JSON (without framing).
    pub fn stream_chunk(&self) -> String {
        let st = self.status();
        json!({"error": {"grpc_code": self.code, "http_code": st.as_u16(), "message": self.message,
            "http_status": st.canonical_reason().unwrap_or("")}})
        .to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.message, "code": self.code, "message": self.message});
        (self.status(), [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }
}

pub fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}
