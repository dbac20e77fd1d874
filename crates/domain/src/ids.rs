//! Typed ids: one newtype per entity, UUIDv7 underneath (time-ordered, so they page well).
//!
//! Generating a new id reads the clock; that happens in `store`, never here. This module only
//! gives every id its own type so a survey id can never be passed where a response id belongs.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

typed_id!(
    /// A tenant. Every row of every table belongs to exactly one organisation.
    OrgId
);
typed_id!(UserId);
typed_id!(SurveyId);
typed_id!(TouchpointId);
typed_id!(ResponseId);
typed_id!(ApiTokenId);
typed_id!(JobId);
typed_id!(
    /// A customer journey: ordered stages of touchpoints.
    JourneyId
);
typed_id!(StageId);
typed_id!(CustomerId);
typed_id!(MailId);
typed_id!(InvitationId);
typed_id!(
    /// A department (marketing, sales, …) of one organisation; touchpoints belong to one and
    /// users may be limited to some.
    DepartmentId
);
typed_id!(
    /// A saved filter over customers.
    SegmentId
);
