//! Request extractors that fail with problem+json instead of axum's plain-text rejections.

use super::Need;
use super::error::ApiError;
use crate::AppState;
use crate::auth::sha256_hex;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use serde::de::DeserializeOwned;
use touchpoint_domain::{
    Access, ApiTokenId, DepartmentScope, FieldError, Permission, Role, TokenGrant,
};
use touchpoint_store::accounts::{Principal, TokenAccess};
use touchpoint_store::{AuditContext, Interface};

/// A JSON body: syntax errors are 400, shape errors (unknown field, wrong type) 422 with the
/// field path, bodies over the limit 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let JsonBody(bytes) = JsonBody::from_request(request, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body not yet parsed (for handlers that parse it their own way): the media type is
/// checked (415) and the size limit applied (413).
pub struct JsonBody(pub Bytes);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        let limit = state.settings.max_body_bytes;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::PayloadTooLarge(limit))?;
        if !is_json {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        Ok(JsonBody(bytes))
    }
}

/// Parses a JSON body. A well-formed body, the common case, is parsed straight into its type;
/// only one that fails is parsed again in two steps, so that syntax errors (400) and shape
/// errors (422, with the field's path) get different statuses.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Ok(parsed) = serde_json::from_slice(bytes) {
        return Ok(parsed);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        ApiError::Validation(vec![FieldError::new(field, e.into_inner().to_string())])
    })
}

/// Query parameters, 400 with the reason when they do not parse.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(ApiQuery)
            .map_err(|e| ApiError::BadRequest(format!("invalid query parameters: {e}")))
    }
}

/// The caller, authenticated by `Authorization: Bearer <token>` and authorised for the
/// route: the one place where the API enforces, on every route, BOTH the token's grant
/// (scope and resources) AND the permission the token's user's role must have (a token never
/// exceeds its user). Both come from [`super::ROUTE_PERMISSIONS`] by method and matched
/// path; a route missing there is refused. A caller that is not covered gets 403 before the
/// body is read; refusals on administrative routes are audited as `access.denied`.
///
/// The role and departments are read with the token and cached with it for at most the
/// token cache's TTL (2 s); a change made through this instance evicts the user's tokens at
/// once.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub token_id: ApiTokenId,
    pub grant: TokenGrant,
    /// The role of the token's user.
    pub role: Role,
    /// The departments the token's user is limited to; handlers apply it to every lookup
    /// and list (see [`crate::access`]).
    pub departments: DepartmentScope,
    /// The peer's IP address, for the audit log.
    pub address: Option<String>,
}

impl Caller {
    /// Who the audit log names for a change this caller makes.
    pub fn audit(&self) -> AuditContext {
        AuditContext {
            user_id: Some(self.principal.user_id),
            token_id: Some(self.token_id),
            interface: Interface::Api,
            address: self.address.clone(),
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }

    /// 403 unless the caller's role has `permission` (for checks inside a route, such as
    /// granting the owner role).
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(crate::access::role_denied(
                self.role, permission,
            )))
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let access = authenticate(parts, state).await?;
        let path = parts
            .extensions
            .get::<MatchedPath>()
            .map(|p| p.as_str())
            .unwrap_or_default();
        let path = path.strip_prefix("/api/v1").unwrap_or(path);
        let wanted = if parts.method == Method::GET || parts.method == Method::HEAD {
            Access::Read
        } else {
            Access::Write
        };
        let method = if parts.method == Method::HEAD {
            "get".to_owned()
        } else {
            parts.method.as_str().to_ascii_lowercase()
        };
        let Some((need, permission)) = super::rule(&method, path) else {
            return Err(ApiError::Forbidden(
                "this route is not open to API tokens".to_owned(),
            ));
        };
        authorise(&access.grant, need, wanted)?;
        let address = crate::limits::PeerAddress::from_parts(parts).0;
        let caller = Caller {
            principal: access.principal,
            token_id: access.id,
            grant: access.grant,
            role: access.role,
            departments: access.departments,
            address,
        };
        if !caller.may(permission) {
            crate::access::record_denial(
                state,
                caller.principal.org_id,
                &caller.audit(),
                format!("{} /api/v1{path}", parts.method),
                caller.role,
                permission,
            )
            .await;
            return Err(ApiError::Forbidden(crate::access::role_denied(
                caller.role,
                permission,
            )));
        }
        Ok(caller)
    }
}

/// The live token behind the bearer header, from the few-second cache or the store.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<TokenAccess, ApiError> {
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized)?;
    let hash = sha256_hex(token);
    let now = touchpoint_store::now_ms();
    if let Some(access) = state.tokens.get(&hash) {
        // The cache may hold a token past its expiry; the expiry still holds to the ms.
        if access.expires_at.is_some_and(|at| at <= now) {
            state.tokens.remove(&hash);
            return Err(ApiError::Unauthorized);
        }
        return Ok(access);
    }
    let access = state
        .store
        .principal_for_token(&hash, now)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    state.tokens.insert(hash, access.clone());
    // Bookkeeping, at most once per cache lifetime per token; it must not fail the request.
    if let Err(error) = state.store.touch_api_token(access.id, now).await {
        tracing::warn!(%error, "could not record the token's last use");
    }
    Ok(access)
}

fn authorise(grant: &TokenGrant, need: Need, wanted: Access) -> Result<(), ApiError> {
    match need {
        Need::Resource(resource) => {
            if !grant.resources.contains(resource) {
                Err(ApiError::Forbidden(format!(
                    "this token may not access {resource}; it is limited to {}",
                    grant.resources
                )))
            } else if !grant.scope.permits(wanted) {
                Err(ApiError::Forbidden(format!(
                    "this token is read-only and cannot change {resource}"
                )))
            } else {
                Ok(())
            }
        }
        Need::FullAccess if grant.is_full() => Ok(()),
        Need::FullAccess => Err(ApiError::Forbidden(
            "this route needs a read-write token for all resources (\"*\")".to_owned(),
        )),
    }
}

/// Page size: 1–500, default 50.
pub fn page_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(50),
        Some(n @ 1..=500) => Ok(n),
        Some(_) => Err(ApiError::BadRequest(
            "limit must be between 1 and 500".to_owned(),
        )),
    }
}

pub fn parse_cursor(cursor: Option<&str>) -> Result<touchpoint_store::Cursor, ApiError> {
    match cursor {
        None | Some("") => Ok(touchpoint_store::Cursor::start()),
        Some(raw) => touchpoint_store::Cursor::parse(raw)
            .ok_or_else(|| ApiError::BadRequest("invalid cursor".to_owned())),
    }
}

/// An object outside the caller's departments as the API answers it.
impl From<crate::access::OutOfScope> for ApiError {
    fn from(error: crate::access::OutOfScope) -> Self {
        match error {
            crate::access::OutOfScope::Denied(detail) => ApiError::Forbidden(detail),
            crate::access::OutOfScope::Store(e) => e.into(),
        }
    }
}

pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what))
}
