//! Touchpoint's HTTP surfaces: the JSON API (`/api/v1`), the signed-in web app (`/app`) and
//! the public survey pages (`/s`). Each surface has its own error type and its own limits.
//!
//! What belongs here: routing, request parsing into domain types, rendering. What must not:
//! SQL (that is `touchpoint-store`) or business rules (that is `touchpoint-domain`).

pub mod access;
pub mod accounts;
pub mod api;
pub mod auth;
pub mod cache;
mod health;
pub mod i18n;
pub mod insights;
pub mod journey_map;
pub mod journey_paths;
pub mod limits;
pub mod mail;
pub mod public;
pub mod reports;
pub mod security;
pub mod settings;
mod static_files;
pub mod timeline;
pub mod web;

pub use settings::ServerSettings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use cache::TtlCache;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use touchpoint_domain::SurveyId;
use touchpoint_jobs::text::TextEngine;
use touchpoint_store::accounts::TokenAccess;
use touchpoint_store::{Store, Survey};

/// How long another instance's change (a closed survey, a revoked token) may take to be seen.
const HOT_CACHE_TTL: Duration = Duration::from_secs(2);

/// Everything a handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<ServerSettings>,
    /// The text analyser (labels, emerging themes); the same one the worker runs.
    pub text: Arc<TextEngine>,
    /// Token hash → principal and grant, for a few seconds (saves a query per API request);
    /// a revocation here evicts at once, other instances see it within the TTL.
    pub tokens: Arc<TtlCache<String, TokenAccess>>,
    /// Surveys by id, for a few seconds (saves a query per submission).
    pub surveys: Arc<TtlCache<SurveyId, Survey>>,
    /// Sign-in throttling and public submission limits (per instance).
    pub limits: Arc<limits::Limits>,
}

impl AppState {
    /// State with the built-in text engine.
    pub fn new(store: Store, settings: ServerSettings) -> AppState {
        AppState::with_text(store, settings, builtin_text_engine())
    }

    pub fn with_text(store: Store, settings: ServerSettings, text: Arc<TextEngine>) -> AppState {
        AppState {
            store,
            limits: Arc::new(limits::Limits::from_settings(&settings)),
            settings: Arc::new(settings),
            text,
            tokens: Arc::new(TtlCache::new(HOT_CACHE_TTL, 10_000)),
            surveys: Arc::new(TtlCache::new(HOT_CACHE_TTL, 10_000)),
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
    let tls = security::Tls(state.settings.tls());
    Router::new()
        .merge(health::router())
        .nest("/api/v1", api::routes().into_router())
        .merge(public::router())
        .merge(web::router())
        .merge(static_files::router())
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(tls, security::headers))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests.
/// Handlers see the peer's address (for per-address limits) as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
