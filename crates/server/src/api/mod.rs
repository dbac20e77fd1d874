//! The JSON API under `/api/v1`. Every route is registered through [`ApiRoutes`], which also
//! records it, so a test can prove the OpenAPI document describes every route there is.

pub mod error;
pub(crate) mod export;
pub mod extract;
mod metrics;
mod openapi;
pub(crate) mod responses;
mod surveys;
pub(crate) mod text;
mod touchpoints;

use crate::AppState;
use axum::Router;
use axum::routing::{MethodRouter, get, post};

/// The router under construction plus the list of `(method, path)` it serves.
pub struct ApiRoutes {
    router: Router<AppState>,
    routes: Vec<(&'static str, &'static str)>,
}

impl ApiRoutes {
    fn route(
        mut self,
        path: &'static str,
        methods: &[&'static str],
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.routes.extend(methods.iter().map(|m| (*m, path)));
        self
    }

    /// `(method, path)` of every API route, paths relative to `/api/v1`.
    pub fn list(&self) -> &[(&'static str, &'static str)] {
        &self.routes
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

pub fn routes() -> ApiRoutes {
    ApiRoutes {
        router: Router::new(),
        routes: Vec::new(),
    }
    .route("/openapi.json", &["get"], get(openapi::document))
    .route(
        "/surveys",
        &["get", "post"],
        get(surveys::list).post(surveys::create),
    )
    .route(
        "/surveys/{id}",
        &["get", "put"],
        get(surveys::get).put(surveys::update),
    )
    .route("/surveys/{id}/close", &["post"], post(surveys::close))
    .route(
        "/surveys/{id}/responses",
        &["post"],
        post(responses::submit),
    )
    .route("/surveys/{id}/responses.csv", &["get"], get(export::csv))
    .route("/responses", &["get"], get(responses::list))
    .route("/responses/{id}", &["get"], get(responses::get))
    .route(
        "/touchpoints",
        &["get", "post"],
        get(touchpoints::list).post(touchpoints::create),
    )
    .route(
        "/touchpoints/{id}",
        &["get", "put"],
        get(touchpoints::get).put(touchpoints::update),
    )
    .route("/metrics", &["get"], get(metrics::get))
    .route("/text/themes", &["get"], get(text::themes))
    .route("/text/recurring", &["get"], get(text::recurring))
    .route("/text/emerging", &["get"], get(text::emerging))
    .route("/text/status", &["get"], get(text::status))
}

/// RFC 3339 UTC with milliseconds, the API's one time format.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// A page as the API shows it: `{"items": [...], "next_cursor": ...}`.
pub fn page_json<T>(
    page: &touchpoint_store::Page<T>,
    item: impl Fn(&T) -> serde_json::Value,
) -> axum::Json<serde_json::Value> {
    let items: Vec<serde_json::Value> = page.items.iter().map(item).collect();
    axum::Json(serde_json::json!({"items": items, "next_cursor": page.next_cursor}))
}
