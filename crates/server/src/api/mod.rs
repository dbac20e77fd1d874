//! The JSON API under `/api/v1`. Every route is registered through [`ApiRoutes`], which also
//! records it, so a test can prove the OpenAPI document describes every route there is.

pub(crate) mod audit;
pub mod customers;
pub mod error;
pub(crate) mod events;
pub(crate) mod export;
pub mod extract;
pub(crate) mod journeys;
pub(crate) mod metrics;
mod openapi;
pub(crate) mod privacy;
pub(crate) mod responses;
pub(crate) mod retention;
mod surveys;
pub(crate) mod text;
pub(crate) mod tokens;
mod touchpoints;
pub(crate) mod users;

use crate::AppState;
use axum::Router;
use axum::routing::{MethodRouter, delete, get, post, put};
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
    .route(
        "/journeys",
        &["get", "post"],
        get(journeys::list).post(journeys::create),
    )
    .route(
        "/journeys/{id}",
        &["get", "put", "delete"],
        get(journeys::get)
            .put(journeys::update)
            .delete(journeys::delete),
    )
    .route(
        "/journeys/{id}/stages",
        &["post"],
        post(journeys::add_stage),
    )
    .route(
        "/journeys/{id}/stages/{stage_id}",
        &["put", "delete"],
        put(journeys::rename_stage).delete(journeys::delete_stage),
    )
    .route("/journeys/{id}/layout", &["put"], put(journeys::set_layout))
    .route("/journeys/{id}/map", &["get"], get(journeys::map))
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
    .route("/retention", &["get"], get(retention::get))
    .route(
        "/retention/runs",
        &["get", "post"],
        get(retention::runs).post(retention::run_now),
    )
    .route(
        "/retention/{data_class}",
        &["put", "delete"],
        put(retention::put).delete(retention::delete),
    )
    .route(
        "/customer-attributes",
        &["get", "post"],
        get(customers::attributes).post(customers::define_attribute),
    )
    .route(
        "/customer-settings",
        &["get", "put"],
        get(customers::settings).put(customers::update_settings),
    )
    .route("/customers", &["get"], get(customers::list))
    .route("/customers/bulk", &["post"], post(customers::bulk))
    .route(
        "/customers/{id}",
        &["get", "delete"],
        get(customers::get).delete(privacy::erase),
    )
    .route("/customers/{id}/export", &["get"], get(privacy::export))
    .route("/customers/{id}/timeline", &["get"], get(events::timeline))
    .route(
        "/events",
        &["post"],
        post(events::ingest).layer(axum::extract::DefaultBodyLimit::max(
            events::MAX_EVENTS_BODY_BYTES,
        )),
    )
    .route(
        "/customers/by-external-id/{external_id}",
        &["put"],
        put(customers::upsert),
    )
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
/// method: GET reads, everything else writes). Retention policies are administration and need
/// full access.
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
        "/events" => Resource::Events,
        "/journeys"
        | "/journeys/{id}"
        | "/journeys/{id}/stages"
        | "/journeys/{id}/stages/{stage_id}"
        | "/journeys/{id}/layout"
        | "/journeys/{id}/map" => Resource::Journeys,
        "/customer-attributes"
        | "/customer-settings"
        | "/customers"
        | "/customers/bulk"
        | "/customers/{id}"
        | "/customers/{id}/export"
        | "/customers/{id}/timeline"
        | "/customers/by-external-id/{external_id}" => Resource::Customers,
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
                || path.starts_with("/retention")
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
