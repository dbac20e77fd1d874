//! `/journeys`: journeys with ordered stages of touchpoints, the layout editor's one call
//! (`PUT /journeys/{id}/layout`), and the journey map with its friction ranking.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Caller, parse_id};
use super::rfc3339;
use crate::AppState;
use crate::journey_map::{
    LayoutRefusal, MapRequest, apply_layout, journey_map, map_json, visible_journey,
    visible_journeys,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::journey::{JourneyDraft, JourneyFields, LayoutDraft, stage_name};
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::period::day_of_ms;
use touchpoint_domain::{FieldError, JourneyId, StageId};
use touchpoint_store::StoreError;
use touchpoint_store::journeys::Journey;

pub fn journey_json(j: &Journey) -> Value {
    json!({
        "id": j.id,
        "name": j.name,
        "description": j.description,
        "stages": j.stages.iter().map(|s| json!({
            "id": s.id,
            "name": s.name,
            "touchpoints": s.touchpoints.iter().map(|t| json!({
                "id": t.id, "name": t.name, "channel": t.channel, "moment_of_truth": t.moment_of_truth,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "created_at": rfc3339(j.created_at),
        "updated_at": rfc3339(j.updated_at),
    })
}

/// Maps the store's answers: a missing journey or stage is `404`, a taken name `409`.
fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::NotFound("journey or stage"),
        StoreError::Conflict { constraint } => ApiError::Conflict(constraint),
        other => other.into(),
    }
}

/// The journey with every touchpoint, whoever asks (for the map, which narrows it itself).
async fn load_whole(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Journey> {
    let id: JourneyId = parse_id(id, "journey")?;
    state
        .store
        .journey(caller.principal.org_id, id)
        .await
        .map_err(store_error)
}

/// The journey as the caller may see it (see [`visible_journey`]).
pub(super) async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Journey> {
    let journey = load_whole(state, caller, id).await?;
    Ok(visible_journey(
        &state.store,
        caller.principal.org_id,
        journey,
        &caller.departments,
    )
    .await?)
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let journeys = state.store.journeys(org_id).await?;
    let journeys = visible_journeys(&state.store, org_id, journeys, &caller.departments).await?;
    Ok(Json(
        json!({"items": journeys.iter().map(journey_json).collect::<Vec<_>>()}),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<JourneyDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let fields = JourneyFields::try_from(draft).map_err(ApiError::Validation)?;
    let created = state
        .store
        .create_journey(caller.principal.org_id, &fields, &caller.audit())
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(journey_json(&created))))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(journey_json(&load(&state, &caller, &id).await?)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<JourneyDraft>,
) -> ApiResult<Json<Value>> {
    if draft.stages.is_some() {
        return Err(ApiError::field(
            "stages",
            "change stages with the stage routes or PUT /journeys/{id}/layout",
        ));
    }
    let fields = JourneyFields::try_from(draft).map_err(ApiError::Validation)?;
    let journey = load(&state, &caller, &id).await?;
    let updated = state
        .store
        .update_journey(
            caller.principal.org_id,
            journey.id,
            &fields,
            &caller.audit(),
        )
        .await
        .map_err(store_error)?;
    Ok(Json(journey_json(&updated)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let journey = load(&state, &caller, &id).await?;
    state
        .store
        .delete_journey(caller.principal.org_id, journey.id, &caller.audit())
        .await
        .map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /journeys/{id}/stages` and `PUT …/stages/{stage_id}`: `{"name": …}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageDraft {
    name: Option<String>,
}

pub async fn add_stage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<StageDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = stage_name(draft.name.as_deref()).map_err(ApiError::Validation)?;
    let journey = load(&state, &caller, &id).await?;
    let updated = state
        .store
        .add_stage(caller.principal.org_id, journey.id, &name, &caller.audit())
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(journey_json(&updated))))
}

pub async fn rename_stage(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, stage_id)): Path<(String, String)>,
    ApiJson(draft): ApiJson<StageDraft>,
) -> ApiResult<Json<Value>> {
    let name = stage_name(draft.name.as_deref()).map_err(ApiError::Validation)?;
    let stage_id: StageId = parse_id(&stage_id, "stage")?;
    let journey = load(&state, &caller, &id).await?;
    let updated = state
        .store
        .rename_stage(
            caller.principal.org_id,
            journey.id,
            stage_id,
            &name,
            &caller.audit(),
        )
        .await
        .map_err(store_error)?;
    Ok(Json(journey_json(&updated)))
}

pub async fn delete_stage(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, stage_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let stage_id: StageId = parse_id(&stage_id, "stage")?;
    let journey = load(&state, &caller, &id).await?;
    let updated = state
        .store
        .delete_stage(
            caller.principal.org_id,
            journey.id,
            stage_id,
            &caller.audit(),
        )
        .await
        .map_err(store_error)?;
    Ok(Json(journey_json(&updated)))
}

pub async fn set_layout(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<LayoutDraft>,
) -> ApiResult<Json<Value>> {
    let journey = load_whole(&state, &caller, &id).await?;
    let org_id = caller.principal.org_id;
    let updated = apply_layout(
        &state.store,
        org_id,
        &caller.departments,
        &journey,
        draft,
        &caller.audit(),
    )
    .await
    .map_err(|refusal| match refusal {
        LayoutRefusal::Invalid(errors) => ApiError::Validation(errors),
        LayoutRefusal::Store(error) => store_error(error),
    })?;
    let updated = visible_journey(&state.store, org_id, updated, &caller.departments).await?;
    Ok(Json(journey_json(&updated)))
}

#[derive(Deserialize)]
pub struct MapQuery {
    metric: Option<String>,
    from: Option<String>,
    to: Option<String>,
    interval: Option<String>,
    segment: Option<String>,
}

/// The `metric` parameter of the map and the paths: NPS when absent; a bad value goes to
/// `errors`.
pub(super) fn metric_or_nps(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<MetricKind> {
    match raw {
        None => Some(MetricKind::Nps),
        Some(raw) => MetricKind::parse(raw).or_else(|| {
            errors.push(FieldError::new("metric", "must be nps, csat or ces"));
            None
        }),
    }
}

/// Resolves the map's query: metric (default NPS) and period (as for `/metrics`).
pub fn map_request(q: &MapQuery, today: i64) -> ApiResult<MapRequest> {
    let mut errors: Vec<FieldError> = Vec::new();
    let kind = metric_or_nps(q.metric.as_deref(), &mut errors);
    let (interval, from_day, to_day) = super::metrics::resolve_range(
        q.from.as_deref(),
        q.to.as_deref(),
        q.interval.as_deref(),
        today,
        &mut errors,
    );
    match (kind, interval, from_day, to_day) {
        (Some(kind), Some(interval), Some(from_day), Some(to_day)) if errors.is_empty() => {
            Ok(MapRequest {
                kind,
                from_day,
                to_day,
                interval,
                segment: None,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

pub async fn map(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<MapQuery>,
) -> ApiResult<Json<Value>> {
    let mut request = map_request(&q, day_of_ms(touchpoint_store::now_ms()))?;
    let journey = load_whole(&state, &caller, &id).await?;
    if let Some(raw) = q.segment.as_deref().filter(|s| !s.is_empty()) {
        request.segment = Some(
            super::segments::for_filter(&state, &caller, raw)
                .await?
                .conditions,
        );
    }
    let map = journey_map(
        &state.store,
        caller.principal.org_id,
        &caller.departments,
        journey,
        request,
    )
    .await?;
    Ok(Json(map_json(&map)))
}
