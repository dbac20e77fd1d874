//! `/text/…`: what the comments say — themes, recurring small problems, emerging themes, and
//! the state of the analysis (pending jobs, re-analysis progress).

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Caller};
use crate::AppState;
use crate::insights::{self, Scope};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::Language;
use touchpoint_domain::period::day_of_ms;
use touchpoint_domain::survey::is_valid_key;
use touchpoint_store::TextFilter;
use touchpoint_store::jobs::JobState;

pub const SENTIMENTS: [&str; 3] = ["negative", "neutral", "positive"];

/// Parses `theme=` and `sentiment=` query parameters.
pub fn text_filter(theme: Option<&str>, sentiment: Option<&str>) -> ApiResult<TextFilter> {
    let mut errors = Vec::new();
    let theme = theme.filter(|t| !t.is_empty());
    if theme.is_some_and(|t| !is_valid_key(t)) {
        errors.push(touchpoint_domain::FieldError::new(
            "theme",
            "must be a theme id such as billing",
        ));
    }
    let sentiment = sentiment.filter(|s| !s.is_empty());
    if sentiment.is_some_and(|s| !SENTIMENTS.contains(&s)) {
        errors.push(touchpoint_domain::FieldError::new(
            "sentiment",
            "must be negative, neutral or positive",
        ));
    }
    if errors.is_empty() {
        Ok(TextFilter {
            theme: theme.map(str::to_owned),
            sentiment: sentiment.map(str::to_owned),
        })
    } else {
        Err(ApiError::Validation(errors))
    }
}

#[derive(Deserialize)]
pub struct InsightQuery {
    survey_id: Option<String>,
    /// How far back to look, in days (themes, emerging) or weeks (recurring).
    days: Option<i64>,
    weeks: Option<i64>,
    lang: Option<String>,
}

/// The caller's scope: their organisation, optionally one of its surveys, up to today.
async fn scope(state: &AppState, caller: &Caller, q: &InsightQuery) -> ApiResult<Scope> {
    let survey_id = match q.survey_id.as_deref().filter(|s| !s.is_empty()) {
        None if !caller.departments.is_all() => {
            return Err(ApiError::Forbidden(
                "you are limited to departments: name a survey_id of one of them".to_owned(),
            ));
        }
        None => None,
        Some(raw) => Some(super::surveys::load(state, caller, raw).await?.id),
    };
    Ok(Scope {
        org_id: caller.principal.org_id,
        survey_id,
        today: day_of_ms(touchpoint_store::now_ms()),
        language: q
            .lang
            .as_deref()
            .and_then(Language::parse)
            .unwrap_or(Language::En),
    })
}

fn bounded(
    value: Option<i64>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    field: &str,
) -> ApiResult<i64> {
    match value.unwrap_or(default) {
        v if range.contains(&v) => Ok(v),
        _ => Err(ApiError::field(
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        )),
    }
}

pub async fn themes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<InsightQuery>,
) -> ApiResult<Json<Value>> {
    let days = bounded(q.days, 90, 1..=3_660, "days")?;
    let themes = insights::theme_counts(
        &state.store,
        &state.text,
        scope(&state, &caller, &q).await?,
        days,
    )
    .await?;
    Ok(Json(json!({"days": days, "themes": themes})))
}

pub async fn recurring(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<InsightQuery>,
) -> ApiResult<Json<Value>> {
    let weeks = bounded(q.weeks, 12, 2..=104, "weeks")?;
    let issues = insights::recurring(
        &state.store,
        &state.text,
        scope(&state, &caller, &q).await?,
        weeks,
    )
    .await?;
    Ok(Json(json!({"weeks": weeks, "issues": issues})))
}

pub async fn emerging(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<InsightQuery>,
) -> ApiResult<Json<Value>> {
    let days = bounded(q.days, 90, 1..=3_660, "days")?;
    let candidates =
        insights::emerging(&state.store, scope(&state, &caller, &q).await?, days).await?;
    let candidates: Vec<Value> = candidates
        .iter()
        .map(|c| json!({"size": c.size, "top_terms": c.top_terms, "examples": c.examples}))
        .collect();
    Ok(Json(json!({"days": days, "candidates": candidates})))
}

pub async fn status(State(state): State<AppState>, _caller: Caller) -> ApiResult<Json<Value>> {
    let run = state.store.latest_text_run().await?;
    let pending = state.store.count_jobs(JobState::Queued).await?
        + state.store.count_jobs(JobState::Running).await?;
    Ok(Json(json!({
        "fingerprint": state.text.fingerprint(),
        "pending_jobs": pending,
        "reanalysis": run.map(|r| json!({
            "total": r.total, "done": r.done,
            "started_at": super::rfc3339(r.started_at),
            "finished_at": r.finished_at.map(super::rfc3339),
        })),
    })))
}
