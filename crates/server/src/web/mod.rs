//! The signed-in web app under `/app`: sign-in, the overview (one tile per survey, latest
//! comments), one page per survey (trend chart with its confidence band, touchpoints,
//! comments, CSV export) and the comments explorer (analysed verbatims, themes, recurring
//! and emerging problems). Server-rendered with askama; no script is needed.
//!
//! The UI language is `?lang=` (remembered in a cookie), else the user's own language, else
//! the browser's `Accept-Language`.

mod access;
mod account;
pub mod account_texts;
mod audit;
pub mod chart;
mod comments;
mod crm;
pub mod crm_texts;
pub mod csrf;
pub mod customer_texts;
mod customers;
mod form;
pub(crate) use form::Form;
mod journeys;
mod pages;
pub(crate) mod paths;
mod retention;
pub mod session;
mod tokens;
mod users;

use crate::AppState;
use crate::i18n::{self, Texts};
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use touchpoint_domain::{Language, Permission};

pub use session::SignedIn;

const LANGUAGE_COOKIE: &str = "tp_lang";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/app", get(pages::overview))
        .route("/app/", get(|| async { Redirect::to("/app") }))
        .route("/app/login", get(session::login_form).post(session::login))
        .route("/app/logout", post(session::logout))
        .route("/app/login/totp", post(session::login_totp))
        .route("/app/users", get(users::page))
        .route("/app/users/invite", post(users::invite))
        .route("/app/users/{id}/deactivate", post(users::deactivate))
        .route("/app/users/{id}/reactivate", post(users::reactivate))
        .route("/app/invitations/{id}/revoke", post(users::revoke))
        .route("/app/invitations/{id}/resend", post(users::resend))
        .route(
            "/app/invite/{token}",
            get(account::invitation_form).post(account::accept_invitation),
        )
        .route(
            "/app/forgot",
            get(account::forgot_form).post(account::forgot),
        )
        .route(
            "/app/reset/{token}",
            get(account::reset_form).post(account::reset),
        )
        .route("/app/account", get(account::page))
        .route("/app/account/password", post(account::change_password))
        .route("/app/account/sessions", post(account::sign_out_everywhere))
        .route("/app/account/totp/enable", post(account::enable_totp))
        .route("/app/account/totp/disable", post(account::disable_totp))
        .route("/app/comments", get(comments::comments))
        .route("/app/audit", get(audit::page))
        .route("/app/audit.csv", get(audit::export_csv))
        .route("/app/journeys", get(journeys::list).post(journeys::create))
        .route("/app/journeys/{id}", get(journeys::page))
        .route("/app/journeys/{id}/edit", post(journeys::edit))
        .route("/app/journeys/{id}/paths", get(paths::page))
        .route("/app/customers", get(customers::list))
        .route("/app/customers/{id}", get(customers::timeline))
        .route("/app/tokens", get(tokens::page).post(tokens::create))
        .route("/app/tokens/{id}/revoke", post(tokens::revoke))
        .route(
            "/app/retention",
            get(retention::page).post(retention::submit),
        )
        .route("/app/surveys/{id}", get(pages::survey))
        .route("/app/surveys/{id}/responses.csv", get(pages::export_csv))
        .route(
            "/app/departments",
            get(access::departments).post(access::add_department),
        )
        .route("/app/departments/{id}", post(access::rename_department))
        .route("/app/roles", get(access::roles))
        .route("/app/roles/{id}", post(access::set_role))
        .route("/app/at-risk", get(crm::at_risk))
        .route("/app/segments", get(crm::segments).post(crm::create))
        .route("/app/segments/{id}", get(crm::segment).post(crm::edit))
        .layer(axum::middleware::from_fn(csrf::require))
}

use touchpoint_domain::Permission as P;

