//! The overview and the survey page: reports from rollups (never raw rows), comments from the
//! newest responses, all turned into small view models the templates only place.

use super::chart::{self, Chart, ChartPoint};
use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::i18n::{self, Texts};
use crate::reports::{MetricRequest, metric_report, touchpoint_names};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months};
use std::collections::HashMap;
use touchpoint_domain::metrics::{Estimate, MetricKind};
use touchpoint_domain::period::{date_of_day, day_of_date, day_of_ms};
use touchpoint_domain::report::{PeriodChange, PeriodPoint, last_change, period_label};
use touchpoint_domain::{Interval, Language, Question, QuestionKind, SurveyId};
use touchpoint_store::{Cursor, GroupBy, StoreError, StoredResponse, Survey, SurveyStatus};

/// Comments shown on a page, and how many recent responses are searched for them.
const COMMENTS: usize = 8;
const COMMENT_SCAN: usize = 300;

/// A metric with its uncertainty and trend, as a tile or a page headline shows it.
pub struct Headline {
    pub metric: &'static str,
    pub unit: &'static str,
    pub has_value: bool,
    pub value: String,
    pub ci: String,
    pub n: String,
    pub small: bool,
    pub has_trend: bool,
    pub arrow: &'static str,
    pub trend_class: &'static str,
    pub trend_title: String,
}

pub struct Tile {
    pub name: String,
    pub href: String,
    pub question: String,
    pub closed: bool,
    pub has_metric: bool,
    pub headline: Headline,
}

pub struct CommentView {
    pub text: String,
    pub lang: String,
    pub score: String,
    pub score_class: &'static str,
    pub survey: String,
    pub survey_href: String,
    pub touchpoint: String,
    pub date: String,
    /// The date as `YYYY-MM-DD` for `<time datetime>`.
    pub iso_date: String,
}

pub struct Row {
    pub label: String,
    pub has_value: bool,
    pub value: String,
    pub ci: String,
    pub n: String,
    pub small: bool,
    /// Sparkline path of the monthly series (touchpoint rows only).
    pub spark: String,
    pub has_trend: bool,
    pub arrow: &'static str,
    pub trend_class: &'static str,
    pub trend_title: String,
    /// Touchpoint rows link to the survey page focused on them.
    pub href: String,
    pub current: bool,
}

pub struct MetricLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

#[derive(askama::Template)]
#[template(path = "web/overview.html")]
struct OverviewPage {
    lang: &'static str,
    t: &'static Texts,
    chrome: Chrome,
    tiles: Vec<Tile>,
    comments: Vec<CommentView>,
}

#[derive(askama::Template)]
#[template(path = "web/survey.html")]
struct SurveyPage {
    lang: &'static str,
    t: &'static Texts,
    chrome: Chrome,
    name: String,
    closed: bool,
    public_url: String,
    csv_href: String,
    metric_links: Vec<MetricLink>,
    has_metric: bool,
    question_text: String,
    headline: Headline,
    /// The touchpoint the page is focused on (empty: all of them).
    focus: String,
    all_href: String,
    chart: Option<Chart>,
    series: Vec<Row>,
    groups: Vec<Row>,
    comments: Vec<CommentView>,
}

fn unit(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Csat => " %",
        MetricKind::Nps | MetricKind::Ces => "",
    }
}

fn interval_text(language: Language, estimate: &Estimate) -> String {
    format!(
        "{} – {}",
        i18n::number(language, estimate.ci95.0),
        i18n::number(language, estimate.ci95.1)
    )
}

fn p_value_text(language: Language, p: f64) -> String {
    if p < 0.001 {
        return if language == Language::De {
            "p < 0,001".to_owned()
        } else {
            "p < 0.001".to_owned()
        };
    }
    let text = format!("p = {p:.3}");
    if language == Language::De {
        text.replace('.', ",")
    } else {
        text
    }
}

