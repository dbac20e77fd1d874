//! The comments explorer (`/app/comments`): analysed verbatims with their sentiment and theme
//! chips and the evidence highlighted, filterable by survey, touchpoint, theme, sentiment,
//! language and period through a plain GET form; beside them what the comments say in
//! aggregate (theme counts, recurring small problems, emerging themes) and the state of the
//! analysis. A filter value that cannot be used is named on the page and ignored.

use super::pages::score_class;
use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::i18n::{self, Texts};
use crate::insights::{self, Scope};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::HashMap;
use touchpoint_domain::period::{MS_PER_DAY, date_of_day, day_of_date, day_of_ms};
use touchpoint_domain::{Answers, Language, SurveyId, TouchpointId};
use touchpoint_store::jobs::JobState;
use touchpoint_store::{Cursor, ResponseQuery, StoreError, StoredResponse, Survey};
use touchpoint_text::RecurrencePattern;

const PATH: &str = "/app/comments";
/// Verbatims per page.
const PAGE_SIZE: usize = 25;
const DEFAULT_DAYS: i64 = 90;
const PRESETS: [i64; 3] = [30, 90, 365];
const SENTIMENTS: [&str; 3] = ["negative", "neutral", "positive"];
const RECURRING_SHOWN: usize = 5;
/// Recurring problems need many periods to be told from spikes: never fewer weeks than this.
const RECURRING_MIN_WEEKS: i64 = 12;
const EMERGING_SHOWN: usize = 5;
const EMERGING_EXAMPLES: usize = 2;
/// Example comments of emerging themes are cut to this many characters.
const EXAMPLE_CHARS: usize = 240;

/// Which comments: every field `None` means "any".
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    survey: Option<SurveyId>,
    touchpoint: Option<TouchpointId>,
    theme: Option<String>,
    sentiment: Option<&'static str>,
    language: Option<Language>,
    period: Period,
}

/// The period looked at: a preset ending today, or calendar days (inclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Period {
    Last(i64),
    Custom { from_day: i64, to_day: i64 },
}

impl Default for Period {
    fn default() -> Self {
        Period::Last(DEFAULT_DAYS)
    }
}

impl Period {
    /// First and last day (inclusive).
    fn days(self, today: i64) -> (i64, i64) {
        match self {
            Period::Last(n) => (today - n + 1, today),
            Period::Custom { from_day, to_day } => (from_day, to_day),
        }
    }
}

