//! Responses: submission (idempotent by `external_id`), listing, one response.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Caller, page_limit, parse_cursor, parse_id};
use super::rfc3339;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::period::MS_PER_DAY;
use touchpoint_domain::{Language, NewResponse, ResponseDraft, ResponseId, SurveyId};
use touchpoint_store::{
    ResponseQuery, StoreError, StoredResponse, SubmitOutcome, Survey, SurveyStatus,
};

pub fn response_json(r: &StoredResponse) -> Value {
    json!({
        "id": r.id, "survey_id": r.survey_id, "touchpoint_id": r.touchpoint_id,
        "customer_id": r.customer_id,
        "language": r.language, "channel": r.channel, "answers": r.answers,
        "external_id": r.external_id,
        "submitted_at": rfc3339(r.submitted_at), "received_at": rfc3339(r.received_at),
        "analysis": r.analysis,
    })
}

/// Validates and stores one response to `survey` — shared by the API and the public page.
/// Validates and stores a response. `form_id` is the random id the server gave a public form
/// (so a double submit stores one response): it becomes the external id after validation,
/// which anonymous surveys otherwise refuse, since it identifies nobody.
pub async fn store_response(
    state: &AppState,
    survey: &Survey,
    draft: ResponseDraft,
    default_channel: &str,
    form_id: Option<String>,
) -> ApiResult<SubmitOutcome> {
    if survey.status == SurveyStatus::Closed {
        return Err(ApiError::Gone(
            "this survey is closed and accepts no more responses".to_owned(),
        ));
    }
    let touchpoint_raw = draft.touchpoint_id.clone().map(Value::String);
    let mut response = NewResponse::validate(
        &survey.definition,
        draft,
        default_channel,
        touchpoint_store::now_ms(),
    )
    .map_err(ApiError::Validation)?;
    if form_id.is_some() {
        response.external_id = form_id;
    }
    super::touchpoints::resolve_in_org(state, survey.org_id, touchpoint_raw.as_ref()).await?;
    Ok(state.store.submit_response(survey, response).await?)
}

pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<ResponseDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let survey = super::surveys::load(&state, &caller, &id).await?;
    if !caller.departments.is_all() {
        // The response's own touchpoint must be one of the caller's too.
        let touchpoint = draft.touchpoint_id.clone().map(Value::String);
        super::touchpoints::resolve(&state, &caller, touchpoint.as_ref()).await?;
    }
    match store_response(&state, &survey, draft, "api", None).await? {
        SubmitOutcome::Created(id) => Ok((StatusCode::CREATED, Json(json!({"id": id})))),
        SubmitOutcome::Replayed(id) => Ok((StatusCode::OK, Json(json!({"id": id})))),
        SubmitOutcome::Conflict(id) => Err(ApiError::Conflict(format!(
            "external_id was used before with different content (response {id})"
        ))),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    survey_id: Option<String>,
    touchpoint_id: Option<String>,
    theme: Option<String>,
    sentiment: Option<String>,
    language: Option<String>,
    from: Option<String>,
    to: Option<String>,
    segment: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let survey_id: Option<SurveyId> = match q.survey_id.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(super::surveys::load(&state, &caller, raw).await?.id),
    };
    let touchpoint = q
        .touchpoint_id
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(Value::from);
    let filter = super::text::text_filter(q.theme.as_deref(), q.sentiment.as_deref())?;
    let query = ResponseQuery {
        survey_id,
        touchpoint_id: super::touchpoints::resolve(&state, &caller, touchpoint.as_ref()).await?,
        theme: filter.theme,
        sentiment: filter.sentiment,
        language: match q.language.as_deref().filter(|l| !l.is_empty()) {
            None => None,
            Some(raw) => Some(
                Language::parse(raw)
                    .ok_or_else(|| ApiError::field("language", "must be de or en"))?
                    .as_str()
                    .to_owned(),
            ),
        },
        from_ms: q
            .from
            .as_deref()
            .map(|raw| super::metrics::parse_day(raw, "from"))
            .transpose()?
            .map(|d| d * MS_PER_DAY),
        to_ms: q
            .to
            .as_deref()
            .map(|raw| super::metrics::parse_day(raw, "to"))
            .transpose()?
            .map(|d| (d + 1) * MS_PER_DAY),
        commented: false,
        segment: match q.segment.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(
                super::segments::for_filter(&state, &caller, raw)
                    .await?
                    .conditions,
            ),
        },
    };
    let page = state
        .store
        .list_responses(
            org_id,
            &caller.departments,
            &query,
            &parse_cursor(q.cursor.as_deref())?,
            page_limit(q.limit)?,
        )
        .await?;
    Ok(super::page_json(&page, response_json))
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id: ResponseId = parse_id(&id, "response")?;
    let response = state
        .store
        .response(caller.principal.org_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("response"),
            other => other.into(),
        })?;
    if !caller.departments.is_all() {
        let survey = super::surveys::load_in_org(
            &state,
            caller.principal.org_id,
            &response.survey_id.to_string(),
        )
        .await?;
        crate::access::check_survey(&state, &caller.departments, &survey)
            .await
            .map_err(|_| {
                ApiError::Forbidden(format!(
                    "response {id} belongs to a survey outside your departments"
                ))
            })?;
    }
    Ok(Json(response_json(&response)))
}
