//! Touchpoints: the places where a customer meets the company — a name, a channel, an owning
//! department, a key other systems name it by in events, whether it is a moment of truth, and
//! the experience it should give. Journeys place touchpoints in their stages.

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
    /// How events name the touchpoint (`hotline`); optional, unique in the organisation.
    #[serde(default)]
    pub key: Option<String>,
    /// The experience the touchpoint should give.
    #[serde(default)]
    pub description: Option<String>,
    /// A moment of truth: a touchpoint that matters most for loyalty.
    #[serde(default)]
    pub moment_of_truth: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TouchpointFields {
    pub name: String,
    pub channel: String,
    pub key: Option<String>,
    pub description: String,
    pub moment_of_truth: bool,
}

pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

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
        let key = draft
            .key
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        if let Some(k) = &key
            && (!crate::event::is_valid_key(k) || uuid::Uuid::parse_str(k).is_ok())
        {
            errors.push(
                "key",
                "must be 1–64 characters of a–z, 0–9, _, - and . (and not look like an id)",
            );
        }
        let description = draft.description.unwrap_or_default().trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
            );
        }
        errors.finish(TouchpointFields {
            name,
            channel,
            key,
            description,
            moment_of_truth: draft.moment_of_truth.unwrap_or(false),
        })
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
            key: Some("hotline".into()),
            description: None,
            moment_of_truth: Some(true),
        });
        let ok = ok.expect("valid");
        assert_eq!(
            (ok.name.as_str(), ok.key.as_deref(), ok.moment_of_truth),
            ("Hotline", Some("hotline"), true)
        );
        let errors = TouchpointFields::try_from(TouchpointDraft {
            name: "".into(),
            channel: "Tel efon".into(),
            department_id: None,
            key: Some("01959a3c-7d2e-7c41-9d3b-5a1f0e8c2b47".into()),
            description: Some("x".repeat(MAX_DESCRIPTION_CHARS + 1)),
            moment_of_truth: None,
        })
        .expect_err("invalid");
        assert_eq!(errors.len(), 4);
    }
}
