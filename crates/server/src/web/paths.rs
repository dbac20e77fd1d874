//! `/app/journeys/{id}/paths`: the journey's stage funnel (HTML bars drawn as tiny SVGs, no
//! script), its most common paths with their score, and the repeat-contact comparison with a
//! form to pick the touchpoint and the stage. Same numbers and validation as
//! `GET /api/v1/journeys/{id}/paths`; texts in German and English kept here (a missing
//! translation is a compile error).

use super::pages::headline;
use super::{Chrome, SignedIn, WebError, render, with_language_cookie};
use crate::AppState;
use crate::api::paths::{PathsQuery, paths_request};
use crate::i18n::{self, Texts};
use crate::journey_map::visible_journey;
use crate::journey_paths::{
    JourneyPaths, PathsRequest, contacts_label, journey_paths, resolve_repeat,
};
use crate::web::pages::Headline;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use touchpoint_domain::metrics::{Comparison, MetricKind};
use touchpoint_domain::paths::{DEFAULT_TOP, Share};
use touchpoint_domain::period::{date_of_day, day_of_ms};
use touchpoint_domain::{FieldError, Language};

#[derive(Debug)]
pub struct PathTexts {
    pub link: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub period: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub top: &'static str,
    pub show: &'static str,
    pub summary: &'static str,
    pub funnel: &'static str,
    pub funnel_hint: &'static str,
    pub stage: &'static str,
    pub reached: &'static str,
    pub visited: &'static str,
    pub drop_off: &'static str,
    pub paths: &'static str,
    pub paths_hint: &'static str,
    pub path: &'static str,
    pub customers: &'static str,
    pub share: &'static str,
    pub versus_rest: &'static str,
    pub truncated: &'static str,
    pub no_paths: &'static str,
    pub other_paths: &'static str,
    pub repeat: &'static str,
    pub repeat_hint: &'static str,
    pub repeat_touchpoint: &'static str,
    pub before_stage: &'static str,
    pub contacts: &'static str,
    pub versus_none: &'static str,
    pub not_reached: &'static str,
    pub not_significant: &'static str,
    pub significant: &'static str,
    pub visits: &'static str,
}

const DE: PathTexts = PathTexts {
    link: "Pfade und Abbrüche",
    title: "Pfade",
    intro: "Welche Wege Kunden durch diese Journey tatsächlich nehmen, wo sie zwischen den Phasen abbrechen und wie ihr Wert je Pfad ausfällt. Grundlage sind die Interaktionsereignisse und die Antworten der Kunden an den Touchpoints der Journey im Zeitraum.",
    period: "Zeitraum",
    from: "Von",
    to: "Bis",
    top: "Pfade",
    show: "Anzeigen",
    summary: "Kunden mit Pfad",
    funnel: "Phasen-Trichter",
    funnel_hint: "Erreicht: Kunden mit einem Kontakt in dieser oder einer späteren Phase. Abbruch: Anteil derer, die keine spätere Phase erreichten, mit 95-%-Intervall (Wilson).",
    stage: "Phase",
    reached: "Erreicht",
    visited: "Mit Kontakt in der Phase",
    drop_off: "Abbruch danach",
    paths: "Häufigste Pfade",
    paths_hint: "Ein Pfad ist die Folge der besuchten Touchpoints; aufeinanderfolgende Kontakte am selben Touchpoint bilden einen Schritt (×2 = im Mittel zwei Kontakte). Der Vergleich stellt den Wert des Pfads dem aller übrigen Kunden gegenüber.",
    path: "Pfad",
    customers: "Kunden",
    share: "Anteil",
    versus_rest: "ggü. Rest",
    truncated: "gekürzt",
    no_paths: "Keine Interaktionsereignisse an den Touchpoints dieser Journey im Zeitraum.",
    other_paths: "Kunden auf anderen Pfaden",
    repeat: "Wiederholte Kontakte",
    repeat_hint: "Kunden, die die Phase erreichten, gruppiert nach der Zahl ihrer Kontakte am Touchpoint vor dem ersten Kontakt in der Phase; jede Gruppe im Vergleich mit der Gruppe ohne Kontakt.",
    repeat_touchpoint: "Touchpoint",
    before_stage: "vor Erreichen der Phase",
    contacts: "Kontakte",
    versus_none: "ggü. 0 Kontakten",
    not_reached: "Phase nicht erreicht",
    not_significant: "nicht signifikant (p ≥ 0,05)",
    significant: "signifikant (p < 0,05)",
    visits: "Kontakte",
};

