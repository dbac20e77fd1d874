//! Segments (saved filters over customers) and the CRM link's rules: what counts as a
//! negative experience, and which attribute groups a metric may be split by.
//!
//! A segment is a name, a description and a list of conditions that must all hold. Conditions
//! look at the customer's attributes and behaviour (latest scores, recent contacts). They are
//! validated against the organisation's attribute definitions here; the store turns them into
//! SQL. Conditions are stored as the canonical JSON [`Condition::to_json`] writes, which
//! [`parse_conditions`] reads back, so a stored segment is re-checked on every read.

use crate::customer::{AttributeDefinition, AttributeType, AttributeValue};
use crate::metrics::MetricKind;
use crate::validation::{Errors, FieldError};
use serde::Deserialize;
use serde_json::{Value, json};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_CONDITIONS: usize = 50;
pub const MAX_ONE_OF: usize = 100;
/// The longest look-back of a contacts condition (ten years, like metric ranges).
pub const MAX_CONTACT_DAYS: i64 = 3_660;
/// The most bins a number attribute may be grouped into.
pub const MAX_BINS: usize = 20;

/// The category of an NPS answer, or `None` when the customer has never answered one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NpsCategory {
    Promoter,
    Passive,
    Detractor,
    /// No NPS answer on record.
    None,
}

impl NpsCategory {
    pub const ALL: [NpsCategory; 4] = [
        NpsCategory::Promoter,
        NpsCategory::Passive,
        NpsCategory::Detractor,
        NpsCategory::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NpsCategory::Promoter => "promoter",
            NpsCategory::Passive => "passive",
            NpsCategory::Detractor => "detractor",
            NpsCategory::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Option<NpsCategory> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }

    /// The inclusive score range of the category (`None` for "no answer").
    pub fn scores(self) -> Option<(i64, i64)> {
        match self {
            NpsCategory::Promoter => Some((9, 10)),
            NpsCategory::Passive => Some((7, 8)),
            NpsCategory::Detractor => Some((0, 6)),
            NpsCategory::None => None,
        }
    }

    pub fn of_score(score: i64) -> NpsCategory {
        match score {
            9.. => NpsCategory::Promoter,
            7..=8 => NpsCategory::Passive,
            _ => NpsCategory::Detractor,
        }
    }
}

/// The highest score that counts as a negative experience: NPS 0–6 (detractor), CSAT 1–2
/// (dissatisfied), CES 1–3 (difficult; 5–7 is "easy", 4 neutral).
pub fn negative_up_to(kind: MetricKind) -> i64 {
    match kind {
        MetricKind::Nps => 6,
        MetricKind::Csat => 2,
        MetricKind::Ces => 3,
    }
}

pub fn is_negative(kind: MetricKind, score: i64) -> bool {
    score <= negative_up_to(kind)
}

/// What an attribute condition tests.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeTest {
    Equals(AttributeValue),
    OneOf(Vec<AttributeValue>),
    /// Inclusive bounds, number and date attributes only; at least one is given.
    Range {
        min: Option<AttributeValue>,
        max: Option<AttributeValue>,
    },
}

/// One condition of a segment.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Attribute {
        key: String,
        attribute_type: AttributeType,
        test: AttributeTest,
    },
    /// The category of the customer's latest NPS answer is one of these.
    NpsCategory(Vec<NpsCategory>),
    /// Events ("contacts") of the customer in the last `days` days, within inclusive bounds.
    Contacts {
        days: i64,
        min: Option<i64>,
        max: Option<i64>,
    },
    /// The customer's latest score of `metric` within inclusive bounds (no score: no match).
    LatestScore {
        metric: MetricKind,
        min: Option<i64>,
        max: Option<i64>,
    },
}

fn values_json(values: &[AttributeValue]) -> Value {
    Value::Array(values.iter().map(AttributeValue::to_json).collect())
}

