//! `/tokens`: list, create and revoke API tokens. The secret is shown once, in the answer to
//! the create call; the store keeps its SHA-256 only. Managing tokens needs a read-write token
//! for all resources (see [`super::ROUTE_PERMISSIONS`]); every role manages its own tokens,
//! owners and admins (`manage_all_tokens`) everybody's. A token never acts beyond its user's
//! role and departments, whatever its grant says.
//!
//! A revocation takes effect at once in this process (the token cache is evicted); other
//! instances on the same database keep a cached token for at most the cache TTL (2 s).

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller, parse_id};
use super::rfc3339;
use crate::AppState;
use crate::auth::new_api_token;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::{ApiTokenId, FieldError, Permission, Resources, TokenGrant, TokenScope};
use touchpoint_store::accounts::ApiTokenInfo;

const MAX_NAME_CHARS: usize = 100;

/// Creates the token for `principal`; returns the secret (to show once) and the stored token.
pub async fn issue(
    state: &AppState,
    principal: touchpoint_store::accounts::Principal,
    request: &TokenRequest,
    context: &touchpoint_store::AuditContext,
) -> ApiResult<(String, ApiTokenInfo)> {
    let (secret, stored) = new_api_token(&request.name);
    let id = state
        .store
        .create_api_token(
            principal,
            &stored,
            &request.grant,
            request.expires_at,
            context,
        )
        .await?;
    let created = state
        .store
        .api_tokens(principal.org_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::Internal(format!("token {id} vanished after creation")))?;
    Ok((secret, created))
}

fn token_json(t: &ApiTokenInfo) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "scope": t.grant.scope.as_str(),
        "resources": t.grant.resources.names(),
        "user": {"id": t.user_id, "email": t.user_email},
        "created_at": rfc3339(t.created_at),
        "last_used_at": t.last_used_at.map(rfc3339),
        "expires_at": t.expires_at.map(rfc3339),
        "revoked_at": t.revoked_at.map(rfc3339),
    })
}

/// The organisation's tokens for callers who may manage all of them, else the caller's own.
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let tokens = state.store.api_tokens(caller.principal.org_id).await?;
    let all = caller.may(Permission::ManageAllTokens);
    let items: Vec<Value> = tokens
        .iter()
        .filter(|t| all || t.user_id == caller.principal.user_id)
        .map(token_json)
        .collect();
    Ok(Json(json!({"items": items})))
}

/// The body of `POST /tokens`, before validation.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TokenDraft {
    pub name: Option<String>,
    pub scope: Option<String>,
    pub resources: Option<Vec<String>>,
    pub expires_at: Option<String>,
}

/// A token request that passed validation.
pub struct TokenRequest {
    pub name: String,
    pub grant: TokenGrant,
    pub expires_at: Option<i64>,
}

impl TokenDraft {
    /// Every field checked, every error reported at once; `now` in ms since the epoch.
    pub fn validate(self, now: i64) -> Result<TokenRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() {
            errors.push(FieldError::new("name", "give the token a name"));
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                format!("at most {MAX_NAME_CHARS} characters"),
            ));
        }
        let scope = match self.scope.as_deref() {
            None => {
                errors.push(FieldError::new("scope", "read_only or read_write"));
                None
            }
            Some(raw) => TokenScope::parse(raw).or_else(|| {
                errors.push(FieldError::new(
                    "scope",
                    format!("unknown scope '{raw}'; use read_only or read_write"),
                ));
                None
            }),
        };
        let resources = match self.resources.as_deref() {
            None => {
                errors.push(FieldError::new(
                    "resources",
                    "list the resources, or [\"*\"] for all",
                ));
                None
            }
            Some(names) => Resources::from_names(names)
                .map_err(|e| errors.push(FieldError::new("resources", e.to_string())))
                .ok(),
        };
        let expires_at = match self.expires_at.as_deref() {
            None => None,
            Some(raw) => match chrono::DateTime::parse_from_rfc3339(raw) {
                Err(_) => {
                    errors.push(FieldError::new(
                        "expires_at",
                        "an RFC 3339 time such as 2027-01-31T00:00:00Z",
                    ));
                    None
                }
                Ok(at) if at.timestamp_millis() <= now => {
                    errors.push(FieldError::new("expires_at", "must lie in the future"));
                    None
                }
                Ok(at) => Some(at.timestamp_millis()),
            },
        };
        match (scope, resources) {
            (Some(scope), Some(resources)) if errors.is_empty() => Ok(TokenRequest {
                name: name.to_owned(),
                grant: TokenGrant { scope, resources },
                expires_at,
            }),
            _ => Err(errors),
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(draft): ApiJson<TokenDraft>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let request = draft
        .validate(touchpoint_store::now_ms())
        .map_err(ApiError::Validation)?;
    let (secret, created) = issue(&state, caller.principal, &request, &caller.audit()).await?;
    let mut body = token_json(&created);
    body["token"] = json!(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: ApiTokenId = parse_id(&id, "token")?;
    if !caller.may(Permission::ManageAllTokens) {
        let owner = state
            .store
            .api_tokens(caller.principal.org_id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.user_id)
            .ok_or(ApiError::NotFound("token"))?;
        if owner != caller.principal.user_id {
            caller.require(Permission::ManageAllTokens)?;
        }
    }
    withdraw(&state, caller.principal.org_id, id, &caller.audit()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes the token and evicts it from this instance's cache, so it fails at once.
pub async fn withdraw(
    state: &AppState,
    org_id: touchpoint_domain::OrgId,
    id: ApiTokenId,
    context: &touchpoint_store::AuditContext,
) -> ApiResult<()> {
    state
        .store
        .revoke_api_token(org_id, id, touchpoint_store::now_ms(), context)
        .await
        .map_err(|e| match e {
            touchpoint_store::StoreError::NotFound => ApiError::NotFound("token"),
            other => other.into(),
        })?;
    state.tokens.remove_where(|access| access.id == id);
    Ok(())
}
