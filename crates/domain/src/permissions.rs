//! What each role may do: ONE table, as data ([`ROLE_PERMISSIONS`]), and the department scope
//! a user may be limited to. The server maps every route to the [`Permission`] it needs and
//! asks [`Role::may`]; it never decides by role names itself.
//!
//! A token never exceeds its user: the server checks the token's grant (see [`crate::access`])
//! AND the user's role AND the user's department scope on every request.

use crate::ids::DepartmentId;
use crate::roles::Role;
use std::fmt;

/// One thing a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// Metrics and dashboards, and the survey and touchpoint catalogue they are built on.
    ReadDashboards,
    /// Responses, comments, text analytics and the CSV exports of responses.
    ReadCxData,
    /// Submit responses through the API (integrations).
    SubmitResponses,
    /// Create, change and close surveys.
    ManageSurveys,
    /// Create and change touchpoints (and their department).
    ManageTouchpoints,
    /// Journeys: their stages and the touchpoints placed in them.
    ManageJourneys,
    /// The customer directory: records, attributes, timelines.
    ReadCustomers,
    /// Change the customer directory: upserts, imports, attribute definitions, settings.
    ManageCustomers,
    /// Data-protection requests: export everything about a customer, erase a customer.
    HandlePrivacyRequests,
    /// Cases of the case inbox (no routes yet).
    WorkCases,
    /// The list of departments.
    ReadDepartments,
    /// Add, rename and delete departments.
    ManageDepartments,
    /// List users; change their role (not to or from owner) and departments.
    ManageUsers,
    /// Create, list and revoke one's own API tokens.
    ManageOwnTokens,
    /// List and revoke every API token of the organisation.
    ManageAllTokens,
    /// The audit log and its export.
    ReadAudit,
    /// Retention policies and their runs.
    ManageRetention,
    /// Organisation settings (no routes yet).
    ManageOrganisation,
    /// Grant or revoke the owner role.
    ManageOwnership,
    /// Billing (no routes yet).
    ManageBilling,
}

impl Permission {
    pub const ALL: [Permission; 20] = [
        Permission::ReadDashboards,
        Permission::ReadCxData,
        Permission::SubmitResponses,
        Permission::ManageSurveys,
        Permission::ManageTouchpoints,
        Permission::ManageJourneys,
        Permission::ReadCustomers,
        Permission::ManageCustomers,
        Permission::HandlePrivacyRequests,
        Permission::WorkCases,
        Permission::ReadDepartments,
        Permission::ManageDepartments,
        Permission::ManageUsers,
        Permission::ManageOwnTokens,
        Permission::ManageAllTokens,
        Permission::ReadAudit,
        Permission::ManageRetention,
        Permission::ManageOrganisation,
        Permission::ManageOwnership,
        Permission::ManageBilling,
    ];

