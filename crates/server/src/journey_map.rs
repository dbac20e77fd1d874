//! The journey map: for one journey, each touchpoint's score (n, interval, trend with its
//! test), its share of negative comments and the friction it causes, stage by stage — all
//! summed from maintained rollups, never from raw responses (except for a segment's map, which
//! the rollups cannot give). Shared by the API and the page.

use crate::reports::{all_surveys, all_touchpoints, change_json, estimate_fields};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use touchpoint_domain::journey::{Friction, Layout, LayoutDraft, friction_ranking};
use touchpoint_domain::metrics::{MetricKind, round1};
use touchpoint_domain::period::date_of_day;
use touchpoint_domain::report::{
    DayHistogram, GroupReport, PeriodChange, Report, build_report, last_change, period_starts,
};
use touchpoint_domain::segment::Condition;
use touchpoint_domain::{
    DepartmentScope, FieldError, Interval, OrgId, StageId, SurveyId, TouchpointId,
};
use touchpoint_store::journeys::{Journey, PlacedTouchpoint};
use touchpoint_store::{
    AuditContext, RollupRow, ScanGroup, ScanQuery, Store, StoreError, TextFilter,
    TouchpointRollupQuery,
};

/// The map's sums per touchpoint (or `touchpoint|sentiment`): from the rollups, or — for a
/// segment, which the rollups do not know — from the same scan as segment metrics.
async fn sums(
    store: &Store,
    org_id: OrgId,
    query: &TouchpointRollupQuery<'_>,
    segment: Option<&[Condition]>,
) -> Result<Vec<RollupRow>, StoreError> {
    let Some(segment) = segment else {
        return store.rollups_by_touchpoint(org_id, query).await;
    };
    let filter = TextFilter::default();
    store
        .scan_rollup_rows(
            org_id,
            &ScanQuery {
                questions: query.questions,
                from_day: query.from_day,
                to_day: query.to_day,
                group: if query.by_sentiment {
                    ScanGroup::TouchpointSentiment
                } else {
                    ScanGroup::Dimension(touchpoint_store::GroupBy::Touchpoint)
                },
                filter: &filter,
                segment: Some(segment),
                period_starts: query.period_starts,
            },
        )
        .await
}

#[derive(Debug, Clone)]
pub struct MapRequest {
    pub kind: MetricKind,
    pub from_day: i64,
    pub to_day: i64,
    pub interval: Interval,
    /// Only responses of a segment's members (computed from the responses, not the rollups).
    pub segment: Option<Vec<Condition>>,
}

/// Analysed comments among a touchpoint's answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommentCounts {
    pub analysed: u64,
    pub negative: u64,
}

pub struct Card {
    pub touchpoint: PlacedTouchpoint,
    /// Interaction events at the touchpoint in the period (its volume).
    pub events: i64,
    pub report: Option<GroupReport>,
    pub change: Option<PeriodChange>,
    pub comments: CommentCounts,
    /// Rank (1 = pulls the score down most) and the friction itself.
    pub friction: Option<(usize, Friction<TouchpointId>)>,
}

pub struct StageColumn {
    pub name: String,
    pub cards: Vec<Card>,
}

pub struct JourneyMap {
    pub journey_id: touchpoint_domain::JourneyId,
    pub name: String,
    pub description: String,
    pub request: MapRequest,
    /// Every answer at the journey's touchpoints.
    pub overall: Report,
    pub stages: Vec<StageColumn>,
    pub friction: Vec<Friction<TouchpointId>>,
}

/// Every (survey, question) of the organisation that measures `kind`.
pub(crate) async fn questions_of(
    store: &Store,
    org_id: OrgId,
    kind: MetricKind,
    scope: &DepartmentScope,
) -> Result<Vec<(SurveyId, String)>, StoreError> {
    Ok(all_surveys(store, org_id, scope)
        .await?
        .iter()
        .flat_map(|s| {
            s.definition
                .metric_questions()
                .filter(|(_, k)| *k == kind)
                .map(|(q, _)| (s.id, q.id.clone()))
                .collect::<Vec<_>>()
        })
        .collect())
}

/// The touchpoints a user limited to `scope` may see (one lookup).
async fn visible_touchpoint_ids(
    store: &Store,
    org_id: OrgId,
    scope: &DepartmentScope,
) -> Result<HashSet<TouchpointId>, StoreError> {
    Ok(all_touchpoints(store, org_id, scope)
        .await?
        .iter()
        .map(|t| t.id)
        .collect())
}

