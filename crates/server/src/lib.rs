//! Touchpoint's HTTP surfaces: the JSON API (`/api/v1`), the signed-in web app (`/app`) and
//! the public survey pages (`/s`). Each surface has its own error type and its own limits.
//!
//! What belongs here: routing, request parsing into domain types, rendering. What must not:
//! SQL (that is `touchpoint-store`) or business rules (that is `touchpoint-domain`).

pub mod api;
pub mod auth;
mod health;
pub mod i18n;
pub mod insights;
pub mod public;
pub mod reports;
pub mod security;
pub mod settings;
mod static_files;
pub mod web;

pub use settings::ServerSettings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use touchpoint_jobs::text::TextEngine;
use touchpoint_store::Store;

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<ServerSettings>,
    /// The text analyser (labels, emerging themes); the same one the worker runs.
    pub text: Arc<TextEngine>,
}

impl AppState {
    /// State with the built-in text engine.
    pub fn new(store: Store, settings: ServerSettings) -> AppState {
        AppState::with_text(store, settings, builtin_text_engine())
    }

    pub fn with_text(store: Store, settings: ServerSettings, text: Arc<TextEngine>) -> AppState {
        AppState {
            store,
            settings: Arc::new(settings),
            text,
        }
    }
}

/// The engine built from the resources compiled into the binary, built once per process.
pub fn builtin_text_engine() -> Arc<TextEngine> {
    static ENGINE: std::sync::OnceLock<Arc<TextEngine>> = std::sync::OnceLock::new();
    ENGINE
        .get_or_init(|| {
            // The resources are part of the binary and covered by the text crate's tests.
            #[allow(clippy::expect_used)]
            Arc::new(TextEngine::builtin().expect("the embedded text resources load"))
        })
        .clone()
}

/// The whole application as one router (tests drive it in-process with `oneshot`).
pub fn build_app(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    Router::new()
        .merge(health::router())
        .nest("/api/v1", api::routes().into_router())
        .merge(public::router())
        .merge(web::router())
        .merge(static_files::router())
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