impl Condition {
    /// The canonical JSON form, as the API shows it and the store keeps it.
    pub fn to_json(&self) -> Value {
        match self {
            Condition::Attribute { key, test, .. } => match test {
                AttributeTest::Equals(v) => {
                    json!({"type": "attribute", "key": key, "equals": v.to_json()})
                }
                AttributeTest::OneOf(values) => {
                    json!({"type": "attribute", "key": key, "one_of": values_json(values)})
                }
                AttributeTest::Range { min, max } => json!({
                    "type": "attribute", "key": key,
                    "min": min.as_ref().map(AttributeValue::to_json),
                    "max": max.as_ref().map(AttributeValue::to_json),
                }),
            },
            Condition::NpsCategory(categories) => json!({
                "type": "nps_category",
                "one_of": categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            }),
            Condition::Contacts { days, min, max } => {
                json!({"type": "contacts", "days": days, "min": min, "max": max})
            }
            Condition::LatestScore { metric, min, max } => {
                json!({"type": "latest_score", "metric": metric.as_str(), "min": min, "max": max})
            }
        }
    }
}

pub fn conditions_json(conditions: &[Condition]) -> Value {
    Value::Array(conditions.iter().map(Condition::to_json).collect())
}

/// The wire shape of `POST /segments` and `PUT /segments/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentDraft {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub conditions: Option<Value>,
}

/// A validated segment (without its id and times).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSegment {
    pub name: String,
    pub description: String,
    pub conditions: Vec<Condition>,
}

impl ValidSegment {
    pub fn validate(
        draft: SegmentDraft,
        definitions: &[AttributeDefinition],
    ) -> Result<ValidSegment, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = draft.name.unwrap_or_default().trim().to_owned();
        let name_chars = name.chars().count();
        if name_chars == 0 || name_chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            errors.push(
                "name",
                format!("must be 1–{MAX_NAME_CHARS} characters on one line"),
            );
        }
        let description = draft.description.unwrap_or_default().trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(
                "description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
            );
        }
        let raw = draft.conditions.unwrap_or(Value::Array(Vec::new()));
        let conditions = match parse_conditions(&raw, definitions) {
            Ok(c) => c,
            Err(list) => {
                for e in list {
                    errors.push(e.field, e.message);
                }
                Vec::new()
            }
        };
        errors.finish(ValidSegment {
            name,
            description,
            conditions,
        })
    }
}

/// Reads a list of conditions (the API's JSON or a stored segment) against the organisation's
/// attribute definitions. Every problem is reported, named `conditions[i].field`.
pub fn parse_conditions(
    raw: &Value,
    definitions: &[AttributeDefinition],
) -> Result<Vec<Condition>, Vec<FieldError>> {
    let mut errors = Errors::default();
    let Some(list) = raw.as_array() else {
        errors.push("conditions", "must be a list of conditions");
        return Err(errors.into_vec());
    };
    if list.len() > MAX_CONDITIONS {
        errors.push(
            "conditions",
            format!("a segment may have at most {MAX_CONDITIONS} conditions"),
        );
        return Err(errors.into_vec());
    }
    let mut conditions = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("conditions[{i}]");
        if let Some(c) = parse_condition(item, definitions, &at, &mut errors) {
            conditions.push(c);
        }
    }
    errors.finish(conditions)
}

/// The fields a condition of this type may have.
fn allowed_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "attribute" => &["type", "key", "equals", "one_of", "min", "max"],
        "nps_category" => &["type", "one_of"],
        "contacts" => &["type", "days", "min", "max"],
        "latest_score" => &["type", "metric", "min", "max"],
        _ => &["type"],
    }
}

