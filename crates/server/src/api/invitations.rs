//! `/invitations`, `/users/{id}/deactivate|reactivate` and `/mail`: inviting users, ending
//! and restoring their access, and the outbox with delivery states. Invitation tokens are
//! never shown (only the invitee's mail carries one); the outbox shows no bodies at all, so
//! reset and invitation links never leave through the API.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ApiQuery, Caller, page_limit, parse_cursor, parse_id};
use super::{page_json, rfc3339};
use crate::AppState;
use crate::accounts::{self, InvitationDraft};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::{InvitationId, Role, UserId};
use touchpoint_store::StoreError;
use touchpoint_store::lifecycle::Invitation;
use touchpoint_store::mail::OutboxMail;

pub fn invitation_json(i: &Invitation, now: i64) -> Value {
    json!({
        "id": i.id,
        "email": i.email,
        "role": i.role,
        "language": i.language.as_str(),
        "department_ids": i.department_ids,
        "state": i.state(now).as_str(),
        "invited_by": i.invited_by,
        "created_at": rfc3339(i.created_at),
        "expires_at": rfc3339(i.expires_at),
        "accepted_at": i.accepted_at.map(rfc3339),
        "revoked_at": i.revoked_at.map(rfc3339),
        "mail": {"state": i.mail_state, "last_error": i.mail_error},
    })
}

fn mail_json(m: &OutboxMail) -> Value {
    json!({
        "id": m.id,
        "to": m.to,
        "language": m.language.as_str(),
        "template": m.template,
        "subject": m.subject,
        "state": m.state.as_str(),
        "attempts": m.attempts,
        "last_error": m.last_error,
        "next_attempt_at": rfc3339(m.next_attempt_at),
        "created_at": rfc3339(m.created_at),
        "sent_at": m.sent_at.map(rfc3339),
    })
}

pub async fn list_invitations(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let now = touchpoint_store::now_ms();
    let items: Vec<Value> = state
        .store
        .invitations(caller.principal.org_id)
        .await?
        .iter()
        .map(|i| invitation_json(i, now))
        .collect();
    Ok(Json(json!({"items": items})))
}

pub async fn create_invitation(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<InvitationDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let inviter = state
        .store
        .user(caller.principal.org_id, caller.principal.user_id)
        .await?;
    let request = draft.validate(&inviter).map_err(ApiError::Validation)?;
    let id = accounts::invite(&state, &inviter, &request, &caller.audit()).await?;
    let created = state.store.invitation(caller.principal.org_id, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(invitation_json(&created, touchpoint_store::now_ms())),
    ))
}

pub async fn revoke_invitation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: InvitationId = parse_id(&id, "invitation")?;
    state
        .store
        .revoke_invitation(caller.principal.org_id, id, &caller.audit())
        .await
        .map_err(|e| ApiError::from(accounts::FlowError::from(e)))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_active(
    state: &AppState,
    caller: &Caller,
    raw_id: &str,
    active: bool,
) -> ApiResult<Json<Value>> {
    let id: UserId = parse_id(raw_id, "user")?;
    if id == caller.principal.user_id {
        return Err(ApiError::Conflict(
            "you cannot deactivate or reactivate yourself".to_owned(),
        ));
    }
    let target = state
        .store
        .user(caller.principal.org_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("user"),
            other => other.into(),
        })?;
    let actor = state
        .store
        .user(caller.principal.org_id, caller.principal.user_id)
        .await?;
    if target.role == Role::Owner && actor.role != Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner may deactivate or reactivate an owner".to_owned(),
        ));
    }
    state
        .store
        .set_user_active(caller.principal.org_id, id, active, &caller.audit())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("user"),
            other => other.into(),
        })?;
    // The user's tokens stop at once here; other instances drop them within the cache TTL.
    state
        .tokens
        .remove_where(|access| access.principal.user_id == id);
    let user = state.store.user(caller.principal.org_id, id).await?;
    Ok(Json(json!({
        "id": user.id,
        "email": user.email,
        "role": user.role.as_str(),
        "deactivated_at": user.deactivated_at.map(rfc3339),
    })))
}

pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_active(&state, &caller, &id, false).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_active(&state, &caller, &id, true).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailQuery {
    limit: Option<usize>,
    cursor: Option<String>,
}

pub async fn list_mail(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<MailQuery>,
) -> ApiResult<Json<Value>> {
    let limit = page_limit(query.limit)?;
    let cursor = parse_cursor(query.cursor.as_deref())?;
    let page = state
        .store
        .outbox(caller.principal.org_id, &cursor, limit)
        .await?;
    Ok(page_json(&page, mail_json))
}
