//! A survey response as submitted: answers plus where and when they came from.

use crate::answers::Answers;
use crate::ids::TouchpointId;
use crate::language::Language;
use crate::period::{MS_PER_DAY, day_of_ms};
use crate::retention::redact_personal_data;
use crate::survey::SurveyDefinition;
use crate::validation::{Errors, FieldError};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// How far a client clock may run ahead before `submitted_at` counts as "in the future".
pub const CLOCK_SKEW_MS: i64 = 60_000;
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;

/// The wire shape of `POST /api/v1/surveys/{id}/responses`. Unknown fields are rejected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseDraft {
    pub answers: Map<String, Value>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub touchpoint_id: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub submitted_at: Option<String>,
    /// The customer who answered, by the organisation's own id for them.
    #[serde(default)]
    pub customer_external_id: Option<String>,
}

/// A validated response, ready to store. `submitted_at_ms` is `None` when the client left
/// it to the server ("now").
#[derive(Debug, Clone, PartialEq)]
pub struct NewResponse {
    pub answers: Answers,
    pub language: Language,
    pub channel: String,
    pub touchpoint_id: Option<TouchpointId>,
    pub external_id: Option<String>,
    pub submitted_at_ms: Option<i64>,
    pub customer_external_id: Option<String>,
}