/// Every signed-in page: `(method, path, what the user's role must allow)`. The one place the
/// web app decides who may see what (the same permission table as the API); [`SignedIn`]
/// enforces it, and a page missing here is refused to everyone.
pub const PAGE_PERMISSIONS: &[(&str, &str, Permission)] = &[
    ("get", "/app", P::ReadDashboards),
    ("get", "/app/comments", P::ReadCxData),
    ("get", "/app/audit", P::ReadAudit),
    ("get", "/app/audit.csv", P::ReadAudit),
    ("get", "/app/surveys/{id}", P::ReadDashboards),
    ("get", "/app/surveys/{id}/responses.csv", P::ReadCxData),
    ("get", "/app/departments", P::ReadDepartments),
    ("post", "/app/departments", P::ManageDepartments),
    ("post", "/app/departments/{id}", P::ManageDepartments),
    ("get", "/app/roles", P::ManageUsers),
    ("post", "/app/roles/{id}", P::ManageUsers),
    ("get", "/app/users", P::ManageUsers),
    ("post", "/app/users/invite", P::ManageUsers),
    ("post", "/app/users/{id}/deactivate", P::ManageUsers),
    ("post", "/app/users/{id}/reactivate", P::ManageUsers),
    ("post", "/app/invitations/{id}/revoke", P::ManageUsers),
    ("post", "/app/invitations/{id}/resend", P::ManageUsers),
    ("get", "/app/account", P::ManageOwnTokens),
    ("post", "/app/account/password", P::ManageOwnTokens),
    ("post", "/app/account/sessions", P::ManageOwnTokens),
    ("post", "/app/account/totp/enable", P::ManageOwnTokens),
    ("post", "/app/account/totp/disable", P::ManageOwnTokens),
    ("get", "/app/journeys", P::ReadDashboards),
    ("post", "/app/journeys", P::ManageJourneys),
    ("get", "/app/journeys/{id}", P::ReadDashboards),
    ("post", "/app/journeys/{id}/edit", P::ManageJourneys),
    ("get", "/app/journeys/{id}/paths", P::ReadDashboards),
    ("get", "/app/customers", P::ReadCustomers),
    ("get", "/app/customers/{id}", P::ReadCustomers),
    ("get", "/app/tokens", P::ManageOwnTokens),
    ("post", "/app/tokens", P::ManageOwnTokens),
    ("post", "/app/tokens/{id}/revoke", P::ManageOwnTokens),
    ("get", "/app/retention", P::ManageRetention),
    ("post", "/app/retention", P::ManageRetention),
    ("get", "/app/at-risk", P::ReadCustomers),
    ("get", "/app/segments", P::ReadCustomers),
    ("post", "/app/segments", P::ManageCustomers),
    ("get", "/app/segments/{id}", P::ReadCustomers),
    ("post", "/app/segments/{id}", P::ManageCustomers),
];

/// The permission `method` (lower-case) on the page `path` needs, if it is a page.
pub fn page_permission(method: &str, path: &str) -> Option<Permission> {
    PAGE_PERMISSIONS
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, permission)| *permission)
}

