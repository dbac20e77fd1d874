//! A real server for the HTTP tests: a fresh database (SQLite or PostgreSQL), an organisation
//! with its owner and an API token, and `touchpoint_server::serve` on a random loopback port;
//! plus the macro that declares each test once per backend.

#![allow(dead_code)]

use touchpoint_domain::{Language, OrgId};
use touchpoint_server::{AppState, ServerSettings, build_app};
use touchpoint_store::Store;
use touchpoint_store::accounts::Initialisation;
use touchpoint_store::testing::{TestBackend, TestDatabase};

/// The owner's e-mail address and the password of owners who sign in.
pub const OWNER_EMAIL: &str = "admin@example.com";
pub const OWNER_PASSWORD: &str = "correct horse battery";

/// A started server and what a test needs to reach it and its data.
pub struct Running {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The owner's API token.
    pub token: String,
    pub store: Store,
    pub org_id: OrgId,
    pub db: TestDatabase,
}

/// Starts a server over a fresh database, or `None` when the backend is not available here.
/// `sign_in`: whether the owner gets a real password ([`OWNER_PASSWORD`], hashed — slow) for
/// tests of the web app.
pub async fn start(backend: TestBackend, sign_in: bool) -> Option<Running> {
    let db = TestDatabase::fresh(backend).await?;
    let store = db.open().await;
    let (token, stored) = touchpoint_server::auth::new_api_token("test");
    let password_hash = if sign_in {
        touchpoint_server::auth::hash_password(OWNER_PASSWORD).expect("hash")
    } else {
        "unused".into()
    };
    let init = store
        .initialise(&Initialisation {
            org_name: "Test GmbH".into(),
            email: OWNER_EMAIL.into(),
            display_name: "Olga Owner".into(),
            password_hash,
            language: Language::De,
            token: stored,
        })
        .await
        .expect("initialise");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let settings = ServerSettings {
        public_url: base.clone(),
        ..ServerSettings::default()
    };
    let app = build_app(AppState::new(store.clone(), settings));
    tokio::spawn(touchpoint_server::serve(
        listener,
        app,
        std::future::pending(),
    ));
    Some(Running {
        base,
        token,
        store,
        org_id: init.org_id,
        db,
    })
}

/// Declares `async fn name(app: TestApp)` as one test per backend; the file's own
/// `TestApp::start(backend) -> Option<TestApp>` sets it up (`None`: backend not available).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(app) = super::TestApp::start(touchpoint_store::testing::TestBackend::Sqlite).await {
                    super::$name(app).await
                }
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(app) = super::TestApp::start(touchpoint_store::testing::TestBackend::Postgres).await {
                    super::$name(app).await
                }
            })*
        }
    };
}

/// Sends `request` and returns its status and body: JSON when the body is JSON, else the text.
pub async fn reply(request: reqwest::RequestBuilder) -> (reqwest::StatusCode, serde_json::Value) {
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}