impl NewResponse {
    /// Validates a draft against its survey. `default_channel` applies when the client names
    /// none (`api` for the API, `web` for the public page); `now_ms` is the server clock.
    pub fn validate(
        survey: &SurveyDefinition,
        draft: ResponseDraft,
        default_channel: &str,
        now_ms: i64,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let answers = match Answers::validate(survey, &draft.answers) {
            Ok(a) => Some(a),
            Err(list) => {
                for e in list {
                    errors.push(e.field, e.message);
                }
                None
            }
        };
        let language = match draft.language.as_deref() {
            None => Some(survey.default_language()),
            Some(code) => match Language::parse(code) {
                Some(l) if survey.languages.contains(&l) => Some(l),
                _ => {
                    let offered: Vec<&str> = survey.languages.iter().map(|l| l.as_str()).collect();
                    errors.push(
                        "language",
                        format!(
                            "'{code}' is not a language of this survey ({})",
                            offered.join(", ")
                        ),
                    );
                    None
                }
            },
        };
        let channel = draft.channel.unwrap_or_else(|| default_channel.to_owned());
        if !is_valid_channel(&channel) {
            errors.push("channel", "must be 1–32 characters of a–z, 0–9, _ and -");
        }
        let touchpoint_id = match draft.touchpoint_id.as_deref() {
            None => None,
            Some(raw) => match raw.parse::<TouchpointId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push("touchpoint_id", "must be a touchpoint id (UUID)");
                    None
                }
            },
        };
        if survey.anonymous && draft.external_id.is_some() {
            errors.push(
                "external_id",
                "this survey is anonymous: responses cannot carry an external id",
            );
        } else if let Some(id) = &draft.external_id {
            let chars = id.chars().count();
            if chars == 0 || chars > MAX_EXTERNAL_ID_CHARS || id.chars().any(char::is_control) {
                errors.push(
                    "external_id",
                    format!("must be 1–{MAX_EXTERNAL_ID_CHARS} printable characters"),
                );
            }
        }
        if survey.anonymous && draft.customer_external_id.is_some() {
            errors.push(
                "customer_external_id",
                "this survey is anonymous: responses cannot name a customer",
            );
        } else if let Some(id) = &draft.customer_external_id
            && !crate::customer::is_valid_external_id(id)
        {
            errors.push(
                "customer_external_id",
                format!(
                    "must be 1–{} printable characters",
                    crate::customer::MAX_EXTERNAL_ID_CHARS
                ),
            );
        }
        let submitted_at_ms = match draft.submitted_at.as_deref() {
            None => None,
            Some(raw) => match chrono::DateTime::parse_from_rfc3339(raw) {
                Ok(t) if t.timestamp_millis() > now_ms + CLOCK_SKEW_MS => {
                    errors.push("submitted_at", "must not be in the future");
                    None
                }
                Ok(t) if t.timestamp_millis() < 0 => {
                    errors.push("submitted_at", "must not be before 1970");
                    None
                }
                Ok(t) => Some(t.timestamp_millis()),
                Err(e) => {
                    errors.push(
                        "submitted_at",
                        format!("must be an RFC 3339 timestamp ({e})"),
                    );
                    None
                }
            },
        };
        match (answers, language) {
            (Some(answers), Some(language)) if errors.is_empty() => {
                let response = NewResponse {
                    answers,
                    language,
                    channel,
                    touchpoint_id,
                    external_id: draft.external_id,
                    submitted_at_ms,
                    customer_external_id: draft.customer_external_id,
                };
                Ok(if survey.anonymous {
                    response.anonymised(survey, now_ms)
                } else {
                    response
                })
            }
            _ => Err(errors.into_vec()),
        }
    }

    /// What an anonymous survey stores: personal data in comments replaced by placeholders,
    /// the time kept to the day (UTC), no external id.
    fn anonymised(self, survey: &SurveyDefinition, now_ms: i64) -> NewResponse {
        let at = self.submitted_at_ms.unwrap_or(now_ms);
        NewResponse {
            answers: self
                .answers
                .with_texts(survey, |t| Some(redact_personal_data(t))),
            submitted_at_ms: Some(day_of_ms(at) * MS_PER_DAY),
            external_id: None,
            customer_external_id: None,
            ..self
        }
    }

    /// A fingerprint of everything the client sent, used to tell an idempotent replay (same
    /// `external_id`, same content) from a conflicting one.
    pub fn fingerprint(&self) -> String {
        let mut canonical = serde_json::json!({
            "answers": self.answers,
            "language": self.language,
            "channel": self.channel,
            "touchpoint_id": self.touchpoint_id,
            "submitted_at": self.submitted_at_ms,
        });
        // Only when given, so fingerprints stored before customers existed stay valid.
        if let Some(customer) = &self.customer_external_id {
            canonical["customer_external_id"] = serde_json::json!(customer);
        }
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

pub fn is_valid_channel(channel: &str) -> bool {
    !channel.is_empty()
        && channel.len() <= 32
        && channel
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_790_000_000_000;

    fn survey() -> SurveyDefinition {
        SurveyDefinition::from_json(json!({"name":"NPS","languages":["de","en"],"questions":[
            {"id":"nps","type":"nps","required":true,"text":{"de":"Empfehlen?","en":"Recommend?"}},
            {"id":"why","type":"text","text":{"de":"Warum?","en":"Why?"}}]}))
        .expect("valid")
    }

    fn draft(value: serde_json::Value) -> ResponseDraft {
        serde_json::from_value(value).expect("draft shape")
    }

    #[test]
    fn anonymous_surveys_store_nothing_identifying() {
        let mut anonymous = survey();
        anonymous.anonymous = true;
        let errors = NewResponse::validate(
            &anonymous,
            draft(json!({"answers":{"nps":9},"external_id":"ticket-4711"})),
            "api",
            NOW,
        )
        .expect_err("external ids are refused");
        assert_eq!(errors[0].field, "external_id");
        let errors = NewResponse::validate(
            &anonymous,
            draft(json!({"answers":{"nps":9},"customer_external_id":"C-1"})),
            "api",
            NOW,
        )
        .expect_err("customers are refused");
        assert_eq!(errors[0].field, "customer_external_id");
        let r = NewResponse::validate(
            &anonymous,
            draft(
                json!({"answers":{"nps":3,"why":"Bitte an anna@example.de oder 0151 2345 6789"}}),
            ),
            "api",
            NOW,
        )
        .expect("valid");
        assert_eq!(
            r.answers.get("why"),
            Some(&crate::AnswerValue::Text(
                "Bitte an [email] oder [number]".into()
            ))
        );
        assert_eq!(r.submitted_at_ms, Some(NOW - NOW.rem_euclid(MS_PER_DAY)));
        assert_eq!(r.external_id, None);
        assert_eq!(r.answers.get("nps"), Some(&crate::AnswerValue::Score(3)));

        let mut open = anonymous.clone();
        open.anonymous = false;
        assert_eq!(
            open.check_compatible_with(&anonymous)
                .expect_err("no way back")[0]
                .field,
            "anonymous"
        );
        assert!(
            anonymous.check_compatible_with(&survey()).is_ok(),
            "becoming anonymous is fine"
        );
    }

    #[test]
    fn fills_defaults() {
        let r = NewResponse::validate(&survey(), draft(json!({"answers":{"nps":9}})), "api", NOW)
            .expect("valid");
        assert_eq!(r.language, Language::De);
        assert_eq!(r.channel, "api");
        assert_eq!(r.submitted_at_ms, None);
    }

    #[test]
    fn rejects_future_and_bad_metadata_all_at_once() {
        let errors = NewResponse::validate(
            &survey(),
            draft(json!({"answers":{"nps":12},"language":"fr","channel":"Web Site","touchpoint_id":"x","external_id":"","submitted_at":"2999-01-01T00:00:00Z"})),
            "api",
            NOW,
        )
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "answers.nps",
                "language",
                "channel",
                "touchpoint_id",
                "external_id",
                "submitted_at"
            ]
        );
    }

    #[test]
    fn fingerprint_tells_replays_from_conflicts() {
        let a = NewResponse::validate(
            &survey(),
            draft(json!({"answers":{"why":"x","nps":9},"external_id":"e1"})),
            "api",
            NOW,
        )
        .expect("valid");
        let b = NewResponse::validate(
            &survey(),
            draft(json!({"answers":{"nps":9,"why":"x"},"external_id":"e1"})),
            "api",
            NOW,
        )
        .expect("valid");
        let c = NewResponse::validate(
            &survey(),
            draft(json!({"answers":{"nps":8,"why":"x"},"external_id":"e1"})),
            "api",
            NOW,
        )
        .expect("valid");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
