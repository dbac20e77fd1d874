//! `GET /surveys/{id}/responses.csv`: every response of a survey as CSV, streamed page by page
//! (constant memory however many responses there are). One column per question; multiple
//! choices joined with `;`. Cells that a spreadsheet would run as a formula are neutralised.

use super::error::ApiResult;
use super::extract::Caller;
use super::rfc3339;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::Value;
use touchpoint_domain::DepartmentScope;
use touchpoint_store::{Cursor, StoredResponse, Survey};

const PAGE: usize = 1_000;

/// Prefixes cells that start like a formula (`=`, `+`, `-`, `@`, tab, CR) with `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => neutralise(s).into_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

fn header_row(survey: &Survey) -> Vec<String> {
    let mut columns: Vec<String> = [
        "response_id",
        "submitted_at",
        "received_at",
        "language",
        "channel",
        "touchpoint_id",
        "external_id",
    ]
    .map(str::to_owned)
    .to_vec();
    columns.extend(survey.definition.questions.iter().map(|q| q.id.clone()));
    columns
}

fn record(survey: &Survey, r: &StoredResponse) -> Vec<String> {
    let mut row = vec![
        r.id.to_string(),
        rfc3339(r.submitted_at),
        rfc3339(r.received_at),
        r.language.clone(),
        r.channel.clone(),
        r.touchpoint_id.map(|t| t.to_string()).unwrap_or_default(),
        neutralise(r.external_id.as_deref().unwrap_or("")).into_owned(),
    ];
    row.extend(
        survey
            .definition
            .questions
            .iter()
            .map(|q| cell(r.answers.get(&q.id))),
    );
    row
}

pub(crate) fn encode(rows: impl IntoIterator<Item = Vec<String>>) -> std::io::Result<Bytes> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

pub async fn csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let survey = super::surveys::load(&state, &caller, &id).await?;
    csv_response(state, survey)
}

/// The streamed CSV export of `survey` (shared by the API and the signed-in web app).
pub(crate) fn csv_response(state: AppState, survey: Survey) -> ApiResult<Response> {
    let first = encode([header_row(&survey)])?;
    let filename = format!("responses-{}.csv", survey.id);
    let pages = futures_util::stream::unfold(Some(Cursor::start()), move |cursor| {
        let state = state.clone();
        let survey = survey.clone();
        async move {
            let cursor = cursor?;
            let page = match state
                .store
                .list_responses(
                    survey.org_id,
                    // Every caller checked `survey` against their departments; all of its
                    // responses lie within them.
                    &DepartmentScope::All,
                    &touchpoint_store::ResponseQuery {
                        survey_id: Some(survey.id),
                        ..Default::default()
                    },
                    &cursor,
                    PAGE,
                )
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, "CSV export aborted");
                    return Some((Err(std::io::Error::other("export failed")), None));
                }
            };
            let next = page.next_cursor.as_deref().and_then(Cursor::parse);
            let chunk = encode(page.items.iter().map(|r| record(&survey, r)));
            Some((chunk, next))
        }
    });
    let body = futures_util::stream::once(async { Ok::<_, std::io::Error>(first) }).chain(pages);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn neutralises_formula_starts_only() {
        assert_eq!(super::neutralise("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(super::neutralise("-1+2"), "'-1+2");
        assert_eq!(super::neutralise("Gut = gut"), "Gut = gut");
    }
}