/// The arrow (↑/↓ only when significant), its CSS class and its explanation with the p-value.
fn trend(
    language: Language,
    change: Option<&PeriodChange>,
) -> (&'static str, &'static str, String) {
    let t = i18n::texts(language);
    match change {
        Some(change) => {
            let c = &change.comparison;
            let (arrow, class, words) = match (c.significant, c.difference > 0.0) {
                (true, true) => ("↑", "up", t.trend_up),
                (true, false) => ("↓", "down", t.trend_down),
                (false, _) => ("→", "flat", t.trend_flat),
            };
            let sign = if c.difference > 0.0 { "+" } else { "" };
            let title = format!(
                "{} {} {}: {sign}{} ({}) – {words}",
                period_label(Interval::Month, change.to_day),
                t.versus,
                period_label(Interval::Month, change.from_day),
                i18n::number(language, c.difference),
                p_value_text(language, c.p_value),
            );
            (arrow, class, title)
        }
        None => ("", "", String::new()),
    }
}

pub(crate) fn headline(
    language: Language,
    kind: MetricKind,
    estimate: Option<&Estimate>,
    change: Option<&PeriodChange>,
) -> Headline {
    let (arrow, trend_class, trend_title) = trend(language, change);
    Headline {
        metric: i18n::metric_name(kind),
        unit: unit(kind),
        has_value: estimate.is_some(),
        value: estimate
            .map(|e| i18n::number(language, e.value))
            .unwrap_or_default(),
        ci: estimate
            .map(|e| interval_text(language, e))
            .unwrap_or_default(),
        n: i18n::count(language, estimate.map_or(0, |e| e.n)),
        small: estimate.is_some_and(|e| e.small_sample),
        has_trend: change.is_some(),
        arrow,
        trend_class,
        trend_title,
    }
}

fn row(language: Language, label: String, estimate: Option<&Estimate>) -> Row {
    Row {
        label,
        has_value: estimate.is_some(),
        value: estimate
            .map(|e| i18n::number(language, e.value))
            .unwrap_or_default(),
        ci: estimate
            .map(|e| interval_text(language, e))
            .unwrap_or_default(),
        n: i18n::count(language, estimate.map_or(0, |e| e.n)),
        small: estimate.is_some_and(|e| e.small_sample),
        spark: String::new(),
        has_trend: false,
        arrow: "",
        trend_class: "",
        trend_title: String::new(),
        href: String::new(),
        current: false,
    }
}

/// The last twelve calendar months including the current one, as days.
pub(crate) fn last_twelve_months() -> (i64, i64) {
    let today = day_of_ms(touchpoint_store::now_ms());
    let date = date_of_day(today);
    let first = date
        .with_day(1)
        .and_then(|d| d.checked_sub_months(Months::new(11)))
        .map_or(today - 365, day_of_date);
    (first, today)
}

fn request(question: &Question, kind: MetricKind, group_by: Option<GroupBy>) -> MetricRequest {
    let (from_day, to_day) = last_twelve_months();
    MetricRequest {
        question_id: question.id.clone(),
        kind,
        from_day,
        to_day,
        interval: Interval::Month,
        group_by,
        filter: Default::default(),
        attribute: None,
        segment: None,
    }
}

pub(crate) fn score_class(kind: MetricKind, score: i64) -> &'static str {
    let (good, bad) = match kind {
        MetricKind::Nps => (score >= 9, score <= 6),
        MetricKind::Csat => (score >= 4, score <= 2),
        MetricKind::Ces => (score >= 5, score <= 3),
    };
    if good {
        "good"
    } else if bad {
        "bad"
    } else {
        "mid"
    }
}

