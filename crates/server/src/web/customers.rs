//! `/app/customers`: the customer directory (search by name, e-mail or external id, one
//! attribute filter, cursor paging — the list API's own query logic) and
//! `/app/customers/{id}`: one customer's timeline — attributes, consent and latest scores,
//! then every event and response across channels, newest first. Needs `read_customers`
//! (see `PAGE_PERMISSIONS`), like the customer API, which no department limits either.

use super::customer_texts::{self, CustomerTexts};
use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::api::customers::customer_query;
use crate::api::error::ApiError;
use crate::i18n::{self, Texts};
use crate::reports::touchpoint_names;
use crate::timeline::{TimelineItem, latest_scores, timeline_page};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::collections::HashMap;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::{
    Answers, CustomerId, DepartmentScope, Language, SurveyDefinition, SurveyId,
};
use touchpoint_store::{Cursor, Customer, CustomerQuery, StoreError};

/// Customers per list page.
const LIST_PAGE: usize = 50;
/// Timeline entries per page.
const TIMELINE_PAGE: usize = 50;

struct Row {
    href: String,
    name: String,
    external_id: String,
    email: String,
    language: String,
    attributes: String,
}

#[derive(askama::Template)]
#[template(path = "web/customers.html")]
struct ListPage {
    lang: &'static str,
    t: &'static Texts,
    c: &'static CustomerTexts,
    chrome: Chrome,
    q: String,
    value: String,
    /// `(key, label, selected)`.
    attribute_choices: Vec<(String, String, bool)>,
    filtered: bool,
    problems: Vec<String>,
    rows: Vec<Row>,
    more_href: String,
}

