//! `GET /metrics`: NPS, CSAT or CES of one survey question with n and 95 % interval, a series
//! per interval, the change between the last two periods, and groups when asked.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiQuery, Caller};
use crate::AppState;
use crate::reports::{MetricRequest, metric_report, report_json, touchpoint_names};
use axum::Json;
use axum::extract::State;
use chrono::{Months, NaiveDate};
use serde::Deserialize;
use serde_json::Value;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::period::{date_of_day, day_of_date, day_of_ms};
use touchpoint_domain::segment::AttributeGrouping;
use touchpoint_domain::{AttributeDefinition, Interval};
use touchpoint_store::{GroupBy, Survey};

/// The longest range one request may cover (ten years).
pub const MAX_RANGE_DAYS: i64 = 3_660;

#[derive(Deserialize)]
pub struct MetricsQuery {
    survey_id: Option<String>,
    question_id: Option<String>,
    metric: Option<String>,
    from: Option<String>,
    to: Option<String>,
    interval: Option<String>,
    group_by: Option<String>,
    theme: Option<String>,
    sentiment: Option<String>,
    segment: Option<String>,
    bins: Option<String>,
}

pub fn parse_day(raw: &str, field: &str) -> ApiResult<i64> {
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Ok(day_of_date(date));
    }
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| day_of_ms(t.timestamp_millis()))
        .map_err(|_| {
            ApiError::field(
                field,
                "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
            )
        })
}

