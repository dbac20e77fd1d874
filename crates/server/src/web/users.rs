//! `/app/users`: the organisation's users and invitations for owners and admins — invite by
//! e-mail, resend or revoke an invitation (with its mail's delivery state), deactivate and
//! reactivate a user. Every action is a POST with the CSRF token and answers with a redirect
//! back here, or the page with the errors (422) when the input was wrong.

use super::account_texts::{self, AccountTexts};
use super::{Chrome, Form, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::accounts::{self, FlowError, InvitationDraft};
use crate::api::rfc3339;
use crate::i18n::{self, Texts};
use crate::limits::PeerAddress;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use touchpoint_domain::{InvitationId, Language, Role, UserId};
use touchpoint_jobs::mail::NOT_CONFIGURED;
use touchpoint_store::lifecycle::InvitationState;
use touchpoint_store::{AuditContext, Interface};

struct UserRow {
    id: String,
    name: String,
    email: String,
    role: String,
    active: bool,
    totp: bool,
    is_self: bool,
}

struct InvitationRow {
    id: String,
    email: String,
    role: String,
    state: &'static str,
    expires_at: String,
    mail: &'static str,
    open: bool,
}

#[derive(askama::Template)]
#[template(path = "web/users.html")]
struct UsersPage {
    lang: &'static str,
    t: &'static Texts,
    a: &'static AccountTexts,
    chrome: Chrome,
    users: Vec<UserRow>,
    invitations: Vec<InvitationRow>,
    roles: Vec<&'static str>,
    errors: Vec<String>,
    form_email: String,
}

fn context(signed_in: &SignedIn, peer: PeerAddress) -> AuditContext {
    AuditContext {
        user_id: Some(signed_in.user.id),
        token_id: None,
        interface: Interface::Web,
        address: peer.0,
    }
}

fn mail_label(a: &AccountTexts, state: Option<&str>, error: Option<&str>) -> &'static str {
    match (state, error) {
        (Some("queued"), Some(NOT_CONFIGURED)) => a.mail_not_configured,
        (Some("queued"), _) => a.mail_queued,
        (Some("sending"), _) => a.mail_sending,
        (Some("sent"), _) => a.mail_sent,
        (Some("failed"), _) => a.mail_failed,
        _ => a.mail_none,
    }
}

