//! `/departments`: list, add, rename and delete (when unused) the organisation's departments.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller, parse_id};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::permissions::{department_key, department_name};
use touchpoint_domain::{DepartmentId, FieldError};
use touchpoint_store::{Department, StoreError};

pub fn department_json(d: &Department) -> Value {
    json!({"id": d.id, "key": d.key, "name": d.name, "created_at": rfc3339(d.created_at)})
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = state
        .store
        .departments(caller.principal.org_id)
        .await?
        .iter()
        .map(department_json)
        .collect();
    Ok(Json(json!({"items": items})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDepartment {
    key: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    name: Option<String>,
}

fn checked_name(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    department_name(raw.unwrap_or_default())
        .map_err(|e| errors.push(FieldError::new("name", e)))
        .ok()
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewDepartment>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut errors = Vec::new();
    let key = department_key(body.key.as_deref().unwrap_or_default())
        .map_err(|e| errors.push(FieldError::new("key", e)))
        .ok();
    let name = checked_name(body.name.as_deref(), &mut errors);
    let (Some(key), Some(name)) = (key, name) else {
        return Err(ApiError::Validation(errors));
    };
    let created = state
        .store
        .create_department(caller.principal.org_id, &key, &name, &caller.audit())
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                ApiError::Conflict(format!("a department with the key '{key}' exists already"))
            }
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(department_json(&created))))
}

fn not_found(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::NotFound("department"),
        other => other.into(),
    }
}

pub async fn rename(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Rename>,
) -> ApiResult<Json<Value>> {
    let id: DepartmentId = parse_id(&id, "department")?;
    let mut errors = Vec::new();
    let Some(name) = checked_name(body.name.as_deref(), &mut errors) else {
        return Err(ApiError::Validation(errors));
    };
    let renamed = state
        .store
        .rename_department(caller.principal.org_id, id, &name, &caller.audit())
        .await
        .map_err(not_found)?;
    Ok(Json(department_json(&renamed)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: DepartmentId = parse_id(&id, "department")?;
    let deleted = state
        .store
        .delete_department(caller.principal.org_id, id, &caller.audit())
        .await
        .map_err(not_found)?;
    if deleted {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::Conflict(
            "the department still owns touchpoints or has members; move them first".to_owned(),
        ))
    }
}