impl Filters {
    /// The query string of these filters (defaults left out), with `cursor` if given.
    fn query(&self, cursor: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(s) = self.survey {
            pairs.push(("survey", s.to_string()));
        }
        if let Some(t) = self.touchpoint {
            pairs.push(("touchpoint", t.to_string()));
        }
        if let Some(t) = &self.theme {
            pairs.push(("theme", t.clone()));
        }
        if let Some(s) = self.sentiment {
            pairs.push(("sentiment", s.to_owned()));
        }
        if let Some(l) = self.language {
            pairs.push(("language", l.as_str().to_owned()));
        }
        match self.period {
            Period::Last(DEFAULT_DAYS) => {}
            Period::Last(n) => pairs.push(("period", n.to_string())),
            Period::Custom { from_day, to_day } => {
                pairs.push(("period", "custom".to_owned()));
                pairs.push(("from", iso_day(from_day)));
                pairs.push(("to", iso_day(to_day)));
            }
        }
        if let Some(c) = cursor {
            pairs.push(("cursor", c.to_owned()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    fn href(&self) -> String {
        with_query(self.query(None))
    }

    /// The first page of these filters changed by `change`.
    fn with(&self, change: impl FnOnce(&mut Filters)) -> String {
        let mut changed = self.clone();
        change(&mut changed);
        changed.href()
    }
}

fn with_query(query: String) -> String {
    if query.is_empty() {
        PATH.to_owned()
    } else {
        format!("{PATH}?{query}")
    }
}

fn iso_day(day: i64) -> String {
    date_of_day(day).format("%Y-%m-%d").to_string()
}

fn parse_day(raw: &str) -> Option<i64> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .map(day_of_date)
}

/// A filter value the page could not use.
pub struct Notice {
    field: &'static str,
    value: String,
    reason: &'static str,
}

/// Reads the filters from the query; what is unusable becomes a notice and is left out.
/// Survey and touchpoint ids are checked against the organisation's own lists.
fn parse_filters(
    t: &Texts,
    pairs: &[(String, String)],
    today: i64,
    surveys: &[Survey],
    touchpoints: &[(TouchpointId, String)],
    themes: &[String],
) -> (Filters, Option<Cursor>, Vec<Notice>) {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let mut notices = Vec::new();
    let mut invalid = |field: &'static str, value: &str| {
        notices.push(Notice {
            field,
            value: value.chars().take(80).collect(),
            reason: t.filter_invalid,
        })
    };
    let mut filters = Filters::default();
    if let Some(raw) = get("survey") {
        match raw.parse::<SurveyId>() {
            Ok(id) if surveys.iter().any(|s| s.id == id) => filters.survey = Some(id),
            _ => invalid(t.survey, raw),
        }
    }
    if let Some(raw) = get("touchpoint") {
        match raw.parse::<TouchpointId>() {
            Ok(id) if touchpoints.iter().any(|(t, _)| *t == id) => filters.touchpoint = Some(id),
            _ => invalid(t.touchpoint, raw),
        }
    }
    if let Some(raw) = get("theme") {
        match themes.iter().find(|id| *id == raw) {
            Some(id) => filters.theme = Some(id.clone()),
            None => invalid(t.theme, raw),
        }
    }
    if let Some(raw) = get("sentiment") {
        match SENTIMENTS.iter().find(|s| **s == raw) {
            Some(s) => filters.sentiment = Some(s),
            None => invalid(t.sentiment, raw),
        }
    }
    if let Some(raw) = get("language") {
        match Language::parse(raw) {
            Some(l) => filters.language = Some(l),
            None => invalid(t.language, raw),
        }
    }
    let from = get("from");
    let to = get("to");
    let from_day = from.and_then(|raw| {
        let day = parse_day(raw);
        if day.is_none() {
            invalid(t.date_from, raw);
        }
        day
    });
    let to_day = to.and_then(|raw| {
        let day = parse_day(raw);
        if day.is_none() {
            invalid(t.date_to, raw);
        }
        day
    });
    let custom = || match (from_day, to_day) {
        (None, None) => None,
        (from, to) => {
            let to_day = to.unwrap_or(today);
            let from_day = from.unwrap_or(to_day - DEFAULT_DAYS + 1);
            Some((from_day, to_day))
        }
    };
    match get("period") {
        None | Some("custom") => match custom() {
            Some((from_day, to_day)) if from_day <= to_day => {
                filters.period = Period::Custom { from_day, to_day };
            }
            Some(_) => notices.push(Notice {
                field: t.period,
                value: format!("{} – {}", from.unwrap_or(""), to.unwrap_or("")),
                reason: t.filter_date_order,
            }),
            None => {}
        },
        Some(raw) => match raw.parse::<i64>().ok().filter(|n| PRESETS.contains(n)) {
            Some(n) => {
                filters.period = Period::Last(n);
                if from.is_some() || to.is_some() {
                    notices.push(Notice {
                        field: t.period,
                        value: format!("{} – {}", from.unwrap_or(""), to.unwrap_or("")),
                        reason: t.filter_dates_need_custom,
                    });
                }
            }
            None => notices.push(Notice {
                field: t.period,
                value: raw.chars().take(80).collect(),
                reason: t.filter_invalid,
            }),
        },
    }
    let cursor = match get("cursor") {
        None => None,
        Some(raw) => {
            let parsed = Cursor::parse(raw);
            if parsed.is_none() {
                notices.push(Notice {
                    field: t.page,
                    value: raw.chars().take(80).collect(),
                    reason: t.filter_invalid,
                });
            }
            parsed
        }
    };
    (filters, cursor, notices)
}

/// A run of a comment's text, highlighted when it is evidence of a theme.
pub struct Segment {
    pub text: String,
    pub mark: bool,
    /// The themes the highlighted text is evidence of.
    pub title: String,
}

/// Splits `text` into plain and highlighted runs. Spans are byte ranges `(start, end, theme)`;
/// ranges out of bounds, empty, or not on character boundaries are dropped, overlapping ones
/// merged, so whatever the stored analysis says the text is shown whole and exactly once.
pub fn highlight(text: &str, spans: &[(i64, i64, String)]) -> Vec<Segment> {
    let mut valid: Vec<(usize, usize, &str)> = spans
        .iter()
        .filter_map(|(start, end, theme)| {
            let start = usize::try_from(*start).ok()?;
            let end = usize::try_from(*end).ok()?;
            (start < end && text.get(start..end).is_some()).then_some((start, end, theme.as_str()))
        })
        .collect();
    valid.sort_by_key(|(start, end, _)| (*start, *end));
    let mut merged: Vec<(usize, usize, Vec<&str>)> = Vec::new();
    for (start, end, theme) in valid {
        match merged.last_mut() {
            Some(last) if start < last.1 => {
                last.1 = last.1.max(end);
                if !last.2.contains(&theme) {
                    last.2.push(theme);
                }
            }
            _ => merged.push((start, end, vec![theme])),
        }
    }
    let mut out = Vec::with_capacity(2 * merged.len() + 1);
    let mut at = 0;
    let plain = |text: &str| Segment {
        text: text.to_owned(),
        mark: false,
        title: String::new(),
    };
    for (start, end, themes) in merged {
        if start > at {
            out.push(plain(&text[at..start]));
        }
        out.push(Segment {
            text: text[start..end].to_owned(),
            mark: true,
            title: themes.join(", "),
        });
        at = end;
    }
    if at < text.len() || out.is_empty() {
        out.push(plain(&text[at..]));
    }
    out
}

/// A chip that filters the list by what it shows.
pub struct Chip {
    pub label: String,
    /// `neg`, `neu` or `pos`.
    pub class: &'static str,
    /// The sentiment in words, so colour is never the only carrier.
    pub sentiment: &'static str,
    pub href: String,
}

pub struct Verbatim {
    pub segments: Vec<Segment>,
    pub lang: String,
    pub sentiment: Option<Chip>,
    pub themes: Vec<Chip>,
    pub score: String,
    pub score_class: &'static str,
    pub survey: String,
    pub survey_href: String,
    pub touchpoint: String,
    pub touchpoint_href: String,
    pub language_name: &'static str,
    pub language_href: String,
    pub date: String,
    pub iso_date: String,
}

fn sentiment_class(label: &str) -> &'static str {
    match label {
        "negative" => "neg",
        "positive" => "pos",
        _ => "neu",
    }
}

fn sentiment_words(t: &Texts, label: &str) -> &'static str {
    match label {
        "negative" => t.sentiment_negative,
        "positive" => t.sentiment_positive,
        _ => t.sentiment_neutral,
    }
}

