//! `/users`: the organisation's users with their role and departments, and changing them.
//! Only owners grant or revoke `owner` (`manage_ownership`); an organisation always keeps
//! one owner. A change takes effect at once on this instance (the user's cached tokens are
//! evicted) and within the token cache's TTL (2 s) on others.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Caller, parse_id};
use crate::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
use touchpoint_domain::{DepartmentId, DepartmentScope, FieldError, Permission, Role, UserId};
use touchpoint_store::{AccessChange, StoreError, UserAccess};

pub fn user_json(u: &UserAccess) -> Value {
    json!({
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "role": u.role.as_str(),
        "departments": match &u.departments {
            DepartmentScope::All => json!("*"),
            DepartmentScope::Only(ids) => json!(ids),
        },
    })
}

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = state
        .store
        .users_with_access(caller.principal.org_id)
        .await?
        .iter()
        .map(user_json)
        .collect();
    Ok(Json(json!({"items": items})))
}

/// The body of `PUT /users/{id}/role`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    role: Option<String>,
    /// Department ids; absent, null or `[]`: not limited.
    departments: Option<Vec<String>>,
}

/// A validated role change.
pub struct AccessRequest {
    pub role: Role,
    pub departments: DepartmentScope,
}

impl RoleChange {
    pub fn new(role: Option<String>, departments: Option<Vec<String>>) -> RoleChange {
        RoleChange { role, departments }
    }

    pub fn validate(self) -> Result<AccessRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let role = match self.role.as_deref().map(Role::parse) {
            Some(Some(role)) => Some(role),
            _ => {
                errors.push(FieldError::new(
                    "role",
                    "one of owner, admin, analyst, agent, viewer",
                ));
                None
            }
        };
        let mut ids = Vec::new();
        for raw in self.departments.unwrap_or_default() {
            match raw.parse::<DepartmentId>() {
                Ok(id) => ids.push(id),
                Err(_) => errors.push(FieldError::new(
                    "departments",
                    format!("'{raw}' is not a department id"),
                )),
            }
        }
        let departments = DepartmentScope::from_ids(ids);
        if let Some(role) = role
            && !role.may_be_scoped()
            && !departments.is_all()
        {
            errors.push(FieldError::new(
                "departments",
                format!("a user with the role {role} sees the whole organisation"),
            ));
        }
        match role {
            Some(role) if errors.is_empty() => Ok(AccessRequest { role, departments }),
            _ => Err(errors),
        }
    }
}

/// Applies a role change for `caller_role`: only owners grant or revoke the owner role. The
/// one implementation behind the API and the roles page.
pub async fn change_access(
    state: &AppState,
    caller_role: Role,
    org_id: touchpoint_domain::OrgId,
    user_id: UserId,
    request: &AccessRequest,
    context: &touchpoint_store::AuditContext,
) -> ApiResult<()> {
    let current = state
        .store
        .user_access(org_id, user_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("user"),
            other => other.into(),
        })?;
    let touches_owner = current.role == Role::Owner || request.role == Role::Owner;
    if touches_owner && !caller_role.may(Permission::ManageOwnership) {
        return Err(ApiError::Forbidden(format!(
            "granting or revoking the owner role needs the permission {}; your role ({caller_role}) does not have it",
            Permission::ManageOwnership
        )));
    }
    match state
        .store
        .set_user_access(org_id, user_id, request.role, &request.departments, context)
        .await?
    {
        AccessChange::Done => {
            state
                .tokens
                .remove_where(|access| access.principal.user_id == user_id);
            Ok(())
        }
        AccessChange::LastOwner => Err(ApiError::Conflict(
            "this is the organisation's last owner; make someone else owner first".to_owned(),
        )),
        AccessChange::UnknownDepartment(id) => Err(ApiError::field(
            "departments",
            format!("no such department {id}"),
        )),
    }
}

pub async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleChange>,
) -> ApiResult<Json<Value>> {
    let user_id: UserId = parse_id(&id, "user")?;
    let request = body.validate().map_err(ApiError::Validation)?;
    let org_id = caller.principal.org_id;
    change_access(
        &state,
        caller.role,
        org_id,
        user_id,
        &request,
        &caller.audit(),
    )
    .await?;
    let user = state.store.user_access(org_id, user_id).await?;
    Ok(Json(user_json(&user)))
}
