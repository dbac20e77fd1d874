//! The JSON API under `/api/v1`. Every route is registered through [`ApiRoutes`], which also
//! records it, so a test can prove the OpenAPI document describes every route there is.

pub(crate) mod audit;
pub mod customers;
pub(crate) mod departments;
pub mod error;
pub(crate) mod events;
pub(crate) mod export;
pub mod extract;
pub(crate) mod invitations;
pub(crate) mod journeys;
pub(crate) mod metrics;
mod openapi;
pub(crate) mod paths;
pub(crate) mod privacy;
pub(crate) mod responses;
pub(crate) mod retention;
pub(crate) mod segments;
mod surveys;
pub(crate) mod text;
pub(crate) mod tokens;
mod touchpoints;
pub(crate) mod users;

use crate::AppState;
use axum::Router;
use axum::routing::{MethodRouter, delete, get, post, put};
use touchpoint_domain::{Permission, Resource};

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
    .route("/journeys/{id}/paths", &["get"], get(paths::get))
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
    .route("/customers/at-risk", &["get"], get(segments::at_risk))
    .route(
        "/segments",
        &["get", "post"],
        get(segments::list).post(segments::create),
    )
    .route(
        "/segments/{id}",
        &["get", "put", "delete"],
        get(segments::get)
            .put(segments::update)
            .delete(segments::delete),
    )
    .route("/segments/{id}/customers", &["get"], get(segments::members))
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
        get(invitations::list_invitations).post(invitations::create_invitation),
    )
    .route(
        "/invitations/{id}",
        &["delete"],
        delete(invitations::revoke_invitation),
    )
    .route(
        "/users/{id}/deactivate",
        &["post"],
        post(invitations::deactivate),
    )
    .route(
        "/users/{id}/reactivate",
        &["post"],
        post(invitations::reactivate),
    )
    .route("/mail", &["get"], get(invitations::list_mail))
    .route(
        "/departments",
        &["get", "post"],
        get(departments::list).post(departments::create),
    )
    .route(
        "/departments/{id}",
        &["put", "delete"],
        put(departments::rename).delete(departments::delete),
    )
    .route("/users", &["get"], get(users::list))
    .route("/users/{id}/role", &["put"], put(users::set_role))
}

/// What a route needs from the calling token besides read or write (which follows from the
/// method: GET reads, everything else writes). Retention policies are administration and need
/// full access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read or write on one resource.
    Resource(Resource),
    /// A read-write token for all resources: managing tokens, departments and users.
    FullAccess,
}

use Need::{FullAccess, Resource as R};
use touchpoint_domain::Permission as P;

