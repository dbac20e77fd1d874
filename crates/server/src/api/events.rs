//! `POST /events`: up to 1,000 interaction events from any system in one request. Each event
//! is checked on its own: the valid ones are stored (in one transaction), each invalid one is
//! reported with its index and problems, and nothing of an invalid event is written. Replays
//! of the same event are recognised by `external_id`; events may arrive late and out of order.
//!
//! `GET /customers/{id}/timeline`: a customer's events and responses, newest first.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Caller, JsonBody, page_limit, parse_cursor, parse_id, parse_json};
use super::rfc3339;
use crate::AppState;
use crate::timeline::{TimelineItem, timeline_page};
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use touchpoint_domain::event::{EventDraft, MAX_EVENTS_PER_REQUEST, NewEvent};
use touchpoint_domain::{CustomerId, FieldError};
use touchpoint_store::StoreError;
use touchpoint_store::events::{EventOutcome, StoredEvent};

/// The largest body `POST /events` accepts (1,000 events of up to 16 KB properties would not
/// fit; typical events are a few hundred bytes).
pub const MAX_EVENTS_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The request body as values, one per event: how a batch is read when some event does not
/// have an event's shape, so that each such event is reported on its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventValues {
    events: Vec<Value>,
}

/// The request body read straight into drafts: the common case, every event of the right shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventDrafts {
    events: Vec<EventDraft>,
}

/// Each event of the body as a draft, or why it is not one.
fn drafts(body: &[u8]) -> ApiResult<Vec<Result<EventDraft, Vec<FieldError>>>> {
    if let Ok(batch) = serde_json::from_slice::<EventDrafts>(body) {
        return Ok(batch.events.into_iter().map(Ok).collect());
    }
    Ok(parse_json::<EventValues>(body)?
        .events
        .into_iter()
        .map(|raw| {
            serde_json::from_value::<EventDraft>(raw)
                .map_err(|e| vec![FieldError::new("", e.to_string())])
        })
        .collect())
}

/// What became of one event of the request.
#[derive(Serialize)]
struct EventResult {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

impl EventResult {
    fn rejected(index: usize, errors: Vec<FieldError>) -> Self {
        EventResult {
            index,
            external_id: None,
            status: "rejected",
            id: None,
            errors,
        }
    }

    fn stored(index: usize, external_id: String, outcome: EventOutcome) -> Self {
        let (status, id, errors) = match outcome {
            EventOutcome::Created(id) => ("created", Some(id), Vec::new()),
            EventOutcome::Replayed(id) => ("replayed", Some(id), Vec::new()),
            EventOutcome::Conflict(id) => (
                "conflict",
                Some(id),
                vec![FieldError::new(
                    "external_id",
                    "was used before with different content",
                )],
            ),
            EventOutcome::Rejected { field, message } => {
                ("rejected", None, vec![FieldError::new(field, message)])
            }
        };
        EventResult {
            index,
            external_id: Some(external_id),
            status,
            id,
            errors,
        }
    }
}

/// The answer to a batch: counts per status and one result per event, in request order.
#[derive(Serialize)]
pub struct BatchResult {
    created: usize,
    replayed: usize,
    conflicts: usize,
    rejected: usize,
    results: Vec<EventResult>,
}

pub async fn ingest(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<BatchResult>> {
    let drafts = drafts(&body)?;
    if drafts.is_empty() {
        return Err(ApiError::field("events", "send at least one event"));
    }
    if drafts.len() > MAX_EVENTS_PER_REQUEST {
        return Err(ApiError::field(
            "events",
            format!("at most {MAX_EVENTS_PER_REQUEST} events per request; nothing was stored"),
        ));
    }
    let now = touchpoint_store::now_ms();
    let mut results: Vec<Option<EventResult>> = Vec::with_capacity(drafts.len());
    let mut indices = Vec::with_capacity(drafts.len());
    let mut events: Vec<NewEvent> = Vec::with_capacity(drafts.len());
    for (index, draft) in drafts.into_iter().enumerate() {
        match draft.and_then(|draft| draft.validate(now)) {
            Ok(event) => {
                indices.push(index);
                events.push(event);
                results.push(None);
            }
            Err(errors) => results.push(Some(EventResult::rejected(index, errors))),
        }
    }
    let external_ids: Vec<String> = events.iter().map(|e| e.external_id.clone()).collect();
    let outcomes = state
        .store
        .ingest_events(caller.principal.org_id, events)
        .await?;
    for ((index, external_id), outcome) in indices.into_iter().zip(external_ids).zip(outcomes) {
        results[index] = Some(EventResult::stored(index, external_id, outcome));
    }
    let results: Vec<EventResult> = results.into_iter().flatten().collect();
    let count = |status: &str| results.iter().filter(|r| r.status == status).count();
    Ok(Json(BatchResult {
        created: count("created"),
        replayed: count("replayed"),
        conflicts: count("conflict"),
        rejected: count("rejected"),
        results,
    }))
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