/// Free-text answers of `responses` (newest first), each with its score and origin.
fn comments(
    language: Language,
    responses: &[StoredResponse],
    surveys: &HashMap<SurveyId, &Survey>,
    touchpoints: &HashMap<String, String>,
) -> Vec<CommentView> {
    let t = i18n::texts(language);
    let mut out = Vec::new();
    for response in responses {
        let Some(survey) = surveys.get(&response.survey_id) else {
            continue;
        };
        let definition = &survey.definition;
        let texts: Vec<&str> = definition
            .questions
            .iter()
            .filter(|q| q.kind == QuestionKind::Text)
            .filter_map(|q| response.answers.get(&q.id).and_then(|v| v.as_str()))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if texts.is_empty() {
            continue;
        }
        let score = definition.metric_questions().find_map(|(q, kind)| {
            response
                .answers
                .get(&q.id)
                .and_then(|v| v.as_i64())
                .map(|s| (kind, s))
        });
        out.push(CommentView {
            text: texts.join(" · "),
            lang: response.language.clone(),
            score: score
                .map(|(kind, s)| format!("{} {s}", i18n::metric_name(kind)))
                .unwrap_or_default(),
            score_class: score.map_or("", |(kind, s)| score_class(kind, s)),
            survey: definition.name.clone(),
            survey_href: format!("/app/surveys/{}", survey.id),
            touchpoint: response
                .touchpoint_id
                .and_then(|id| touchpoints.get(&id.to_string()).cloned())
                .unwrap_or_else(|| t.no_touchpoint.to_owned()),
            date: i18n::date(language, response.submitted_at),
            iso_date: i18n::iso_date(response.submitted_at),
        });
        if out.len() == COMMENTS {
            break;
        }
    }
    out
}

pub async fn overview(
    State(state): State<AppState>,
    signed_in: SignedIn,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(query.as_deref(), &headers);
    let org_id = signed_in.user.org_id;
    let store = &state.store;
    let fail = |e: StoreError| WebError::internal(language, e);
    let surveys = crate::reports::all_surveys(store, org_id, &signed_in.departments)
        .await
        .map_err(fail)?;
    let names = touchpoint_names(store, org_id, &signed_in.departments)
        .await
        .map_err(fail)?;

    let mut tiles = Vec::with_capacity(surveys.len());
    for survey in &surveys {
        let metric = survey.definition.metric_questions().next();
        let (question, head) = match metric {
            Some((question, kind)) => {
                let report = metric_report(store, survey, &request(question, kind, None))
                    .await
                    .map_err(fail)?;
                (
                    question.text.get(language).to_owned(),
                    headline(
                        language,
                        kind,
                        report.estimate.as_ref(),
                        report.change.as_ref(),
                    ),
                )
            }
            None => (
                String::new(),
                headline(language, MetricKind::Nps, None, None),
            ),
        };
        tiles.push(Tile {
            name: survey.definition.name.clone(),
            href: format!("/app/surveys/{}", survey.id),
            question,
            closed: survey.status == SurveyStatus::Closed,
            has_metric: metric.is_some(),
            headline: head,
        });
    }

    let recent = store
        .list_responses(
            org_id,
            &signed_in.departments,
            &touchpoint_store::ResponseQuery::default(),
            &Cursor::start(),
            COMMENT_SCAN,
        )
        .await
        .map_err(fail)?
        .items;
    let by_id: HashMap<SurveyId, &Survey> = surveys.iter().map(|s| (s.id, s)).collect();
    let page = OverviewPage {
        lang: language.as_str(),
        t: i18n::texts(language),
        chrome: Chrome::new(language, &signed_in, "/app"),
        tiles,
        comments: comments(language, &recent, &by_id, &names),
    };
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

fn month_label(t: &Texts, start_day: i64, first: bool) -> String {
    let date = date_of_day(start_day);
    let name = t.months[date.month0() as usize];
    if first || date.month() == 1 {
        format!("{name} {:02}", date.year() % 100)
    } else {
        name.to_owned()
    }
}

fn chart_for(language: Language, kind: MetricKind, series: &[PeriodPoint]) -> Chart {
    let t = i18n::texts(language);
    let count = series.len();
    let points: Vec<ChartPoint> = series
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let period = period_label(Interval::Month, p.start_day);
            let title = match &p.estimate {
                Some(e) => format!(
                    "{period}: {} {}{} ({} {}), n = {}{}",
                    i18n::metric_name(kind),
                    i18n::number(language, e.value),
                    unit(kind),
                    t.ci95,
                    interval_text(language, e),
                    i18n::count(language, e.n),
                    if e.small_sample {
                        format!(" – {}", t.small_sample)
                    } else {
                        String::new()
                    },
                ),
                None => format!("{period}: {}", t.no_data),
            };
            ChartPoint {
                label: month_label(t, p.start_day, i == 0),
                major: (count - 1 - i).is_multiple_of(2),
                value: p
                    .estimate
                    .as_ref()
                    .map(|e| (e.value, e.ci95.0, e.ci95.1, e.small_sample)),
                title,
            }
        })
        .collect();
    chart::build(kind, &points, |v, step| {
        let text = i18n::number(language, v);
        if step >= 1.0 {
            text.trim_end_matches(",0")
                .trim_end_matches(".0")
                .to_owned()
        } else {
            text
        }
    })
}

