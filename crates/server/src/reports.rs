//! Metric reports for the API and the web app: rollup rows from the store, summed by the
//! domain, rendered as JSON on the scale users read (rounded to one decimal at the edge).

use serde_json::{Value, json};
use std::collections::HashMap;
use touchpoint_domain::metrics::{Breakdown, Estimate, MetricKind, round1};
use touchpoint_domain::period::date_of_day;
use touchpoint_domain::report::{
    DayHistogram, PeriodChange, PeriodPoint, Report, build_report, period_label, period_starts,
};
use touchpoint_domain::segment::{AttributeGrouping, NO_VALUE_GROUP};
use touchpoint_domain::{DepartmentScope, Interval, OrgId};
use touchpoint_store::{
    Cursor, GroupBy, Page, ScanGroup, Segment, Store, StoreError, Survey, TextFilter, Touchpoint,
};

#[derive(Debug, Clone)]
pub struct MetricRequest {
    pub question_id: String,
    pub kind: MetricKind,
    pub from_day: i64,
    pub to_day: i64,
    pub interval: Interval,
    pub group_by: Option<GroupBy>,
    /// Only analysed comments with this theme and/or sentiment.
    pub filter: TextFilter,
    /// Groups by a customer attribute instead of `group_by`.
    pub attribute: Option<AttributeGrouping>,
    /// Only responses of this segment's members.
    pub segment: Option<Segment>,
}

impl MetricRequest {
    /// Whether the report is computed from the responses rather than the rollups.
    fn needs_scan(&self) -> bool {
        self.attribute.is_some() || self.segment.is_some()
    }

    fn is_grouped(&self) -> bool {
        self.group_by.is_some() || self.attribute.is_some()
    }
}

pub async fn metric_report(
    store: &Store,
    survey: &Survey,
    request: &MetricRequest,
) -> Result<Report, StoreError> {
    // Days are summed into periods by the database: a year by month is 12 rows per group,
    // not 365.
    let starts = match request.interval {
        Interval::Day => Vec::new(),
        interval => period_starts(interval, request.from_day, request.to_day),
    };
    // Segments and customer attributes are not rollup dimensions: those reports scan the
    // period's responses into the same rows.
    let rows = if request.needs_scan() {
        let group = match (&request.attribute, request.group_by) {
            (Some(grouping), _) => ScanGroup::Attribute(grouping),
            (None, Some(group_by)) => ScanGroup::Dimension(group_by),
            (None, None) => ScanGroup::None,
        };
        store
            .scan_rollup_rows(
                survey.org_id,
                &touchpoint_store::ScanQuery {
                    questions: &[(survey.id, request.question_id.clone())],
                    from_day: request.from_day,
                    to_day: request.to_day,
                    group,
                    filter: &request.filter,
                    segment: request.segment.as_ref().map(|s| s.conditions.as_slice()),
                    period_starts: &starts,
                },
            )
            .await?
    } else {
        store
            .rollup_rows(
                survey.org_id,
                survey.id,
                &touchpoint_store::RollupQuery {
                    question_id: &request.question_id,
                    from_day: request.from_day,
                    to_day: request.to_day,
                    group_by: request.group_by,
                    filter: &request.filter,
                    period_starts: &starts,
                },
            )
            .await?
    };
    let days: Vec<DayHistogram> = rows
        .into_iter()
        // A period may start before `from_day`; its row counts from `from_day` on.
        .map(|r| DayHistogram {
            day: r.day.max(request.from_day),
            group: r.group,
            histogram: r.histogram,
        })
        .collect();
    Ok(build_report(
        request.kind,
        request.interval,
        request.from_day,
        request.to_day,
        &days,
        request.is_grouped(),
    ))
}

/// Every item of a cursor-paged store list, page by page.
async fn all_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, StoreError>
where
    F: FnMut(Cursor) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut cursor = Cursor::start();
    loop {
        let page = fetch(cursor).await?;
        items.extend(page.items);
        match page.next_cursor.as_deref().and_then(Cursor::parse) {
            Some(next) => cursor = next,
            None => return Ok(items),
        }
    }
}

/// All surveys of an organisation within `scope`, newest first.
pub async fn all_surveys(
    store: &Store,
    org_id: OrgId,
    scope: &DepartmentScope,
) -> Result<Vec<Survey>, StoreError> {
    all_pages(|cursor| async move { store.list_surveys(org_id, scope, &cursor, 500).await }).await
}

/// All touchpoints of an organisation within `scope`, newest first.
pub async fn all_touchpoints(
    store: &Store,
    org_id: OrgId,
    scope: &DepartmentScope,
) -> Result<Vec<Touchpoint>, StoreError> {
    all_pages(|cursor| async move { store.list_touchpoints(org_id, scope, &cursor, 500).await })
        .await
}

/// Display names of the touchpoints a user limited to `scope` may see, for labelling groups
/// and entries. A response to one of their surveys may name another department's touchpoint:
/// its group keeps its numbers and id but gets no name from here.
pub async fn touchpoint_names(
    store: &Store,
    org_id: OrgId,
    scope: &DepartmentScope,
) -> Result<HashMap<String, String>, StoreError> {
    Ok(all_touchpoints(store, org_id, scope)
        .await?
        .into_iter()
        .map(|t| (t.id.to_string(), t.name))
        .collect())
}

