//! Customers: who a response or an event belongs to. Contact fields, consent flags and typed
//! attributes that each organisation declares once (segment, plan, region, customer value…).
//!
//! Everything here is pure: a [`CustomerDraft`] (as sent by the API or read from a CSV row) is
//! checked against the organisation's [`AttributeDefinition`]s and becomes a [`ValidCustomer`],
//! whose [`ValidCustomer::fingerprint`] lets the store recognise a replay of the same content.
//! [`prepare_batch`] does the same for a bulk request and rejects conflicting duplicates.

use crate::language::Language;
use crate::validation::{Errors, FieldError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Most lines (customers) one bulk request may carry.
pub const MAX_BATCH_LINES: usize = 10_000;
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_STRING_VALUE_CHARS: usize = 1_000;
pub const MAX_KEY_CHARS: usize = 64;
pub const MAX_LABEL_CHARS: usize = 200;
/// Most attributes an organisation may declare.
pub const MAX_DEFINITIONS: usize = 200;

/// The type of an attribute, declared once per organisation and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeType {
    String,
    Number,
    Date,
    Boolean,
}

impl AttributeType {
    pub const ALL: [AttributeType; 4] = [
        AttributeType::String,
        AttributeType::Number,
        AttributeType::Date,
        AttributeType::Boolean,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Number => "number",
            AttributeType::Date => "date",
            AttributeType::Boolean => "boolean",
        }
    }

    pub fn parse(raw: &str) -> Option<AttributeType> {
        AttributeType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// The narrowest type every sample fits: boolean, number, date, else string. Blank samples
    /// say nothing; with no sample at all the answer is string.
    pub fn infer<'a>(samples: impl IntoIterator<Item = &'a str>) -> AttributeType {
        let mut candidates = [
            AttributeType::Boolean,
            AttributeType::Number,
            AttributeType::Date,
        ]
        .to_vec();
        let mut seen = false;
        for sample in samples {
            if sample.trim().is_empty() {
                continue;
            }
            seen = true;
            candidates.retain(|t| AttributeValue::parse_text(*t, sample).is_ok());
            if candidates.is_empty() {
                return AttributeType::String;
            }
        }
        match candidates.first() {
            Some(t) if seen => *t,
            _ => AttributeType::String,
        }
    }
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An attribute an organisation declared: its key in customer records, a label for people and
/// its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeDefinition {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub attribute_type: AttributeType,
}

/// The wire shape of `POST /customer-attributes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeDefinitionDraft {
    pub key: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub attribute_type: String,
}

/// Keys are `a–z`, `0–9` and `_`, starting with a letter, at most 64 characters: safe in query
/// parameters (`attr.KEY=`), CSV headers and JSON alike.
pub fn is_valid_key(key: &str) -> bool {
    key.len() <= MAX_KEY_CHARS
        && key.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl AttributeDefinition {
    pub fn validate(draft: AttributeDefinitionDraft) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        if !is_valid_key(&draft.key) {
            errors.push(
                "key",
                format!(
                    "must be 1–{MAX_KEY_CHARS} characters of a–z, 0–9 and _, starting with a letter"
                ),
            );
        }
        let label = draft.label.unwrap_or_else(|| draft.key.clone());
        let label_chars = label.trim().chars().count();
        if label_chars == 0 || label_chars > MAX_LABEL_CHARS {
            errors.push("label", format!("must be 1–{MAX_LABEL_CHARS} characters"));
        }
        let attribute_type = AttributeType::parse(&draft.attribute_type);
        if attribute_type.is_none() {
            errors.push("type", "must be string, number, date or boolean");
        }
        match attribute_type {
            Some(attribute_type) if errors.is_empty() => Ok(AttributeDefinition {
                key: draft.key,
                label: label.trim().to_owned(),
                attribute_type,
            }),
            _ => Err(errors.into_vec()),
        }
    }
}

