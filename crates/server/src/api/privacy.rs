//! Data-protection requests about one customer: `GET /customers/{id}/export` returns
//! everything stored about them as one JSON document; `DELETE /customers/{id}` erases them.
//! Both are audited; the erasure's audit entry names the erasure, not the person.

use super::customers::customer_json;
use super::error::{ApiError, ApiResult};
use super::extract::{Caller, parse_id};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use touchpoint_domain::CustomerId;
use touchpoint_store::StoreError;

fn not_found(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::NotFound("customer"),
        other => other.into(),
    }
}

pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id: CustomerId = parse_id(&id, "customer")?;
    let org_id = caller.principal.org_id;
    let customer = state.store.customer(org_id, id).await.map_err(not_found)?;
    let responses = state.store.customer_responses(org_id, id).await?;
    state
        .store
        .record_customer_export(org_id, id, responses.len(), &caller.audit())
        .await?;
    let document = json!({
        "exported_at": rfc3339(touchpoint_store::now_ms()),
        "customer": customer_json(&customer),
        "responses": responses.iter().map(|r| json!({
            "id": r.id,
            "survey": {"id": r.survey_id, "name": r.survey_name},
            "touchpoint_id": r.touchpoint_id,
            "language": r.language,
            "channel": r.channel,
            "external_id": r.external_id,
            "submitted_at": rfc3339(r.submitted_at),
            "received_at": rfc3339(r.received_at),
            "answers": r.answers,
            "analysis": r.analysis,
        })).collect::<Vec<Value>>(),
    });
    let mut response = Json(document).into_response();
    let disposition = format!("attachment; filename=\"customer-{id}.json\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn erase(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id: CustomerId = parse_id(&id, "customer")?;
    let erasure = state
        .store
        .erase_customer(caller.principal.org_id, id, &caller.audit())
        .await
        .map_err(not_found)?;
    Ok(Json(json!({
        "erasure_id": erasure.id,
        "responses_deleted": erasure.responses,
        "events_deleted": erasure.events,
        "attributes_deleted": erasure.attributes,
    })))
}