fn parse_condition(
    item: &Value,
    definitions: &[AttributeDefinition],
    at: &str,
    errors: &mut Errors,
) -> Option<Condition> {
    let Some(object) = item.as_object() else {
        errors.push(at, "must be an object with a \"type\"");
        return None;
    };
    let kind = object.get("type").and_then(Value::as_str).unwrap_or("");
    let before = errors.len();
    match kind {
        "attribute" | "nps_category" | "contacts" | "latest_score" => {}
        "open_case" => {
            errors.push(
                format!("{at}.type"),
                "cases do not exist yet; an open-case condition will come with them",
            );
            return None;
        }
        _ => {
            errors.push(
                format!("{at}.type"),
                "must be attribute, nps_category, contacts or latest_score",
            );
            return None;
        }
    }
    for field in object.keys() {
        if !allowed_fields(kind).contains(&field.as_str()) {
            errors.push(
                format!("{at}.{field}"),
                format!("is not a field of a {kind} condition"),
            );
        }
    }
    // Absent and null mean the same: "not given".
    let get = |name: &str| object.get(name).filter(|v| !v.is_null());
    let condition = match kind {
        "attribute" => parse_attribute(get, definitions, at, errors),
        "nps_category" => {
            let values = match get("one_of").and_then(Value::as_array) {
                Some(list) if !list.is_empty() => list,
                _ => {
                    errors.push(
                        format!("{at}.one_of"),
                        "must be a non-empty list of promoter, passive, detractor, none",
                    );
                    return None;
                }
            };
            let mut categories = Vec::new();
            for (j, v) in values.iter().enumerate() {
                match v.as_str().and_then(NpsCategory::parse) {
                    Some(c) if !categories.contains(&c) => categories.push(c),
                    Some(_) => {}
                    None => errors.push(
                        format!("{at}.one_of[{j}]"),
                        "must be promoter, passive, detractor or none",
                    ),
                }
            }
            Some(Condition::NpsCategory(categories))
        }
        "contacts" => {
            let days = get("days").and_then(Value::as_i64);
            if !days.is_some_and(|d| (1..=MAX_CONTACT_DAYS).contains(&d)) {
                errors.push(
                    format!("{at}.days"),
                    format!("must be a whole number of days, 1–{MAX_CONTACT_DAYS}"),
                );
            }
            let (min, max) =
                int_bounds(get("min"), get("max"), (0, i64::from(u32::MAX)), at, errors);
            days.map(|days| Condition::Contacts { days, min, max })
        }
        "latest_score" => {
            let metric = get("metric")
                .and_then(Value::as_str)
                .and_then(MetricKind::parse);
            if metric.is_none() {
                errors.push(format!("{at}.metric"), "must be nps, csat or ces");
            }
            let scale = metric.map_or((0, 10), MetricKind::scale);
            let (min, max) = int_bounds(get("min"), get("max"), scale, at, errors);
            metric.map(|metric| Condition::LatestScore { metric, min, max })
        }
        _ => None,
    };
    if errors.len() > before {
        None
    } else {
        condition
    }
}

/// Optional inclusive integer bounds within `scale`; at least one, and min ≤ max.
fn int_bounds(
    min: Option<&Value>,
    max: Option<&Value>,
    scale: (i64, i64),
    at: &str,
    errors: &mut Errors,
) -> (Option<i64>, Option<i64>) {
    let mut read = |name: &str, value: Option<&Value>| -> Option<i64> {
        let value = value?;
        match value.as_i64() {
            Some(n) if (scale.0..=scale.1).contains(&n) => Some(n),
            _ => {
                errors.push(
                    format!("{at}.{name}"),
                    format!("must be a whole number from {} to {}", scale.0, scale.1),
                );
                None
            }
        }
    };
    let (lo, hi) = (read("min", min), read("max", max));
    if min.is_none() && max.is_none() {
        errors.push(format!("{at}.min"), "give min, max or both");
    }
    if let (Some(lo), Some(hi)) = (lo, hi)
        && lo > hi
    {
        errors.push(format!("{at}.min"), "must not be greater than max");
    }
    (lo, hi)
}

