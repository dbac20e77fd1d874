//! The CRM pages: `/app/at-risk` (valuable customers whose latest experience was negative,
//! by value, linking to each customer's page) and `/app/segments` (the saved segments, a plain
//! form to create one, and `/app/segments/{id}` to change or delete it). No script: the
//! segment form has a fixed set of fields that becomes the same conditions the API takes, and
//! is validated by the same `ValidSegment::validate`.

use super::crm_texts::{self, CrmTexts};
use super::form::Form;
use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::api::rfc3339;
use crate::i18n::{self, Texts};
use crate::limits::PeerAddress;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::segment::{SegmentDraft, ValidSegment};
use touchpoint_domain::{AttributeDefinition, AttributeType, Language, Permission, SegmentId};
use touchpoint_store::{AtRiskQuery, Cursor, RiskReason, Segment, StoreError, ValueOrder};

const AT_RISK_PAGE: usize = 50;
/// Attribute rows the segment form shows beyond the conditions it already has.
const SPARE_ATTRIBUTE_ROWS: usize = 2;

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// At risk
// ---------------------------------------------------------------------------------------------

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct AtRiskRow {
    href: String,
    name: String,
    external_id: String,
    value: String,
    reasons: String,
    scores: String,
    latest: String,
}

#[derive(askama::Template)]
#[template(path = "web/at_risk.html")]
struct AtRiskPage {
    lang: &'static str,
    t: &'static Texts,
    c: &'static CrmTexts,
    chrome: Chrome,
    values: Vec<Choice>,
    segments: Vec<Choice>,
    orders: Vec<Choice>,
    rows: Vec<AtRiskRow>,
    next: Option<String>,
    has_value: bool,
    problems: Vec<String>,
}

fn reason_text(c: &CrmTexts, reason: RiskReason) -> &'static str {
    match reason {
        RiskReason::NpsDetractor => c.reason_nps,
        RiskReason::CsatDissatisfied => c.reason_csat,
        RiskReason::CesDifficult => c.reason_ces,
        RiskReason::NegativeComment => c.reason_comment,
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n:.2}")
    }
}

fn day(ms: i64) -> String {
    rfc3339(ms).chars().take(10).collect()
}

/// The value attribute to show by default: `customer_value`, else `value`, else the first.
fn default_value_key(numbers: &[&AttributeDefinition]) -> Option<String> {
    ["customer_value", "value"]
        .iter()
        .find_map(|k| numbers.iter().find(|d| d.key == *k))
        .or(numbers.first())
        .map(|d| d.key.clone())
}