/// `none` in a URL stands for "responses without a touchpoint" (the empty group key).
fn group_param(key: &str) -> &str {
    if key.is_empty() { "none" } else { key }
}

fn parse_query(query: Option<&str>, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

async fn load_survey(
    state: &AppState,
    signed_in: &SignedIn,
    raw_id: &str,
    language: Language,
) -> Result<Survey, WebError> {
    let id: SurveyId = raw_id.parse().map_err(|_| WebError::not_found(language))?;
    let survey = state
        .store
        .survey(signed_in.user.org_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => WebError::not_found(language),
            other => WebError::internal(language, other),
        })?;
    crate::access::check_survey(state, &signed_in.departments, &survey)
        .await
        .map_err(|e| match e {
            crate::access::OutOfScope::Denied(_) => WebError::forbidden(language),
            crate::access::OutOfScope::Store(e) => WebError::internal(language, e),
        })?;
    Ok(survey)
}

pub async fn survey(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(query.as_deref(), &headers);
    let t = i18n::texts(language);
    let survey = load_survey(&state, &signed_in, &id, language).await?;
    let store = &state.store;
    let fail = |e: StoreError| WebError::internal(language, e);
    let definition = &survey.definition;
    let wanted = parse_query(query.as_deref(), "q");
    let wanted_touchpoint =
        parse_query(query.as_deref(), "tp").map(|k| if k == "none" { String::new() } else { k });
    let metric = definition
        .metric_questions()
        .find(|(q, _)| wanted.as_deref() == Some(q.id.as_str()))
        .or_else(|| definition.metric_questions().next());
    let path = format!("/app/surveys/{}", survey.id);
    let metric_links = definition
        .metric_questions()
        .map(|(q, kind)| MetricLink {
            href: format!("{path}?q={}", q.id),
            label: format!("{} · {}", i18n::metric_name(kind), q.text.get(language)),
            current: metric.is_some_and(|(m, _)| m.id == q.id),
        })
        .collect();
    let names = touchpoint_names(store, survey.org_id, &signed_in.departments)
        .await
        .map_err(fail)?;

    let mut focus = String::new();
    let mut focus_key = None;
    let mut all_href = path.clone();
    let (question_text, head, chart, series, groups) = match metric {
        Some((question, kind)) => {
            let report = metric_report(
                store,
                &survey,
                &request(question, kind, Some(GroupBy::Touchpoint)),
            )
            .await
            .map_err(fail)?;
            all_href = format!("{path}?q={}", question.id);
            let focused = wanted_touchpoint
                .as_deref()
                .and_then(|k| report.groups.iter().find(|g| g.key == k));
            let points = focused.map_or(report.series.as_slice(), |g| g.series.as_slice());
            let series = points
                .iter()
                .map(|p| {
                    row(
                        language,
                        period_label(Interval::Month, p.start_day),
                        p.estimate.as_ref(),
                    )
                })
                .collect();
            // One range for every sparkline, so rows compare at a glance.
            let monthly = report
                .groups
                .iter()
                .flat_map(|g| g.series.iter().filter_map(|p| p.estimate.as_ref()));
            let (spark_low, spark_high) = monthly
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| {
                    (lo.min(e.value), hi.max(e.value))
                });
            let groups = report
                .groups
                .iter()
                .map(|g| {
                    let label = if g.key.is_empty() {
                        t.no_touchpoint.to_owned()
                    } else {
                        names.get(&g.key).cloned().unwrap_or_else(|| g.key.clone())
                    };
                    let mut row = row(language, label, g.estimate.as_ref());
                    row.href = format!("{path}?q={}&tp={}", question.id, group_param(&g.key));
                    row.current = focused.is_some_and(|f| f.key == g.key);
                    let values: Vec<Option<f64>> = g
                        .series
                        .iter()
                        .map(|p| p.estimate.as_ref().map(|e| e.value))
                        .collect();
                    row.spark = chart::sparkline(&values, spark_low, spark_high);
                    let change = last_change(kind, &g.series);
                    (row.arrow, row.trend_class, row.trend_title) =
                        trend(language, change.as_ref());
                    row.has_trend = change.is_some();
                    row
                })
                .collect::<Vec<Row>>();
            let head = match focused {
                Some(g) => {
                    focus = groups
                        .iter()
                        .find(|r| r.current)
                        .map(|r| r.label.clone())
                        .unwrap_or_default();
                    focus_key = Some(g.key.clone());
                    headline(
                        language,
                        kind,
                        g.estimate.as_ref(),
                        last_change(kind, &g.series).as_ref(),
                    )
                }
                None => headline(
                    language,
                    kind,
                    report.estimate.as_ref(),
                    report.change.as_ref(),
                ),
            };
            (
                question.text.get(language).to_owned(),
                head,
                Some(chart_for(language, kind, points)),
                series,
                groups,
            )
        }
        None => (
            String::new(),
            headline(language, MetricKind::Nps, None, None),
            None,
            Vec::new(),
            Vec::new(),
        ),
    };

    let recent = store
        .list_responses(
            survey.org_id,
            // `survey` was checked against the user's departments by `load_survey`.
            &touchpoint_domain::DepartmentScope::All,
            &touchpoint_store::ResponseQuery {
                survey_id: Some(survey.id),
                touchpoint_id: focus_key.as_deref().and_then(|k| k.parse().ok()),
                ..Default::default()
            },
            &Cursor::start(),
            COMMENT_SCAN,
        )
        .await
        .map_err(fail)?
        .items;
    let by_id: HashMap<SurveyId, &Survey> = HashMap::from([(survey.id, &survey)]);
    let page = SurveyPage {
        lang: language.as_str(),
        t,
        chrome: Chrome::new(language, &signed_in, &path),
        name: definition.name.clone(),
        closed: survey.status == SurveyStatus::Closed,
        public_url: state.settings.survey_url(&survey.public_token),
        csv_href: format!("{path}/responses.csv"),
        metric_links,
        has_metric: metric.is_some(),
        question_text,
        headline: head,
        focus,
        all_href,
        chart,
        series,
        groups,
        comments: comments(language, &recent, &by_id, &names),
    };
    Ok(with_language_cookie(
        render(StatusCode::OK, &page),
        remember,
    ))
}

/// The API's streamed CSV export, authorised by the session instead of a bearer token.
pub async fn export_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, _) = signed_in.ui_language(None, &headers);
    let survey = load_survey(&state, &signed_in, &id, language).await?;
    Ok(crate::api::export::csv_response(state, survey).into_response())
}
