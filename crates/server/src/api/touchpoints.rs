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
use touchpoint_domain::TouchpointId;
use touchpoint_domain::touchpoint::{TouchpointDraft, TouchpointFields};
use touchpoint_store::{StoreError, Touchpoint};

pub fn touchpoint_json(t: &Touchpoint) -> Value {
    json!({
        "id": t.id, "name": t.name, "channel": t.channel,
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
            &parse_cursor(q.cursor.as_deref())?,
            page_limit(q.limit)?,
        )
        .await?;
    Ok(super::page_json(&page, touchpoint_json))
}

fn fields(draft: TouchpointDraft) -> ApiResult<TouchpointFields> {
    TouchpointFields::try_from(draft).map_err(ApiError::Validation)
}

fn name_taken(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict { .. } => {
            ApiError::Conflict("a touchpoint with this name exists already".to_owned())
        }
        other => other.into(),
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<TouchpointDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let created = state
        .store
        .create_touchpoint(caller.principal.org_id, &fields(draft)?, &caller.audit())
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
    Ok(Json(touchpoint_json(&touchpoint)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<TouchpointDraft>,
) -> ApiResult<Json<Value>> {
    let id: TouchpointId = parse_id(&id, "touchpoint")?;
    let fields = fields(draft)?;
    let updated = state
        .store
        .update_touchpoint(caller.principal.org_id, id, &fields, &caller.audit())
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

/// Checks that a client-given touchpoint id names a touchpoint of the caller's organisation.
pub async fn resolve(
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
