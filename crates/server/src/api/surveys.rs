//! `/surveys`: create, list, get, update (whole definition), close.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Caller, page_limit, parse_cursor, parse_id};
use super::rfc3339;
use super::touchpoints::ListQuery;
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use touchpoint_domain::{OrgId, SurveyDefinition, SurveyId, TouchpointId};
use touchpoint_store::{StoreError, Survey};

pub fn survey_json(state: &AppState, s: &Survey) -> Value {
    let mut body = serde_json::to_value(s.definition.to_draft()).unwrap_or_else(|_| json!({}));
    body["anonymous"] = json!(s.definition.anonymous);
    body["id"] = json!(s.id);
    body["status"] = json!(s.status.as_str());
    body["touchpoint_id"] = json!(s.touchpoint_id);
    body["public_url"] = json!(state.settings.survey_url(&s.public_token));
    body["created_at"] = json!(rfc3339(s.created_at));
    body["updated_at"] = json!(rfc3339(s.updated_at));
    body["closed_at"] = json!(s.closed_at.map(rfc3339));
    body
}

/// Splits a create/update body into its definition and its touchpoint. A caller limited to
/// departments must attach the survey to a touchpoint of one of them (else they could not
/// see what they made, or could reach into another department).
async fn parse_body(
    state: &AppState,
    caller: &Caller,
    mut body: Map<String, Value>,
) -> ApiResult<(SurveyDefinition, Option<TouchpointId>)> {
    let touchpoint = body.remove("touchpoint_id");
    let definition = SurveyDefinition::from_json(Value::Object(body)).map_err(ApiError::Validation);
    let touchpoint = super::touchpoints::resolve(state, caller, touchpoint.as_ref())
        .await
        .and_then(|t| match t {
            None if !caller.departments.is_all() => Err(ApiError::Forbidden(
                "you are limited to departments: attach the survey to a touchpoint of one of them"
                    .to_owned(),
            )),
            t => Ok(t),
        });
    match (definition, touchpoint) {
        (Ok(d), Ok(t)) => Ok((d, t)),
        (Err(ApiError::Validation(mut a)), Err(ApiError::Validation(b))) => {
            a.extend(b);
            Err(ApiError::Validation(a))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let org_id = caller.principal.org_id;
    let (definition, touchpoint) = parse_body(&state, &caller, body).await?;
    let token = crate::auth::new_public_token();
    let survey = state
        .store
        .create_survey(org_id, &definition, touchpoint, &token, &caller.audit())
        .await?;
    Ok((StatusCode::CREATED, Json(survey_json(&state, &survey))))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let page = state
        .store
        .list_surveys(
            caller.principal.org_id,
            &caller.departments,
            &parse_cursor(q.cursor.as_deref())?,
            page_limit(q.limit)?,
        )
        .await?;
    Ok(super::page_json(&page, |s| survey_json(&state, s)))
}

/// The caller's survey: 404 for other organisations' surveys, 403 for one outside the
/// caller's departments.
pub async fn load(state: &AppState, caller: &Caller, raw_id: &str) -> ApiResult<Survey> {
    let survey = load_in_org(state, caller.principal.org_id, raw_id).await?;
    crate::access::check_survey(state, &caller.departments, &survey).await?;
    Ok(survey)
}

/// The organisation's survey, or 404 (also for other organisations' surveys); no
/// department check, so only for callers that make their own.
pub async fn load_in_org(state: &AppState, org_id: OrgId, raw_id: &str) -> ApiResult<Survey> {
    let id: SurveyId = parse_id(raw_id, "survey")?;
    if let Some(survey) = state.surveys.get(&id) {
        return if survey.org_id == org_id {
            Ok(survey)
        } else {
            Err(ApiError::NotFound("survey"))
        };
    }
    let survey = state.store.survey(org_id, id).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::NotFound("survey"),
        other => other.into(),
    })?;
    state.surveys.insert(id, survey.clone());
    Ok(survey)
}

pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let survey = load(&state, &caller, &id).await?;
    Ok(Json(survey_json(&state, &survey)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let existing = load(&state, &caller, &id).await?;
    let (definition, touchpoint) = parse_body(&state, &caller, body).await?;
    if state.store.survey_has_responses(existing.id).await? {
        definition
            .check_compatible_with(&existing.definition)
            .map_err(ApiError::Validation)?;
    }
    let updated = state
        .store
        .update_survey(
            org_id,
            existing.id,
            &definition,
            touchpoint,
            &caller.audit(),
        )
        .await;
    state.surveys.remove(&existing.id);
    Ok(Json(survey_json(&state, &updated?)))
}

pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let org_id = caller.principal.org_id;
    let existing = load(&state, &caller, &id).await?;
    let closed = state
        .store
        .close_survey(org_id, existing.id, &caller.audit())
        .await;
    state.surveys.remove(&existing.id);
    Ok(Json(survey_json(&state, &closed?)))
}