/// `key: value · key: value`, in the definitions' order, with their labels.
fn attribute_summary(c: &CustomerTexts, attributes: &Value, labels: &[(String, String)]) -> String {
    labels
        .iter()
        .filter_map(|(key, label)| {
            attributes
                .get(key)
                .map(|v| format!("{label}: {}", plain(c, v)))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A JSON value as text, without the quotes of strings; whole numbers without `.0`; yes or
/// no in the page's language for booleans.
fn plain(c: &CustomerTexts, v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => (if *b { c.yes } else { c.no }).to_owned(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let org_id = signed_in.user.org_id;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (q, attr, value, cursor) = (get("q"), get("attr"), get("value"), get("cursor"));
    let definitions = state
        .store
        .attribute_definitions(org_id)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    // The form's fields as the list API's query, checked by the same function.
    let mut filter: Vec<(String, String)> = Vec::new();
    if !q.is_empty() {
        filter.push(("q".to_owned(), q.clone()));
    }
    if !attr.is_empty() {
        filter.push((format!("attr.{attr}"), value.clone()));
    }
    let filters = serde_urlencoded::to_string(
        [("q", &q), ("attr", &attr), ("value", &value)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let (status, problems, rows, more_href) = match customer_query(&filter, &definitions) {
        Ok((query, _, _)) => {
            let after = Cursor::parse(&cursor).unwrap_or_else(Cursor::start);
            let (rows, next) = list_rows(&state, language, org_id, &query, &after, &definitions)
                .await
                .map_err(|e| WebError::internal(language, e))?;
            let more = next
                .map(|c| {
                    let cursor = serde_urlencoded::to_string([("cursor", c)]).unwrap_or_default();
                    if filters.is_empty() {
                        format!("/app/customers?{cursor}")
                    } else {
                        format!("/app/customers?{filters}&{cursor}")
                    }
                })
                .unwrap_or_default();
            (StatusCode::OK, Vec::new(), rows, more)
        }
        Err(ApiError::BadRequest(message)) => (
            StatusCode::BAD_REQUEST,
            vec![message],
            Vec::new(),
            String::new(),
        ),
        Err(other) => return Err(WebError::internal(language, format!("{other:?}"))),
    };
    let page = ListPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        c: customer_texts::texts(language),
        chrome: Chrome::new(language, &signed_in, "/app/customers"),
        attribute_choices: definitions
            .iter()
            .map(|d| (d.key.clone(), d.label.clone(), d.key == attr))
            .collect(),
        filtered: !filters.is_empty(),
        q,
        value,
        problems,
        rows,
        more_href,
    };
    Ok(with_language_cookie(render(status, &page), remember))
}

async fn list_rows(
    state: &AppState,
    language: Language,
    org_id: touchpoint_domain::OrgId,
    query: &CustomerQuery,
    after: &Cursor,
    definitions: &[touchpoint_domain::AttributeDefinition],
) -> Result<(Vec<Row>, Option<String>), StoreError> {
    let page = state
        .store
        .list_customers(org_id, query, after, LIST_PAGE)
        .await?;
    let labels: Vec<(String, String)> = definitions
        .iter()
        .map(|d| (d.key.clone(), d.label.clone()))
        .collect();
    let rows = page
        .items
        .iter()
        .map(|c| Row {
            href: format!("/app/customers/{}", c.id),
            name: c.name.clone().unwrap_or_default(),
            external_id: c.external_id.clone(),
            email: c.email.clone().unwrap_or_default(),
            language: c.language.clone().unwrap_or_default(),
            attributes: attribute_summary(customer_texts::texts(language), &c.attributes, &labels),
        })
        .collect();
    Ok((rows, page.next_cursor))
}

// ---------------------------------------------------------------------------------------
// The timeline
// ---------------------------------------------------------------------------------------

struct ScoreView {
    metric: &'static str,
    score: String,
    class: &'static str,
    date: String,
}

struct EntryView {
    /// `event` or `response`.
    kind: &'static str,
    at: String,
    when: String,
    channel: String,
    channel_icon: &'static str,
    touchpoint: String,
    /// Event: its type; response: the survey's name.
    title: String,
    outcome: String,
    /// Event properties or a response's metric scores, as `key: value`.
    details: Vec<String>,
    scores: Vec<ScoreView>,
    comments: Vec<String>,
    /// `(css class, label)` of the analysed sentiment.
    sentiment: Option<(&'static str, &'static str)>,
}

#[derive(askama::Template)]
#[template(path = "web/customer.html")]
struct TimelinePageView {
    lang: &'static str,
    t: &'static Texts,
    c: &'static CustomerTexts,
    chrome: Chrome,
    name: String,
    external_id: String,
    email: String,
    language: String,
    /// `(label, value)`.
    attributes: Vec<(String, String)>,
    /// `(label, given)`.
    consents: Vec<(&'static str, bool)>,
    latest: Vec<(&'static str, Option<ScoreView>)>,
    entries: Vec<EntryView>,
    more_href: String,
}

/// A metric score's class: good, middling or bad (promoter / passive / detractor, and the
/// same cut for CSAT 4–5 / 3 / 1–2 and CES 5–7 / 4 / 1–3).
fn score_class(kind: MetricKind, score: i64) -> &'static str {
    let (good, neutral) = match kind {
        MetricKind::Nps => (9, 7),
        MetricKind::Csat => (4, 3),
        MetricKind::Ces => (5, 4),
    };
    if score >= good {
        "pos"
    } else if score >= neutral {
        "neu"
    } else {
        "neg"
    }
}

fn when(language: Language, ms: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
        return String::new();
    };
    match language {
        Language::De => t.format("%d.%m.%Y %H:%M UTC").to_string(),
        Language::En => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn sentiment_chip(t: &Texts, label: &str) -> (&'static str, &'static str) {
    match label {
        "negative" => ("neg", t.sentiment_negative),
        "positive" => ("pos", t.sentiment_positive),
        _ => ("neu", t.sentiment_neutral),
    }
}

fn score_view(language: Language, kind: MetricKind, score: i64, at: i64) -> ScoreView {
    ScoreView {
        metric: i18n::metric_name(kind),
        score: score.to_string(),
        class: score_class(kind, score),
        date: i18n::date(language, at),
    }
}

pub async fn timeline(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let org_id = signed_in.user.org_id;
    let t = i18n::texts(language);
    let c = customer_texts::texts(language);
    let internal = |e: StoreError| WebError::internal(language, e);
    let Ok(id) = id.parse::<CustomerId>() else {
        return Err(WebError::not_found(language));
    };
    let customer: Customer = state
        .store
        .customer(org_id, id)
        .await
        .map_err(|e| WebError::from_store(language, e))?;
    let cursor = raw
        .as_deref()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "cursor"))
        .and_then(|(_, v)| Cursor::parse(&v))
        .unwrap_or_else(Cursor::start);
    let page = timeline_page(&state.store, org_id, id, &cursor, TIMELINE_PAGE)
        .await
        .map_err(internal)?;
    let latest = latest_scores(&state.store, org_id, id)
        .await
        .map_err(internal)?;
    // Customers are not department-bound (docs/ACCESS.md): every touchpoint is named.
    let touchpoints = touchpoint_names(&state.store, org_id, &DepartmentScope::All)
        .await
        .map_err(internal)?;
    let definitions = state
        .store
        .attribute_definitions(org_id)
        .await
        .map_err(internal)?;

    // Survey definitions, to tell metric answers and comments apart.
    let mut surveys: HashMap<String, std::sync::Arc<SurveyDefinition>> = HashMap::new();
    for item in &page.items {
        if let TimelineItem::Response(r) = item
            && !surveys.contains_key(&r.survey_id)
            && let Ok(survey_id) = r.survey_id.parse::<SurveyId>()
        {
            let survey = state
                .store
                .survey(org_id, survey_id)
                .await
                .map_err(internal)?;
            surveys.insert(r.survey_id.clone(), survey.definition);
        }
    }
    let touchpoint_name = |tp: Option<&str>| {
        tp.and_then(|id| touchpoints.get(id).cloned())
            .unwrap_or_else(|| c.unknown_touchpoint.to_owned())
    };
    let entries = page
        .items
        .iter()
        .map(|item| match item {
            TimelineItem::Event(e) => {
                let (channel, channel_icon) = customer_texts::channel(c, &e.channel);
                let details = e
                    .properties
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| format!("{k}: {}", plain(c, v)))
                            .collect()
                    })
                    .unwrap_or_default();
                EntryView {
                    kind: "event",
                    at: crate::api::rfc3339(e.occurred_at),
                    when: when(language, e.occurred_at),
                    channel,
                    channel_icon,
                    touchpoint: touchpoint_name(Some(&e.touchpoint_id.to_string())),
                    title: e.kind.clone(),
                    outcome: e.outcome.clone().unwrap_or_default(),
                    details,
                    scores: Vec::new(),
                    comments: Vec::new(),
                    sentiment: None,
                }
            }
            TimelineItem::Response(r) => {
                let (channel, channel_icon) = customer_texts::channel(c, &r.channel);
                let (mut scores, mut comments) = (Vec::new(), Vec::new());
                let answers = serde_json::from_value::<Answers>(r.answers.clone()).ok();
                if let (Some(definition), Some(answers)) = (surveys.get(&r.survey_id), answers) {
                    scores = answers
                        .metric_scores(definition)
                        .map(|(_, kind, score)| score_view(language, kind, score, r.submitted_at))
                        .collect();
                    comments = answers
                        .texts(definition)
                        .filter(|text| !text.trim().is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                EntryView {
                    kind: "response",
                    at: crate::api::rfc3339(r.submitted_at),
                    when: when(language, r.submitted_at),
                    channel,
                    channel_icon,
                    touchpoint: touchpoint_name(r.touchpoint_id.as_deref()),
                    title: r.survey_name.clone(),
                    outcome: String::new(),
                    details: Vec::new(),
                    scores,
                    comments,
                    sentiment: r.sentiment.as_deref().map(|s| sentiment_chip(t, s)),
                }
            }
        })
        .collect();
    let attributes = definitions
        .iter()
        .filter_map(|d| {
            customer
                .attributes
                .get(&d.key)
                .map(|v| (d.label.clone(), plain(c, v)))
        })
        .collect();
    let latest = [MetricKind::Nps, MetricKind::Csat, MetricKind::Ces]
        .into_iter()
        .map(|kind| {
            (
                i18n::metric_name(kind),
                latest
                    .get(&kind)
                    .map(|s| score_view(language, kind, s.score, s.at)),
            )
        })
        .collect();
    let path = format!("/app/customers/{id}");
    let view = TimelinePageView {
        lang: language.as_str(),
        t,
        c,
        chrome: Chrome::new(language, &signed_in, &path),
        name: customer
            .name
            .clone()
            .unwrap_or_else(|| c.unnamed.to_owned()),
        external_id: customer.external_id.clone(),
        email: customer.email.clone().unwrap_or_default(),
        language: customer.language.clone().unwrap_or_default(),
        attributes,
        consents: vec![
            (c.consent_email, customer.consent_email),
            (c.consent_sms, customer.consent_sms),
            (c.consent_in_app, customer.consent_in_app),
        ],
        latest,
        entries,
        more_href: page
            .next_cursor
            .map(|next| {
                format!(
                    "{path}?{}",
                    serde_urlencoded::to_string([("cursor", next)]).unwrap_or_default()
                )
            })
            .unwrap_or_default(),
    };
    Ok(with_language_cookie(
        render(StatusCode::OK, &view),
        remember,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_read_plainly() {
        let de = customer_texts::texts(Language::De);
        let en = customer_texts::texts(Language::En);
        assert_eq!(plain(de, &json!("gold")), "gold");
        assert_eq!(plain(de, &json!(4.0)), "4");
        assert_eq!(plain(de, &json!(74.4)), "74.4");
        assert_eq!(plain(de, &json!(-3)), "-3");
        assert_eq!(plain(de, &json!(true)), "ja");
        assert_eq!(plain(en, &json!(false)), "no");
        assert_eq!(score_class(MetricKind::Nps, 6), "neg");
        assert_eq!(score_class(MetricKind::Nps, 7), "neu");
        assert_eq!(score_class(MetricKind::Nps, 9), "pos");
        assert_eq!(score_class(MetricKind::Csat, 3), "neu");
        assert_eq!(score_class(MetricKind::Ces, 4), "neu");
        assert_eq!(score_class(MetricKind::Ces, 3), "neg");
    }
}
