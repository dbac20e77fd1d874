//! Segments (saved customer filters), their members, the `segment=` filter other lists and
//! metrics take, and the at-risk list (`GET /customers/at-risk`).

use super::customers::customer_json;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Caller, page_limit, parse_cursor, parse_id};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::segment::{SegmentDraft, ValidSegment, conditions_json};
use touchpoint_domain::{AttributeType, Permission, Resource, SegmentId};
use touchpoint_store::{
    AtRiskCustomer, AtRiskQuery, CustomerQuery, LatestScore, Segment, StoreError, ValueOrder,
};

pub fn segment_json(s: &Segment) -> Value {
    json!({
        "id": s.id, "name": s.name, "description": s.description,
        "conditions": conditions_json(&s.conditions),
        "created_at": rfc3339(s.created_at), "updated_at": rfc3339(s.updated_at),
    })
}

fn not_found(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::NotFound("segment"),
        StoreError::Conflict { constraint } => ApiError::Conflict(constraint),
        other => other.into(),
    }
}

/// Filtering or grouping by customers reads the customer directory: the caller's role needs
/// `read_customers` and the token the `customers` resource, as for `GET /customers`.
pub fn require_customers(caller: &Caller, what: &str) -> ApiResult<()> {
    caller.require(Permission::ReadCustomers)?;
    if caller.grant.resources.contains(Resource::Customers) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{what} reads customer data: this token needs the customers resource"
        )))
    }
}

