//! The API's one error type, rendered as `application/problem+json` (RFC 9457) with a stable
//! `type` per kind. Client mistakes say exactly what is wrong; our own failures say nothing
//! but a request id, and the cause goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use touchpoint_domain::FieldError;
use touchpoint_store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    /// Malformed JSON, a bad query parameter.
    BadRequest(String),
    Unauthorized,
    /// Authenticated, but the token's scope or resources do not cover the route.
    Forbidden(String),
    NotFound(&'static str),
    /// The survey is closed.
    Gone(String),
    Conflict(String),
    PayloadTooLarge(usize),
    /// The media type the route takes.
    UnsupportedMediaType(&'static str),
    Validation(Vec<FieldError>),
    Internal(String),
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            ApiError::Gone(_) => (StatusCode::GONE, "gone", "No longer available"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            ApiError::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Request body too large",
            ),
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            ApiError::Validation(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid request",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound("resource"),
            StoreError::Gone(why) => ApiError::Gone(format!("the link was {why}")),
            StoreError::Conflict { constraint } => {
                ApiError::Conflict(format!("conflicts with existing data ({constraint})"))
            }
            StoreError::UnknownCustomer(id) => ApiError::field(
                "customer_external_id",
                format!(
                    "no customer has the external id '{id}', and this organisation does not create them from responses"
                ),
            ),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, title) = self.parts();
        let mut body =
            json!({"type": format!("/problems/{kind}"), "title": title, "status": status.as_u16()});
        match &self {
            ApiError::BadRequest(detail)
            | ApiError::Forbidden(detail)
            | ApiError::Gone(detail)
            | ApiError::Conflict(detail) => {
                body["detail"] = json!(detail);
            }
            ApiError::Unauthorized => {
                body["detail"] = json!("send a valid API token as `Authorization: Bearer tp_…`");
            }
            ApiError::NotFound(what) => body["detail"] = json!(format!("no such {what}")),
            ApiError::PayloadTooLarge(limit) => {
                body["detail"] = json!(format!("the body may have at most {limit} bytes"))
            }
            ApiError::UnsupportedMediaType(expected) => {
                body["detail"] = json!(format!("send `Content-Type: {expected}`"))
            }
            ApiError::Validation(errors) => {
                body["detail"] = json!(format!("{} field(s) are invalid", errors.len()));
                body["errors"] = json!(errors);
            }
            ApiError::Internal(cause) => {
                let request_id = uuid::Uuid::now_v7().to_string();
                tracing::error!(%request_id, %cause, "internal error");
                body["detail"] = json!(
                    "something went wrong on our side; quote the request id when you report it"
                );
                body["request_id"] = json!(request_id);
            }
        }
        let mut response = (status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::Unauthorized) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        ApiError::Internal(error.to_string())
    }
}