fn breakdown_json(breakdown: &Breakdown) -> Value {
    match breakdown {
        Breakdown::Nps {
            promoters,
            passives,
            detractors,
        } => {
            json!({"promoters": promoters, "passives": passives, "detractors": detractors})
        }
        Breakdown::Csat { satisfied, mean } => {
            json!({"satisfied": satisfied, "mean": round1(*mean)})
        }
        Breakdown::Ces {
            mean,
            easy,
            easy_share,
        } => {
            json!({"mean": round1(*mean), "easy": easy, "easy_share": round1(*easy_share)})
        }
    }
}

/// `value`, `n`, `ci95`, `small_sample`, `breakdown` — `null`s when there is nothing to measure.
pub fn estimate_fields(estimate: Option<&Estimate>) -> serde_json::Map<String, Value> {
    let value = match estimate {
        Some(e) => json!({
            "value": round1(e.value), "n": e.n, "ci95": [round1(e.ci95.0), round1(e.ci95.1)],
            "small_sample": e.small_sample, "breakdown": breakdown_json(&e.breakdown),
        }),
        None => {
            json!({"value": null, "n": 0, "ci95": null, "small_sample": true, "breakdown": null})
        }
    };
    match value {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

fn series_json(interval: Interval, points: &[PeriodPoint]) -> Value {
    points
        .iter()
        .map(|p| {
            let mut fields = estimate_fields(p.estimate.as_ref());
            fields.insert("period".into(), json!(period_label(interval, p.start_day)));
            fields.insert("start".into(), json!(date_of_day(p.start_day).to_string()));
            Value::Object(fields)
        })
        .collect()
}

/// The change between the last two periods as the API shows it; `null` without one.
pub fn change_json(interval: Interval, change: Option<&PeriodChange>) -> Value {
    match change {
        Some(change) => json!({
            "from_period": period_label(interval, change.from_day),
            "to_period": period_label(interval, change.to_day),
            "difference": round1(change.comparison.difference),
            "ci95": [round1(change.comparison.ci95.0), round1(change.comparison.ci95.1)],
            "p_value": (change.comparison.p_value * 10_000.0).round() / 10_000.0,
            "significant": change.comparison.significant,
            "test": change.comparison.test,
        }),
        None => Value::Null,
    }
}

pub fn report_json(
    survey: &Survey,
    request: &MetricRequest,
    report: &Report,
    labels: &HashMap<String, String>,
) -> Value {
    let mut body = estimate_fields(report.estimate.as_ref());
    body.insert("survey_id".into(), json!(survey.id));
    body.insert("question_id".into(), json!(request.question_id));
    body.insert("metric".into(), json!(request.kind.as_str()));
    body.insert(
        "from".into(),
        json!(date_of_day(request.from_day).to_string()),
    );
    body.insert("to".into(), json!(date_of_day(request.to_day).to_string()));
    body.insert("interval".into(), json!(request.interval));
    body.insert(
        "series".into(),
        series_json(request.interval, &report.series),
    );
    body.insert(
        "change".into(),
        change_json(request.interval, report.change.as_ref()),
    );
    if let Some(segment) = &request.segment {
        body.insert(
            "segment".into(),
            json!({"id": segment.id, "name": segment.name}),
        );
    }
    if let Some(grouping) = &request.attribute {
        let groups: Vec<Value> = report
            .groups
            .iter()
            .map(|g| {
                let mut fields = estimate_fields(g.estimate.as_ref());
                let (key, label) = if g.key == NO_VALUE_GROUP {
                    (Value::Null, "(none)".to_owned())
                } else {
                    (json!(g.key), g.key.clone())
                };
                fields.insert("key".into(), key);
                fields.insert("label".into(), json!(label));
                fields.insert("series".into(), series_json(request.interval, &g.series));
                Value::Object(fields)
            })
            .collect();
        body.insert(
            "group_by".into(),
            json!(format!("attribute:{}", grouping.key)),
        );
        if !grouping.bins.is_empty() {
            body.insert("bins".into(), json!(grouping.bins));
        }
        body.insert("groups".into(), json!(groups));
    }
    if let Some(group_by) = request.group_by {
        let groups: Vec<Value> = report
            .groups
            .iter()
            .map(|g| {
                let mut fields = estimate_fields(g.estimate.as_ref());
                let label = match group_by {
                    GroupBy::Touchpoint if g.key.is_empty() => "(no touchpoint)".to_owned(),
                    GroupBy::Touchpoint => {
                        labels.get(&g.key).cloned().unwrap_or_else(|| g.key.clone())
                    }
                    _ => g.key.clone(),
                };
                let key = if g.key.is_empty() {
                    Value::Null
                } else {
                    json!(g.key)
                };
                fields.insert("key".into(), key);
                fields.insert("label".into(), json!(label));
                fields.insert("series".into(), series_json(request.interval, &g.series));
                Value::Object(fields)
            })
            .collect();
        body.insert("group_by".into(), json!(group_by.as_str()));
        body.insert("groups".into(), json!(groups));
    }
    Value::Object(body)
}