    /// The stable name used in API errors and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadDashboards => "read_dashboards",
            Permission::ReadCxData => "read_cx_data",
            Permission::SubmitResponses => "submit_responses",
            Permission::ManageSurveys => "manage_surveys",
            Permission::ManageTouchpoints => "manage_touchpoints",
            Permission::ManageJourneys => "manage_journeys",
            Permission::ReadCustomers => "read_customers",
            Permission::ManageCustomers => "manage_customers",
            Permission::HandlePrivacyRequests => "handle_privacy_requests",
            Permission::WorkCases => "work_cases",
            Permission::ReadDepartments => "read_departments",
            Permission::ManageDepartments => "manage_departments",
            Permission::ManageUsers => "manage_users",
            Permission::ManageOwnTokens => "manage_own_tokens",
            Permission::ManageAllTokens => "manage_all_tokens",
            Permission::ReadAudit => "read_audit",
            Permission::ManageRetention => "manage_retention",
            Permission::ManageOrganisation => "manage_organisation",
            Permission::ManageOwnership => "manage_ownership",
            Permission::ManageBilling => "manage_billing",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

use Permission as P;

/// The admin row: everything but ownership and billing.
const ADMIN: &[Permission] = &[
    P::ReadDashboards,
    P::ReadCxData,
    P::SubmitResponses,
    P::ManageSurveys,
    P::ManageTouchpoints,
    P::ManageJourneys,
    P::ReadCustomers,
    P::ManageCustomers,
    P::HandlePrivacyRequests,
    P::WorkCases,
    P::ReadDepartments,
    P::ManageDepartments,
    P::ManageUsers,
    P::ManageOwnTokens,
    P::ManageAllTokens,
    P::ReadAudit,
    P::ManageRetention,
    P::ManageOrganisation,
];

/// THE permission table: what each role may do. Nothing else in the code base decides by role.
pub const ROLE_PERMISSIONS: &[(Role, &[Permission])] = &[
    (
        Role::Owner,
        &[
            P::ReadDashboards,
            P::ReadCxData,
            P::SubmitResponses,
            P::ManageSurveys,
            P::ManageTouchpoints,
            P::ManageJourneys,
            P::ReadCustomers,
            P::ManageCustomers,
            P::HandlePrivacyRequests,
            P::WorkCases,
            P::ReadDepartments,
            P::ManageDepartments,
            P::ManageUsers,
            P::ManageOwnTokens,
            P::ManageAllTokens,
            P::ReadAudit,
            P::ManageRetention,
            P::ManageOrganisation,
            P::ManageOwnership,
            P::ManageBilling,
        ],
    ),
    (Role::Admin, ADMIN),
    (
        Role::Analyst,
        &[
            P::ReadDashboards,
            P::ReadCxData,
            P::SubmitResponses,
            P::ManageSurveys,
            P::ManageTouchpoints,
            P::ManageJourneys,
            P::ReadCustomers,
            P::ManageCustomers,
            P::ReadDepartments,
            P::ManageOwnTokens,
        ],
    ),
    (
        Role::Agent,
        &[
            P::ReadDashboards,
            P::ReadCxData,
            P::ReadCustomers,
            P::WorkCases,
            P::ReadDepartments,
            P::ManageOwnTokens,
        ],
    ),
    (
        Role::Viewer,
        &[P::ReadDashboards, P::ReadDepartments, P::ManageOwnTokens],
    ),
];

impl Role {
    /// What this role may do, in the table's order.
    pub fn permissions(self) -> &'static [Permission] {
        ROLE_PERMISSIONS
            .iter()
            .find(|(role, _)| *role == self)
            .map(|(_, permissions)| *permissions)
            .unwrap_or(&[])
    }

    pub fn may(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// Whether users of this role may be limited to departments. Owners and admins manage
    /// the whole organisation and always see all of it.
    pub fn may_be_scoped(self) -> bool {
        !matches!(self, Role::Owner | Role::Admin)
    }
}

/// The departments a user's data access is limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentScope {
    /// The whole organisation.
    All,
    /// Only touchpoints of these departments (never empty), and the surveys, responses,
    /// metrics and texts attached to them.
    Only(Vec<DepartmentId>),
}

impl DepartmentScope {
    /// `All` when no department is named: a user with no department rows sees everything
    /// their role allows; naming departments limits them.
    pub fn from_ids(mut ids: Vec<DepartmentId>) -> DepartmentScope {
        if ids.is_empty() {
            return DepartmentScope::All;
        }
        ids.sort();
        ids.dedup();
        DepartmentScope::Only(ids)
    }

    /// Whether something owned by `department` is visible. Things without a department are
    /// visible to unscoped users only: a scoped user sees what is positively theirs.
    pub fn covers(&self, department: Option<DepartmentId>) -> bool {
        match self {
            DepartmentScope::All => true,
            DepartmentScope::Only(ids) => department.is_some_and(|d| ids.contains(&d)),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, DepartmentScope::All)
    }

    /// The department ids, empty for `All`.
    pub fn ids(&self) -> &[DepartmentId] {
        match self {
            DepartmentScope::All => &[],
            DepartmentScope::Only(ids) => ids,
        }
    }
}

