//! What an API token may do: its scope (read-only or read-write) and the resources it may
//! touch. The rules are data here; the server maps each route to the [`Access`] and
//! [`Resource`] it needs and asks [`TokenGrant::allows`].

use std::fmt;

/// Reading (GET) or changing (POST, PUT, DELETE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// How much a token may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    ReadOnly,
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::ReadOnly => "read_only",
            TokenScope::ReadWrite => "read_write",
        }
    }

    pub fn parse(raw: &str) -> Option<TokenScope> {
        match raw {
            "read_only" => Some(TokenScope::ReadOnly),
            "read_write" => Some(TokenScope::ReadWrite),
            _ => None,
        }
    }

    pub fn permits(self, access: Access) -> bool {
        matches!(
            (self, access),
            (TokenScope::ReadWrite, _) | (TokenScope::ReadOnly, Access::Read)
        )
    }
}

/// A family of API routes a token can be limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Surveys,
    Responses,
    Touchpoints,
    Metrics,
    Text,
    /// The audit log (read-only: no route writes it).
    Audit,
    /// Journeys, their stages and the journey map.
    Journeys,
    /// The customer directory and its attribute definitions.
    Customers,
    /// Interaction events (ingestion).
    Events,
}

impl Resource {
    pub const ALL: [Resource; 9] = [
        Resource::Surveys,
        Resource::Responses,
        Resource::Touchpoints,
        Resource::Metrics,
        Resource::Text,
        Resource::Audit,
        Resource::Journeys,
        Resource::Customers,
        Resource::Events,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Surveys => "surveys",
            Resource::Responses => "responses",
            Resource::Touchpoints => "touchpoints",
            Resource::Metrics => "metrics",
            Resource::Text => "text",
            Resource::Audit => "audit",
            Resource::Journeys => "journeys",
            Resource::Customers => "customers",
            Resource::Events => "events",
        }
    }

    pub fn parse(raw: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resources a token may touch: all (`*`) or a non-empty set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resources {
    All,
    Only(Vec<Resource>),
}

/// Why a list of resource names is not a [`Resources`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourcesError {
    Empty,
    Unknown(String),
    /// `*` together with named resources.
    MixedWildcard,
}

impl fmt::Display for ResourcesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourcesError::Empty => f.write_str("name at least one resource, or \"*\" for all"),
            ResourcesError::Unknown(name) => write!(
                f,
                "unknown resource '{name}'; use surveys, responses, touchpoints, metrics, text, audit, journeys, customers, events or *"
            ),
            ResourcesError::MixedWildcard => {
                f.write_str("\"*\" stands for every resource and cannot be combined with names")
            }
        }
    }
}

impl Resources {
    /// From names as a client sends them (`["surveys", "metrics"]` or `["*"]`). Duplicates
    /// collapse; the order is canonical.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Resources, ResourcesError> {
        if names.is_empty() {
            return Err(ResourcesError::Empty);
        }
        if names.iter().any(|n| n.as_ref() == "*") {
            return if names.len() == 1 {
                Ok(Resources::All)
            } else {
                Err(ResourcesError::MixedWildcard)
            };
        }
        let mut only = names
            .iter()
            .map(|n| {
                Resource::parse(n.as_ref())
                    .ok_or_else(|| ResourcesError::Unknown(n.as_ref().to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        only.sort();
        only.dedup();
        Ok(Resources::Only(only))
    }

    /// The stored form: `*` or comma-separated names.
    pub fn parse(stored: &str) -> Option<Resources> {
        let names: Vec<&str> = stored.split(',').map(str::trim).collect();
        Resources::from_names(&names).ok()
    }

    pub fn names(&self) -> Vec<&'static str> {
        match self {
            Resources::All => vec!["*"],
            Resources::Only(only) => only.iter().map(|r| r.as_str()).collect(),
        }
    }

    pub fn contains(&self, resource: Resource) -> bool {
        match self {
            Resources::All => true,
            Resources::Only(only) => only.contains(&resource),
        }
    }
}

impl fmt::Display for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join(","))
    }
}

/// A token's scope and resources together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub scope: TokenScope,
    pub resources: Resources,
}

impl TokenGrant {
    /// Everything: what `touchpoint init` issues and what managing tokens requires.
    pub fn full() -> TokenGrant {
        TokenGrant {
            scope: TokenScope::ReadWrite,
            resources: Resources::All,
        }
    }

    pub fn is_full(&self) -> bool {
        *self == TokenGrant::full()
    }

    pub fn allows(&self, access: Access, resource: Resource) -> bool {
        self.scope.permits(access) && self.resources.contains(resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_and_resources_both_have_to_allow() {
        let grant = TokenGrant {
            scope: TokenScope::ReadOnly,
            resources: Resources::from_names(&["metrics"]).expect("valid"),
        };
        assert!(grant.allows(Access::Read, Resource::Metrics));
        assert!(!grant.allows(Access::Write, Resource::Metrics));
        assert!(!grant.allows(Access::Read, Resource::Surveys));
        assert!(!grant.is_full());
        assert!(TokenGrant::full().allows(Access::Write, Resource::Text));
        assert!(TokenGrant::full().is_full());
    }

    #[test]
    fn resource_lists_parse_strictly_and_round_trip() {
        assert_eq!(
            Resources::from_names::<&str>(&[]),
            Err(ResourcesError::Empty)
        );
        assert_eq!(
            Resources::from_names(&["*", "surveys"]),
            Err(ResourcesError::MixedWildcard)
        );
        assert_eq!(
            Resources::from_names(&["surveys", "cases"]),
            Err(ResourcesError::Unknown("cases".into()))
        );
        let r = Resources::from_names(&["text", "surveys", "text"]).expect("valid");
        assert_eq!(r.to_string(), "surveys,text");
        assert_eq!(Resources::parse(&r.to_string()), Some(r));
        assert_eq!(Resources::parse("*"), Some(Resources::All));
        assert_eq!(Resources::parse(""), None);
        assert_eq!(TokenScope::parse("read_only"), Some(TokenScope::ReadOnly));
        assert_eq!(TokenScope::parse("admin"), None);
    }
}
