//! `/touchpoints`: create, list, get, update.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Caller, page_limit, parse_cursor, parse_id};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::touchpoint::{TouchpointDraft, TouchpointFields};
use touchpoint_domain::{DepartmentId, FieldError, TouchpointId};
use touchpoint_store::{StoreError, Touchpoint};

pub fn touchpoint_json(t: &Touchpoint) -> Value {
    json!({
        "id": t.id, "name": t.name, "channel": t.channel, "department_id": t.department_id,
        "key": t.key, "description": t.description, "moment_of_truth": t.moment_of_truth,
        "created_at": rfc3339(t.created_at), "updated_at": rfc3339(t.updated_at),
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let page = state
        .store
        .list_touchpoints(
            caller.principal.org_id,
            &caller.departments,
            &parse_cursor(q.cursor.as_deref())?,
            page_limit(q.limit)?,
        )
        .await?;
    Ok(super::page_json(&page, touchpoint_json))
}

/// The validated fields and department. A caller limited to departments must name one of
/// theirs (an organisation-wide touchpoint would be invisible to them).
async fn fields(
    state: &AppState,
    caller: &Caller,
    draft: TouchpointDraft,
) -> ApiResult<(TouchpointFields, Option<DepartmentId>)> {
    let mut errors = Vec::new();
    let department_raw = draft.department_id.clone();
    let fields = TouchpointFields::try_from(draft)
        .map_err(|e| errors.extend(e))
        .ok();
    let department = match department_raw.as_deref() {
        None => None,
        Some(raw) => {
            let known = match raw.parse::<DepartmentId>() {
                Ok(id) => state
                    .store
                    .departments(caller.principal.org_id)
                    .await?
                    .iter()
                    .any(|d| d.id == id)
                    .then_some(id),
                Err(_) => None,
            };
            if known.is_none() {
                errors.push(FieldError::new("department_id", "no such department"));
            }
            known
        }
    };
    match fields {
        Some(fields) if errors.is_empty() => {
            if !caller.departments.covers(department) {
                return Err(ApiError::Forbidden(
                    "you are limited to departments: the touchpoint must belong to one of yours"
                        .to_owned(),
                ));
            }
            Ok((fields, department))
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

fn name_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict { .. } => {
            ApiError::Conflict("a touchpoint with this name or key exists already".to_owned())
        }
        other => other.into(),
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<TouchpointDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (fields, department) = fields(&state, &caller, draft).await?;
    let created = state
        .store
        .create_touchpoint_in(
            caller.principal.org_id,
            &fields,
            department,
            &caller.audit(),
        )
        .await
        .map_err(name_taken)?;
    Ok((StatusCode::CREATED, Json(touchpoint_json(&created))))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id: TouchpointId = parse_id(&id, "touchpoint")?;
    let touchpoint = state
        .store
        .touchpoint(caller.principal.org_id, id)
        .await
        .map_err(not_found)?;
    crate::access::check_touchpoint(&caller.departments, &touchpoint)?;
    Ok(Json(touchpoint_json(&touchpoint)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<TouchpointDraft>,
) -> ApiResult<Json<Value>> {
    let id: TouchpointId = parse_id(&id, "touchpoint")?;
    let existing = state
        .store
        .touchpoint(caller.principal.org_id, id)
        .await
        .map_err(not_found)?;
    crate::access::check_touchpoint(&caller.departments, &existing)?;
    let (fields, department) = fields(&state, &caller, draft).await?;
    let updated = state
        .store
        .update_touchpoint(
            caller.principal.org_id,
            id,
            &fields,
            department,
            &caller.audit(),
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("touchpoint"),
            other => name_taken(other),
        })?;
    Ok(Json(touchpoint_json(&updated)))
}

fn not_found(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::NotFound("touchpoint"),
        other => other.into(),
    }
}

/// Checks that a client-given touchpoint id names a touchpoint of the caller's organisation
/// (else 422) and of the caller's departments (else 403).
pub async fn resolve(
    state: &AppState,
    caller: &Caller,
    raw: Option<&Value>,
) -> ApiResult<Option<TouchpointId>> {
    let id = resolve_in_org(state, caller.principal.org_id, raw).await?;
    if let Some(id) = id
        && !caller.departments.is_all()
    {
        let touchpoint = state.store.touchpoint(caller.principal.org_id, id).await?;
        crate::access::check_touchpoint(&caller.departments, &touchpoint)?;
    }
    Ok(id)
}

/// Checks that a client-given touchpoint id names a touchpoint of the organisation (for
/// respondents, who have no departments).
pub async fn resolve_in_org(
    state: &AppState,
    org_id: touchpoint_domain::OrgId,
    raw: Option<&Value>,
) -> ApiResult<Option<TouchpointId>> {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let id: TouchpointId = raw
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ApiError::field("touchpoint_id", "must be a touchpoint id (UUID)"))?;
    match state.store.touchpoint(org_id, id).await {
        Ok(_) => Ok(Some(id)),
        Err(StoreError::NotFound) => Err(ApiError::field("touchpoint_id", "no such touchpoint")),
        Err(other) => Err(other.into()),
    }
}