const EN: PathTexts = PathTexts {
    link: "Paths and drop-off",
    title: "Paths",
    intro: "Which ways customers actually take through this journey, where they drop off between stages and how they score by path. Built from the interaction events and the customers' responses at the journey's touchpoints in the period.",
    period: "Period",
    from: "From",
    to: "To",
    top: "Paths",
    show: "Show",
    summary: "Customers with a path",
    funnel: "Stage funnel",
    funnel_hint: "Reached: customers with a contact in this stage or a later one. Drop-off: the share of them who reached no later stage, with its 95 % interval (Wilson).",
    stage: "Stage",
    reached: "Reached",
    visited: "With a contact in the stage",
    drop_off: "Drop-off after",
    paths: "Most common paths",
    paths_hint: "A path is the sequence of touchpoints visited; consecutive contacts at the same touchpoint are one step (×2 = two contacts on average). The comparison sets the path's score against all other customers'.",
    path: "Path",
    customers: "Customers",
    share: "Share",
    versus_rest: "vs. rest",
    truncated: "cut short",
    no_paths: "No interaction events at this journey's touchpoints in the period.",
    other_paths: "Customers on other paths",
    repeat: "Repeat contacts",
    repeat_hint: "Customers who reached the stage, grouped by their contacts at the touchpoint before their first contact in the stage; each group compared with the group without contacts.",
    repeat_touchpoint: "Touchpoint",
    before_stage: "before reaching stage",
    contacts: "Contacts",
    versus_none: "vs. 0 contacts",
    not_reached: "Stage not reached",
    not_significant: "not significant (p ≥ 0.05)",
    significant: "significant (p < 0.05)",
    visits: "contacts",
};

pub fn texts(language: Language) -> &'static PathTexts {
    match language {
        Language::De => &DE,
        Language::En => &EN,
    }
}

struct FunnelRow {
    name: String,
    reached: u64,
    visited: u64,
    /// Bar length on a 0..200 scale.
    width: String,
    drop_off: String,
}

struct StepView {
    name: String,
    repeats: String,
}

struct PathRowView {
    rank: usize,
    steps: Vec<StepView>,
    truncated: bool,
    customers: u64,
    share: String,
    headline: Headline,
    versus: String,
    significant: bool,
    testable: bool,
}

struct GroupRow {
    label: String,
    customers: u64,
    headline: Headline,
    versus: String,
    significant: bool,
    testable: bool,
}

#[derive(askama::Template)]
#[template(path = "web/journey_paths.html")]
struct PathsPage {
    lang: &'static str,
    t: &'static Texts,
    p: &'static PathTexts,
    chrome: Chrome,
    id: String,
    name: String,
    problems: Vec<String>,
    metrics: Vec<(&'static str, &'static str, bool)>,
    query_rest: String,
    from: String,
    to: String,
    top: usize,
    customers: u64,
    overall: Headline,
    funnel: Vec<FunnelRow>,
    paths: Vec<PathRowView>,
    other_customers: u64,
    touchpoint_choices: Vec<(String, String, bool)>,
    stage_choices: Vec<(String, String, bool)>,
    has_repeat: bool,
    groups: Vec<GroupRow>,
    not_reached: Option<GroupRow>,
}

fn percent_share(language: Language, share: &Share) -> String {
    format!(
        "{} % [{}; {}]",
        i18n::number(language, 100.0 * share.value),
        i18n::number(language, 100.0 * share.ci95.0),
        i18n::number(language, 100.0 * share.ci95.1)
    )
}

fn signed(language: Language, x: f64) -> String {
    let sign = if x > 0.0 { "+" } else { "" };
    format!("{sign}{}", i18n::number(language, x))
}

/// `(text, significant, testable)` of a comparison.
fn versus(language: Language, c: Option<&Comparison>) -> (String, bool, bool) {
    match c {
        Some(c) => (
            format!(
                "{} [{}; {}]",
                signed(language, c.difference),
                signed(language, c.ci95.0),
                signed(language, c.ci95.1)
            ),
            c.significant,
            true,
        ),
        None => ("–".to_owned(), false, false),
    }
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (language, remember) = signed_in.ui_language(raw.as_deref(), &headers);
    let org_id = signed_in.user.org_id;
    let journey = super::journeys::load(&state, &signed_in, language, &id).await?;
    let journey = visible_journey(&state.store, org_id, journey, &signed_in.departments)
        .await
        .map_err(|e| WebError::internal(language, e))?;
    let query: PathsQuery = raw
        .as_deref()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    // Empty form fields mean "not given".
    let given = |v: &Option<String>| {
        v.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned)
    };
    let query = PathsQuery {
        metric: given(&query.metric),
        from: given(&query.from),
        to: given(&query.to),
        top: given(&query.top),
        repeat_touchpoint: given(&query.repeat_touchpoint),
        before_stage: given(&query.before_stage),
    };
    let today = day_of_ms(touchpoint_store::now_ms());
    let mut problems: Vec<FieldError> = Vec::new();
    let mut request = paths_request(&query, today).unwrap_or_else(|errors| {
        problems.extend(errors);
        paths_request(&PathsQuery::default(), today).unwrap_or(PathsRequest {
            kind: MetricKind::Nps,
            from_day: today,
            to_day: today,
            top: DEFAULT_TOP,
            repeat: None,
        })
    });
    request.repeat = resolve_repeat(
        &journey,
        query.repeat_touchpoint.as_deref(),
        query.before_stage.as_deref(),
    )
    .unwrap_or_else(|errors| {
        problems.extend(errors);
        None
    });
    let paths = journey_paths(
        &state.store,
        org_id,
        &signed_in.departments,
        journey,
        request,
    )
    .await
    .map_err(|e| WebError::internal(language, e))?;
    let page = paths_page(&signed_in, language, &paths, &query, problems);
    let status = if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(with_language_cookie(render(status, &page), remember))
}