/// Renders an askama template as an HTML response; a template failure is a logged 500.
pub(crate) fn render<T: askama::Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(error) => {
            tracing::error!(%error, "template rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The web app's error: an HTML page in the user's language; causes of 500s go to the log.
#[derive(Debug)]
pub struct WebError {
    status: StatusCode,
    language: Language,
}

impl WebError {
    pub fn not_found(language: Language) -> WebError {
        WebError {
            status: StatusCode::NOT_FOUND,
            language,
        }
    }

    pub fn forbidden(language: Language) -> WebError {
        WebError {
            status: StatusCode::FORBIDDEN,
            language,
        }
    }

    /// A store error as the page answers it: a missing object is 404, anything else 500.
    pub fn from_store(language: Language, error: touchpoint_store::StoreError) -> WebError {
        match error {
            touchpoint_store::StoreError::NotFound => WebError::not_found(language),
            other => WebError::internal(language, other),
        }
    }

    pub fn internal(language: Language, cause: impl std::fmt::Display) -> WebError {
        let request_id = uuid::Uuid::now_v7();
        tracing::error!(%request_id, %cause, "web app request failed");
        WebError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            language,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "public/message.html")]
struct ErrorPage {
    lang: &'static str,
    survey_name: &'static str,
    heading: &'static str,
    body: &'static str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let t = i18n::texts(self.language);
        let (heading, body) = match self.status {
            StatusCode::NOT_FOUND => (t.not_found_title, t.not_found_body),
            StatusCode::FORBIDDEN => (t.forbidden_title, t.forbidden_body),
            _ => (t.error_title, t.error_body),
        };
        render(
            self.status,
            &ErrorPage {
                lang: self.language.as_str(),
                survey_name: "",
                heading,
                body,
            },
        )
    }
}

/// The UI language, and whether `?lang=` asked to remember a new one.
pub fn ui_language(
    query: Option<&str>,
    headers: &HeaderMap,
    user: Option<Language>,
) -> (Language, Option<Language>) {
    let requested = query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "lang"))
        .and_then(|(_, v)| Language::parse(&v));
    if let Some(language) = requested {
        return (language, Some(language));
    }
    let remembered = session::cookie(headers, LANGUAGE_COOKIE).and_then(Language::parse);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let language = remembered
        .or(user)
        .or_else(|| accept.and_then(|h| Language::negotiate(h, &Language::ALL)))
        .unwrap_or(Language::De);
    (language, None)
}

/// Sets the language cookie when `?lang=` chose one. Signed-in pages hold customer data, so
/// they are also marked `no-store` for shared machines and proxies.
pub(crate) fn with_language_cookie(mut response: Response, remember: Option<Language>) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(language) = remember {
        let cookie =
            format!("{LANGUAGE_COOKIE}={language}; Path=/app; SameSite=Lax; Max-Age=31536000");
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Links to `path` in the other UI languages.
pub(crate) fn language_links(path: &str, current: Language) -> Vec<crate::public::LanguageLink> {
    Language::ALL
        .iter()
        .filter(|l| **l != current)
        .map(|l| crate::public::LanguageLink {
            code: l.as_str(),
            name: i18n::texts(*l).language_name,
            href: format!(
                "{path}{}lang={l}",
                if path.contains('?') { '&' } else { '?' }
            ),
        })
        .collect()
}

/// What every signed-in page's header shows.
pub struct Chrome {
    pub lang: &'static str,
    pub t: &'static Texts,
    /// Texts of the departments and roles pages (their navigation links).
    pub access: &'static i18n::AccessTexts,
    pub user_name: String,
    pub switch: Vec<crate::public::LanguageLink>,
    /// The session's CSRF token, sent back by every form that changes something.
    pub csrf: String,
    /// Whether the audit log is in the navigation.
    pub may_audit: bool,
    /// Whether user administration is in the navigation.
    pub may_manage_users: bool,
    pub a: &'static account_texts::AccountTexts,
    /// Whether the customer pages (directory, at risk, segments) are in the navigation.
    pub may_read_customers: bool,
    /// Texts of the customer directory and timeline (their navigation link).
    pub c: &'static customer_texts::CustomerTexts,
    pub crm: &'static crm_texts::CrmTexts,
}

impl Chrome {
    fn new(language: Language, signed_in: &SignedIn, path: &str) -> Chrome {
        let user = &signed_in.user;
        let user_name = if user.display_name.trim().is_empty() {
            user.email.clone()
        } else {
            user.display_name.clone()
        };
        Chrome {
            lang: language.as_str(),
            t: i18n::texts(language),
            access: i18n::access_texts(language),
            user_name,
            switch: language_links(path, language),
            csrf: signed_in.csrf.clone(),
            may_audit: signed_in.may(Permission::ReadAudit),
            may_manage_users: signed_in.may(Permission::ManageUsers),
            a: account_texts::texts(language),
            may_read_customers: signed_in.may(Permission::ReadCustomers),
            c: customer_texts::texts(language),
            crm: crm_texts::texts(language),
        }
    }
}