/// The journeys as a user limited to `scope` may see them: touchpoints of other departments
/// are left out of their stages (one lookup for all of them).
pub async fn visible_journeys(
    store: &Store,
    org_id: OrgId,
    mut journeys: Vec<Journey>,
    scope: &DepartmentScope,
) -> Result<Vec<Journey>, StoreError> {
    if !scope.is_all() {
        let visible = visible_touchpoint_ids(store, org_id, scope).await?;
        for stage in journeys.iter_mut().flat_map(|j| j.stages.iter_mut()) {
            stage.touchpoints.retain(|t| visible.contains(&t.id));
        }
    }
    Ok(journeys)
}

/// A journey's current layout: its stages in order, each with its touchpoints in order.
pub fn layout_of(journey: &Journey) -> Vec<(StageId, Vec<TouchpointId>)> {
    journey
        .stages
        .iter()
        .map(|s| (s.id, s.touchpoints.iter().map(|t| t.id).collect()))
        .collect()
}

/// Why a new layout was not applied.
#[derive(Debug)]
pub enum LayoutRefusal {
    Invalid(Vec<FieldError>),
    Store(StoreError),
}

impl From<StoreError> for LayoutRefusal {
    fn from(error: StoreError) -> Self {
        LayoutRefusal::Store(error)
    }
}

/// Lays out `journey` (whole, as stored) as a user limited to `scope` drew it, for the API and
/// the editor page alike: they may place only touchpoints they can see, and the touchpoints
/// hidden from them keep their stage and place ([`Layout::with_hidden`]).
pub async fn apply_layout(
    store: &Store,
    org_id: OrgId,
    scope: &DepartmentScope,
    journey: &Journey,
    draft: LayoutDraft,
    context: &AuditContext,
) -> Result<Journey, LayoutRefusal> {
    let visible = if scope.is_all() {
        store.touchpoint_ids(org_id).await?
    } else {
        visible_touchpoint_ids(store, org_id, scope).await?
    };
    let stages: Vec<StageId> = journey.stages.iter().map(|s| s.id).collect();
    let layout: Layout = draft
        .validate(&stages, &visible)
        .map_err(LayoutRefusal::Invalid)?
        .with_hidden(&layout_of(journey), &visible);
    Ok(store
        .set_layout(org_id, journey.id, &layout, context)
        .await?)
}

/// One journey as a user limited to `scope` may see it (see [`visible_journeys`]).
pub async fn visible_journey(
    store: &Store,
    org_id: OrgId,
    journey: Journey,
    scope: &DepartmentScope,
) -> Result<Journey, StoreError> {
    let mut visible = visible_journeys(store, org_id, vec![journey], scope).await?;
    visible
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a journey vanished".into()))
}