fn paths_page(
    signed_in: &SignedIn,
    language: Language,
    paths: &JourneyPaths,
    query: &PathsQuery,
    problems: Vec<FieldError>,
) -> PathsPage {
    let t = i18n::texts(language);
    let p = texts(language);
    let r = &paths.report;
    let request = paths.request;
    let kind = request.kind;
    let journey = &paths.journey;
    let id = journey.id.to_string();
    let stage_name = |i: usize| {
        journey
            .stages
            .get(i)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let top_reach = r.funnel.first().map_or(0, |f| f.reached).max(1);
    let funnel = r
        .funnel
        .iter()
        .map(|f| FunnelRow {
            name: stage_name(f.stage),
            reached: f.reached,
            visited: f.visited,
            width: format!("{:.1}", 200.0 * f.reached as f64 / top_reach as f64),
            drop_off: f
                .drop_off
                .as_ref()
                .map(|d| format!("{} ({} / {})", percent_share(language, d), d.count, d.of))
                .unwrap_or_default(),
        })
        .collect();
    let rows = r
        .top
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let (versus, significant, testable) = versus(language, row.versus_rest.as_ref());
            PathRowView {
                rank: i + 1,
                steps: row
                    .steps
                    .iter()
                    .map(|s| {
                        let mean = s.visits as f64 / row.customers.max(1) as f64;
                        StepView {
                            name: paths
                                .touchpoint(s.touchpoint)
                                .map(|t| t.name.clone())
                                .unwrap_or_default(),
                            repeats: if s.visits > row.customers {
                                format!("×{}", i18n::number(language, mean))
                            } else {
                                String::new()
                            },
                        }
                    })
                    .collect(),
                truncated: row.truncated,
                customers: row.customers,
                share: percent_share(language, &row.share),
                headline: headline(language, kind, row.metric.as_ref(), None),
                versus,
                significant,
                testable,
            }
        })
        .collect();
    let (chosen_touchpoint, chosen_stage) = match request.repeat {
        Some((t, s)) => (Some(t.to_string()), Some(s.to_string())),
        None => (query.repeat_touchpoint.clone(), query.before_stage.clone()),
    };
    let touchpoint_choices = paths
        .touchpoints
        .iter()
        .map(|tp| {
            let id = tp.id.to_string();
            let current = chosen_touchpoint.as_deref() == Some(id.as_str());
            (id, tp.name.clone(), current)
        })
        .collect();
    let stage_choices = journey
        .stages
        .iter()
        .map(|s| {
            let id = s.id.to_string();
            let current = chosen_stage.as_deref() == Some(id.as_str());
            (id, s.name.clone(), current)
        })
        .collect();
    let (groups, not_reached) = match &r.repeat {
        Some(repeat) => (
            repeat
                .groups
                .iter()
                .map(|g| {
                    let (versus, significant, testable) = versus(language, g.versus_none.as_ref());
                    GroupRow {
                        label: contacts_label(g.contacts),
                        customers: g.customers,
                        headline: headline(language, kind, g.metric.as_ref(), None),
                        versus,
                        significant,
                        testable,
                    }
                })
                .collect(),
            Some(GroupRow {
                label: p.not_reached.to_owned(),
                customers: repeat.not_reached,
                headline: headline(language, kind, repeat.not_reached_metric.as_ref(), None),
                versus: "–".to_owned(),
                significant: false,
                testable: false,
            }),
        ),
        None => (Vec::new(), None),
    };
    let from = date_of_day(request.from_day).to_string();
    let to = date_of_day(request.to_day).to_string();
    let mut rest: Vec<(&str, String)> = vec![
        ("from", from.clone()),
        ("to", to.clone()),
        ("top", request.top.to_string()),
    ];
    if let Some((t, s)) = request.repeat {
        rest.push(("repeat_touchpoint", t.to_string()));
        rest.push(("before_stage", s.to_string()));
    }
    let query_rest = serde_urlencoded::to_string(&rest).unwrap_or_default();
    PathsPage {
        lang: language.as_str(),
        t,
        p,
        chrome: Chrome::new(language, signed_in, &format!("/app/journeys/{id}/paths")),
        name: journey.name.clone(),
        problems: problems
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect(),
        metrics: MetricKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), i18n::metric_name(k), k == kind))
            .collect(),
        query_rest,
        from,
        to,
        top: request.top,
        customers: r.customers,
        overall: headline(language, kind, r.overall.as_ref(), None),
        funnel,
        paths: rows,
        other_customers: r.other_customers,
        touchpoint_choices,
        stage_choices,
        has_repeat: r.repeat.is_some(),
        groups,
        not_reached,
        id,
    }
}