/// Every authenticated API route: `(method, path, what the token must cover, what the
/// token's user's role must allow)`. The one place the API decides who may call what; a
/// route missing here is refused to everyone (closed, not open).
pub const ROUTE_PERMISSIONS: &[(&str, &str, Need, Permission)] = &[
    ("get", "/surveys", R(Resource::Surveys), P::ReadDashboards),
    ("post", "/surveys", R(Resource::Surveys), P::ManageSurveys),
    (
        "get",
        "/surveys/{id}",
        R(Resource::Surveys),
        P::ReadDashboards,
    ),
    (
        "put",
        "/surveys/{id}",
        R(Resource::Surveys),
        P::ManageSurveys,
    ),
    (
        "post",
        "/surveys/{id}/close",
        R(Resource::Surveys),
        P::ManageSurveys,
    ),
    (
        "post",
        "/surveys/{id}/responses",
        R(Resource::Responses),
        P::SubmitResponses,
    ),
    (
        "get",
        "/surveys/{id}/responses.csv",
        R(Resource::Responses),
        P::ReadCxData,
    ),
    ("get", "/responses", R(Resource::Responses), P::ReadCxData),
    (
        "get",
        "/responses/{id}",
        R(Resource::Responses),
        P::ReadCxData,
    ),
    (
        "get",
        "/touchpoints",
        R(Resource::Touchpoints),
        P::ReadDashboards,
    ),
    (
        "post",
        "/touchpoints",
        R(Resource::Touchpoints),
        P::ManageTouchpoints,
    ),
    (
        "get",
        "/touchpoints/{id}",
        R(Resource::Touchpoints),
        P::ReadDashboards,
    ),
    (
        "put",
        "/touchpoints/{id}",
        R(Resource::Touchpoints),
        P::ManageTouchpoints,
    ),
    ("get", "/metrics", R(Resource::Metrics), P::ReadDashboards),
    ("get", "/text/themes", R(Resource::Text), P::ReadCxData),
    ("get", "/text/recurring", R(Resource::Text), P::ReadCxData),
    ("get", "/text/emerging", R(Resource::Text), P::ReadCxData),
    ("get", "/text/status", R(Resource::Text), P::ReadCxData),
    ("get", "/tokens", FullAccess, P::ManageOwnTokens),
    ("post", "/tokens", FullAccess, P::ManageOwnTokens),
    ("delete", "/tokens/{id}", FullAccess, P::ManageOwnTokens),
    ("get", "/audit", R(Resource::Audit), P::ReadAudit),
    ("get", "/audit.csv", R(Resource::Audit), P::ReadAudit),
    ("get", "/departments", FullAccess, P::ReadDepartments),
    ("post", "/departments", FullAccess, P::ManageDepartments),
    ("put", "/departments/{id}", FullAccess, P::ManageDepartments),
    (
        "delete",
        "/departments/{id}",
        FullAccess,
        P::ManageDepartments,
    ),
    ("get", "/users", FullAccess, P::ManageUsers),
    ("put", "/users/{id}/role", FullAccess, P::ManageUsers),
    ("get", "/invitations", FullAccess, P::ManageUsers),
    ("post", "/invitations", FullAccess, P::ManageUsers),
    ("delete", "/invitations/{id}", FullAccess, P::ManageUsers),
    ("post", "/users/{id}/deactivate", FullAccess, P::ManageUsers),
    ("post", "/users/{id}/reactivate", FullAccess, P::ManageUsers),
    ("get", "/mail", FullAccess, P::ManageUsers),
    ("get", "/retention", FullAccess, P::ManageRetention),
    ("get", "/retention/runs", FullAccess, P::ManageRetention),
    ("post", "/retention/runs", FullAccess, P::ManageRetention),
    (
        "put",
        "/retention/{data_class}",
        FullAccess,
        P::ManageRetention,
    ),
    (
        "delete",
        "/retention/{data_class}",
        FullAccess,
        P::ManageRetention,
    ),
    ("get", "/journeys", R(Resource::Journeys), P::ReadDashboards),
    (
        "post",
        "/journeys",
        R(Resource::Journeys),
        P::ManageJourneys,
    ),
    (
        "get",
        "/journeys/{id}",
        R(Resource::Journeys),
        P::ReadDashboards,
    ),
    (
        "put",
        "/journeys/{id}",
        R(Resource::Journeys),
        P::ManageJourneys,
    ),
    (
        "delete",
        "/journeys/{id}",
        R(Resource::Journeys),
        P::ManageJourneys,
    ),
    (
        "post",
        "/journeys/{id}/stages",
        R(Resource::Journeys),
        P::ManageJourneys,
    ),
    (
        "put",
        "/journeys/{id}/stages/{stage_id}",
        R(Resource::Journeys),
        P::ManageJourneys,
    ),
    (
        "delete",
        "/journeys/{id}/stages/{stage_id}",
        R(Resource::Journeys),
        P::ManageJourneys,
    ),
    (
        "put",
        "/journeys/{id}/layout",
        R(Resource::Journeys),
        P::ManageJourneys,
    ),
    (
        "get",
        "/journeys/{id}/map",
        R(Resource::Journeys),
        P::ReadDashboards,
    ),
    (
        "get",
        "/journeys/{id}/paths",
        R(Resource::Journeys),
        P::ReadDashboards,
    ),
    (
        "get",
        "/customer-attributes",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
    (
        "post",
        "/customer-attributes",
        R(Resource::Customers),
        P::ManageCustomers,
    ),
    (
        "get",
        "/customer-settings",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
    (
        "put",
        "/customer-settings",
        R(Resource::Customers),
        P::ManageCustomers,
    ),
    (
        "get",
        "/customers",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
    (
        "post",
        "/customers/bulk",
        R(Resource::Customers),
        P::ManageCustomers,
    ),
    (
        "get",
        "/customers/{id}",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
    (
        "delete",
        "/customers/{id}",
        R(Resource::Customers),
        P::HandlePrivacyRequests,
    ),
    (
        "get",
        "/customers/{id}/export",
        R(Resource::Customers),
        P::HandlePrivacyRequests,
    ),
    (
        "get",
        "/customers/{id}/timeline",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
    (
        "put",
        "/customers/by-external-id/{external_id}",
        R(Resource::Customers),
        P::ManageCustomers,
    ),
    ("post", "/events", R(Resource::Events), P::SubmitResponses),
    (
        "get",
        "/customers/at-risk",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
    ("get", "/segments", R(Resource::Customers), P::ReadCustomers),
    (
        "post",
        "/segments",
        R(Resource::Customers),
        P::ManageCustomers,
    ),
    (
        "get",
        "/segments/{id}",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
    (
        "put",
        "/segments/{id}",
        R(Resource::Customers),
        P::ManageCustomers,
    ),
    (
        "delete",
        "/segments/{id}",
        R(Resource::Customers),
        P::ManageCustomers,
    ),
    (
        "get",
        "/segments/{id}/customers",
        R(Resource::Customers),
        P::ReadCustomers,
    ),
];

/// Routes anyone may call without a token.
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[("get", "/openapi.json")];

/// What `method` (lower-case) on `path` (relative to `/api/v1`) needs, if it is a route.
pub fn rule(method: &str, path: &str) -> Option<(Need, Permission)> {
    ROUTE_PERMISSIONS
        .iter()
        .find(|(m, p, _, _)| *m == method && *p == path)
        .map(|(_, _, need, permission)| (*need, *permission))
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
    fn every_route_is_public_or_has_exactly_one_rule() {
        for (method, path) in routes().list() {
            let rules = ROUTE_PERMISSIONS
                .iter()
                .filter(|(m, p, _, _)| m == method && p == path)
                .count();
            let public = PUBLIC_ROUTES.contains(&(*method, *path));
            assert!(
                (rules == 1) != public,
                "{method} {path} needs exactly one entry in ROUTE_PERMISSIONS or PUBLIC_ROUTES"
            );
        }
        for (method, path, _, _) in ROUTE_PERMISSIONS {
            assert!(
                routes().list().contains(&(*method, *path)),
                "{method} {path} is in ROUTE_PERMISSIONS but not routed"
            );
        }
    }
}