fn language_name(t: &Texts, code: &str) -> &'static str {
    match Language::parse(code) {
        Some(Language::De) => t.lang_de,
        Some(Language::En) => t.lang_en,
        None => "",
    }
}

/// The text the analysis ran on: the text answers in question order, one per line.
fn analysed_text(response: &StoredResponse, survey: &Survey) -> String {
    let Ok(answers) = serde_json::from_value::<Answers>(response.answers.clone()) else {
        return String::new();
    };
    answers
        .texts(&survey.definition)
        .filter(|t| !t.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

struct Context<'a> {
    language: Language,
    t: &'static Texts,
    state: &'a AppState,
    filters: &'a Filters,
    surveys: &'a HashMap<SurveyId, &'a Survey>,
    touchpoints: &'a HashMap<TouchpointId, String>,
}

fn verbatim(cx: &Context<'_>, response: &StoredResponse) -> Option<Verbatim> {
    let t = cx.t;
    let survey = cx.surveys.get(&response.survey_id)?;
    let text = analysed_text(response, survey);
    if text.is_empty() {
        return None;
    }
    let analysis = response.analysis.as_ref().unwrap_or(&Value::Null);
    let sentiment = analysis["sentiment"]["label"].as_str().map(|label| {
        let label = SENTIMENTS.iter().copied().find(|s| *s == label);
        Chip {
            label: sentiment_words(t, label.unwrap_or("neutral")).to_owned(),
            class: sentiment_class(label.unwrap_or("neutral")),
            sentiment: "",
            href: cx.filters.with(|f| f.sentiment = label),
        }
    });
    let mut spans = Vec::new();
    let mut themes = Vec::new();
    for theme in analysis["themes"].as_array().into_iter().flatten() {
        let Some(id) = theme["id"].as_str() else {
            continue;
        };
        let label = insights::theme_label(&cx.state.text, id, cx.language);
        for span in theme["evidence"].as_array().into_iter().flatten() {
            if let (Some(start), Some(end)) = (span["start"].as_i64(), span["end"].as_i64()) {
                spans.push((start, end, label.clone()));
            }
        }
        let own = theme["sentiment"].as_str().unwrap_or("neutral");
        themes.push(Chip {
            label,
            class: sentiment_class(own),
            sentiment: sentiment_words(t, own),
            href: cx.filters.with(|f| f.theme = Some(id.to_owned())),
        });
    }
    let score = survey
        .definition
        .metric_questions()
        .next()
        .and_then(|(q, kind)| {
            response
                .answers
                .get(&q.id)
                .and_then(Value::as_i64)
                .map(|s| (kind, s))
        });
    let language = Language::parse(&response.language);
    Some(Verbatim {
        segments: highlight(&text, &spans),
        lang: response.language.clone(),
        sentiment,
        themes,
        score: score
            .map(|(kind, s)| format!("{} {s}", i18n::metric_name(kind)))
            .unwrap_or_default(),
        score_class: score.map_or("", |(kind, s)| score_class(kind, s)),
        survey: survey.definition.name.clone(),
        survey_href: cx.filters.with(|f| f.survey = Some(survey.id)),
        touchpoint: response
            .touchpoint_id
            .and_then(|id| cx.touchpoints.get(&id).cloned())
            .unwrap_or_default(),
        touchpoint_href: cx
            .filters
            .with(|f| f.touchpoint = response.touchpoint_id.or(f.touchpoint)),
        language_name: language_name(t, &response.language),
        language_href: cx.filters.with(|f| f.language = language.or(f.language)),
        date: i18n::date(cx.language, response.submitted_at),
        iso_date: i18n::iso_date(response.submitted_at),
    })
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choice(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Choice {
    Choice {
        value: value.into(),
        label: label.into(),
        selected,
    }
}

pub struct ThemeRow {
    pub label: String,
    pub href: String,
    pub mentions: String,
    pub negative_share: String,
    pub current: bool,
}

pub struct Problem {
    pub label: String,
    pub href: String,
    pub pattern: &'static str,
    pub growing: bool,
    pub reason: String,
}

pub struct Emerging {
    pub terms: String,
    pub size: String,
    pub examples: Vec<String>,
}

pub struct Status {
    pub running: bool,
    pub done: i64,
    pub total: i64,
    pub progress: String,
    /// When the last run finished (empty: never).
    pub finished: String,
    pub pending: String,
}

#[derive(askama::Template)]
#[template(path = "web/comments.html")]
struct CommentsPage {
    lang: &'static str,
    t: &'static Texts,
    chrome: Chrome,
    notices: Vec<Notice>,
    survey_choices: Vec<Choice>,
    touchpoint_choices: Vec<Choice>,
    theme_choices: Vec<Choice>,
    sentiment_choices: Vec<Choice>,
    language_choices: Vec<Choice>,
    period_choices: Vec<Choice>,
    from: String,
    to: String,
    period_text: String,
    filtered: bool,
    verbatims: Vec<Verbatim>,
    more_href: String,
    theme_rows: Vec<ThemeRow>,
    recurring_weeks: i64,
    problems: Vec<Problem>,
    emerging: Vec<Emerging>,
    status: Status,
}

fn percent(language: Language, share: f32) -> String {
    let value = f64::from(share) * 100.0;
    let text = if value >= 10.0 {
        format!("{value:.0}")
    } else {
        i18n::number(language, value)
    };
    format!("{text} %")
}

/// The reason of a recurring problem in the UI language. The engine states it in English;
/// German is built from the same figures.
fn reason(language: Language, issue: &touchpoint_text::RecurringIssue) -> String {
    if language == Language::En {
        return issue.reason.clone();
    }
    let (present, total) = (issue.periods_present, issue.periods_total);
    let low = percent(language, issue.share_low);
    let high = percent(language, issue.share_high);
    let mut text = match issue.pattern {
        RecurrencePattern::None => format!("in den letzten {total} Wochen nicht aufgetreten"),
        RecurrencePattern::Spike => {
            format!("einmalig: {high} der Kommentare in {present} der letzten {total} Wochen")
        }
        _ if low == high => {
            format!("in {present} der letzten {total} Wochen, {low} der Kommentare")
        }
        _ => format!(
            "in {present} der letzten {total} Wochen, {} – {high} der Kommentare",
            low.trim_end_matches(" %")
        ),
    };
    if issue.growing {
        text.push_str("; Anteil steigt");
    }
    if present > 0 {
        text.push_str(&format!(
            "; mittlere Schwere {}",
            format!("{:.2}", issue.mean_severity).replace('.', ",")
        ));
    }
    text
}

fn pattern_text(t: &Texts, pattern: RecurrencePattern) -> &'static str {
    match pattern {
        RecurrencePattern::Persistent => t.pattern_persistent,
        RecurrencePattern::Occasional => t.pattern_occasional,
        RecurrencePattern::Spike => t.pattern_spike,
        RecurrencePattern::None => t.pattern_none,
    }
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= EXAMPLE_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(EXAMPLE_CHARS).collect();
    cut.push('…');
    cut
}

pub async fn comments(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(query.as_deref(), &headers);
    let t = i18n::texts(language);
    let org_id = signed_in.user.org_id;
    let store = &state.store;
    let fail = |e: StoreError| WebError::internal(language, e);
    let today = day_of_ms(touchpoint_store::now_ms());

    let surveys = crate::reports::all_surveys(store, org_id, &signed_in.departments)
        .await
        .map_err(fail)?;
    let touchpoint_list: Vec<(TouchpointId, String)> =
        crate::reports::all_touchpoints(store, org_id, &signed_in.departments)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|tp| (tp.id, tp.name))
            .collect();
    let taxonomy: Vec<(String, String)> = state
        .text
        .analyzer()
        .taxonomy()
        .themes()
        .map(|d| {
            let label = match language {
                Language::De => &d.label.de,
                Language::En => &d.label.en,
            };
            (d.id.clone(), label.clone())
        })
        .collect();
    let theme_ids: Vec<String> = taxonomy.iter().map(|(id, _)| id.clone()).collect();
    let pairs: Vec<(String, String)> = query
        .as_deref()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let (filters, cursor, notices) =
        parse_filters(t, &pairs, today, &surveys, &touchpoint_list, &theme_ids);

    let (first_day, last_day) = filters.period.days(today);
    let response_query = ResponseQuery {
        survey_id: filters.survey,
        touchpoint_id: filters.touchpoint,
        theme: filters.theme.clone(),
        sentiment: filters.sentiment.map(str::to_owned),
        language: filters.language.map(|l| l.as_str().to_owned()),
        from_ms: Some(first_day * MS_PER_DAY),
        to_ms: Some((last_day + 1) * MS_PER_DAY),
        commented: true,
        segment: None,
    };
    let page = store
        .list_responses(
            org_id,
            &signed_in.departments,
            &response_query,
            cursor.as_ref().unwrap_or(&Cursor::start()),
            PAGE_SIZE,
        )
        .await
        .map_err(fail)?;

    let by_id: HashMap<SurveyId, &Survey> = surveys.iter().map(|s| (s.id, s)).collect();
    let touchpoints: HashMap<TouchpointId, String> = touchpoint_list.iter().cloned().collect();
    let cx = Context {
        language,
        t,
        state: &state,
        filters: &filters,
        surveys: &by_id,
        touchpoints: &touchpoints,
    };
    let verbatims: Vec<Verbatim> = page.items.iter().filter_map(|r| verbatim(&cx, r)).collect();
    let more_href = page
        .next_cursor
        .as_deref()
        .map(|c| with_query(filters.query(Some(c))))
        .unwrap_or_default();

    // The panels look at the same period and survey as the list.
    let scope = Scope {
        org_id,
        survey_id: filters.survey,
        today: last_day,
        language,
    };
    let days = last_day - first_day + 1;
    // The panels aggregate over a survey or the whole organisation; a user limited to
    // departments sees them for one of their surveys only.
    let panels = signed_in.departments.is_all() || filters.survey.is_some();
    let theme_rows = if panels {
        insights::theme_counts(store, &state.text, scope, days)
            .await
            .map_err(fail)?
    } else {
        Vec::new()
    }
    .into_iter()
    .map(|c| ThemeRow {
        href: filters.with(|f| f.theme = Some(c.id.clone())),
        current: filters.theme.as_deref() == Some(c.id.as_str()),
        label: c.label,
        mentions: i18n::count(language, u64::try_from(c.mentions).unwrap_or(0)),
        negative_share: format!("{} %", i18n::number(language, c.negative_share)),
    })
    .collect();
    let recurring_weeks = ((days + 6) / 7).clamp(RECURRING_MIN_WEEKS, 104);
    let problems = if panels {
        insights::recurring(store, &state.text, scope, recurring_weeks)
            .await
            .map_err(fail)?
    } else {
        Vec::new()
    }
    .into_iter()
    .filter(|p| p.issue.pattern != RecurrencePattern::None)
    .take(RECURRING_SHOWN)
    .map(|p| Problem {
        href: filters.with(|f| f.theme = Some(p.issue.theme.clone())),
        label: p.label,
        pattern: pattern_text(t, p.issue.pattern),
        growing: p.issue.growing,
        reason: reason(language, &p.issue),
    })
    .collect();
    let emerging = if panels {
        insights::emerging(store, scope, days).await.map_err(fail)?
    } else {
        Vec::new()
    }
    .into_iter()
    .take(EMERGING_SHOWN)
    .map(|c| Emerging {
        terms: c.top_terms.join(", "),
        size: i18n::count(language, c.size as u64),
        examples: c
            .examples
            .iter()
            .take(EMERGING_EXAMPLES)
            .map(|e| excerpt(e))
            .collect(),
    })
    .collect();
    let run = store.latest_text_run().await.map_err(fail)?;
    let pending = store.count_jobs(JobState::Queued).await.map_err(fail)?
        + store.count_jobs(JobState::Running).await.map_err(fail)?;
    let status = Status {
        running: run.as_ref().is_some_and(|r| r.finished_at.is_none()),
        done: run.as_ref().map_or(0, |r| r.done.max(0)),
        total: run.as_ref().map_or(0, |r| r.total.max(0)),
        progress: run.as_ref().map_or(String::new(), |r| {
            format!(
                "{} {} {}",
                i18n::count(language, u64::try_from(r.done).unwrap_or(0)),
                t.of,
                i18n::count(language, u64::try_from(r.total).unwrap_or(0))
            )
        }),
        finished: run
            .as_ref()
            .and_then(|r| r.finished_at)
            .map(|ms| i18n::date(language, ms))
            .unwrap_or_default(),
        pending: i18n::count(language, u64::try_from(pending).unwrap_or(0)),
    };

    let any = |selected: bool| choice("", t.any, selected);
    let mut survey_choices = vec![any(filters.survey.is_none())];
    survey_choices.extend(surveys.iter().map(|s| {
        choice(
            s.id.to_string(),
            s.definition.name.clone(),
            filters.survey == Some(s.id),
        )
    }));
    let mut touchpoint_choices = vec![any(filters.touchpoint.is_none())];
    touchpoint_choices.extend(touchpoint_list.iter().map(|(id, name)| {
        choice(
            id.to_string(),
            name.clone(),
            filters.touchpoint == Some(*id),
        )
    }));
    let mut theme_choices = vec![any(filters.theme.is_none())];
    theme_choices.extend(taxonomy.iter().map(|(id, label)| {
        choice(
            id.clone(),
            label.clone(),
            filters.theme.as_deref() == Some(id.as_str()),
        )
    }));
    let mut sentiment_choices = vec![any(filters.sentiment.is_none())];
    sentiment_choices.extend(
        SENTIMENTS
            .iter()
            .map(|s| choice(*s, sentiment_words(t, s), filters.sentiment == Some(*s))),
    );
    let mut language_choices = vec![any(filters.language.is_none())];
    language_choices.extend(Language::ALL.iter().map(|l| {
        choice(
            l.as_str(),
            language_name(t, l.as_str()),
            filters.language == Some(*l),
        )
    }));
    let custom = matches!(filters.period, Period::Custom { .. });
    let mut period_choices: Vec<Choice> = PRESETS
        .iter()
        .map(|n| {
            let label = match n {
                30 => t.last_30_days,
                90 => t.last_90_days,
                _ => t.last_365_days,
            };
            choice(n.to_string(), label, filters.period == Period::Last(*n))
        })
        .collect();
    period_choices.push(choice("custom", t.custom_period, custom));
    let period_text = format!(
        "{} – {}",
        i18n::date(language, first_day * MS_PER_DAY),
        i18n::date(language, last_day * MS_PER_DAY)
    );

    let self_href = with_query(filters.query(cursor.as_ref().map(Cursor::encode).as_deref()));
    let page = CommentsPage {
        lang: language.as_str(),
        t,
        chrome: Chrome::new(language, &signed_in, &self_href),
        notices,
        survey_choices,
        touchpoint_choices,
        theme_choices,
        sentiment_choices,
        language_choices,
        period_choices,
        from: if custom {
            iso_day(first_day)
        } else {
            String::new()
        },
        to: if custom {
            iso_day(last_day)
        } else {
            String::new()
        },
        period_text,
        filtered: filters != Filters::default(),
        verbatims,
        more_href,
        theme_rows,
        recurring_weeks,
        problems,
        emerging,
        status,
    };
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| {
                if s.mark {
                    format!("[{}]", s.text)
                } else {
                    s.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn highlights_valid_spans_and_drops_the_rest() {
        let text = "Die Rechnung für März ist falsch";
        let span = |a: i64, b: i64| (a, b, "Rechnung".to_owned());
        assert_eq!(
            rendered(&highlight(text, &[span(4, 12)])),
            "Die [Rechnung] für März ist falsch"
        );
        // "ü" is two bytes: 14 is inside it; out of range, reversed, negative, empty.
        let junk = [
            span(14, 20),
            span(4, 999),
            span(12, 4),
            span(-3, 2),
            span(5, 5),
        ];
        assert_eq!(rendered(&highlight(text, &junk)), text);
        // Overlapping and touching spans merge or follow each other; nothing is repeated.
        let both = [span(4, 12), span(8, 17), span(17, 23)];
        assert_eq!(
            rendered(&highlight(text, &both)),
            "Die [Rechnung für][ März] ist falsch"
        );
        assert_eq!(rendered(&highlight("", &[span(0, 1)])), "");
        assert_eq!(
            rendered(&highlight("ab", &[span(0, 2)])),
            "[ab]",
            "a span covering the whole text"
        );
    }

    #[test]
    fn filters_round_trip_through_the_query() {
        let filters = Filters {
            theme: Some("billing".into()),
            sentiment: Some("negative"),
            language: Some(Language::De),
            period: Period::Custom {
                from_day: 20_000,
                to_day: 20_010,
            },
            ..Default::default()
        };
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&filters.query(None)).expect("query");
        let (parsed, cursor, notices) =
            parse_filters(&i18n::EN, &pairs, 20_100, &[], &[], &["billing".to_owned()]);
        assert_eq!(parsed, filters);
        assert!(cursor.is_none() && notices.is_empty());
        assert_eq!(Filters::default().href(), "/app/comments");
    }
}
