//! The OpenAPI document, written by hand next to the code and checked against the router by
//! `tests/openapi.rs` (every route documented, nothing documented that does not exist).

use axum::http::header;
use axum::response::IntoResponse;

pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
