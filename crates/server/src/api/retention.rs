//! `/retention`: the organisation's retention policies (how long comments and responses are
//! kept, and whether they are then deleted or anonymised), the record of runs, and a run on
//! demand. Runs happen in the background job `retention.run`, daily.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::FieldError;
use touchpoint_domain::retention::{DataClass, RetentionPolicy};
use touchpoint_store::retention::{RetentionRun, StoredPolicy};

/// Runs listed by `GET /retention`.
const RECENT_RUNS: usize = 20;

fn policy_json(stored: &StoredPolicy) -> Value {
    json!({
        "data_class": stored.policy.class.as_str(),
        "action": stored.policy.action.as_str(),
        "days": stored.policy.days,
        "updated_at": rfc3339(stored.updated_at),
    })
}

/// A run as the API shows it; the report's cutoffs become RFC 3339 times.
pub fn run_json(run: &RetentionRun) -> Value {
    let report: Vec<Value> = run
        .report
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    let mut item = item.clone();
                    if let Some(cutoff) = item.get("cutoff").and_then(Value::as_i64) {
                        item["cutoff"] = json!(rfc3339(cutoff));
                    }
                    item
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "id": run.id,
        "started_at": rfc3339(run.started_at),
        "finished_at": rfc3339(run.finished_at),
        "report": report,
    })
}

fn data_class(raw: &str) -> Result<DataClass, ApiError> {
    DataClass::parse(raw).ok_or(ApiError::NotFound("data class"))
}

pub async fn get(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let policies = state.store.retention_policies(org_id).await?;
    let runs = state.store.retention_runs(org_id, RECENT_RUNS).await?;
    let classes: Vec<Value> = DataClass::ALL
        .iter()
        .map(|c| {
            let actions: Vec<&str> = c.actions().iter().map(|a| a.as_str()).collect();
            json!({"data_class": c.as_str(), "actions": actions})
        })
        .collect();
    Ok(Json(json!({
        "classes": classes,
        "policies": policies.iter().map(policy_json).collect::<Vec<_>>(),
        "runs": runs.iter().map(run_json).collect::<Vec<_>>(),
    })))
}

/// The body of `PUT /retention/{data_class}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyDraft {
    action: Option<String>,
    days: Option<i64>,
}

pub async fn put(
    State(state): State<AppState>,
    caller: Caller,
    Path(class): Path<String>,
    ApiJson(draft): ApiJson<PolicyDraft>,
) -> ApiResult<Json<Value>> {
    let class = data_class(&class)?;
    let mut missing = Vec::new();
    if draft.action.is_none() {
        missing.push(FieldError::new("action", "\"delete\" or \"anonymise\""));
    }
    if draft.days.is_none() {
        missing.push(FieldError::new(
            "days",
            "the age in days after which it applies",
        ));
    }
    let (Some(action), Some(days)) = (draft.action, draft.days) else {
        return Err(ApiError::Validation(missing));
    };
    let policy = RetentionPolicy::new(class, &action, days).map_err(ApiError::Validation)?;
    let org_id = caller.principal.org_id;
    state
        .store
        .set_retention_policy(org_id, &policy, &caller.audit())
        .await?;
    let stored = state
        .store
        .retention_policies(org_id)
        .await?
        .into_iter()
        .find(|p| p.policy.class == class)
        .ok_or_else(|| ApiError::Internal(format!("{class} policy vanished after saving")))?;
    Ok(Json(policy_json(&stored)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(class): Path<String>,
) -> ApiResult<StatusCode> {
    let class = data_class(&class)?;
    state
        .store
        .remove_retention_policy(caller.principal.org_id, class, &caller.audit())
        .await
        .map_err(|e| match e {
            touchpoint_store::StoreError::NotFound => ApiError::NotFound("retention policy"),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn runs(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let runs = state
        .store
        .retention_runs(caller.principal.org_id, RECENT_RUNS)
        .await?;
    Ok(Json(
        json!({"items": runs.iter().map(run_json).collect::<Vec<_>>()}),
    ))
}

/// Queues a run of the organisation's policies now; `202` with the job's id.
pub async fn run_now(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let job_id = touchpoint_jobs::retention::request_run(
        &state.store,
        caller.principal.org_id,
        &caller.audit(),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({"job_id": job_id}))))
}
