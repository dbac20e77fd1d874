//! Authorisation shared by the API and the web app: who is denied what, in words a client can
//! act on, whether a denial is worth an audit entry, and whether a touchpoint or survey lies
//! within a user's department scope. What each role may do is the permission table in
//! `touchpoint-domain` (`permissions::ROLE_PERMISSIONS`); each surface maps its routes to a
//! [`Permission`] in one table of its own (`api::ROUTE_PERMISSIONS`, `web::PAGE_PERMISSIONS`).
//!
//! Department scope: a scoped user reaches touchpoints of their departments and the surveys
//! on those touchpoints (with their responses, metrics, texts and exports). Reaching another
//! department's object of the SAME organisation is a 403 naming the reason (its existence is
//! no secret inside one organisation); another organisation's object is always a 404.

use crate::AppState;
use touchpoint_domain::{DepartmentScope, OrgId, Permission, Role};
use touchpoint_store::{AuditContext, AuditEntry, StoreError, Survey, Touchpoint};

/// Why a role may not use a route, for the problem detail or the log.
pub fn role_denied(role: Role, permission: Permission) -> String {
    format!("your role ({role}) does not have the permission {permission}")
}

/// Permissions whose denial is recorded as `access.denied` in the audit log: the
/// organisation's administration, where a probe is worth knowing about.
pub fn is_administrative(permission: Permission) -> bool {
    matches!(
        permission,
        Permission::ManageUsers
            | Permission::ManageDepartments
            | Permission::ManageAllTokens
            | Permission::ReadAudit
            | Permission::ManageRetention
            | Permission::ManageOrganisation
            | Permission::ManageOwnership
            | Permission::ManageBilling
    )
}

/// Records a refused attempt on an administrative route. Failing to record must not turn a
/// 403 into a 500, so errors are logged only.
pub async fn record_denial(
    state: &AppState,
    org_id: OrgId,
    context: &AuditContext,
    route: String,
    role: Role,
    permission: Permission,
) {
    if !is_administrative(permission) {
        return;
    }
    let entry = AuditEntry {
        org_id,
        action: "access.denied",
        target_type: Some("route"),
        target_id: Some(route),
        summary: serde_json::json!({
            "before": null,
            "after": {"role": role.as_str(), "missing": permission.as_str()},
        }),
    };
    if let Err(error) = state.store.append_audit(context, &entry).await {
        tracing::warn!(%error, "could not record a denied access attempt");
    }
}

/// Why an object lies outside a user's departments (a 403 detail).
#[derive(Debug)]
pub enum OutOfScope {
    Denied(String),
    Store(StoreError),
}

impl From<StoreError> for OutOfScope {
    fn from(error: StoreError) -> Self {
        OutOfScope::Store(error)
    }
}

pub fn check_touchpoint(
    scope: &DepartmentScope,
    touchpoint: &Touchpoint,
) -> Result<(), OutOfScope> {
    if scope.covers(touchpoint.department_id) {
        Ok(())
    } else {
        Err(OutOfScope::Denied(format!(
            "touchpoint {} is not in one of your departments",
            touchpoint.id
        )))
    }
}

/// Whether `survey` (already known to be of the caller's organisation) is on a touchpoint of
/// the caller's departments.
pub async fn check_survey(
    state: &AppState,
    scope: &DepartmentScope,
    survey: &Survey,
) -> Result<(), OutOfScope> {
    if scope.is_all() {
        return Ok(());
    }
    let department = match survey.touchpoint_id {
        None => None,
        Some(id) => {
            state
                .store
                .touchpoint(survey.org_id, id)
                .await?
                .department_id
        }
    };
    if scope.covers(department) {
        Ok(())
    } else {
        Err(OutOfScope::Denied(format!(
            "survey {} is not on a touchpoint of your departments",
            survey.id
        )))
    }
}