/// A typed attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    String(String),
    /// Always finite.
    Number(f64),
    Date(NaiveDate),
    Boolean(bool),
}

/// Reads a boolean as people write it in spreadsheets: true/false, yes/no, ja/nein, 1/0.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "ja" | "1" => Some(true),
        "false" | "no" | "n" | "nein" | "0" => Some(false),
        _ => None,
    }
}

impl AttributeValue {
    /// Parses text (a CSV cell, a query parameter) as a value of type `t`.
    pub fn parse_text(t: AttributeType, raw: &str) -> Result<AttributeValue, String> {
        let trimmed = raw.trim();
        match t {
            AttributeType::String => {
                if raw.chars().count() > MAX_STRING_VALUE_CHARS {
                    Err(format!(
                        "must be at most {MAX_STRING_VALUE_CHARS} characters"
                    ))
                } else if raw
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
                {
                    // Line breaks and tabs are text (a note, an address); other controls are not.
                    Err("must not contain control characters".to_owned())
                } else {
                    Ok(AttributeValue::String(raw.to_owned()))
                }
            }
            AttributeType::Number => match trimmed.parse::<f64>() {
                Ok(n) if n.is_finite() && !trimmed.is_empty() => Ok(AttributeValue::Number(n)),
                _ => Err(format!("'{}' is not a number", shorten(raw))),
            },
            AttributeType::Date => NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .ok()
                .filter(|_| trimmed.len() == 10)
                .map(AttributeValue::Date)
                .ok_or_else(|| format!("'{}' is not a date (YYYY-MM-DD)", shorten(raw))),
            AttributeType::Boolean => parse_bool(trimmed)
                .map(AttributeValue::Boolean)
                .ok_or_else(|| format!("'{}' is not a boolean (true/false)", shorten(raw))),
        }
    }

    /// Reads a JSON value as type `t`. Strings are read as [`AttributeValue::parse_text`] does,
    /// so a number may come as `12.5` or `"12.5"`; a number never passes as a string.
    pub fn from_json(t: AttributeType, value: &Value) -> Result<AttributeValue, String> {
        match (t, value) {
            (_, Value::String(s)) => AttributeValue::parse_text(t, s),
            (AttributeType::Number, Value::Number(n)) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .map(AttributeValue::Number)
                .ok_or_else(|| "is not a finite number".to_owned()),
            (AttributeType::Boolean, Value::Bool(b)) => Ok(AttributeValue::Boolean(*b)),
            _ => Err(format!("must be a {t}")),
        }
    }

    pub fn attribute_type(&self) -> AttributeType {
        match self {
            AttributeValue::String(_) => AttributeType::String,
            AttributeValue::Number(_) => AttributeType::Number,
            AttributeValue::Date(_) => AttributeType::Date,
            AttributeValue::Boolean(_) => AttributeType::Boolean,
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            AttributeValue::String(s) => Value::String(s.clone()),
            AttributeValue::Number(n) => serde_json::Number::from_f64(*n)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            AttributeValue::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            AttributeValue::Boolean(b) => Value::Bool(*b),
        }
    }

    /// The text form used for equality filters: the string itself, `YYYY-MM-DD`, `true`/`false`,
    /// or the shortest decimal form of a number.
    pub fn filter_text(&self) -> String {
        match self {
            AttributeValue::String(s) => s.clone(),
            AttributeValue::Number(n) => n.to_string(),
            AttributeValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            AttributeValue::Boolean(b) => b.to_string(),
        }
    }

    /// The numeric form used for range filters: numbers, and dates as days since 1970-01-01.
    pub fn filter_number(&self) -> Option<f64> {
        match self {
            AttributeValue::Number(n) => Some(*n),
            AttributeValue::Date(d) => {
                Some(d.signed_duration_since(NaiveDate::default()).num_days() as f64)
            }
            _ => None,
        }
    }
}