fn parse_attribute<'a>(
    get: impl Fn(&str) -> Option<&'a Value>,
    definitions: &[AttributeDefinition],
    at: &str,
    errors: &mut Errors,
) -> Option<Condition> {
    let Some(key) = get("key").and_then(Value::as_str) else {
        errors.push(format!("{at}.key"), "is required");
        return None;
    };
    let Some(definition) = definitions.iter().find(|d| d.key == key) else {
        errors.push(
            format!("{at}.key"),
            format!("'{key}' is not a declared attribute"),
        );
        return None;
    };
    let t = definition.attribute_type;
    let value = |name: &str, v: &Value, errors: &mut Errors| match AttributeValue::from_json(t, v) {
        Ok(value) => Some(value),
        Err(message) => {
            errors.push(format!("{at}.{name}"), message);
            None
        }
    };
    let tests = ["equals", "one_of", "min", "max"]
        .iter()
        .filter(|n| get(n).is_some())
        .count();
    let ranged = get("min").is_some() || get("max").is_some();
    let test = if let Some(v) = get("equals") {
        if tests > 1 {
            errors.push(at, "give one of equals, one_of or min/max");
            return None;
        }
        AttributeTest::Equals(value("equals", v, errors)?)
    } else if let Some(v) = get("one_of") {
        if tests > 1 {
            errors.push(at, "give one of equals, one_of or min/max");
            return None;
        }
        let list = match v.as_array() {
            Some(list) if !list.is_empty() && list.len() <= MAX_ONE_OF => list,
            _ => {
                errors.push(
                    format!("{at}.one_of"),
                    format!("must be a list of 1–{MAX_ONE_OF} values"),
                );
                return None;
            }
        };
        let mut values = Vec::with_capacity(list.len());
        for (j, item) in list.iter().enumerate() {
            if let Some(v) = value(&format!("one_of[{j}]"), item, errors) {
                values.push(v);
            }
        }
        if values.len() < list.len() {
            return None;
        }
        AttributeTest::OneOf(values)
    } else if ranged {
        if !matches!(t, AttributeType::Number | AttributeType::Date) {
            errors.push(
                format!("{at}.min"),
                format!("ranges apply to number and date attributes; '{key}' is a {t}"),
            );
            return None;
        }
        let min = match get("min") {
            Some(v) => Some(value("min", v, errors)?),
            None => None,
        };
        let max = match get("max") {
            Some(v) => Some(value("max", v, errors)?),
            None => None,
        };
        if let (Some(lo), Some(hi)) = (
            min.as_ref().and_then(AttributeValue::filter_number),
            max.as_ref().and_then(AttributeValue::filter_number),
        ) && lo > hi
        {
            errors.push(format!("{at}.min"), "must not be greater than max");
            return None;
        }
        AttributeTest::Range { min, max }
    } else {
        errors.push(at, "give one of equals, one_of or min/max");
        return None;
    };
    Some(Condition::Attribute {
        key: key.to_owned(),
        attribute_type: t,
        test,
    })
}

/// How a metric is grouped by a customer attribute: by each value (string and boolean
/// attributes), or — for number attributes — into bins with the given ascending edges.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeGrouping {
    pub key: String,
    pub attribute_type: AttributeType,
    /// Ascending, distinct edges for a number attribute; empty otherwise.
    pub bins: Vec<f64>,
}

/// The key of the group of customers without the attribute (and of anonymous responses).
pub const NO_VALUE_GROUP: &str = "";

