//! Interaction events from any system (a purchase, a delivery, a call, a closed ticket): what
//! happened to which customer at which touchpoint, when and with what outcome. Validated here;
//! the store resolves the customer and the touchpoint and keeps each event once.

use crate::customer::is_valid_external_id;
use crate::response::{CLOCK_SKEW_MS, is_valid_channel};
use crate::validation::{Errors, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Most events one request may carry.
pub const MAX_EVENTS_PER_REQUEST: usize = 1_000;
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;
pub const MAX_KEY_CHARS: usize = 64;
/// Largest `properties` object, as compact JSON.
pub const MAX_PROPERTIES_BYTES: usize = 16 * 1024;

/// One event as a client sends it. Unknown fields are rejected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDraft {
    pub external_id: Option<String>,
    pub customer_external_id: Option<String>,
    /// A touchpoint id (UUID) or key.
    pub touchpoint: Option<String>,
    pub channel: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub occurred_at: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub properties: Option<Map<String, Value>>,
}

/// A valid event, its touchpoint still named as the client named it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub external_id: String,
    pub customer_external_id: String,
    pub touchpoint: String,
    pub channel: String,
    pub kind: String,
    pub occurred_at_ms: i64,
    pub outcome: Option<String>,
    pub properties: Map<String, Value>,
}

/// A key: 1–64 characters of a–z, 0–9, `_`, `-` and `.`.
pub fn is_valid_key(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= MAX_KEY_CHARS
        && raw.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        })
}

fn required<'a>(errors: &mut Errors, field: &str, value: &'a Option<String>) -> Option<&'a str> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Some(v),
        _ => {
            errors.push(field, "is required");
            None
        }
    }
}

impl EventDraft {
    /// Checks every field at once; `now_ms` is the server clock (events may arrive late and
    /// out of order, but not from the future beyond a minute of clock skew).
    pub fn validate(self, now_ms: i64) -> Result<NewEvent, Vec<FieldError>> {
        let mut errors = Errors::default();
        let external_id = required(&mut errors, "external_id", &self.external_id);
        if let Some(id) = external_id
            && (id.chars().count() > MAX_EXTERNAL_ID_CHARS || id.chars().any(char::is_control))
        {
            errors.push(
                "external_id",
                format!("must be 1–{MAX_EXTERNAL_ID_CHARS} printable characters"),
            );
        }
        let customer = required(
            &mut errors,
            "customer_external_id",
            &self.customer_external_id,
        );
        if let Some(id) = customer
            && !is_valid_external_id(id)
        {
            errors.push("customer_external_id", "must be 1–200 printable characters");
        }
        let touchpoint = required(&mut errors, "touchpoint", &self.touchpoint);
        let channel = required(&mut errors, "channel", &self.channel);
        if let Some(c) = channel
            && !is_valid_channel(c)
        {
            errors.push("channel", "must be 1–32 characters of a–z, 0–9, _ and -");
        }
        let kind = required(&mut errors, "type", &self.kind);
        if let Some(k) = kind
            && !is_valid_key(k)
        {
            errors.push("type", "must be 1–64 characters of a–z, 0–9, _, - and .");
        }
        if let Some(o) = self.outcome.as_deref()
            && !is_valid_key(o)
        {
            errors.push("outcome", "must be 1–64 characters of a–z, 0–9, _, - and .");
        }
        let occurred = match required(&mut errors, "occurred_at", &self.occurred_at) {
            None => None,
            Some(raw) => match chrono::DateTime::parse_from_rfc3339(raw) {
                Ok(t) if t.timestamp_millis() > now_ms + CLOCK_SKEW_MS => {
                    errors.push("occurred_at", "must not be in the future");
                    None
                }
                Ok(t) if t.timestamp_millis() < 0 => {
                    errors.push("occurred_at", "must not be before 1970");
                    None
                }
                Ok(t) => Some(t.timestamp_millis()),
                Err(e) => {
                    errors.push(
                        "occurred_at",
                        format!("must be an RFC 3339 timestamp ({e})"),
                    );
                    None
                }
            },
        };
        let properties = self.properties.unwrap_or_default();
        if properties_json(&properties).len() > MAX_PROPERTIES_BYTES {
            errors.push(
                "properties",
                format!("must be at most {MAX_PROPERTIES_BYTES} bytes of JSON"),
            );
        }
        match (external_id, customer, touchpoint, channel, kind, occurred) {
            (
                Some(external_id),
                Some(customer),
                Some(touchpoint),
                Some(channel),
                Some(kind),
                Some(occurred_at_ms),
            ) if errors.is_empty() => Ok(NewEvent {
                external_id: external_id.to_owned(),
                customer_external_id: customer.to_owned(),
                touchpoint: touchpoint.to_owned(),
                channel: channel.to_owned(),
                kind: kind.to_owned(),
                occurred_at_ms,
                outcome: self.outcome,
                properties,
            }),
            _ => Err(errors.into_vec()),
        }
    }
}