fn shorten(raw: &str) -> String {
    let mut s: String = raw.chars().take(40).collect();
    if raw.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// One customer as a client sends it (`PUT /customers/by-external-id/{id}`, a line of
/// `POST /customers/bulk`, a CSV row). Upserts replace the whole record: an absent field is
/// stored as empty and an absent consent as "no".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerDraft {
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// `true`/`false`, or text as in a CSV (`yes`, `0`…).
    #[serde(default)]
    pub consent_email: Option<Value>,
    #[serde(default)]
    pub consent_sms: Option<Value>,
    #[serde(default)]
    pub consent_in_app: Option<Value>,
    #[serde(default)]
    pub attributes: Map<String, Value>,
}

/// A validated customer, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCustomer {
    pub external_id: String,
    /// Lower-cased.
    pub email: Option<String>,
    /// `+` and digits only.
    pub phone: Option<String>,
    pub name: Option<String>,
    pub language: Option<Language>,
    pub consent_email: bool,
    pub consent_sms: bool,
    pub consent_in_app: bool,
    pub attributes: BTreeMap<String, AttributeValue>,
}

fn blank_to_none(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

pub fn is_valid_external_id(id: &str) -> bool {
    let chars = id.chars().count();
    chars > 0 && chars <= MAX_EXTERNAL_ID_CHARS && !id.chars().any(char::is_control)
}

/// A plausible address: one `@`, something before it, a dotted domain after it, no spaces.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim();
    let (local, domain) = email.split_once('@')?;
    let ok = email.len() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| email.to_lowercase())
}

/// E.164-ish: a leading `+` and 7–15 digits; spaces, dashes, dots and brackets are dropped.
pub fn normalise_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let rest = trimmed.strip_prefix('+')?;
    let mut digits = String::from("+");
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' => {}
            _ => return None,
        }
    }
    let n = digits.len() - 1;
    ((7..=15).contains(&n) && !digits.starts_with("+0")).then_some(digits)
}

fn consent(field: &str, value: Option<&Value>, errors: &mut Errors) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.trim().is_empty() => false,
        Some(Value::String(s)) => parse_bool(s).unwrap_or_else(|| {
            errors.push(
                field,
                format!("'{}' is not a boolean (true/false)", shorten(s)),
            );
            false
        }),
        Some(_) => {
            errors.push(field, "must be true or false");
            false
        }
    }
}