/// The departments every new organisation starts with: `(key, name)`.
pub const DEFAULT_DEPARTMENTS: [(&str, &str); 4] = [
    ("marketing", "Marketing"),
    ("sales", "Sales"),
    ("product", "Product"),
    ("service", "Service"),
];

/// The longest department name, in characters.
pub const MAX_DEPARTMENT_NAME_CHARS: usize = 80;

/// A department's display name: trimmed, 1–80 characters, no control characters. Any other
/// text (HTML included) is allowed and escaped where it is shown.
pub fn department_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        Err("give the department a name")
    } else if name.chars().count() > MAX_DEPARTMENT_NAME_CHARS {
        Err("at most 80 characters")
    } else if name.chars().any(char::is_control) {
        Err("no control characters")
    } else {
        Ok(name.to_owned())
    }
}

/// A department's key: the stable short name (`service`), lower-case ASCII letters, digits
/// and `-`, 1–40 characters, starting with a letter.
pub fn department_key(raw: &str) -> Result<String, &'static str> {
    let key = raw.trim();
    let valid = !key.is_empty()
        && key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(key.to_owned())
    } else {
        Err("1–40 lower-case letters, digits or '-', starting with a letter")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_is_in_the_table_once() {
        for role in Role::ALL {
            assert_eq!(
                ROLE_PERMISSIONS.iter().filter(|(r, _)| *r == role).count(),
                1,
                "{role}"
            );
        }
    }

    #[test]
    fn the_roles_nest_as_documented() {
        // The owner may do everything; an admin everything but ownership and billing.
        assert_eq!(Role::Owner.permissions(), &Permission::ALL);
        for p in Permission::ALL {
            let admin = !matches!(p, P::ManageOwnership | P::ManageBilling);
            assert_eq!(Role::Admin.may(p), admin, "{p}");
        }
        // Nobody below admin manages people, departments, other tokens or reads the audit log.
        for role in [Role::Analyst, Role::Agent, Role::Viewer] {
            for p in [
                P::ManageUsers,
                P::ManageDepartments,
                P::ManageAllTokens,
                P::ReadAudit,
                P::ManageRetention,
                P::ManageOrganisation,
            ] {
                assert!(!role.may(p), "{role} {p}");
            }
        }
        assert!(Role::Analyst.may(P::ManageSurveys));
        assert!(!Role::Agent.may(P::ManageSurveys));
        assert!(Role::Agent.may(P::WorkCases));
        assert_eq!(
            Role::Viewer.permissions(),
            &[P::ReadDashboards, P::ReadDepartments, P::ManageOwnTokens]
        );
    }

    #[test]
    fn a_scope_covers_only_its_departments() {
        let a = DepartmentId::from_uuid(uuid::Uuid::from_u128(1));
        let b = DepartmentId::from_uuid(uuid::Uuid::from_u128(2));
        assert_eq!(DepartmentScope::from_ids(vec![]), DepartmentScope::All);
        let only = DepartmentScope::from_ids(vec![a, a]);
        assert_eq!(only.ids(), &[a]);
        assert!(only.covers(Some(a)));
        assert!(!only.covers(Some(b)));
        assert!(!only.covers(None));
        assert!(DepartmentScope::All.covers(None));
    }

    #[test]
    fn department_names_and_keys_are_checked() {
        assert_eq!(
            department_name("  <b>Ops</b> "),
            Ok("<b>Ops</b>".to_owned())
        );
        assert!(department_name(" ").is_err());
        assert!(department_name(&"x".repeat(81)).is_err());
        assert!(department_name("a\u{0}b").is_err());
        assert_eq!(
            department_key("after-sales2"),
            Ok("after-sales2".to_owned())
        );
        assert!(department_key("Sales").is_err());
        assert!(department_key("2nd").is_err());
        assert!(department_key("").is_err());
    }
}
