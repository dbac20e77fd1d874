//! The JSON API under `/api/v1`. Every route is registered through [`ApiRoutes`], which also
//! records it, so a test can prove the OpenAPI document describes every route there is.

pub(crate) mod audit;
pub mod error;
pub(crate) mod export;
pub mod extract;
mod metrics;
mod openapi;
pub(crate) mod responses;
mod surveys;
pub(crate) mod text;
mod tokens;
mod touchpoints;
pub(crate) mod users;

use crate::AppState;
use axum::Router;
use axum::routing::{MethodRouter, delete, get, post};
use touchpoint_domain::Resource;

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
    .route(
        "/tokens",
        &["get", "post"],
        get(tokens::list).post(tokens::create),
    )
    .route("/tokens/{id}", &["delete"], delete(tokens::revoke))
    .route("/audit", &["get"], get(audit::list))
    .route("/audit.csv", &["get"], get(audit::csv))
    .route(
        "/invitations",
        &["get", "post"],
        get(users::list_invitations).post(users::create_invitation),
    )
    .route(
        "/invitations/{id}",
        &["delete"],
        delete(users::revoke_invitation),
    )
    .route("/users/{id}/deactivate", &["post"], post(users::deactivate))
    .route("/users/{id}/reactivate", &["post"], post(users::reactivate))
    .route("/mail", &["get"], get(users::list_mail))
}

/// What a route needs from the calling token besides read or write (which follows from the
/// method: GET reads, everything else writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read or write on one resource.
    Resource(Resource),
    /// A read-write token for all resources: managing tokens, and any route not listed below,
    /// so a route added without thought is closed rather than open.
    FullAccess,
}

/// User and mail administration: full access for now (the role-permission table will take
/// these over; they are listed here so that move is one edit).
pub const ACCOUNT_ROUTES: [&str; 5] = [
    "/invitations",
    "/invitations/{id}",
    "/users/{id}/deactivate",
    "/users/{id}/reactivate",
    "/mail",
];

/// The need of each authenticated route, by path template relative to `/api/v1`.
pub fn need(path: &str) -> Need {
    if ACCOUNT_ROUTES.contains(&path) {
        return Need::FullAccess;
    }
    let resource = match path {
        "/surveys" | "/surveys/{id}" | "/surveys/{id}/close" => Resource::Surveys,
        "/surveys/{id}/responses" | "/surveys/{id}/responses.csv" => Resource::Responses,
        "/responses" | "/responses/{id}" => Resource::Responses,
        "/touchpoints" | "/touchpoints/{id}" => Resource::Touchpoints,
        "/metrics" => Resource::Metrics,
        "/text/themes" | "/text/recurring" | "/text/emerging" | "/text/status" => Resource::Text,
        "/audit" | "/audit.csv" => Resource::Audit,
        _ => return Need::FullAccess,
    };
    Need::Resource(resource)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_but_token_management_names_its_resource() {
        for (_, path) in routes().list() {
            let expected_full = path.starts_with("/tokens")
                || *path == "/openapi.json"
                || ACCOUNT_ROUTES.contains(path);
            assert_eq!(
                need(path) == Need::FullAccess,
                expected_full,
                "{path} needs an entry in `need`"
            );
        }
    }
}
