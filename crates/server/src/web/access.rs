//! `/app/departments` (list; owners and admins add and rename) and `/app/roles` (each user's
//! role and departments, changed by owners and admins; a legend rendered from the permission
//! table). Changes go through the same code as the API (`api::users::change_access`, the
//! store's audited department functions). Forms carry the CSRF token; names are escaped by
//! askama like everything else.

use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::api::error::ApiError;
use crate::api::users::{AccessRequest, RoleChange, change_access};
use crate::i18n::{self, AccessTexts, Texts};
use crate::limits::PeerAddress;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use touchpoint_domain::permissions::{ROLE_PERMISSIONS, department_key, department_name};
use touchpoint_domain::{DepartmentId, DepartmentScope, Language, Permission, Role, UserId};
use touchpoint_store::{Department, StoreError};

fn form(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The message and status of a refused change, for showing on the page.
fn refusal(error: ApiError) -> (StatusCode, Vec<String>) {
    match error {
        ApiError::Validation(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
        ),
        ApiError::Conflict(detail) => (StatusCode::CONFLICT, vec![detail]),
        ApiError::Forbidden(detail) => (StatusCode::FORBIDDEN, vec![detail]),
        ApiError::NotFound(what) => (StatusCode::NOT_FOUND, vec![format!("no such {what}")]),
        other => {
            tracing::error!(error = ?other, "access change failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Vec::new())
        }
    }
}

#[derive(askama::Template)]
#[template(path = "web/departments.html")]
struct DepartmentsPage {
    lang: &'static str,
    t: &'static Texts,
    a: &'static AccessTexts,
    chrome: Chrome,
    may_manage: bool,
    problems: Vec<String>,
    departments: Vec<Department>,
}

async fn departments_page(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let departments = state
        .store
        .departments(signed_in.user.org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    let page = DepartmentsPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        a: i18n::access_texts(language),
        chrome: Chrome::new(language, signed_in, "/app/departments"),
        may_manage: signed_in.may(Permission::ManageDepartments),
        problems,
        departments,
    };
    Ok(render(status, &page))
}

pub async fn departments(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(query.as_deref(), &headers);
    let page = departments_page(&state, &signed_in, language, StatusCode::OK, Vec::new()).await?;
    Ok(with_language_cookie(page, remember))
}

pub async fn add_department(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let pairs = form(&body);
    let key = department_key(field(&pairs, "key").unwrap_or_default());
    let name = department_name(field(&pairs, "name").unwrap_or_default());
    let (key, name) = match (key, name) {
        (Ok(key), Ok(name)) => (key, name),
        (key, name) => {
            let problems = [
                key.err().map(|e| format!("key: {e}")),
                name.err().map(|e| format!("name: {e}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            return departments_page(
                &state,
                &signed_in,
                language,
                StatusCode::UNPROCESSABLE_ENTITY,
                problems,
            )
            .await;
        }
    };
    match state
        .store
        .create_department(signed_in.user.org_id, &key, &name, &signed_in.audit(peer.0))
        .await
    {
        Ok(_) => Ok(Redirect::to("/app/departments").into_response()),
        Err(StoreError::Conflict { .. }) => {
            let problem = format!("key: '{key}' exists already");
            departments_page(
                &state,
                &signed_in,
                language,
                StatusCode::CONFLICT,
                vec![problem],
            )
            .await
        }
        Err(e) => Err(WebError::internal(language, e)),
    }
}

pub async fn rename_department(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let id: DepartmentId = id.parse().map_err(|_| WebError::not_found(language))?;
    let pairs = form(&body);
    let name = match department_name(field(&pairs, "name").unwrap_or_default()) {
        Ok(name) => name,
        Err(e) => {
            let problems = vec![format!("name: {e}")];
            return departments_page(
                &state,
                &signed_in,
                language,
                StatusCode::UNPROCESSABLE_ENTITY,
                problems,
            )
            .await;
        }
    };
    match state
        .store
        .rename_department(signed_in.user.org_id, id, &name, &signed_in.audit(peer.0))
        .await
    {
        Ok(_) => Ok(Redirect::to("/app/departments").into_response()),
        Err(e) => Err(WebError::from_store(language, e)),
    }
}

struct DepartmentChoice {
    id: String,
    name: String,
    checked: bool,
}

struct RoleChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct UserRow {
    id: String,
    email: String,
    display_name: String,
    role: &'static str,
    scope: String,
    roles: Vec<RoleChoice>,
    departments: Vec<DepartmentChoice>,
}

struct LegendRow {
    permission: &'static str,
    code: &'static str,
    allowed: Vec<bool>,
}

#[derive(askama::Template)]
#[template(path = "web/roles.html")]
struct RolesPage {
    lang: &'static str,
    t: &'static Texts,
    a: &'static AccessTexts,
    chrome: Chrome,
    problems: Vec<String>,
    users: Vec<UserRow>,
    role_names: Vec<&'static str>,
    legend: Vec<LegendRow>,
}

async fn roles_page(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let org_id = signed_in.user.org_id;
    let fail = |e: StoreError| WebError::internal(language, e);
    let departments = state.store.departments(org_id).await.map_err(fail)?;
    let users = state.store.users_with_access(org_id).await.map_err(fail)?;
    let a = i18n::access_texts(language);
    let rows = users
        .iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: i18n::role_name(language, u.role),
            scope: match &u.departments {
                DepartmentScope::All => a.all_departments.to_owned(),
                DepartmentScope::Only(ids) => departments
                    .iter()
                    .filter(|d| ids.contains(&d.id))
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            roles: Role::ALL
                .iter()
                .map(|r| RoleChoice {
                    value: r.as_str(),
                    label: i18n::role_name(language, *r),
                    selected: *r == u.role,
                })
                .collect(),
            departments: departments
                .iter()
                .map(|d| DepartmentChoice {
                    id: d.id.to_string(),
                    name: d.name.clone(),
                    checked: u.departments.ids().contains(&d.id),
                })
                .collect(),
        })
        .collect();
    let legend = Permission::ALL
        .iter()
        .map(|p| LegendRow {
            permission: i18n::permission_text(language, *p),
            code: p.as_str(),
            allowed: ROLE_PERMISSIONS
                .iter()
                .map(|(_, permissions)| permissions.contains(p))
                .collect(),
        })
        .collect();
    let page = RolesPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        a,
        chrome: Chrome::new(language, signed_in, "/app/roles"),
        problems,
        users: rows,
        role_names: ROLE_PERMISSIONS
            .iter()
            .map(|(role, _)| i18n::role_name(language, *role))
            .collect(),
        legend,
    };
    Ok(render(status, &page))
}

pub async fn roles(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(query.as_deref(), &headers);
    let page = roles_page(&state, &signed_in, language, StatusCode::OK, Vec::new()).await?;
    Ok(with_language_cookie(page, remember))
}

pub async fn set_role(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let user_id: UserId = id.parse().map_err(|_| WebError::not_found(language))?;
    let pairs = form(&body);
    let departments: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "departments")
        .map(|(_, v)| v.clone())
        .collect();
    let change = RoleChange::new(field(&pairs, "role").map(str::to_owned), Some(departments));
    let result = match change.validate() {
        Ok(request) => apply(&state, &signed_in, user_id, &request, peer.0).await,
        Err(errors) => Err(ApiError::Validation(errors)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/app/roles").into_response()),
        Err(ApiError::NotFound(_)) => Err(WebError::not_found(language)),
        Err(error) => {
            let (status, problems) = refusal(error);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(WebError::internal(language, "access change failed"));
            }
            roles_page(&state, &signed_in, language, status, problems).await
        }
    }
}

async fn apply(
    state: &AppState,
    signed_in: &SignedIn,
    user_id: UserId,
    request: &AccessRequest,
    address: Option<String>,
) -> Result<(), ApiError> {
    change_access(
        state,
        signed_in.user.role,
        signed_in.user.org_id,
        user_id,
        request,
        &signed_in.audit(address),
    )
    .await
}