/// `properties` as compact JSON, as stored and as measured against [`MAX_PROPERTIES_BYTES`].
pub fn properties_json(properties: &Map<String, Value>) -> String {
    serde_json::to_string(properties).unwrap_or_else(|_| "{}".to_owned())
}

/// What a fingerprint hashes: the event's content (not its external id) as JSON with its keys
/// in alphabetical order — the order of these fields, so that fingerprints stored before this
/// type existed (from a JSON object, whose keys serde_json sorts) still match.
#[derive(Serialize)]
struct FingerprintContent<'a> {
    channel: &'a str,
    customer: &'a str,
    occurred_at: i64,
    outcome: Option<&'a str>,
    properties: &'a Map<String, Value>,
    touchpoint: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

impl NewEvent {
    /// What the client sent, hashed: a replay of the same event is recognised, the same
    /// external id with other content is a conflict.
    pub fn fingerprint(&self) -> String {
        let content = FingerprintContent {
            channel: &self.channel,
            customer: &self.customer_external_id,
            occurred_at: self.occurred_at_ms,
            outcome: self.outcome.as_deref(),
            properties: &self.properties,
            touchpoint: &self.touchpoint,
            kind: &self.kind,
        };
        let canonical = serde_json::to_vec(&content).unwrap_or_default();
        hex::encode(Sha256::digest(&canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const NOW: i64 = 1_790_000_000_000;

    fn draft(v: Value) -> EventDraft {
        serde_json::from_value(v).expect("shape")
    }

    #[test]
    fn a_complete_event_is_valid() {
        let event = draft(json!({"external_id": "evt-1", "customer_external_id": "C-1",
            "touchpoint": "hotline", "channel": "phone", "type": "call.completed",
            "occurred_at": "2026-09-21T10:00:00Z", "outcome": "resolved", "properties": {"minutes": 12}}))
        .validate(NOW)
        .expect("valid");
        assert_eq!(event.kind, "call.completed");
        assert_eq!(event.properties["minutes"], 12);
        let same = draft(json!({"external_id": "evt-1", "customer_external_id": "C-1",
            "touchpoint": "hotline", "channel": "phone", "type": "call.completed",
            "occurred_at": "2026-09-21T12:00:00+02:00", "outcome": "resolved", "properties": {"minutes": 12}}))
        .validate(NOW)
        .expect("valid");
        assert_eq!(
            event.fingerprint(),
            same.fingerprint(),
            "the same instant in another offset"
        );
    }

    /// Fingerprints stored by earlier versions hashed a JSON object of the content; the
    /// borrowed struct that replaced it must hash the very same bytes, with and without an
    /// outcome, or every replay of an old event would look like a conflict.
    #[test]
    fn fingerprints_match_those_stored_by_earlier_versions() {
        for outcome in [Some("resolved"), None] {
            let event = draft(
                json!({"external_id": "evt-1", "customer_external_id": "C-1",
                "touchpoint": "hotline", "channel": "phone", "type": "call.completed",
                "occurred_at": "2026-09-21T10:00:00Z", "outcome": outcome,
                "properties": {"minutes": 12, "agent": {"team": "B", "id": 7}}}),
            )
            .validate(NOW)
            .expect("valid");
            let earlier = serde_json::json!({
                "customer": event.customer_external_id,
                "touchpoint": event.touchpoint,
                "channel": event.channel,
                "type": event.kind,
                "occurred_at": event.occurred_at_ms,
                "outcome": event.outcome,
                "properties": event.properties,
            });
            assert_eq!(
                event.fingerprint(),
                hex::encode(Sha256::digest(earlier.to_string().as_bytes()))
            );
        }
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = draft(
            json!({"external_id": " ", "touchpoint": "x", "channel": "Tel efon",
            "type": "Call", "occurred_at": "2999-01-01T00:00:00Z", "outcome": "",
            "properties": {"blob": "x".repeat(MAX_PROPERTIES_BYTES)}}),
        )
        .validate(NOW)
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "external_id",
                "customer_external_id",
                "channel",
                "type",
                "outcome",
                "occurred_at",
                "properties"
            ]
        );
        assert!(
            serde_json::from_value::<EventDraft>(json!({"external_id": "x", "colour": "red"}))
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn validation_never_panics(raw in "\\\\PC{0,40}", at in "\\\\PC{0,30}") {
            let _ = draft(json!({"external_id": raw, "customer_external_id": raw, "touchpoint": raw,
                "channel": raw, "type": raw, "occurred_at": at, "outcome": raw})).validate(NOW);
        }
    }
}
