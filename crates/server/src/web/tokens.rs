//! `/app/tokens`: API tokens in the web app. Everyone manages their own tokens; owners and
//! admins see and revoke every token of the organisation. A new token's secret is shown once,
//! on the page that answers the create form (never stored, never in a URL, not cached).

use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::api::error::ApiError;
use crate::api::rfc3339;
use crate::api::tokens::{TokenDraft, issue, withdraw};
use crate::i18n::{self, Texts};
use crate::limits::PeerAddress;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use touchpoint_domain::{ApiTokenId, Language, Resource};
use touchpoint_store::accounts::{ApiTokenInfo, Principal};

struct TokenView {
    id: String,
    name: String,
    prefix: String,
    owner: String,
    scope: &'static str,
    resources: String,
    last_used_at: String,
    expires_at: String,
    revoked: bool,
}

#[derive(askama::Template)]
#[template(path = "web/tokens.html")]
struct TokensPage {
    lang: &'static str,
    t: &'static Texts,
    chrome: Chrome,
    tokens: Vec<TokenView>,
    resources: Vec<&'static str>,
    secret: String,
    problems: Vec<String>,
    notice: String,
    name: String,
}

/// Whether `user` may see and revoke every token of the organisation.
fn sees_all(signed_in: &SignedIn) -> bool {
    signed_in.may(touchpoint_domain::Permission::ManageAllTokens)
}

fn visible(signed_in: &SignedIn, token: &ApiTokenInfo) -> bool {
    sees_all(signed_in) || token.user_id == signed_in.user.id
}

fn view(t: &'static Texts, token: &ApiTokenInfo) -> TokenView {
    let when = |ms: Option<i64>| ms.map(rfc3339).unwrap_or_else(|| "—".to_owned());
    TokenView {
        id: token.id.to_string(),
        name: token.name.clone(),
        prefix: token.prefix.clone(),
        owner: token.user_email.clone(),
        scope: match token.grant.scope {
            touchpoint_domain::TokenScope::ReadOnly => t.tokens_read_only,
            touchpoint_domain::TokenScope::ReadWrite => t.tokens_read_write,
        },
        resources: token.grant.resources.to_string(),
        last_used_at: when(token.last_used_at),
        expires_at: when(token.expires_at),
        revoked: token.revoked_at.is_some(),
    }
}

struct Outcome {
    status: StatusCode,
    secret: String,
    problems: Vec<String>,
    notice: String,
    name: String,
}

async fn render_page(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    outcome: Outcome,
) -> Result<Response, WebError> {
    let t = i18n::texts(language);
    let tokens = state
        .store
        .api_tokens(signed_in.user.org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    let page = TokensPage {
        lang: language.as_str(),
        t,
        chrome: Chrome::new(language, signed_in, "/app/tokens"),
        tokens: tokens
            .iter()
            .filter(|tk| visible(signed_in, tk))
            .map(|tk| view(t, tk))
            .collect(),
        resources: Resource::ALL.iter().map(|r| r.as_str()).collect(),
        secret: outcome.secret,
        problems: outcome.problems,
        notice: outcome.notice,
        name: outcome.name,
    };
    let mut response = render(outcome.status, &page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let notice = if raw.as_deref().is_some_and(|q| q.contains("done=revoked")) {
        i18n::texts(language).tokens_revoked.to_owned()
    } else {
        String::new()
    };
    let outcome = Outcome {
        status: StatusCode::OK,
        secret: String::new(),
        problems: Vec::new(),
        notice,
        name: String::new(),
    };
    let response = render_page(&state, &signed_in, language, outcome).await?;
    Ok(with_language_cookie(response, remember))
}

/// The create form: `name`, `scope`, `resources` (repeated, or `*`), `valid_until` (a date;
/// the token works through that day, UTC).
pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let form = super::form::Form::parse(&body);
    let first = |name: &str| form.given(name);
    let expires_at = first("valid_until").map(|date| {
        chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.succ_opt())
            .map(|d| format!("{d}T00:00:00Z"))
            .unwrap_or(date)
    });
    let draft = TokenDraft {
        name: first("name"),
        scope: first("scope"),
        resources: Some(form.all("resources")),
        expires_at,
    };
    let name = first("name").unwrap_or_default();
    let principal = Principal {
        org_id: signed_in.user.org_id,
        user_id: signed_in.user.id,
    };
    let outcome = match draft.validate(touchpoint_store::now_ms()) {
        Err(errors) => Outcome {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            secret: String::new(),
            problems: errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
            notice: String::new(),
            name,
        },
        Ok(request) => {
            let (secret, _) = issue(&state, principal, &request, &signed_in.audit(peer.0))
                .await
                .map_err(|e| WebError::internal(language, format!("{e:?}")))?;
            Outcome {
                status: StatusCode::CREATED,
                secret,
                problems: Vec::new(),
                notice: String::new(),
                name: String::new(),
            }
        }
    };
    render_page(&state, &signed_in, language, outcome).await
}

pub async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let id: ApiTokenId = id.parse().map_err(|_| WebError::not_found(language))?;
    let tokens = state
        .store
        .api_tokens(signed_in.user.org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    let Some(token) = tokens.iter().find(|t| t.id == id) else {
        return Err(WebError::not_found(language));
    };
    if !visible(&signed_in, token) {
        return Err(WebError::forbidden(language));
    }
    match withdraw(&state, signed_in.user.org_id, id, &signed_in.audit(peer.0)).await {
        Ok(()) => Ok(Redirect::to("/app/tokens?done=revoked").into_response()),
        Err(ApiError::NotFound(_)) => Err(WebError::not_found(language)),
        Err(other) => Err(WebError::internal(language, format!("{other:?}"))),
    }
}