pub async fn at_risk(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let c = crm_texts::texts(language);
    let org_id = signed_in.user.org_id;
    let internal = |e: StoreError| WebError::internal(language, e);
    let pairs = query_pairs(raw.as_deref());
    let definitions = state
        .store
        .attribute_definitions(org_id)
        .await
        .map_err(internal)?;
    let numbers: Vec<&AttributeDefinition> = definitions
        .iter()
        .filter(|d| d.attribute_type == AttributeType::Number)
        .collect();
    let value_key = param(&pairs, "value")
        .filter(|k| numbers.iter().any(|d| d.key == *k))
        .map(str::to_owned)
        .or_else(|| default_value_key(&numbers));
    let segments = state.store.segments(org_id).await.map_err(internal)?;
    let segment: Option<&Segment> =
        param(&pairs, "segment").and_then(|raw| segments.iter().find(|s| s.id.to_string() == raw));
    let order = match param(&pairs, "order") {
        Some("value_asc") => ValueOrder::Asc,
        _ => ValueOrder::Desc,
    };
    let mut problems = Vec::new();
    let cursor = match param(&pairs, "cursor") {
        None => Cursor::start(),
        Some(raw) => Cursor::parse(raw).unwrap_or_else(|| {
            problems.push(i18n::texts(language).not_found_title.to_owned());
            Cursor::start()
        }),
    };
    let mut rows = Vec::new();
    let mut next = None;
    if let Some(key) = &value_key {
        let page = state
            .store
            .at_risk_customers(
                org_id,
                &AtRiskQuery {
                    value_key: key.clone(),
                    order,
                    segment: segment.map(|s| s.conditions.clone()),
                    ..AtRiskQuery::default()
                },
                &cursor,
                AT_RISK_PAGE,
            )
            .await
            .map_err(internal)?;
        // Customers are not department-bound (docs/ACCESS.md): every touchpoint is named.
        let names = crate::reports::touchpoint_names(
            &state.store,
            org_id,
            &touchpoint_domain::DepartmentScope::All,
        )
        .await
        .map_err(internal)?;
        for item in &page.items {
            let customer = &item.customer;
            let scores = item
                .latest
                .iter()
                .map(|l| format!("{} {}", l.metric.as_str().to_uppercase(), l.score))
                .collect::<Vec<_>>()
                .join(" · ");
            let latest = item
                .latest_experience()
                .map(|l| {
                    let place = l
                        .touchpoint_id
                        .as_ref()
                        .and_then(|t| names.get(t).cloned())
                        .unwrap_or_else(|| c.no_touchpoint.to_owned());
                    format!("{} {} · {place}", c.at, day(l.submitted_at))
                })
                .unwrap_or_default();
            rows.push(AtRiskRow {
                href: format!("/app/customers/{}", customer.id),
                name: customer
                    .name
                    .clone()
                    .unwrap_or_else(|| customer.external_id.clone()),
                external_id: customer.external_id.clone(),
                value: number(item.value),
                reasons: item
                    .reasons
                    .iter()
                    .map(|r| reason_text(c, *r))
                    .collect::<Vec<_>>()
                    .join(", "),
                scores,
                latest,
            });
        }
        next = page.next_cursor.map(|cursor| {
            let mut params = vec![("value", key.clone())];
            if let Some(s) = segment {
                params.push(("segment", s.id.to_string()));
            }
            if order == ValueOrder::Asc {
                params.push(("order", "value_asc".to_owned()));
            }
            params.push(("cursor", cursor));
            format!(
                "/app/at-risk?{}",
                serde_urlencoded::to_string(&params).unwrap_or_default()
            )
        });
    }
    let page = AtRiskPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        c,
        chrome: Chrome::new(language, &signed_in, "/app/at-risk"),
        values: numbers
            .iter()
            .map(|d| Choice {
                value: d.key.clone(),
                label: d.label.clone(),
                selected: value_key.as_deref() == Some(d.key.as_str()),
            })
            .collect(),
        segments: segments
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: s.name.clone(),
                selected: segment.is_some_and(|chosen| chosen.id == s.id),
            })
            .collect(),
        orders: [
            ("value_desc", c.sort_desc, order == ValueOrder::Desc),
            ("value_asc", c.sort_asc, order == ValueOrder::Asc),
        ]
        .into_iter()
        .map(|(value, label, selected)| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            selected,
        })
        .collect(),
        rows,
        next,
        has_value: value_key.is_some(),
        problems,
    };
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

// ---------------------------------------------------------------------------------------------
// Segments
// ---------------------------------------------------------------------------------------------

/// One attribute row of the segment form.
struct AttributeRow {
    index: usize,
    key: String,
    op: String,
    value: String,
    to: String,
}

/// The segment form's fields, as text.
#[derive(Default)]
struct SegmentForm {
    name: String,
    description: String,
    attributes: Vec<AttributeRow>,
    nps: Vec<String>,
    contacts_days: String,
    contacts_min: String,
    contacts_max: String,
    csat_min: String,
    csat_max: String,
    ces_min: String,
    ces_max: String,
}

fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl SegmentForm {
    fn with_spare_rows(mut self) -> SegmentForm {
        for _ in 0..SPARE_ATTRIBUTE_ROWS {
            self.attributes.push(AttributeRow {
                index: self.attributes.len(),
                key: String::new(),
                op: "equals".to_owned(),
                value: String::new(),
                to: String::new(),
            });
        }
        self
    }

    fn of_segment(segment: &Segment) -> SegmentForm {
        let mut form = SegmentForm {
            name: segment.name.clone(),
            description: segment.description.clone(),
            ..SegmentForm::default()
        };
        for condition in &segment.conditions {
            let raw = condition.to_json();
            let get = |k: &str| text_of(&raw[k]);
            match raw["type"].as_str().unwrap_or("") {
                "attribute" => {
                    let (op, value, to) = if !raw["equals"].is_null() {
                        ("equals", get("equals"), String::new())
                    } else if let Some(list) = raw["one_of"].as_array() {
                        let joined = list.iter().map(text_of).collect::<Vec<_>>().join(", ");
                        ("one_of", joined, String::new())
                    } else {
                        ("between", get("min"), get("max"))
                    };
                    form.attributes.push(AttributeRow {
                        index: form.attributes.len(),
                        key: get("key"),
                        op: op.to_owned(),
                        value,
                        to,
                    });
                }
                "nps_category" => {
                    form.nps = raw["one_of"]
                        .as_array()
                        .map(|l| l.iter().map(text_of).collect())
                        .unwrap_or_default();
                }
                "contacts" => {
                    form.contacts_days = get("days");
                    form.contacts_min = get("min");
                    form.contacts_max = get("max");
                }
                "latest_score" => {
                    let (min, max) = (get("min"), get("max"));
                    match raw["metric"].as_str() {
                        Some("csat") => (form.csat_min, form.csat_max) = (min, max),
                        Some("ces") => (form.ces_min, form.ces_max) = (min, max),
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        form.with_spare_rows()
    }

    fn parse(form: &Form) -> SegmentForm {
        let mut attributes = Vec::new();
        let mut index = 0;
        while !form.get(&format!("attr_op_{index}")).is_empty() {
            attributes.push(AttributeRow {
                index,
                key: form.text(&format!("attr_key_{index}")),
                op: form.text(&format!("attr_op_{index}")),
                value: form.text(&format!("attr_value_{index}")),
                to: form.text(&format!("attr_to_{index}")),
            });
            index += 1;
            if index > touchpoint_domain::segment::MAX_CONDITIONS {
                break;
            }
        }
        SegmentForm {
            name: form.text("name"),
            description: form.text("description"),
            attributes,
            nps: form.all("nps"),
            contacts_days: form.text("contacts_days"),
            contacts_min: form.text("contacts_min"),
            contacts_max: form.text("contacts_max"),
            csat_min: form.text("csat_min"),
            csat_max: form.text("csat_max"),
            ces_min: form.text("ces_min"),
            ces_max: form.text("ces_max"),
        }
    }

    /// The conditions these fields stand for, in the API's JSON (validated by the caller).
    fn conditions(&self) -> Value {
        // Whole numbers go as numbers; anything else as typed, for the validation to name.
        let int = |raw: &str| -> Value {
            if raw.is_empty() {
                Value::Null
            } else {
                raw.parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(raw.to_owned()))
            }
        };
        let optional = |raw: &str| -> Value {
            if raw.is_empty() {
                Value::Null
            } else {
                Value::String(raw.to_owned())
            }
        };
        let mut out = Vec::new();
        for row in self.attributes.iter().filter(|r| !r.key.is_empty()) {
            out.push(match row.op.as_str() {
                "one_of" => json!({"type": "attribute", "key": row.key, "one_of":
                    row.value.split(',').map(str::trim).filter(|v| !v.is_empty()).collect::<Vec<_>>()}),
                "between" => json!({"type": "attribute", "key": row.key,
                    "min": optional(&row.value), "max": optional(&row.to)}),
                _ => json!({"type": "attribute", "key": row.key, "equals": row.value}),
            });
        }
        if !self.nps.is_empty() {
            out.push(json!({"type": "nps_category", "one_of": self.nps}));
        }
        if [&self.contacts_days, &self.contacts_min, &self.contacts_max]
            .iter()
            .any(|f| !f.is_empty())
        {
            out.push(json!({"type": "contacts", "days": int(&self.contacts_days),
                "min": int(&self.contacts_min), "max": int(&self.contacts_max)}));
        }
        for (metric, min, max) in [
            (MetricKind::Csat, &self.csat_min, &self.csat_max),
            (MetricKind::Ces, &self.ces_min, &self.ces_max),
        ] {
            if !min.is_empty() || !max.is_empty() {
                out.push(json!({"type": "latest_score", "metric": metric.as_str(),
                    "min": int(min), "max": int(max)}));
            }
        }
        Value::Array(out)
    }

    fn has_nps(&self, category: &str) -> bool {
        self.nps.iter().any(|c| c == category)
    }
}

struct SegmentRow {
    count: i64,
    href: String,
    at_risk: String,
    name: String,
    description: String,
    conditions: Vec<String>,
}

#[derive(askama::Template)]
#[template(path = "web/segments.html")]
struct SegmentsPage {
    lang: &'static str,
    t: &'static Texts,
    c: &'static CrmTexts,
    chrome: Chrome,
    segments: Vec<SegmentRow>,
    may_edit: bool,
    notice: String,
    problems: Vec<String>,
    form: SegmentForm,
    attributes: Vec<Choice>,
    /// Where the form posts.
    action: String,
    editing: bool,
}

/// A condition in words, for the list.
fn describe(c: &CrmTexts, raw: &Value, labels: &HashMap<String, String>) -> String {
    let text = |k: &str| text_of(&raw[k]);
    let bounds = |min: String, max: String| match (min.is_empty(), max.is_empty()) {
        (false, false) => format!("{min} – {max}"),
        (false, true) => format!("≥ {min}"),
        (true, false) => format!("≤ {max}"),
        (true, true) => String::new(),
    };
    match raw["type"].as_str().unwrap_or("") {
        "attribute" => {
            let key = text("key");
            let label = labels.get(&key).cloned().unwrap_or(key);
            if !raw["equals"].is_null() {
                format!("{label} {} {}", c.equals, text("equals"))
            } else if let Some(list) = raw["one_of"].as_array() {
                let values: Vec<String> = list.iter().map(text_of).collect();
                format!("{label} {} {}", c.one_of, values.join(", "))
            } else {
                format!("{label}: {}", bounds(text("min"), text("max")))
            }
        }
        "nps_category" => {
            let names: Vec<&str> = raw["one_of"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| match v.as_str() {
                    Some("promoter") => c.promoter,
                    Some("passive") => c.passive,
                    Some("detractor") => c.detractor,
                    _ => c.no_nps,
                })
                .collect();
            format!("{}: {}", c.nps_category, names.join(", "))
        }
        "contacts" => format!(
            "{} ({} {}): {}",
            c.contacts,
            text("days"),
            c.contacts_in_days,
            bounds(text("min"), text("max"))
        ),
        "latest_score" => {
            let label = if raw["metric"] == "ces" {
                c.latest_ces
            } else {
                c.latest_csat
            };
            format!("{label}: {}", bounds(text("min"), text("max")))
        }
        _ => String::new(),
    }
}

struct SegmentsView<'a> {
    signed_in: &'a SignedIn,
    language: Language,
    notice: String,
    problems: Vec<String>,
    form: SegmentForm,
    editing: Option<SegmentId>,
}

async fn render_segments(
    state: &AppState,
    view: SegmentsView<'_>,
) -> Result<SegmentsPage, WebError> {
    let language = view.language;
    let c = crm_texts::texts(language);
    let org_id = view.signed_in.user.org_id;
    let internal = |e: StoreError| WebError::internal(language, e);
    let definitions = state
        .store
        .attribute_definitions(org_id)
        .await
        .map_err(internal)?;
    let labels: HashMap<String, String> = definitions
        .iter()
        .map(|d| (d.key.clone(), d.label.clone()))
        .collect();
    let segments = state.store.segments(org_id).await.map_err(internal)?;
    let value_key = default_value_key(
        &definitions
            .iter()
            .filter(|d| d.attribute_type == AttributeType::Number)
            .collect::<Vec<_>>(),
    );
    let mut counts = Vec::with_capacity(segments.len());
    for s in &segments {
        counts.push(
            state
                .store
                .count_segment_members(org_id, &s.conditions)
                .await
                .map_err(internal)?,
        );
    }
    let rows = segments
        .iter()
        .zip(counts)
        .map(|(s, count)| SegmentRow {
            count,
            href: format!("/app/segments/{}", s.id),
            at_risk: match &value_key {
                Some(key) => format!("/app/at-risk?value={key}&segment={}", s.id),
                None => format!("/app/at-risk?segment={}", s.id),
            },
            name: s.name.clone(),
            description: s.description.clone(),
            conditions: s
                .conditions
                .iter()
                .map(|condition| describe(c, &condition.to_json(), &labels))
                .collect(),
        })
        .collect();
    let path = match view.editing {
        Some(id) => format!("/app/segments/{id}"),
        None => "/app/segments".to_owned(),
    };
    Ok(SegmentsPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        c,
        chrome: Chrome::new(language, view.signed_in, &path),
        segments: rows,
        may_edit: view.signed_in.may(Permission::ManageCustomers),
        notice: view.notice,
        problems: view.problems,
        attributes: definitions
            .iter()
            .map(|d| Choice {
                value: d.key.clone(),
                label: format!("{} ({})", d.label, d.attribute_type),
                selected: false,
            })
            .collect(),
        form: view.form,
        action: path,
        editing: view.editing.is_some(),
    })
}

pub async fn segments(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let c = crm_texts::texts(language);
    let pairs = query_pairs(raw.as_deref());
    let notice = match param(&pairs, "done") {
        Some("saved") => c.saved.to_owned(),
        Some("deleted") => c.deleted.to_owned(),
        _ => String::new(),
    };
    let page = render_segments(
        &state,
        SegmentsView {
            signed_in: &signed_in,
            language,
            notice,
            problems: Vec::new(),
            form: SegmentForm::default().with_spare_rows(),
            editing: None,
        },
    )
    .await?;
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

/// The segment a path names; 404 for a malformed id or another organisation's segment.
async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    language: Language,
    raw: &str,
) -> Result<Segment, WebError> {
    let id: SegmentId = raw.parse().map_err(|_| WebError::not_found(language))?;
    state
        .store
        .segment(signed_in.user.org_id, id)
        .await
        .map_err(|e| WebError::from_store(language, e))
}

pub async fn segment(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let segment = load(&state, &signed_in, language, &id).await?;
    let page = render_segments(
        &state,
        SegmentsView {
            signed_in: &signed_in,
            language,
            notice: String::new(),
            problems: Vec::new(),
            form: SegmentForm::of_segment(&segment),
            editing: Some(segment.id),
        },
    )
    .await?;
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

/// Validates and stores the form (create when `id` is `None`); the page again with every
/// problem when it is refused.
async fn save(
    state: &AppState,
    signed_in: &SignedIn,
    peer: PeerAddress,
    language: Language,
    form: SegmentForm,
    id: Option<SegmentId>,
) -> Result<Response, WebError> {
    let c = crm_texts::texts(language);
    let org_id = signed_in.user.org_id;
    let definitions = state
        .store
        .attribute_definitions(org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    let draft = SegmentDraft {
        name: Some(form.name.clone()),
        description: Some(form.description.clone()),
        conditions: Some(form.conditions()),
    };
    let problems = match ValidSegment::validate(draft, &definitions) {
        Ok(valid) => {
            let context = signed_in.audit(peer.0);
            let stored = match id {
                None => state.store.create_segment(org_id, &valid, &context).await,
                Some(id) => {
                    state
                        .store
                        .update_segment(org_id, id, &valid, &context)
                        .await
                }
            };
            match stored {
                Ok(_) => return Ok(Redirect::to("/app/segments?done=saved").into_response()),
                Err(StoreError::Conflict { .. }) => vec![c.name_taken.to_owned()],
                Err(e) => return Err(WebError::from_store(language, e)),
            }
        }
        Err(errors) => errors
            .iter()
            .map(|e| format!("{} — {}: {}", c.condition_problem, e.field, e.message))
            .collect(),
    };
    let mut form = form;
    if form.attributes.iter().all(|r| !r.key.is_empty()) {
        form = form.with_spare_rows();
    }
    let page = render_segments(
        state,
        SegmentsView {
            signed_in,
            language,
            notice: String::new(),
            problems,
            form,
            editing: id,
        },
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let form = SegmentForm::parse(&Form::parse(&body));
    save(&state, &signed_in, peer, language, form, None).await
}

/// `intent` is `save` or `delete`.
pub async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    peer: PeerAddress,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let segment = load(&state, &signed_in, language, &id).await?;
    let form = Form::parse(&body);
    if form.text("intent") == "delete" {
        return match state
            .store
            .delete_segment(signed_in.user.org_id, segment.id, &signed_in.audit(peer.0))
            .await
        {
            Ok(()) => Ok(Redirect::to("/app/segments?done=deleted").into_response()),
            Err(e) => Err(WebError::from_store(language, e)),
        };
    }
    save(
        &state,
        &signed_in,
        peer,
        language,
        SegmentForm::parse(&form),
        Some(segment.id),
    )
    .await
}