/// The segment a `segment=` filter names: 404 when the organisation has none of that id.
pub async fn for_filter(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<Segment> {
    require_customers(caller, "a segment filter")?;
    load(state, caller, raw).await
}

/// The caller's organisation's segment named by `raw` (a path or filter value), or 404.
async fn load(state: &AppState, caller: &Caller, raw: &str) -> ApiResult<Segment> {
    let id: SegmentId = parse_id(raw, "segment")?;
    state
        .store
        .segment(caller.principal.org_id, id)
        .await
        .map_err(not_found)
}

async fn validated(
    state: &AppState,
    caller: &Caller,
    draft: SegmentDraft,
) -> ApiResult<ValidSegment> {
    let definitions = state
        .store
        .attribute_definitions(caller.principal.org_id)
        .await?;
    ValidSegment::validate(draft, &definitions).map_err(ApiError::Validation)
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let segments = state.store.segments(caller.principal.org_id).await?;
    let items: Vec<Value> = segments.iter().map(segment_json).collect();
    Ok(Json(json!({ "items": items })))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<SegmentDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let segment = validated(&state, &caller, draft).await?;
    let created = state
        .store
        .create_segment(caller.principal.org_id, &segment, &caller.audit())
        .await
        .map_err(not_found)?;
    Ok((StatusCode::CREATED, Json(segment_json(&created))))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let segment = load(&state, &caller, &id).await?;
    let members = state
        .store
        .count_segment_members(caller.principal.org_id, &segment.conditions)
        .await?;
    let mut body = segment_json(&segment);
    body["customer_count"] = json!(members);
    Ok(Json(body))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<SegmentDraft>,
) -> ApiResult<Json<Value>> {
    // An unknown segment is 404 even when the body is invalid too.
    let id = load(&state, &caller, &id).await?.id;
    let segment = validated(&state, &caller, draft).await?;
    let updated = state
        .store
        .update_segment(caller.principal.org_id, id, &segment, &caller.audit())
        .await
        .map_err(not_found)?;
    Ok(Json(segment_json(&updated)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: SegmentId = parse_id(&id, "segment")?;
    state
        .store
        .delete_segment(caller.principal.org_id, id, &caller.audit())
        .await
        .map_err(not_found)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct PageQuery {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /segments/{id}/customers`: the members, newest first, cursor-paged.
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Value>> {
    let segment = load(&state, &caller, &id).await?;
    let page = state
        .store
        .list_customers(
            caller.principal.org_id,
            &CustomerQuery {
                segment: Some(segment.conditions),
                ..CustomerQuery::default()
            },
            &parse_cursor(q.cursor.as_deref())?,
            page_limit(q.limit)?,
        )
        .await?;
    Ok(super::page_json(&page, customer_json))
}

#[derive(Deserialize)]
pub struct AtRiskParams {
    pub value: Option<String>,
    pub order: Option<String>,
    pub min_value: Option<String>,
    pub since: Option<String>,
    pub segment: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// Reads the at-risk list's parameters; every problem is reported at once.
pub async fn at_risk_query(
    state: &AppState,
    caller: &Caller,
    q: &AtRiskParams,
) -> ApiResult<AtRiskQuery> {
    let org_id = caller.principal.org_id;
    let mut errors = Vec::new();
    let definitions = state.store.attribute_definitions(org_id).await?;
    let value_key = match q.value.as_deref().filter(|v| !v.is_empty()) {
        None => {
            errors.push(touchpoint_domain::FieldError::new(
                "value",
                "is required: the number attribute that holds the customer's value",
            ));
            String::new()
        }
        Some(key) => match definitions.iter().find(|d| d.key == key) {
            None => {
                errors.push(touchpoint_domain::FieldError::new(
                    "value",
                    format!("'{key}' is not a declared attribute"),
                ));
                String::new()
            }
            Some(d) if d.attribute_type != AttributeType::Number => {
                errors.push(touchpoint_domain::FieldError::new(
                    "value",
                    format!("'{key}' is a {} attribute, not a number", d.attribute_type),
                ));
                String::new()
            }
            Some(_) => key.to_owned(),
        },
    };
    let order = match q.order.as_deref() {
        None | Some("" | "value_desc") => ValueOrder::Desc,
        Some("value_asc") => ValueOrder::Asc,
        Some(_) => {
            errors.push(touchpoint_domain::FieldError::new(
                "order",
                "must be value_desc or value_asc",
            ));
            ValueOrder::Desc
        }
    };
    let min_value = match q.min_value.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                errors.push(touchpoint_domain::FieldError::new(
                    "min_value",
                    "must be a number",
                ));
                None
            }
        },
    };
    let since_ms = match q.since.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(raw) => match super::metrics::parse_day(raw, "since") {
            Ok(day) => Some(day * touchpoint_domain::period::MS_PER_DAY),
            Err(ApiError::Validation(list)) => {
                errors.extend(list);
                None
            }
            Err(other) => return Err(other),
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let segment = match q.segment.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(for_filter(state, caller, raw).await?.conditions),
    };
    Ok(AtRiskQuery {
        value_key,
        order,
        min_value,
        since_ms,
        segment,
    })
}

fn latest_json(l: &LatestScore) -> Value {
    json!({
        "metric": l.metric.as_str(), "score": l.score, "submitted_at": rfc3339(l.submitted_at),
        "response_id": l.response_id, "survey_id": l.survey_id, "touchpoint_id": l.touchpoint_id,
        "comment_sentiment": l.comment_sentiment,
    })
}

pub fn at_risk_json(item: &AtRiskCustomer) -> Value {
    let c = &item.customer;
    let latest: serde_json::Map<String, Value> = item
        .latest
        .iter()
        .map(|l| (l.metric.as_str().to_owned(), latest_json(l)))
        .collect();
    json!({
        "customer": {"id": c.id, "external_id": c.external_id, "name": c.name, "email": c.email},
        "value": item.value,
        "reasons": item.reasons.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "latest_experience": item.latest_experience().map(latest_json),
        "latest": latest,
    })
}

/// `GET /customers/at-risk`: valuable customers whose latest experience was negative.
pub async fn at_risk(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AtRiskParams>,
) -> ApiResult<Json<Value>> {
    let query = at_risk_query(&state, &caller, &q).await?;
    let page = state
        .store
        .at_risk_customers(
            caller.principal.org_id,
            &query,
            &parse_cursor(q.cursor.as_deref())?,
            page_limit(q.limit)?,
        )
        .await?;
    Ok(super::page_json(&page, at_risk_json))
}
