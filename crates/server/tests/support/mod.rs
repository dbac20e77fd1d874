//! Fixtures shared by the in-process web tests: an organisation whose owner can sign in, and a
//! Hotline NPS survey with a free-text question.

#![allow(dead_code)]

pub mod smtp;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{Language, OrgId, SurveyDefinition};
use touchpoint_store::AuditContext;
use touchpoint_store::accounts::{Initialisation, NewApiToken};
use touchpoint_store::testing::{TestBackend, TestDatabase};
use touchpoint_store::{Store, Survey};
use tower::ServiceExt;

pub const EMAIL: &str = "owner@example.com";
pub const PASSWORD: &str = "correct horse battery";

/// A fresh SQLite store with one organisation. Its owner signs in with [`EMAIL`] and
/// [`PASSWORD`] when `with_password` (hashing is slow in debug builds, so only when needed).
pub async fn organisation(language: Language, with_password: bool) -> (TestDatabase, Store, OrgId) {
    let db = TestDatabase::fresh(TestBackend::Sqlite)
        .await
        .expect("sqlite is always available");
    let store = db.open().await;
    let password_hash = if with_password {
        touchpoint_server::auth::hash_password(PASSWORD).expect("hash")
    } else {
        "not used here".to_owned()
    };
    let init = store
        .initialise(&Initialisation {
            org_name: "Test".into(),
            email: EMAIL.into(),
            display_name: "Olga Owner".into(),
            password_hash,
            language,
            token: NewApiToken {
                name: "t".into(),
                prefix: "tp_x".into(),
                hash: "h".into(),
            },
        })
        .await
        .expect("initialise");
    (db, store, init.org_id)
}

/// A "Hotline" touchpoint and an NPS survey named `name` on it, with a `why` text question.
pub async fn hotline_survey(store: &Store, org_id: OrgId, name: &str, token: &str) -> Survey {
    let hotline = store
        .create_touchpoint(
            org_id,
            &TouchpointFields {
                name: "Hotline".into(),
                channel: "phone".into(),
                ..Default::default()
            },
            &AuditContext::system(),
        )
        .await
        .expect("touchpoint");
    let definition = SurveyDefinition::from_json(json!({"name": name, "languages": ["de", "en"], "questions": [
        {"id":"nps","type":"nps","required":true,"text":{"de":"Weiterempfehlen?","en":"Recommend us?"}},
        {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]}))
    .expect("valid");
    store
        .create_survey(
            org_id,
            &definition,
            Some(hotline.id),
            token,
            &AuditContext::system(),
        )
        .await
        .expect("survey")
}

/// Sends `request` to the in-process app: status, headers and the body as text.
pub async fn send(app: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app.clone().oneshot(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

/// A GET, with a session cookie when given.
pub fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(uri);
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::empty()).expect("request")
}

/// The sign-in form, posted.
pub fn login(email: &str, password: &str) -> Request<Body> {
    Request::post("/app/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            serde_urlencoded::to_string([("email", email), ("password", password)]).expect("form"),
        ))
        .expect("request")
}

/// Signs the owner in; returns the `name=value` of the session cookie.
pub async fn sign_in(app: &Router) -> String {
    let (status, headers, _) = send(app, login(EMAIL, PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let set_cookie = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("cookie set");
    set_cookie.split(';').next().expect("pair").to_owned()
}
