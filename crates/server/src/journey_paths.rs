//! Journey paths: the most common touchpoint sequences of one journey, the stage funnel with its
//! drop-off, the metric by path and the repeat-contact comparison. The events and the linked
//! responses are streamed from the store into [`PathsBuilder`]; the rules live in the domain
//! (`touchpoint_domain::paths`). Shared by the API and the page.

use crate::journey_map::questions_of;
use crate::reports::estimate_fields;
use serde_json::{Value, json};
use std::collections::HashMap;
use touchpoint_domain::metrics::{Comparison, MetricKind, round1};
use touchpoint_domain::paths::{PathsBuilder, PathsReport, RepeatQuery, Shape, Share};
use touchpoint_domain::period::date_of_day;
use touchpoint_domain::{
    AnswerValue, CustomerId, DepartmentScope, FieldError, OrgId, StageId, SurveyId, TouchpointId,
};
use touchpoint_store::journeys::{Journey, PlacedTouchpoint};
use touchpoint_store::{Store, StoreError};

/// What to compute. `repeat` names a touchpoint and a stage of the (visible) journey.
#[derive(Debug, Clone, Copy)]
pub struct PathsRequest {
    pub kind: MetricKind,
    pub from_day: i64,
    pub to_day: i64,
    pub top: usize,
    pub repeat: Option<(TouchpointId, StageId)>,
}

pub struct JourneyPaths {
    pub journey: Journey,
    pub request: PathsRequest,
    /// The journey's visible touchpoints in stage order; the report's indices point here.
    pub touchpoints: Vec<PlacedTouchpoint>,
    pub report: PathsReport,
}

impl JourneyPaths {
    pub fn touchpoint(&self, index: usize) -> Option<&PlacedTouchpoint> {
        self.touchpoints.get(index)
    }
}

/// Checks the repeat-contact pair against the journey as the caller sees it: both or neither,
/// the touchpoint one of its (visible) touchpoints, the stage one of its stages, and the
/// touchpoint not in that stage (its visits would all come after reaching it).
pub fn resolve_repeat(
    journey: &Journey,
    touchpoint: Option<&str>,
    stage: Option<&str>,
) -> Result<Option<(TouchpointId, StageId)>, Vec<FieldError>> {
    let (touchpoint, stage) = match (touchpoint, stage) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(vec![FieldError::new(
                "before_stage",
                "is needed with repeat_touchpoint",
            )]);
        }
        (None, Some(_)) => {
            return Err(vec![FieldError::new(
                "repeat_touchpoint",
                "is needed with before_stage",
            )]);
        }
        (Some(t), Some(s)) => (t, s),
    };
    let mut errors = Vec::new();
    let placed = touchpoint.parse::<TouchpointId>().ok().and_then(|id| {
        journey
            .stages
            .iter()
            .find(|s| s.touchpoints.iter().any(|t| t.id == id))
            .map(|s| (id, s.id))
    });
    if placed.is_none() {
        errors.push(FieldError::new(
            "repeat_touchpoint",
            "is not a touchpoint of this journey",
        ));
    }
    let stage_id = stage
        .parse::<StageId>()
        .ok()
        .filter(|id| journey.stages.iter().any(|s| s.id == *id));
    if stage_id.is_none() {
        errors.push(FieldError::new(
            "before_stage",
            "is not a stage of this journey",
        ));
    }
    match (placed, stage_id) {
        (Some((_, home)), Some(stage_id)) if home == stage_id => Err(vec![FieldError::new(
            "repeat_touchpoint",
            "lies in before_stage itself; choose a touchpoint of another stage",
        )]),
        (Some((t, _)), Some(s)) if errors.is_empty() => Ok(Some((t, s))),
        _ => Err(errors),
    }
}

/// Path computations that may run at once in this process. Each reads every event of the
/// journey's period and holds one entry per customer (hundreds of MiB at ten million events),
/// so further requests wait their turn instead of multiplying the server's memory.
const PATHS_AT_ONCE: usize = 2;
static PATHS_PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PATHS_AT_ONCE);