async fn render_page(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    status: StatusCode,
    errors: Vec<String>,
    form_email: String,
) -> Result<Response, WebError> {
    let a = account_texts::texts(language);
    let org_id = signed_in.user.org_id;
    let now = touchpoint_store::now_ms();
    let users = state
        .store
        .users(org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?
        .into_iter()
        .map(|u| UserRow {
            id: u.id.to_string(),
            name: u.display_name,
            email: u.email,
            role: u.role,
            active: u.deactivated_at.is_none(),
            totp: u.totp_enabled,
            is_self: u.id == signed_in.user.id,
        })
        .collect();
    let invitations = state
        .store
        .invitations(org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?
        .into_iter()
        .map(|i| {
            let invitation_state = i.state(now);
            InvitationRow {
                id: i.id.to_string(),
                email: i.email.clone(),
                role: i.role.clone(),
                state: match invitation_state {
                    InvitationState::Pending => a.invitation_pending,
                    InvitationState::Accepted => a.invitation_accepted,
                    InvitationState::Revoked => a.invitation_revoked,
                    InvitationState::Expired => a.invitation_expired,
                },
                expires_at: rfc3339(i.expires_at),
                mail: mail_label(a, i.mail_state.as_deref(), i.mail_error.as_deref()),
                open: matches!(
                    invitation_state,
                    InvitationState::Pending | InvitationState::Expired
                ),
            }
        })
        .collect();
    let roles = Role::ALL
        .iter()
        .filter(|r| **r != Role::Owner || signed_in.user.role == Role::Owner)
        .map(|r| r.as_str())
        .collect();
    let page = UsersPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        a,
        chrome: Chrome::new(language, signed_in, "/app/users"),
        users,
        invitations,
        roles,
        errors,
        form_email,
    };
    Ok(render(status, &page))
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let response = render_page(
        &state,
        &signed_in,
        language,
        StatusCode::OK,
        Vec::new(),
        String::new(),
    )
    .await?;
    Ok(with_language_cookie(response, remember))
}

/// What an action's failure looks like in the web app.
async fn failed(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    error: FlowError,
    form_email: String,
) -> Result<Response, WebError> {
    let (status, errors) = match error {
        FlowError::Validation(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect(),
        ),
        FlowError::Conflict(detail) => (StatusCode::CONFLICT, vec![detail]),
        FlowError::Forbidden(_) => return Err(WebError::forbidden(language)),
        FlowError::NotFound => return Err(WebError::not_found(language)),
        FlowError::Internal(cause) => return Err(WebError::internal(language, cause)),
    };
    render_page(state, signed_in, language, status, errors, form_email).await
}

fn back() -> Response {
    Redirect::to("/app/users").into_response()
}

pub async fn invite(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let form = Form::parse(&body);
    let draft = InvitationDraft {
        email: Some(form.get("email").to_owned()),
        role: Some(form.get("role").to_owned()),
        language: Some(form.get("language").to_owned()),
        department_ids: None,
    };
    let email = form.get("email").to_owned();
    let request = match draft.validate(&signed_in.user) {
        Ok(request) => request,
        Err(errors) => {
            return failed(
                &state,
                &signed_in,
                language,
                FlowError::Validation(errors),
                email,
            )
            .await;
        }
    };
    match accounts::invite(
        &state,
        &signed_in.user,
        &request,
        &context(&signed_in, peer),
    )
    .await
    {
        Ok(_) => Ok(back()),
        Err(error) => failed(&state, &signed_in, language, error, email).await,
    }
}

async fn invitation_action(
    state: AppState,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    raw_id: String,
    resend: bool,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let id: InvitationId = raw_id.parse().map_err(|_| WebError::not_found(language))?;
    let context = context(&signed_in, peer);
    let result = if resend {
        accounts::resend(&state, &signed_in.user, id, &context).await
    } else {
        state
            .store
            .revoke_invitation(signed_in.user.org_id, id, &context)
            .await
            .map_err(FlowError::from)
    };
    match result {
        Ok(()) => Ok(back()),
        Err(error) => failed(&state, &signed_in, language, error, String::new()).await,
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    invitation_action(state, signed_in, peer, headers, id, false).await
}

pub async fn resend(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    invitation_action(state, signed_in, peer, headers, id, true).await
}

async fn set_active(
    state: AppState,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    raw_id: String,
    active: bool,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let id: UserId = raw_id.parse().map_err(|_| WebError::not_found(language))?;
    if id == signed_in.user.id {
        return failed(
            &state,
            &signed_in,
            language,
            FlowError::Conflict("you cannot deactivate or reactivate yourself".to_owned()),
            String::new(),
        )
        .await;
    }
    let target = state
        .store
        .user(signed_in.user.org_id, id)
        .await
        .map_err(|e| WebError::from_store(language, e))?;
    // Owners are managed by owners only; with self-deactivation refused, one always remains.
    if target.role == Role::Owner && signed_in.user.role != Role::Owner {
        return Err(WebError::forbidden(language));
    }
    match state
        .store
        .set_user_active(
            signed_in.user.org_id,
            id,
            active,
            &context(&signed_in, peer),
        )
        .await
    {
        Ok(()) => {
            state
                .tokens
                .remove_where(|access| access.principal.user_id == id);
            Ok(back())
        }
        Err(e) => Err(WebError::from_store(language, e)),
    }
}

pub async fn deactivate(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_active(state, signed_in, peer, headers, id, false).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_active(state, signed_in, peer, headers, id, true).await
}
