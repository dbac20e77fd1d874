//! Touchpoints: the places where a customer meets the company. Journeys, stages and owning
//! departments join this model later; a touchpoint already has a name and a channel.

use crate::validation::{Errors, FieldError};
use serde::{Deserialize, Serialize};

pub const MAX_TOUCHPOINT_NAME_CHARS: usize = 120;

/// The channels named in DESIGN.md; any other lowercase key is accepted as a custom channel.
pub const KNOWN_CHANNELS: [&str; 8] = [
    "web", "app", "email", "phone", "store", "chat", "social", "letter",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchpointDraft {
    pub name: String,
    pub channel: String,
    /// The owning department's id as sent; resolved against the organisation by the server.
    #[serde(default)]
    pub department_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TouchpointFields {
    pub name: String,
    pub channel: String,
}

impl TryFrom<TouchpointDraft> for TouchpointFields {
    type Error = Vec<FieldError>;

    fn try_from(draft: TouchpointDraft) -> Result<Self, Self::Error> {
        let mut errors = Errors::default();
        let name = draft.name.trim().to_owned();
        if name.is_empty() {
            errors.push("name", "must not be empty");
        } else if name.chars().count() > MAX_TOUCHPOINT_NAME_CHARS {
            errors.push(
                "name",
                format!("must be at most {MAX_TOUCHPOINT_NAME_CHARS} characters"),
            );
        }
        let channel = draft.channel.trim().to_owned();
        if !crate::response::is_valid_channel(&channel) {
            errors.push(
                "channel",
                format!(
                    "must be one of {} or a custom key of a–z, 0–9, _ and - (at most 32)",
                    KNOWN_CHANNELS.join(", ")
                ),
            );
        }
        errors.finish(TouchpointFields { name, channel })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_name_and_channel() {
        let ok = TouchpointFields::try_from(TouchpointDraft {
            name: " Hotline ".into(),
            channel: "phone".into(),
            department_id: None,
        });
        assert_eq!(ok.expect("valid").name, "Hotline");
        let errors = TouchpointFields::try_from(TouchpointDraft {
            name: "".into(),
            channel: "Tel efon".into(),
            department_id: None,
        })
        .expect_err("invalid");
        assert_eq!(errors.len(), 2);
    }
}