/// Computes the paths of `journey` (already narrowed to what the caller may see, see
/// [`crate::journey_map::visible_journey`]).
pub async fn journey_paths(
    store: &Store,
    org_id: OrgId,
    scope: &DepartmentScope,
    journey: Journey,
    request: PathsRequest,
) -> Result<JourneyPaths, StoreError> {
    let _turn = PATHS_PERMITS
        .acquire()
        .await
        .map_err(|_| StoreError::Corrupt("the paths semaphore was closed".into()))?;
    let mut touchpoints = Vec::new();
    let mut stage_of = Vec::new();
    let mut index: HashMap<TouchpointId, usize> = HashMap::new();
    for (s, stage) in journey.stages.iter().enumerate() {
        for t in &stage.touchpoints {
            index.insert(t.id, touchpoints.len());
            touchpoints.push(t.clone());
            stage_of.push(s);
        }
    }
    let shape = Shape::new(journey.stages.len(), stage_of)
        .ok_or_else(|| StoreError::Corrupt("a touchpoint outside its journey's stages".into()))?;
    let repeat = request.repeat.and_then(|(t, s)| {
        Some(RepeatQuery {
            touchpoint: *index.get(&t)?,
            stage: journey.stages.iter().position(|stage| stage.id == s)?,
        })
    });
    let mut builder: PathsBuilder<CustomerId> = PathsBuilder::new(shape, request.kind, repeat);

    let mut visits: Vec<usize> = Vec::new();
    store
        .journey_visits(
            org_id,
            journey.id,
            request.from_day,
            request.to_day,
            |customer, touchpoints| {
                // Touchpoints the caller may not see are not part of anyone's path.
                visits.clear();
                visits.extend(touchpoints.iter().filter_map(|t| index.get(t).copied()));
                builder.add_customer(customer, &visits);
            },
        )
        .await?;

    let mut questions: HashMap<SurveyId, Vec<String>> = HashMap::new();
    for (survey, question) in questions_of(store, org_id, request.kind, scope).await? {
        questions.entry(survey).or_default().push(question);
    }
    store
        .journey_answers(
            org_id,
            journey.id,
            request.from_day,
            request.to_day,
            |response| {
                if !index.contains_key(&response.touchpoint_id) {
                    return;
                }
                let Some(asked) = questions.get(&response.survey_id) else {
                    return;
                };
                for question in asked {
                    if let Some(AnswerValue::Score(score)) = response.answers.get(question) {
                        builder.add_score(&response.customer_id, *score);
                    }
                }
            },
        )
        .await?;
    Ok(JourneyPaths {
        journey,
        request,
        touchpoints,
        report: builder.finish(request.top),
    })
}

fn share_json(share: &Share) -> Value {
    json!({
        "count": share.count,
        "of": share.of,
        "share": (share.value * 10_000.0).round() / 10_000.0,
        "ci95": [
            (share.ci95.0 * 10_000.0).round() / 10_000.0,
            (share.ci95.1 * 10_000.0).round() / 10_000.0,
        ],
    })
}

pub fn comparison_json(c: Option<&Comparison>) -> Value {
    match c {
        Some(c) => json!({
            "difference": round1(c.difference),
            "ci95": [round1(c.ci95.0), round1(c.ci95.1)],
            "p_value": (c.p_value * 10_000.0).round() / 10_000.0,
            "significant": c.significant,
            "test": c.test,
        }),
        None => Value::Null,
    }
}

/// "0", "1", "2" or "3+".
pub fn contacts_label(contacts: usize) -> String {
    if contacts + 1 >= touchpoint_domain::paths::REPEAT_GROUPS {
        format!("{contacts}+")
    } else {
        contacts.to_string()
    }
}

pub fn paths_json(paths: &JourneyPaths) -> Value {
    let r = &paths.report;
    let request = paths.request;
    let stages = &paths.journey.stages;
    let stage_id = |i: usize| stages.get(i).map(|s| s.id);
    let top: Vec<Value> = r
        .top
        .iter()
        .enumerate()
        .map(|(rank, p)| {
            json!({
                "rank": rank + 1,
                "steps": p.steps.iter().map(|s| {
                    let t = paths.touchpoint(s.touchpoint);
                    json!({
                        "touchpoint_id": t.map(|t| t.id),
                        "name": t.map(|t| t.name.clone()),
                        "stage_id": stage_id(s.stage),
                        "visits": s.visits,
                    })
                }).collect::<Vec<_>>(),
                "truncated": p.truncated,
                "customers": p.customers,
                "share": share_json(&p.share),
                "metric": Value::Object(estimate_fields(p.metric.as_ref())),
                "versus_rest": comparison_json(p.versus_rest.as_ref()),
            })
        })
        .collect();
    let funnel: Vec<Value> = r
        .funnel
        .iter()
        .map(|f| {
            json!({
                "stage_id": stage_id(f.stage),
                "name": stages.get(f.stage).map(|s| s.name.clone()),
                "reached": f.reached,
                "visited": f.visited,
                "continued": f.continued,
                "drop_off": f.drop_off.as_ref().map_or(Value::Null, share_json),
            })
        })
        .collect();
    let repeat = match (&r.repeat, request.repeat) {
        (Some(repeat), Some((touchpoint_id, before_stage))) => json!({
            "touchpoint_id": touchpoint_id,
            "before_stage": before_stage,
            "groups": repeat.groups.iter().map(|g| json!({
                "contacts": contacts_label(g.contacts),
                "customers": g.customers,
                "metric": Value::Object(estimate_fields(g.metric.as_ref())),
                "versus_none": comparison_json(g.versus_none.as_ref()),
            })).collect::<Vec<_>>(),
            "not_reached": {
                "customers": repeat.not_reached,
                "metric": Value::Object(estimate_fields(repeat.not_reached_metric.as_ref())),
            },
        }),
        _ => Value::Null,
    };
    json!({
        "journey_id": paths.journey.id,
        "name": paths.journey.name,
        "metric": request.kind.as_str(),
        "from": date_of_day(request.from_day).to_string(),
        "to": date_of_day(request.to_day).to_string(),
        "customers": r.customers,
        "events": r.visits,
        "distinct_paths": r.distinct_paths,
        "other_customers": r.other_customers,
        "overall": Value::Object(estimate_fields(r.overall.as_ref())),
        "paths": top,
        "funnel": funnel,
        "repeat": repeat,
    })
}