pub async fn journey_map(
    store: &Store,
    org_id: OrgId,
    scope: &DepartmentScope,
    journey: Journey,
    request: MapRequest,
) -> Result<JourneyMap, StoreError> {
    let journey = visible_journey(store, org_id, journey, scope).await?;
    let questions = questions_of(store, org_id, request.kind, scope).await?;
    let starts = match request.interval {
        Interval::Day => Vec::new(),
        interval => period_starts(interval, request.from_day, request.to_day),
    };
    let query = |by_sentiment| TouchpointRollupQuery {
        questions: &questions,
        from_day: request.from_day,
        to_day: request.to_day,
        period_starts: &starts,
        by_sentiment,
    };
    let members: HashMap<String, ()> = journey
        .touchpoints()
        .map(|t| (t.id.to_string(), ()))
        .collect();
    let segment = request.segment.as_deref();
    let rows: Vec<DayHistogram> = sums(store, org_id, &query(false), segment)
        .await?
        .into_iter()
        .filter(|r| members.contains_key(&r.group))
        .map(|r| DayHistogram {
            day: r.day.max(request.from_day),
            group: r.group,
            histogram: r.histogram,
        })
        .collect();
    let overall = build_report(
        request.kind,
        request.interval,
        request.from_day,
        request.to_day,
        &rows,
        true,
    );
    let mut comments: HashMap<String, CommentCounts> = HashMap::new();
    for row in sums(store, org_id, &query(true), segment).await? {
        let Some((touchpoint, sentiment)) = row.group.split_once('|') else {
            continue;
        };
        let counts = comments.entry(touchpoint.to_owned()).or_default();
        counts.analysed += row.histogram.n();
        if sentiment == "negative" {
            counts.negative += row.histogram.n();
        }
    }
    let groups: Vec<(TouchpointId, touchpoint_domain::metrics::Histogram)> = overall
        .groups
        .iter()
        .filter_map(|g| g.key.parse().ok().map(|id| (id, g.histogram)))
        .collect();
    let friction = friction_ranking(request.kind, &groups);
    let volumes = store
        .event_counts(org_id, request.from_day, request.to_day)
        .await?;
    let mut reports: HashMap<String, GroupReport> = overall
        .groups
        .iter()
        .map(|g| (g.key.clone(), g.clone()))
        .collect();
    let stages = journey
        .stages
        .clone()
        .into_iter()
        .map(|stage| StageColumn {
            name: stage.name,
            cards: stage
                .touchpoints
                .into_iter()
                .map(|touchpoint| {
                    let key = touchpoint.id.to_string();
                    let report = reports.remove(&key);
                    let change = report
                        .as_ref()
                        .and_then(|r| last_change(request.kind, &r.series));
                    let friction = friction
                        .iter()
                        .enumerate()
                        .find(|(_, f)| f.key == touchpoint.id)
                        .map(|(i, f)| (i + 1, f.clone()));
                    Card {
                        events: volumes.get(&touchpoint.id).copied().unwrap_or(0),
                        comments: comments.get(&key).copied().unwrap_or_default(),
                        touchpoint,
                        report,
                        change,
                        friction,
                    }
                })
                .collect(),
        })
        .collect();
    Ok(JourneyMap {
        journey_id: journey.id,
        name: journey.name,
        description: journey.description,
        request,
        overall,
        stages,
        friction,
    })
}

fn friction_json(rank: usize, f: &Friction<TouchpointId>) -> Value {
    json!({
        "rank": rank,
        "touchpoint_id": f.key,
        "share": (f.share * 10_000.0).round() / 10_000.0,
        "impact": round1(f.impact),
        "ci95": [round1(f.ci95.0), round1(f.ci95.1)],
        "significant": f.significant,
    })
}

pub fn map_json(map: &JourneyMap) -> Value {
    let request = &map.request;
    let mut overall = estimate_fields(map.overall.estimate.as_ref());
    overall.insert(
        "change".into(),
        change_json(request.interval, map.overall.change.as_ref()),
    );
    let stages: Vec<Value> = map
        .stages
        .iter()
        .map(|stage| {
            let cards: Vec<Value> = stage
                .cards
                .iter()
                .map(|card| {
                    let mut fields = estimate_fields(card.report.as_ref().and_then(|r| r.estimate.as_ref()));
                    fields.insert("touchpoint_id".into(), json!(card.touchpoint.id));
                    fields.insert("name".into(), json!(card.touchpoint.name));
                    fields.insert("channel".into(), json!(card.touchpoint.channel));
                    fields.insert("events".into(), json!(card.events));
                    fields.insert("moment_of_truth".into(), json!(card.touchpoint.moment_of_truth));
                    fields.insert("change".into(), change_json(request.interval, card.change.as_ref()));
                    let CommentCounts { analysed, negative } = card.comments;
                    fields.insert(
                        "comments".into(),
                        json!({
                            "analysed": analysed,
                            "negative": negative,
                            "negative_share": (analysed > 0).then(|| round1(100.0 * negative as f64 / analysed as f64)),
                        }),
                    );
                    fields.insert(
                        "friction".into(),
                        card.friction.as_ref().map_or(Value::Null, |(rank, f)| friction_json(*rank, f)),
                    );
                    Value::Object(fields)
                })
                .collect();
            json!({"name": stage.name, "touchpoints": cards})
        })
        .collect();
    json!({
        "journey_id": map.journey_id,
        "name": map.name,
        "metric": request.kind.as_str(),
        "from": date_of_day(request.from_day).to_string(),
        "to": date_of_day(request.to_day).to_string(),
        "interval": request.interval,
        "overall": Value::Object(overall),
        "stages": stages,
        "friction": map.friction.iter().enumerate().map(|(i, f)| friction_json(i + 1, f)).collect::<Vec<_>>(),
    })
}