impl AttributeGrouping {
    /// `group_by=attribute:KEY` (with `bins=` for a number attribute). String and boolean
    /// attributes group by value; number attributes need bins; date attributes are refused
    /// (group by a derived string attribute such as a cohort instead).
    pub fn resolve(
        key: &str,
        bins: Option<&str>,
        definitions: &[AttributeDefinition],
    ) -> Result<AttributeGrouping, Vec<FieldError>> {
        let Some(definition) = definitions.iter().find(|d| d.key == key) else {
            return Err(vec![FieldError::new(
                "group_by",
                format!("'{key}' is not a declared attribute"),
            )]);
        };
        let t = definition.attribute_type;
        match (t, bins) {
            (AttributeType::String | AttributeType::Boolean, None) => Ok(AttributeGrouping {
                key: key.to_owned(),
                attribute_type: t,
                bins: Vec::new(),
            }),
            (AttributeType::String | AttributeType::Boolean | AttributeType::Date, Some(_)) => Err(
                vec![FieldError::new("bins", "apply to number attributes only")],
            ),
            (AttributeType::Number, None) => Err(vec![FieldError::new(
                "bins",
                format!("'{key}' is a number attribute: give bins (e.g. bins=1000,5000)"),
            )]),
            (AttributeType::Number, Some(raw)) => {
                let mut edges = Vec::new();
                for part in raw.split(',') {
                    match part.trim().parse::<f64>() {
                        Ok(n) if n.is_finite() => edges.push(n),
                        _ => {
                            return Err(vec![FieldError::new(
                                "bins",
                                format!("'{}' is not a number", part.trim()),
                            )]);
                        }
                    }
                }
                if edges.is_empty()
                    || edges.len() > MAX_BINS
                    || edges.windows(2).any(|w| w[0] >= w[1])
                {
                    return Err(vec![FieldError::new(
                        "bins",
                        format!("must be 1–{MAX_BINS} ascending, distinct numbers"),
                    )]);
                }
                Ok(AttributeGrouping {
                    key: key.to_owned(),
                    attribute_type: t,
                    bins: edges,
                })
            }
            (AttributeType::Date, None) => Err(vec![FieldError::new(
                "group_by",
                format!(
                    "'{key}' is a date attribute; metrics group by string, boolean or binned number attributes"
                ),
            )]),
        }
    }