impl ValidCustomer {
    /// Checks a draft against the organisation's attribute definitions; reports every problem.
    pub fn validate(
        draft: CustomerDraft,
        definitions: &[AttributeDefinition],
    ) -> Result<ValidCustomer, Vec<FieldError>> {
        let mut errors = Errors::default();
        let external_id = match draft.external_id {
            Some(id) if is_valid_external_id(&id) => Some(id),
            Some(_) => {
                errors.push(
                    "external_id",
                    format!("must be 1–{MAX_EXTERNAL_ID_CHARS} printable characters"),
                );
                None
            }
            None => {
                errors.push("external_id", "is required");
                None
            }
        };
        let email = blank_to_none(draft.email).and_then(|raw| {
            let email = normalise_email(&raw);
            if email.is_none() {
                errors.push(
                    "email",
                    format!("'{}' is not an e-mail address", shorten(&raw)),
                );
            }
            email
        });
        let phone = blank_to_none(draft.phone).and_then(|raw| {
            let phone = normalise_phone(&raw);
            if phone.is_none() {
                errors.push(
                    "phone",
                    format!(
                        "'{}' is not a phone number in international form (+49 30 1234567)",
                        shorten(&raw)
                    ),
                );
            }
            phone
        });
        let name = blank_to_none(draft.name).map(|n| n.trim().to_owned());
        if let Some(n) = &name {
            if n.chars().count() > MAX_NAME_CHARS {
                errors.push(
                    "name",
                    format!("must be at most {MAX_NAME_CHARS} characters"),
                );
            } else if n.chars().any(char::is_control) {
                errors.push("name", "must be one line without control characters");
            }
        }
        let language = blank_to_none(draft.language).and_then(|raw| {
            let language = Language::parse(&raw);
            if language.is_none() {
                errors.push("language", "must be de or en");
            }
            language
        });
        let consent_email = consent("consent_email", draft.consent_email.as_ref(), &mut errors);
        let consent_sms = consent("consent_sms", draft.consent_sms.as_ref(), &mut errors);
        let consent_in_app = consent("consent_in_app", draft.consent_in_app.as_ref(), &mut errors);
        let mut attributes = BTreeMap::new();
        for (key, value) in draft.attributes {
            let field = format!("attributes.{key}");
            let Some(definition) = definitions.iter().find(|d| d.key == key) else {
                errors.push(field, "is not a declared attribute");
                continue;
            };
            let blank = match &value {
                Value::Null => true,
                Value::String(s) => s.trim().is_empty(),
                _ => false,
            };
            if blank {
                continue;
            }
            match AttributeValue::from_json(definition.attribute_type, &value) {
                Ok(v) => {
                    attributes.insert(key, v);
                }
                Err(message) => errors.push(field, message),
            }
        }
        match external_id {
            Some(external_id) if errors.is_empty() => Ok(ValidCustomer {
                external_id,
                email,
                phone,
                name,
                language,
                consent_email,
                consent_sms,
                consent_in_app,
                attributes,
            }),
            _ => Err(errors.into_vec()),
        }
    }

    /// A customer known by nothing but its external id (created when a response names it).
    pub fn bare(external_id: String) -> ValidCustomer {
        ValidCustomer {
            external_id,
            email: None,
            phone: None,
            name: None,
            language: None,
            consent_email: false,
            consent_sms: false,
            consent_in_app: false,
            attributes: BTreeMap::new(),
        }
    }

    pub fn attributes_json(&self) -> Value {
        Value::Object(
            self.attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }

    /// A hash of the whole content: equal for a replay, different after any change.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::json!([
            self.external_id,
            self.email,
            self.phone,
            self.name,
            self.language,
            self.consent_email,
            self.consent_sms,
            self.consent_in_app,
            self.attributes_json(),
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// One rejected line of a bulk request or an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: u64,
    pub external_id: Option<String>,
    pub errors: Vec<FieldError>,
}

/// A bulk request after validation: what to write, what to reject, and same-content repeats.
#[derive(Debug, Default)]
pub struct PreparedBatch {
    /// `(line, customer)` in input order, each external id once.
    pub valid: Vec<(u64, ValidCustomer)>,
    pub rejected: Vec<LineError>,
    /// Lines repeating an earlier line of the batch with identical content: nothing to write.
    pub repeated: Vec<u64>,
}

/// Validates the lines of a bulk request (each already parsed, or the reason it could not be)
/// and resolves repeated external ids: identical content is written once; different content
/// rejects the later line, naming the first, so what the batch means is never a guess.
pub fn prepare_batch(
    lines: Vec<(u64, Result<CustomerDraft, FieldError>)>,
    definitions: &[AttributeDefinition],
) -> PreparedBatch {
    let mut batch = PreparedBatch::default();
    let mut seen: HashMap<String, (u64, String)> = HashMap::new();
    for (line, parsed) in lines {
        let draft = match parsed {
            Ok(draft) => draft,
            Err(error) => {
                batch.rejected.push(LineError {
                    line,
                    external_id: None,
                    errors: vec![error],
                });
                continue;
            }
        };
        let external_id = draft.external_id.clone();
        let customer = match ValidCustomer::validate(draft, definitions) {
            Ok(customer) => customer,
            Err(errors) => {
                batch.rejected.push(LineError {
                    line,
                    external_id,
                    errors,
                });
                continue;
            }
        };
        let fingerprint = customer.fingerprint();
        match seen.get(&customer.external_id) {
            Some((_, first)) if *first == fingerprint => batch.repeated.push(line),
            Some((first_line, _)) => batch.rejected.push(LineError {
                line,
                external_id: Some(customer.external_id.clone()),
                errors: vec![FieldError::new(
                    "external_id",
                    format!("already on line {first_line} of this batch with different content"),
                )],
            }),
            None => {
                seen.insert(customer.external_id.clone(), (line, fingerprint));
                batch.valid.push((line, customer));
            }
        }
    }
    batch
}

/// What a bulk request or an import did, line by line where it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub errors: Vec<LineError>,
}

