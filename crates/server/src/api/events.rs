//! `POST /events`: up to 1,000 interaction events from any system in one request. Each event
//! is checked on its own: the valid ones are stored (in one transaction), each invalid one is
//! reported with its index and problems, and nothing of an invalid event is written. Replays
//! of the same event are recognised by `external_id`; events may arrive late and out of order.
//!
//! `GET /customers/{id}/timeline`: a customer's events and responses, newest first.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Caller, page_limit, parse_cursor, parse_id};
use super::rfc3339;
use crate::AppState;
use crate::timeline::{TimelineItem, timeline_page};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::CustomerId;
use touchpoint_domain::event::{EventDraft, MAX_EVENTS_PER_REQUEST, NewEvent};
use touchpoint_store::StoreError;
use touchpoint_store::events::{EventOutcome, StoredEvent};

/// The largest body `POST /events` accepts (1,000 events of up to 16 KB properties would not
/// fit; typical events are a few hundred bytes).
pub const MAX_EVENTS_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    events: Vec<Value>,
}

fn problems(errors: &[touchpoint_domain::FieldError]) -> Value {
    json!(
        errors
            .iter()
            .map(|e| json!({"field": e.field, "message": e.message}))
            .collect::<Vec<_>>()
    )
}

pub async fn ingest(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(batch): ApiJson<EventBatch>,
) -> ApiResult<Json<Value>> {
    if batch.events.is_empty() {
        return Err(ApiError::field("events", "send at least one event"));
    }
    if batch.events.len() > MAX_EVENTS_PER_REQUEST {
        return Err(ApiError::field(
            "events",
            format!("at most {MAX_EVENTS_PER_REQUEST} events per request; nothing was stored"),
        ));
    }
    let now = touchpoint_store::now_ms();
    let mut results: Vec<Value> = vec![Value::Null; batch.events.len()];
    let mut valid: Vec<(usize, NewEvent)> = Vec::with_capacity(batch.events.len());
    for (index, raw) in batch.events.into_iter().enumerate() {
        let checked = serde_json::from_value::<EventDraft>(raw)
            .map_err(|e| vec![touchpoint_domain::FieldError::new("", e.to_string())])
            .and_then(|draft| draft.validate(now));
        match checked {
            Ok(event) => valid.push((index, event)),
            Err(errors) => {
                results[index] =
                    json!({"index": index, "status": "rejected", "errors": problems(&errors)})
            }
        }
    }
    let (indices, events): (Vec<usize>, Vec<NewEvent>) = valid.into_iter().unzip();
    let external_ids: Vec<String> = events.iter().map(|e| e.external_id.clone()).collect();
    let outcomes = state
        .store
        .ingest_events(caller.principal.org_id, events)
        .await?;
    let mut counts = [0usize; 4];
    for ((index, external_id), outcome) in indices.into_iter().zip(external_ids).zip(outcomes) {
        let (status, id, errors) = match outcome {
            EventOutcome::Created(id) => ("created", Some(id), None),
            EventOutcome::Replayed(id) => ("replayed", Some(id), None),
            EventOutcome::Conflict(id) => (
                "conflict",
                Some(id),
                Some(
                    json!([{"field": "external_id", "message": "was used before with different content"}]),
                ),
            ),
            EventOutcome::Rejected { field, message } => (
                "rejected",
                None,
                Some(json!([{"field": field, "message": message}])),
            ),
        };
        let mut result = json!({"index": index, "external_id": external_id, "status": status});
        if let Some(id) = id {
            result["id"] = json!(id);
        }
        if let Some(errors) = errors {
            result["errors"] = errors;
        }
        results[index] = result;
    }
    for result in &results {
        let slot = match result["status"].as_str() {
            Some("created") => 0,
            Some("replayed") => 1,
            Some("conflict") => 2,
            _ => 3,
        };
        counts[slot] += 1;
    }
    Ok(Json(json!({
        "created": counts[0],
        "replayed": counts[1],
        "conflicts": counts[2],
        "rejected": counts[3],
        "results": results,
    })))
}

fn event_json(e: &StoredEvent) -> Value {
    json!({
        "kind": "event",
        "id": e.id,
        "external_id": e.external_id,
        "touchpoint_id": e.touchpoint_id,
        "channel": e.channel,
        "type": e.kind,
        "outcome": e.outcome,
        "properties": e.properties,
        "at": rfc3339(e.occurred_at),
    })
}

#[derive(Deserialize)]
pub struct TimelineQuery {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// A customer's events, newest first, in pages, with the customer's record.
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Json<Value>> {
    let id: CustomerId = parse_id(&id, "customer")?;
    let org_id = caller.principal.org_id;
    let customer = state
        .store
        .customer(org_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("customer"),
            other => other.into(),
        })?;
    let after = parse_cursor(q.cursor.as_deref())?;
    let limit = page_limit(q.limit)?;
    let page = timeline_page(&state.store, org_id, id, &after, limit).await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|item| match item {
            TimelineItem::Event(e) => event_json(e),
            TimelineItem::Response(r) => json!({
                "kind": "response",
                "id": r.id,
                "survey": {"id": r.survey_id, "name": r.survey_name},
                "touchpoint_id": r.touchpoint_id,
                "channel": r.channel,
                "answers": r.answers,
                "sentiment": r.sentiment,
                "at": rfc3339(r.submitted_at),
            }),
        })
        .collect();
    let next_cursor = page.next_cursor;
    Ok(Json(json!({
        "customer": super::customers::customer_json(&customer),
        "items": items,
        "next_cursor": next_cursor,
    })))
}
