//! `/audit` and `/audit.csv`: the organisation's audit log, read-only (no route writes or
//! deletes entries; the database refuses to). Filters: action (prefix up to a dot), actor
//! (user or token id), target, time window.

use super::error::{ApiError, ApiResult};
use super::export::{encode, neutralise};
use super::extract::{ApiQuery, Caller, page_limit, parse_cursor};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::FieldError;
use touchpoint_store::{AuditFilter, AuditRecord, Cursor};

const CSV_PAGE: usize = 1_000;
const MS_PER_DAY: i64 = 86_400_000;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// A date (the whole day, UTC) or an RFC 3339 instant, as ms since the epoch: the start of
/// the day for `from`, the end of the day for `to`.
fn parse_time(raw: &str, end_of_day: bool) -> Option<i64> {
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let start = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis();
        return Some(if end_of_day {
            start + MS_PER_DAY
        } else {
            start
        });
    }
    let instant = chrono::DateTime::parse_from_rfc3339(raw)
        .ok()?
        .timestamp_millis();
    // `to` is exclusive in the store; an instant given as `to` is meant inclusively.
    Some(if end_of_day { instant + 1 } else { instant })
}

pub(crate) fn filter(q: &AuditQuery) -> ApiResult<AuditFilter> {
    let mut errors = Vec::new();
    let given = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let action = given(&q.action);
    if action.as_deref().is_some_and(|a| {
        a.len() > 64
            || !a
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
    }) {
        errors.push(FieldError::new(
            "action",
            "must be an action or its prefix, e.g. survey or survey.close",
        ));
    }
    let mut id = |field: &str, value: Option<String>| match value {
        Some(raw) => match uuid::Uuid::parse_str(&raw) {
            Ok(uuid) => Some(uuid.to_string()),
            Err(_) => {
                errors.push(FieldError::new(field, "must be a UUID"));
                None
            }
        },
        None => None,
    };
    let actor = id("actor", given(&q.actor));
    let target_id = id("target_id", given(&q.target_id));
    let mut time = |field: &str, value: Option<String>, end: bool| match value {
        Some(raw) => match parse_time(&raw, end) {
            Some(ms) => Some(ms),
            None => {
                errors.push(FieldError::new(
                    field,
                    "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
                ));
                None
            }
        },
        None => None,
    };
    let from = time("from", given(&q.from), false);
    let to = time("to", given(&q.to), true);
    if errors.is_empty() {
        Ok(AuditFilter {
            action,
            actor,
            target_id,
            from,
            to,
        })
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn entry_json(e: &AuditRecord) -> Value {
    json!({
        "id": e.id,
        "at": rfc3339(e.at),
        "action": e.action,
        "interface": e.interface,
        "address": e.address,
        "actor_user_id": e.actor_user_id,
        "actor_token_id": e.actor_token_id,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "summary": e.summary,
    })
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let filter = filter(&q)?;
    let page = state
        .store
        .audit_entries(
            caller.principal.org_id,
            &filter,
            &parse_cursor(q.cursor.as_deref())?,
            page_limit(q.limit)?,
        )
        .await?;
    Ok(super::page_json(&page, entry_json))
}

const CSV_COLUMNS: [&str; 10] = [
    "id",
    "at",
    "action",
    "interface",
    "address",
    "actor_user_id",
    "actor_token_id",
    "target_type",
    "target_id",
    "summary",
];

fn record(e: &AuditRecord) -> Vec<String> {
    let text = |s: Option<&str>| neutralise(s.unwrap_or("")).into_owned();
    vec![
        e.id.clone(),
        rfc3339(e.at),
        text(Some(&e.action)),
        text(Some(&e.interface)),
        text(e.address.as_deref()),
        e.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
        e.actor_token_id.map(|t| t.to_string()).unwrap_or_default(),
        text(e.target_type.as_deref()),
        text(e.target_id.as_deref()),
        text(Some(&e.summary.to_string())),
    ]
}

/// The entries matching the filters as CSV, newest first, streamed page by page.
pub async fn csv(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let filter = filter(&q)?;
    csv_response(state, caller.principal.org_id, filter)
}

/// The streamed CSV of the entries matching `filter` (shared by the API and the web app).
pub(crate) fn csv_response(
    state: AppState,
    org_id: touchpoint_domain::OrgId,
    filter: AuditFilter,
) -> ApiResult<Response> {
    let first = encode([CSV_COLUMNS.map(str::to_owned).to_vec()])?;
    let pages = futures_util::stream::unfold(Some(Cursor::start()), move |cursor| {
        let state = state.clone();
        let filter = filter.clone();
        async move {
            let cursor = cursor?;
            let page = match state
                .store
                .audit_entries(org_id, &filter, &cursor, CSV_PAGE)
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, "audit CSV export aborted");
                    return Some((Err(std::io::Error::other("export failed")), None));
                }
            };
            let next = page.next_cursor.as_deref().and_then(Cursor::parse);
            Some((encode(page.items.iter().map(record)), next))
        }
    });
    let body = futures_util::stream::once(async { Ok::<_, std::io::Error>(first) }).chain(pages);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn days_cover_the_whole_day_and_instants_are_inclusive() {
        assert_eq!(parse_time("1970-01-02", false), Some(86_400_000));
        assert_eq!(parse_time("1970-01-02", true), Some(2 * 86_400_000));
        assert_eq!(parse_time("1970-01-01T00:00:01Z", false), Some(1_000));
        assert_eq!(parse_time("1970-01-01T00:00:01Z", true), Some(1_001));
        assert_eq!(parse_time("yesterday", false), None);
    }
}