impl BatchReport {
    pub fn add(&mut self, other: BatchReport) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
        self.errors.extend(other.errors);
    }

    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.unchanged + self.rejected
    }
}

/// Whether a response naming an unknown customer creates it or is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownCustomers {
    #[default]
    Create,
    Reject,
}

impl UnknownCustomers {
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownCustomers::Create => "create",
            UnknownCustomers::Reject => "reject",
        }
    }

    pub fn parse(raw: &str) -> Option<UnknownCustomers> {
        match raw {
            "create" => Some(UnknownCustomers::Create),
            "reject" => Some(UnknownCustomers::Reject),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn definitions() -> Vec<AttributeDefinition> {
        [
            ("segment", AttributeType::String),
            ("value", AttributeType::Number),
            ("since", AttributeType::Date),
            ("vip", AttributeType::Boolean),
        ]
        .into_iter()
        .map(|(key, attribute_type)| AttributeDefinition {
            key: key.into(),
            label: key.into(),
            attribute_type,
        })
        .collect()
    }

    fn draft(value: Value) -> CustomerDraft {
        serde_json::from_value(value).expect("draft shape")
    }

    #[test]
    fn validates_and_normalises_a_full_customer() {
        let c = ValidCustomer::validate(
            draft(json!({"external_id":"c-1","email":"Anna@Example.COM","phone":"+49 (30) 123-4567",
                "name":" Anna ","language":"DE","consent_email":true,"consent_sms":"no",
                "attributes":{"segment":"Business","value":"1200.5","since":"2024-02-29","vip":"yes"}})),
            &definitions(),
        )
        .expect("valid");
        assert_eq!(c.email.as_deref(), Some("anna@example.com"));
        assert_eq!(c.phone.as_deref(), Some("+49301234567"));
        assert_eq!(c.name.as_deref(), Some("Anna"));
        assert_eq!(c.language, Some(Language::De));
        assert!(c.consent_email && !c.consent_sms && !c.consent_in_app);
        assert_eq!(c.attributes["value"], AttributeValue::Number(1200.5));
        assert_eq!(c.attributes["vip"], AttributeValue::Boolean(true));
        assert_eq!(
            c.attributes_json(),
            json!({"segment":"Business","since":"2024-02-29","value":1200.5,"vip":true})
        );
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errors = ValidCustomer::validate(
            draft(json!({"email":"nope","phone":"030 123","language":"fr","consent_in_app":3,
                "attributes":{"segment":5,"value":"12,5","since":"2024-02-30","vip":"maybe","plan":"x"}})),
            &definitions(),
        )
        .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "external_id",
                "email",
                "phone",
                "language",
                "consent_in_app",
                "attributes.plan",
                "attributes.segment",
                "attributes.since",
                "attributes.value",
                "attributes.vip"
            ]
        );
    }

    #[test]
    fn blanks_mean_absent_and_fingerprints_follow_content() {
        let a = ValidCustomer::validate(
            draft(json!({"external_id":"c","email":"","attributes":{"value":"","segment":null}})),
            &definitions(),
        )
        .expect("valid");
        assert_eq!(a, ValidCustomer::bare("c".into()));
        let b = ValidCustomer::validate(
            draft(json!({"external_id":"c","attributes":{"value":1}})),
            &definitions(),
        )
        .expect("valid");
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(
            a.fingerprint(),
            ValidCustomer::bare("c".into()).fingerprint()
        );
    }

    #[test]
    fn batches_reject_conflicting_duplicates_and_collapse_repeats() {
        let line = |n: u64, v: Value| (n, Ok(draft(v)));
        let batch = prepare_batch(
            vec![
                line(1, json!({"external_id":"a","name":"A"})),
                line(2, json!({"external_id":"a","name":"A"})),
                line(3, json!({"external_id":"a","name":"B"})),
                (4, Err(FieldError::new("", "malformed JSON"))),
                line(5, json!({"external_id":"b","attributes":{"value":"x"}})),
                line(6, json!({"external_id":"c"})),
            ],
            &definitions(),
        );
        let valid: Vec<u64> = batch.valid.iter().map(|(l, _)| *l).collect();
        assert_eq!(valid, vec![1, 6]);
        assert_eq!(batch.repeated, vec![2]);
        let rejected: Vec<u64> = batch.rejected.iter().map(|e| e.line).collect();
        assert_eq!(rejected, vec![3, 4, 5]);
        assert!(batch.rejected[0].errors[0].message.contains("line 1"));
    }

    #[test]
    fn infers_types_from_samples() {
        assert_eq!(
            AttributeType::infer(["Yes", "No", ""]),
            AttributeType::Boolean
        );
        assert_eq!(
            AttributeType::infer(["29.85", "", "1889.5"]),
            AttributeType::Number
        );
        assert_eq!(AttributeType::infer(["2024-01-01"]), AttributeType::Date);
        assert_eq!(AttributeType::infer(["DSL", "No"]), AttributeType::String);
        assert_eq!(AttributeType::infer([""]), AttributeType::String);
    }

    #[test]
    fn keys_and_definitions() {
        assert!(is_valid_key("customer_value"));
        assert!(!is_valid_key("Customer"));
        assert!(!is_valid_key("a.b"));
        assert!(!is_valid_key(""));
        let errors = AttributeDefinition::validate(AttributeDefinitionDraft {
            key: "1x".into(),
            label: Some(String::new()),
            attribute_type: "money".into(),
        })
        .expect_err("invalid");
        assert_eq!(errors.len(), 3);
    }

    proptest! {
        #[test]
        fn numbers_round_trip_through_text(n in -1e12f64..1e12) {
            let parsed = AttributeValue::parse_text(AttributeType::Number, &n.to_string());
            prop_assert_eq!(parsed, Ok(AttributeValue::Number(n)));
        }

        #[test]
        fn dates_round_trip_through_text(days in 0i64..100_000) {
            let date = NaiveDate::default() + chrono::Duration::days(days);
            let value = AttributeValue::Date(date);
            let parsed = AttributeValue::parse_text(AttributeType::Date, &value.filter_text());
            prop_assert_eq!(parsed.as_ref(), Ok(&value));
            prop_assert_eq!(value.filter_number(), Some(days as f64));
        }

        #[test]
        fn text_parsers_never_panic(raw in any::<String>()) {
            for t in AttributeType::ALL {
                let _ = AttributeValue::parse_text(t, &raw);
            }
            let _ = normalise_email(&raw);
            let _ = normalise_phone(&raw);
        }

        #[test]
        fn every_valid_value_is_read_back_from_its_json(s in "[a-zA-Z0-9 ]{0,30}", n in any::<f64>(), b in any::<bool>()) {
            let values = [
                AttributeValue::String(s),
                AttributeValue::Boolean(b),
            ];
            for v in values.iter().chain(n.is_finite().then_some(AttributeValue::Number(n)).iter()) {
                prop_assert_eq!(&AttributeValue::from_json(v.attribute_type(), &v.to_json()), &Ok(v.clone()));
            }
        }
    }
}