    /// The group key of a customer's value (`value_text`, `value_num` as the store keeps
    /// them); [`NO_VALUE_GROUP`] without a value.
    pub fn group_of(&self, text: Option<&str>, number: Option<f64>) -> String {
        if self.bins.is_empty() {
            return text.unwrap_or(NO_VALUE_GROUP).to_owned();
        }
        let Some(n) = number else {
            return NO_VALUE_GROUP.to_owned();
        };
        let below = self.bins.iter().position(|edge| n < *edge);
        match below {
            Some(0) => format!("< {}", self.bins[0]),
            Some(i) => format!("{} – < {}", self.bins[i - 1], self.bins[i]),
            None => format!("≥ {}", self.bins[self.bins.len() - 1]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs() -> Vec<AttributeDefinition> {
        [
            ("plan", AttributeType::String),
            ("value", AttributeType::Number),
            ("since", AttributeType::Date),
            ("vip", AttributeType::Boolean),
        ]
        .into_iter()
        .map(|(key, attribute_type)| AttributeDefinition {
            key: key.to_owned(),
            label: key.to_owned(),
            attribute_type,
        })
        .collect()
    }

    fn fields(result: Result<Vec<Condition>, Vec<FieldError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn reads_every_kind_of_condition_and_writes_it_back() {
        let raw = json!([
            {"type": "attribute", "key": "plan", "one_of": ["Business", "Enterprise"]},
            {"type": "attribute", "key": "value", "min": "1000", "max": 5000},
            {"type": "attribute", "key": "since", "max": "2024-12-31"},
            {"type": "attribute", "key": "vip", "equals": "yes"},
            {"type": "nps_category", "one_of": ["detractor", "none", "detractor"]},
            {"type": "contacts", "days": 30, "min": 3},
            {"type": "latest_score", "metric": "csat", "max": 2},
        ]);
        let conditions = parse_conditions(&raw, &defs()).expect("valid");
        assert_eq!(conditions.len(), 7);
        assert_eq!(
            conditions[4],
            Condition::NpsCategory(vec![NpsCategory::Detractor, NpsCategory::None])
        );
        let written = conditions_json(&conditions);
        assert_eq!(written[1]["min"], json!(1000.0));
        assert_eq!(written[3]["equals"], json!(true));
        // The canonical form reads back to the same conditions.
        assert_eq!(parse_conditions(&written, &defs()), Ok(conditions));
    }

    #[test]
    fn names_every_bad_field() {
        let raw = json!([
            {"type": "attribute", "key": "nope", "equals": "x"},
            {"type": "attribute", "key": "value", "equals": "lots"},
            {"type": "attribute", "key": "plan", "min": "a"},
            {"type": "nps_category", "one_of": ["fan"]},
            {"type": "contacts", "days": 0, "min": 1},
            {"type": "latest_score", "metric": "csat", "min": 0},
            {"type": "open_case"},
            {"type": "latest_score", "metric": "ces", "min": 5, "max": 3, "extra": 1},
            "x",
        ]);
        assert_eq!(
            fields(parse_conditions(&raw, &defs())),
            vec![
                "conditions[0].key",
                "conditions[1].equals",
                "conditions[2].min",
                "conditions[3].one_of[0]",
                "conditions[4].days",
                "conditions[5].min",
                "conditions[6].type",
                "conditions[7].extra",
                "conditions[7].min",
                "conditions[8]",
            ]
        );
        assert_eq!(
            fields(parse_conditions(&json!({}), &defs())),
            vec!["conditions"]
        );
    }

    #[test]
    fn validates_name_and_description() {
        let draft = SegmentDraft {
            name: Some("  ".into()),
            description: Some("x".repeat(MAX_DESCRIPTION_CHARS + 1)),
            conditions: None,
        };
        let errors = ValidSegment::validate(draft, &defs()).expect_err("invalid");
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, vec!["name", "description"]);
        let ok = ValidSegment::validate(
            SegmentDraft {
                name: Some(" VIP ".into()),
                ..SegmentDraft::default()
            },
            &defs(),
        )
        .expect("valid");
        assert_eq!((ok.name.as_str(), ok.conditions.len()), ("VIP", 0));
    }

    #[test]
    fn groups_by_value_or_bin() {
        let plan = AttributeGrouping::resolve("plan", None, &defs()).expect("string");
        assert_eq!(plan.group_of(Some("Business"), None), "Business");
        assert_eq!(plan.group_of(None, None), NO_VALUE_GROUP);
        let value = AttributeGrouping::resolve("value", Some("1000, 5000"), &defs()).expect("bins");
        assert_eq!(value.group_of(Some("999"), Some(999.0)), "< 1000");
        assert_eq!(value.group_of(Some("1000"), Some(1000.0)), "1000 – < 5000");
        assert_eq!(value.group_of(Some("9000"), Some(9000.0)), "≥ 5000");
        assert!(AttributeGrouping::resolve("value", None, &defs()).is_err());
        assert!(AttributeGrouping::resolve("value", Some("5,1"), &defs()).is_err());
        assert!(AttributeGrouping::resolve("since", None, &defs()).is_err());
        assert!(AttributeGrouping::resolve("plan", Some("1"), &defs()).is_err());
        assert!(AttributeGrouping::resolve("nope", None, &defs()).is_err());
    }

    #[test]
    fn negative_ranges_follow_the_metric() {
        assert!(is_negative(MetricKind::Nps, 6) && !is_negative(MetricKind::Nps, 7));
        assert!(is_negative(MetricKind::Csat, 2) && !is_negative(MetricKind::Csat, 3));
        assert!(is_negative(MetricKind::Ces, 3) && !is_negative(MetricKind::Ces, 4));
        assert_eq!(NpsCategory::of_score(8), NpsCategory::Passive);
    }
}
