//! Public survey pages under `/s/{token}`: no session, works without JavaScript.
//!
//! `GET` renders the survey as an accessible form in the respondent's language; `POST` turns
//! the form into the same draft the API accepts and stores it through the same code path, so
//! the page can never accept what the API would refuse. A honeypot field drops bots silently,
//! and a per-form id (sent as `external_id`) makes a double submit store one response.

mod form;

use crate::AppState;
use crate::api::error::ApiError;
use crate::i18n::{self, Texts};
use crate::limits::ClientAddress;
use crate::web::render;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use form::{FormState, QuestionView};
use touchpoint_domain::{Language, ResponseDraft};
use touchpoint_store::{StoreError, Survey, SurveyStatus};

pub fn router() -> Router<AppState> {
    Router::new().route("/s/{token}", get(show).post(submit))
}

/// A link to the page in another language.
pub struct LanguageLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
}

#[derive(askama::Template)]
#[template(path = "public/form.html")]
struct FormPage<'a> {
    lang: &'static str,
    t: &'static Texts,
    title: &'a str,
    action: String,
    nonce: String,
    switch: Vec<LanguageLink>,
    has_errors: bool,
    general_errors: Vec<String>,
    questions: Vec<QuestionView>,
    anonymous: bool,
}

#[derive(askama::Template)]
#[template(path = "public/message.html")]
struct MessagePage<'a> {
    lang: &'static str,
    survey_name: &'a str,
    heading: &'static str,
    body: &'static str,
}

fn message(
    status: StatusCode,
    language: Language,
    survey_name: &str,
    pick: fn(&Texts) -> (&'static str, &'static str),
) -> Response {
    let (heading, body) = pick(i18n::texts(language));
    render(
        status,
        &MessagePage {
            lang: language.as_str(),
            survey_name,
            heading,
            body,
        },
    )
}

fn not_found(language: Language) -> Response {
    message(StatusCode::NOT_FOUND, language, "", |t| {
        (t.not_found_title, t.not_found_body)
    })
}

fn internal_error(language: Language, cause: &dyn std::fmt::Display) -> Response {
    let request_id = uuid::Uuid::now_v7();
    tracing::error!(%request_id, %cause, "public survey page failed");
    message(StatusCode::INTERNAL_SERVER_ERROR, language, "", |t| {
        (t.error_title, t.error_body)
    })
}

fn closed(language: Language, survey: &Survey) -> Response {
    message(StatusCode::GONE, language, &survey.definition.name, |t| {
        (t.closed_title, t.closed_body)
    })
}

fn thanks(language: Language, survey: &Survey) -> Response {
    message(StatusCode::OK, language, &survey.definition.name, |t| {
        (t.thanks_title, t.thanks_body)
    })
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Tokens are 32 hex characters; anything else is not worth a database round trip.
fn plausible_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= 64 && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Loads the survey behind `token`, or the page to answer with instead.
async fn load(state: &AppState, token: &str, language: Language) -> Result<Survey, Response> {
    if !plausible_token(token) {
        return Err(not_found(language));
    }
    match state.store.survey_by_token(token).await {
        Ok(survey) => Ok(survey),
        Err(StoreError::NotFound) => Err(not_found(language)),
        Err(other) => Err(internal_error(language, &other)),
    }
}

fn language_links(survey: &Survey, token: &str, current: Language) -> Vec<LanguageLink> {
    if survey.definition.languages.len() < 2 {
        return Vec::new();
    }
    survey
        .definition
        .languages
        .iter()
        .filter(|l| **l != current)
        .map(|l| LanguageLink {
            code: l.as_str(),
            name: i18n::texts(*l).language_name,
            href: format!("/s/{token}?lang={l}"),
        })
        .collect()
}

fn form_page(
    survey: &Survey,
    token: &str,
    language: Language,
    state: &FormState,
    status: StatusCode,
) -> Response {
    let page = FormPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        title: &survey.definition.name,
        action: format!("/s/{token}"),
        nonce: state.nonce.clone(),
        switch: language_links(survey, token, language),
        has_errors: !state.errors.is_empty() || !state.general_errors.is_empty(),
        general_errors: state.general_errors.clone(),
        questions: form::question_views(&survey.definition, language, state),
        anonymous: survey.definition.anonymous,
    };
    let mut response = render(status, &page);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let requested = query_param(query.as_deref(), "lang");
    let guess = i18n::pick_language(
        requested.as_deref(),
        accept_language(&headers),
        &Language::ALL,
        Language::De,
    );
    let survey = match load(&state, &token, guess).await {
        Ok(survey) => survey,
        Err(page) => return page,
    };
    let definition = &survey.definition;
    let language = i18n::pick_language(
        requested.as_deref(),
        accept_language(&headers),
        &definition.languages,
        definition.default_language(),
    );
    if survey.status == SurveyStatus::Closed {
        return closed(language, &survey);
    }
    form_page(
        &survey,
        &token,
        language,
        &FormState::fresh(),
        StatusCode::OK,
    )
}

/// 429 with `Retry-After`: this address sent more submissions than the configured limit.
fn too_many(language: Language, retry_after_secs: u64) -> Response {
    let mut response = message(StatusCode::TOO_MANY_REQUESTS, language, "", |t| {
        (t.too_many_title, t.too_many_body)
    });
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn submit(
    State(state): State<AppState>,
    Path(token): Path<String>,
    address: ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let guess = i18n::pick_language(
        field("lang"),
        accept_language(&headers),
        &Language::ALL,
        Language::De,
    );
    // Every post counts (valid or not): the limit guards the store and the analysis queue.
    let limits = &state.limits;
    if let Some(retry_after) = limits
        .public_submit
        .hit(&address.0, limits.now_ms())
        .retry_after_secs()
    {
        tracing::warn!(address = %address.0, "public submissions rate-limited");
        return too_many(guess, retry_after);
    }
    let survey = match load(&state, &token, guess).await {
        Ok(survey) => survey,
        Err(page) => return page,
    };
    let definition = &survey.definition;
    let language = i18n::pick_language(
        field("lang"),
        accept_language(&headers),
        &definition.languages,
        definition.default_language(),
    );
    if survey.status == SurveyStatus::Closed {
        return closed(language, &survey);
    }
    // A filled honeypot means a bot: it sees success, the store sees nothing.
    if field("website").is_some_and(|v| !v.trim().is_empty()) {
        tracing::info!(survey_id = %survey.id, "honeypot filled; submission dropped");
        return thanks(language, &survey);
    }
    let form_state = FormState::submitted(definition, &fields);
    let draft = ResponseDraft {
        answers: form::answers(definition, &fields),
        language: Some(language.as_str().to_owned()),
        channel: None,
        touchpoint_id: None,
        external_id: None,
        submitted_at: None,
        // The public page is anonymous: a customer id in a public link could be forged.
        customer_external_id: None,
    };
    let form_id = form_state.external_id();
    match crate::api::responses::store_response(&state, &survey, draft, "web", form_id).await {
        // A replay or conflict of the same form id is a double submit: the first one counts.
        Ok(_) => thanks(language, &survey),
        Err(ApiError::Validation(errors)) => {
            let form_state = form_state.with_errors(definition, language, errors);
            form_page(
                &survey,
                &token,
                language,
                &form_state,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(ApiError::Gone(_)) => closed(language, &survey),
        Err(ApiError::NotFound(_)) => not_found(language),
        Err(other) => internal_error(language, &format!("{other:?}")),
    }
}