/// Resolves a metrics query against `survey` (and, for `group_by=attribute:KEY`, the
/// organisation's attribute `definitions`); defaults: the survey's first metric question,
/// its own metric, the last twelve calendar months, monthly. The segment is resolved by the
/// caller.
pub fn resolve(
    survey: &Survey,
    q: &MetricsQuery,
    today: i64,
    definitions: &[AttributeDefinition],
) -> ApiResult<MetricRequest> {
    let mut errors = Vec::new();
    let question = match q.question_id.as_deref() {
        Some(id) => match survey.definition.question(id) {
            Some(question) if question.kind.metric().is_some() => Some(question),
            Some(_) => {
                errors.push(touchpoint_domain::FieldError::new(
                    "question_id",
                    "this question is not an NPS, CSAT or CES question",
                ));
                None
            }
            None => {
                errors.push(touchpoint_domain::FieldError::new(
                    "question_id",
                    "no such question in this survey",
                ));
                None
            }
        },
        None => match survey.definition.metric_questions().next() {
            Some((question, _)) => Some(question),
            None => {
                errors.push(touchpoint_domain::FieldError::new(
                    "question_id",
                    "this survey has no NPS, CSAT or CES question",
                ));
                None
            }
        },
    };
    let kind = question.and_then(|q| q.kind.metric());
    if let Some(raw) = q.metric.as_deref() {
        match MetricKind::parse(raw) {
            None => errors.push(touchpoint_domain::FieldError::new(
                "metric",
                "must be nps, csat or ces",
            )),
            Some(m) if Some(m) != kind && kind.is_some() => {
                errors.push(touchpoint_domain::FieldError::new(
                    "metric",
                    format!(
                        "the question measures {}, not {m}",
                        kind.map(|k| k.as_str()).unwrap_or("")
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    let mut attribute = None;
    let group_by = match q.group_by.as_deref().filter(|g| !g.is_empty()) {
        None => None,
        Some(raw) => match raw.strip_prefix("attribute:") {
            Some(key) => {
                match AttributeGrouping::resolve(key, q.bins.as_deref(), definitions) {
                    Ok(grouping) => attribute = Some(grouping),
                    Err(list) => errors.extend(list),
                }
                None
            }
            None => GroupBy::parse(raw).or_else(|| {
                errors.push(touchpoint_domain::FieldError::new(
                    "group_by",
                    "must be touchpoint, channel, language or attribute:KEY",
                ));
                None
            }),
        },
    };
    if attribute.is_none() && q.bins.as_deref().is_some_and(|b| !b.is_empty()) {
        errors.push(touchpoint_domain::FieldError::new(
            "bins",
            "apply to group_by=attribute:KEY of a number attribute only",
        ));
    }
    let (interval, from_day, to_day) = resolve_range(
        q.from.as_deref(),
        q.to.as_deref(),
        q.interval.as_deref(),
        today,
        &mut errors,
    );
    let filter = super::text::text_filter(q.theme.as_deref(), q.sentiment.as_deref())
        .map_err(|e| push(&mut errors, e))
        .ok();
    match (question, kind, interval, from_day, to_day, filter) {
        (
            Some(question),
            Some(kind),
            Some(interval),
            Some(from_day),
            Some(to_day),
            Some(filter),
        ) if errors.is_empty() => Ok(MetricRequest {
            question_id: question.id.clone(),
            kind,
            from_day,
            to_day,
            interval,
            group_by,
            filter,
            attribute,
            segment: None,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The period of a report from `from`, `to` and `interval` (defaults: the last twelve
/// calendar months, monthly); problems go to `errors`, one per parameter.
pub fn resolve_range(
    from: Option<&str>,
    to: Option<&str>,
    interval: Option<&str>,
    today: i64,
    errors: &mut Vec<touchpoint_domain::FieldError>,
) -> (Option<Interval>, Option<i64>, Option<i64>) {
    let interval = match interval {
        None => Some(Interval::Month),
        Some(raw) => Interval::parse(raw).or_else(|| {
            errors.push(touchpoint_domain::FieldError::new(
                "interval",
                "must be day, week or month",
            ));
            None
        }),
    };
    let to_day = match to {
        None => Some(today),
        Some(raw) => parse_day(raw, "to").map_err(|e| push(errors, e)).ok(),
    };
    let from_day = match from {
        None => to_day.map(|to| {
            let month_start = Interval::Month.period_start(to);
            date_of_day(month_start)
                .checked_sub_months(Months::new(11))
                .map_or(to - 365, day_of_date)
        }),
        Some(raw) => parse_day(raw, "from").map_err(|e| push(errors, e)).ok(),
    };
    if let (Some(from), Some(to)) = (from_day, to_day) {
        if from > to {
            errors.push(touchpoint_domain::FieldError::new(
                "from",
                "must not be after 'to'",
            ));
        } else if to - from > MAX_RANGE_DAYS {
            errors.push(touchpoint_domain::FieldError::new(
                "from",
                format!("the range may span at most {MAX_RANGE_DAYS} days"),
            ));
        }
    }
    (interval, from_day, to_day)
}

fn push(errors: &mut Vec<touchpoint_domain::FieldError>, error: ApiError) {
    if let ApiError::Validation(list) = error {
        errors.extend(list);
    }
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let survey_id = q
        .survey_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::field("survey_id", "is required"))?;
    let survey = super::surveys::load(&state, &caller, survey_id).await?;
    let by_attribute = q
        .group_by
        .as_deref()
        .is_some_and(|g| g.starts_with("attribute:"));
    let definitions = if by_attribute {
        super::segments::require_customers(&caller, "grouping by a customer attribute")?;
        state.store.attribute_definitions(org_id).await?
    } else {
        Vec::new()
    };
    let mut request = resolve(
        &survey,
        &q,
        day_of_ms(touchpoint_store::now_ms()),
        &definitions,
    )?;
    if let Some(raw) = q.segment.as_deref().filter(|s| !s.is_empty()) {
        request.segment = Some(super::segments::for_filter(&state, &caller, raw).await?);
    }
    let report = metric_report(&state.store, &survey, &request).await?;
    let labels = if request.group_by == Some(GroupBy::Touchpoint) {
        touchpoint_names(&state.store, org_id, &caller.departments).await?
    } else {
        Default::default()
    };
    Ok(Json(report_json(&survey, &request, &report, &labels)))
}
