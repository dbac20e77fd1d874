//! The roles a user can hold in an organisation. What each role may do is decided in one
//! place (the permission table, [`crate::permissions`]); this module only
//! names the roles and their stored form.

use std::fmt;

/// A user's role. Ordered from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Everything, including ownership and billing.
    Owner,
    /// Everything but ownership and billing.
    Admin,
    /// Reads all CX data; manages surveys, touchpoints, journeys and dashboards.
    Analyst,
    /// Works cases and reads the customers of their departments.
    Agent,
    /// Reads dashboards.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Analyst,
        Role::Agent,
        Role::Viewer,
    ];

    /// The stored and API form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Agent => "agent",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Owner"), None);
        assert_eq!(Role::parse(""), None);
    }
}
