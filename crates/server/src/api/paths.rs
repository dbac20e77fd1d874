//! `GET /journeys/{id}/paths`: the most common touchpoint sequences of a journey, the stage
//! funnel with its drop-off, the metric by path and the repeat-contact comparison.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Caller};
use super::journeys::{load, metric_or_nps};
use crate::AppState;
use crate::journey_paths::{PathsRequest, journey_paths, paths_json, resolve_repeat};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;
use touchpoint_domain::FieldError;
use touchpoint_domain::paths::{DEFAULT_TOP, MAX_TOP};
use touchpoint_domain::period::day_of_ms;

#[derive(Deserialize, Default)]
pub struct PathsQuery {
    pub metric: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub top: Option<String>,
    pub repeat_touchpoint: Option<String>,
    pub before_stage: Option<String>,
}

/// Metric (default NPS), period (as for `/metrics`) and `top` (1..=100, default 10); the
/// repeat pair is checked against the journey later.
pub fn paths_request(q: &PathsQuery, today: i64) -> Result<PathsRequest, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let kind = metric_or_nps(q.metric.as_deref(), &mut errors);
    let (_, from_day, to_day) =
        super::metrics::resolve_range(q.from.as_deref(), q.to.as_deref(), None, today, &mut errors);
    let top = match q.top.as_deref() {
        None => Some(DEFAULT_TOP),
        Some(raw) => raw
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_TOP).contains(n))
            .or_else(|| {
                errors.push(FieldError::new(
                    "top",
                    format!("must be a whole number from 1 to {MAX_TOP}"),
                ));
                None
            }),
    };
    match (kind, from_day, to_day, top) {
        (Some(kind), Some(from_day), Some(to_day), Some(top)) if errors.is_empty() => {
            Ok(PathsRequest {
                kind,
                from_day,
                to_day,
                top,
                repeat: None,
            })
        }
        _ => Err(errors),
    }
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PathsQuery>,
) -> ApiResult<Json<Value>> {
    let mut request =
        paths_request(&q, day_of_ms(touchpoint_store::now_ms())).map_err(ApiError::Validation)?;
    let org_id = caller.principal.org_id;
    let journey = load(&state, &caller, &id).await?;
    request.repeat = resolve_repeat(
        &journey,
        q.repeat_touchpoint.as_deref(),
        q.before_stage.as_deref(),
    )
    .map_err(ApiError::Validation)?;
    let paths = journey_paths(&state.store, org_id, &caller.departments, journey, request).await?;
    Ok(Json(paths_json(&paths)))
}
