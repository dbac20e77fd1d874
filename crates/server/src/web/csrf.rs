//! CSRF protection for the signed-in app: every state-changing request under `/app` (all but
//! `GET`, `HEAD` and `OPTIONS`; the forms used before there is a session excepted — sign-in,
//! its TOTP step, invitation acceptance and password reset — which have no session yet and are
//! guarded by their same-origin check) must carry the session's token, as the form field
//! `_csrf` or the header `X-CSRF-Token`. Missing or wrong → 403, and the handler never runs.
//!
//! The token is derived, not stored: `sha256("touchpoint csrf v1:" + session id)`. The
//! session id is a 256-bit secret that only the browser holds (an `HttpOnly` cookie; the
//! store keeps a different hash of it), so a cross-site page cannot compute the token, and
//! deriving it needs no extra column, no migration and no lookup per request. It lives as
//! long as the session and dies with it at sign-out. (A keyed HMAC would add nothing here:
//! the input is already secret.)

use super::session::{COOKIE, cookie};
use super::{WebError, ui_language};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The form field that carries the token.
pub const FIELD: &str = "_csrf";
/// The header that may carry it instead (for forms that are not url-encoded).
pub const HEADER: &str = "x-csrf-token";

/// The token for the session whose cookie value is `session_id`.
pub fn token(session_id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"touchpoint csrf v1:");
    hasher.update(session_id.as_bytes());
    hex::encode(hasher.finalize())
}

/// Compares without an early exit, so timing does not reveal how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The session's expected token, if the request has a session cookie.
fn expected(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(token)
}

/// Whether the `X-CSRF-Token` header carries the session's token.
fn valid_header(headers: &HeaderMap) -> bool {
    let given = headers.get(HEADER).and_then(|v| v.to_str().ok());
    matches!((expected(headers), given), (Some(e), Some(g)) if same(&e, g))
}

/// Whether the url-encoded `body` carries the session's token as `_csrf`.
fn valid_form(headers: &HeaderMap, body: &[u8]) -> bool {
    let given = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()
        .and_then(|fields| fields.into_iter().find(|(k, _)| k == FIELD))
        .map(|(_, v)| v);
    matches!((expected(headers), given), (Some(e), Some(g)) if same(&e, &g))
}

/// Forms used before there is a session (signing in, its TOTP step, accepting an invitation,
/// asking for and using a reset link): no session, no token; each checks the request's
/// origin, and the link forms are bound to an unguessable single-use token in the URL.
fn sessionless(path: &str) -> bool {
    matches!(path, "/app/login" | "/app/login/totp" | "/app/forgot")
        || path.starts_with("/app/invite/")
        || path.starts_with("/app/reset/")
}

fn safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Largest url-encoded form the check buffers (forms with uploads send the header instead).
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Middleware on the web app's routes: refuses a state-changing request without the token.
pub async fn require(request: Request, next: Next) -> Response {
    if safe(request.method())
        || sessionless(request.uri().path())
        || valid_header(request.headers())
    {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let refuse = |headers: &HeaderMap| {
        tracing::warn!("state-changing request without a valid CSRF token refused");
        WebError::forbidden(ui_language(None, headers, None).0).into_response()
    };
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return refuse(&parts.headers);
    }
    let Ok(body) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if !valid_form(&parts.headers, &body) {
        return refuse(&parts.headers);
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_session(id: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("{COOKIE}={id}")).expect("header"),
        );
        headers
    }

    #[test]
    fn token_is_per_session_and_checked_in_form_or_header() {
        let (a, b) = (token("session-a"), token("session-b"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        let headers = with_session("session-a");
        assert!(valid_form(&headers, format!("x=1&{FIELD}={a}").as_bytes()));
        assert!(!valid_form(&headers, format!("{FIELD}={b}").as_bytes()));
        assert!(!valid_form(&headers, b"x=1"));
        assert!(!valid_form(&headers, format!("{FIELD}=").as_bytes()));
        assert!(!valid_header(&headers));
        let mut by_header = headers.clone();
        by_header.insert(HEADER, HeaderValue::from_str(&a).expect("header"));
        assert!(valid_header(&by_header));
        by_header.insert(HEADER, HeaderValue::from_str(&b).expect("header"));
        assert!(!valid_header(&by_header));
        assert!(
            !valid_form(&HeaderMap::new(), format!("{FIELD}={a}").as_bytes()),
            "no session, no valid token"
        );
        assert!(!same("abc", "abd") && !same("abc", "ab") && same("abc", "abc"));
    }
}
