//! Segments (saved customer filters, audited configuration), the SQL their conditions become,
//! and the at-risk list: valuable customers whose latest experience was negative.
//!
//! A segment's conditions are written once, as SQL conditions on a customer id expression
//! (`c.id` in customer lists, `r.customer_id` in response lists and metric scans), so every
//! list and metric filters by a segment with the same SQL. Each condition is an `EXISTS` or a
//! count on an indexed table keyed by the customer: `customer_attributes` (primary key
//! `(customer_id, key)`), `customer_latest` (`(customer_id, metric)`), `events`
//! (`(customer_id, occurred_at)`).

use crate::accounts::parse;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::customers::{COLUMNS as CUSTOMER_COLUMNS, Customer, from_row as customer_from_row};
use crate::error::{Result, StoreError};
use crate::filter::{Conditions, Value as Bind, rows_with_keys};
use crate::page::{Cursor, Page};
use crate::{Store, Transaction, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::period::MS_PER_DAY;
use touchpoint_domain::segment::{
    AttributeTest, Condition, ValidSegment, conditions_json, is_negative, negative_up_to,
    parse_conditions,
};
use touchpoint_domain::{AttributeDefinition, AttributeValue, OrgId, SegmentId};

#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub id: SegmentId,
    pub name: String,
    pub description: String,
    pub conditions: Vec<Condition>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn segment_from_row(row: &AnyRow, definitions: &[AttributeDefinition]) -> Result<Segment> {
    let raw: serde_json::Value = serde_json::from_str(&row.try_get::<String, _>("conditions")?)?;
    let conditions = parse_conditions(&raw, definitions)
        .map_err(|e| StoreError::Corrupt(format!("stored segment conditions: {e:?}")))?;
    Ok(Segment {
        id: parse(row, "id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        conditions,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn audit_view(segment: &Segment) -> serde_json::Value {
    serde_json::json!({
        "name": segment.name,
        "description": segment.description,
        "conditions": conditions_json(&segment.conditions),
    })
}

fn entry(
    org_id: OrgId,
    action: &'static str,
    id: SegmentId,
    before: Option<&Segment>,
    after: Option<&Segment>,
) -> AuditEntry {
    AuditEntry {
        org_id,
        action,
        target_type: Some("segment"),
        target_id: Some(id.to_string()),
        summary: serde_json::json!({
            "before": before.map(audit_view),
            "after": after.map(audit_view),
        }),
    }
}

fn name_taken(error: sqlx::Error) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            constraint: "a segment of this name exists already".to_owned(),
        },
        other => other,
    }
}

const SEGMENT_COLUMNS: &str = "id, name, description, conditions, created_at, updated_at";

async fn definitions_in(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
) -> Result<Vec<AttributeDefinition>> {
    let rows = sqlx::query("SELECT key, label, type FROM attribute_definitions WHERE org_id = $1")
        .bind(org_id.to_string())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(crate::customers::definition_from_row)
        .collect()
}

async fn load_in(tx: &mut Transaction<'_>, org_id: OrgId, id: SegmentId) -> Result<Segment> {
    let definitions = definitions_in(tx, org_id).await?;
    let sql = format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    segment_from_row(&row, &definitions)
}

/// Adds "the customer whose id is the SQL expression `customer` has attribute `key` with a
/// value passing `test`" — for segments and for the customer list's attribute filters.
pub(crate) fn push_attribute(
    conditions: &mut Conditions,
    customer: &str,
    key: &str,
    test: &AttributeTest,
) {
    let base = format!(
        "EXISTS (SELECT 1 FROM customer_attributes sa WHERE sa.customer_id = {customer} AND sa.key = ?"
    );
    let mut values = vec![Bind::Text(key.to_owned())];
    let sql = match test {
        AttributeTest::Equals(value) => {
            let (column, bind) = column_of(value);
            values.push(bind);
            format!("{base} AND sa.{column} = ?)")
        }
        AttributeTest::OneOf(list) => {
            let column = list.first().map_or("value_text", |v| column_of(v).0);
            let marks = vec!["?"; list.len()].join(", ");
            values.extend(list.iter().map(|v| column_of(v).1));
            format!("{base} AND sa.{column} IN ({marks}))")
        }
        AttributeTest::Range { min, max } => {
            let mut sql = base;
            if let Some(n) = min.as_ref().and_then(AttributeValue::filter_number) {
                sql.push_str(" AND sa.value_num >= ?");
                values.push(Bind::Float(n));
            }
            if let Some(n) = max.as_ref().and_then(AttributeValue::filter_number) {
                sql.push_str(" AND sa.value_num <= ?");
                values.push(Bind::Float(n));
            }
            sql.push(')');
            sql
        }
    };
    conditions.push_values(&sql, values);
}

/// Adds the segment's conditions on the customer whose id is the SQL expression `customer`.
/// `now` is when "the last N days" of a contacts condition end.
pub(crate) fn push_segment(
    conditions: &mut Conditions,
    segment: &[Condition],
    customer: &str,
    now: i64,
) {
    for condition in segment {
        match condition {
            Condition::Attribute { key, test, .. } => {
                push_attribute(conditions, customer, key, test)
            }
            Condition::NpsCategory(categories) => {
                let mut parts = Vec::new();
                let mut values = Vec::new();
                for category in categories {
                    match category.scores() {
                        Some((lo, hi)) => {
                            parts.push(format!(
                                "EXISTS (SELECT 1 FROM customer_latest sl WHERE sl.customer_id = {customer} \
                                 AND sl.metric = 'nps' AND sl.score >= ? AND sl.score <= ?)"
                            ));
                            values.extend([Bind::Int(lo), Bind::Int(hi)]);
                        }
                        None => parts.push(format!(
                            "NOT EXISTS (SELECT 1 FROM customer_latest sl WHERE sl.customer_id = {customer} \
                             AND sl.metric = 'nps')"
                        )),
                    }
                }
                conditions.push_values(&format!("({})", parts.join(" OR ")), values);
            }
            Condition::Contacts { days, min, max } => {
                let since = now - days * MS_PER_DAY;
                let count = format!(
                    "(SELECT COUNT(*) FROM events se WHERE se.customer_id = {customer} AND se.occurred_at >= ?)"
                );
                if let Some(min) = min {
                    conditions.push_values(
                        &format!("{count} >= ?"),
                        vec![Bind::Int(since), Bind::Int(*min)],
                    );
                }
                if let Some(max) = max {
                    conditions.push_values(
                        &format!("{count} <= ?"),
                        vec![Bind::Int(since), Bind::Int(*max)],
                    );
                }
            }
            Condition::LatestScore { metric, min, max } => {
                let mut sql = format!(
                    "EXISTS (SELECT 1 FROM customer_latest sl WHERE sl.customer_id = {customer} AND sl.metric = ?"
                );
                let mut values = vec![Bind::Text(metric.as_str().to_owned())];
                if let Some(min) = min {
                    sql.push_str(" AND sl.score >= ?");
                    values.push(Bind::Int(*min));
                }
                if let Some(max) = max {
                    sql.push_str(" AND sl.score <= ?");
                    values.push(Bind::Int(*max));
                }
                sql.push(')');
                conditions.push_values(&sql, values);
            }
        }
    }
}

/// Numbers compare as numbers; everything else by its text form.
fn column_of(value: &AttributeValue) -> (&'static str, Bind) {
    match value {
        AttributeValue::Number(n) => ("value_num", Bind::Float(*n)),
        other => ("value_text", Bind::Text(other.filter_text())),
    }
}

/// One latest score of a customer, as the at-risk list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestScore {
    pub metric: MetricKind,
    pub score: i64,
    pub submitted_at: i64,
    pub response_id: String,
    pub survey_id: String,
    pub touchpoint_id: Option<String>,
    /// The overall sentiment of the response's analysed comment, if any.
    pub comment_sentiment: Option<String>,
}

/// Why a customer is on the at-risk list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskReason {
    /// The latest NPS answer was 0–6.
    NpsDetractor,
    /// The latest CSAT answer was 1–2.
    CsatDissatisfied,
    /// The latest CES answer was 1–3.
    CesDifficult,
    /// The comment of the customer's most recent scored response was analysed as negative.
    NegativeComment,
}

impl RiskReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskReason::NpsDetractor => "nps_detractor",
            RiskReason::CsatDissatisfied => "csat_dissatisfied",
            RiskReason::CesDifficult => "ces_difficult",
            RiskReason::NegativeComment => "negative_comment",
        }
    }

    fn of_metric(metric: MetricKind) -> RiskReason {
        match metric {
            MetricKind::Nps => RiskReason::NpsDetractor,
            MetricKind::Csat => RiskReason::CsatDissatisfied,
            MetricKind::Ces => RiskReason::CesDifficult,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AtRiskCustomer {
    pub customer: Customer,
    pub value: f64,
    /// Latest score per metric, NPS, CSAT, CES order (metrics never answered are absent).
    pub latest: Vec<LatestScore>,
    pub reasons: Vec<RiskReason>,
}

impl AtRiskCustomer {
    /// The most recent of the latest scores: the customer's latest experience.
    pub fn latest_experience(&self) -> Option<&LatestScore> {
        self.latest
            .iter()
            .max_by(|a, b| (a.submitted_at, &a.response_id).cmp(&(b.submitted_at, &b.response_id)))
    }
}

/// The order of the at-risk list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueOrder {
    /// Most valuable first.
    #[default]
    Desc,
    Asc,
}

#[derive(Debug, Clone, Default)]
pub struct AtRiskQuery {
    /// The number attribute holding the customer's value.
    pub value_key: String,
    pub order: ValueOrder,
    /// Only customers with at least this value.
    pub min_value: Option<f64>,
    /// Only negative signals given at or after this time (unix ms).
    pub since_ms: Option<i64>,
    /// Only members of this segment.
    pub segment: Option<Vec<Condition>>,
}

/// The condition "the customer's latest experience was negative" on `c.id`; `since` (a
/// placeholder or `None`) limits it to signals from then on.
fn negative_condition(since: Option<&str>) -> String {
    let since_l = since.map_or(String::new(), |p| format!(" AND l.submitted_at >= {p}"));
    let scores: Vec<String> = MetricKind::ALL
        .iter()
        .map(|m| {
            format!(
                "(l.metric = '{}' AND l.score <= {})",
                m.as_str(),
                negative_up_to(*m)
            )
        })
        .collect();
    format!(
        "(EXISTS (SELECT 1 FROM customer_latest l WHERE l.customer_id = c.id{since_l} AND ({scores})) \
         OR EXISTS (SELECT 1 FROM customer_latest l JOIN response_analyses ra ON ra.response_id = l.response_id \
         WHERE l.customer_id = c.id{since_l} AND ra.sentiment = 'negative' AND NOT EXISTS (\
         SELECT 1 FROM customer_latest l2 WHERE l2.customer_id = l.customer_id AND (l2.submitted_at > l.submitted_at \
         OR (l2.submitted_at = l.submitted_at AND l2.response_id > l.response_id)))))",
        scores = scores.join(" OR ")
    )
}

/// The at-risk cursor keeps the value's bits in the cursor's number.
fn value_cursor(value: f64, id: &str) -> Cursor {
    Cursor {
        time_ms: value.to_bits() as i64,
        id: id.to_owned(),
    }
}

impl Store {
    pub async fn create_segment(
        &self,
        org_id: OrgId,
        segment: &ValidSegment,
        context: &AuditContext,
    ) -> Result<Segment> {
        let id: SegmentId = new_id();
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO segments (id, org_id, name, description, conditions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(segment.name.clone())
        .bind(segment.description.clone())
        .bind(conditions_json(&segment.conditions).to_string())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
        let created = load_in(&mut tx, org_id, id).await?;
        audit::append(
            &mut tx,
            context,
            &entry(org_id, "segment.create", id, None, Some(&created)),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_segment(
        &self,
        org_id: OrgId,
        id: SegmentId,
        segment: &ValidSegment,
        context: &AuditContext,
    ) -> Result<Segment> {
        let mut tx = self.write().begin().await?;
        let before = load_in(&mut tx, org_id, id).await?;
        sqlx::query(
            "UPDATE segments SET name = $1, description = $2, conditions = $3, updated_at = $4 \
             WHERE org_id = $5 AND id = $6",
        )
        .bind(segment.name.clone())
        .bind(segment.description.clone())
        .bind(conditions_json(&segment.conditions).to_string())
        .bind(now_ms())
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
        let after = load_in(&mut tx, org_id, id).await?;
        audit::append(
            &mut tx,
            context,
            &entry(org_id, "segment.update", id, Some(&before), Some(&after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_segment(
        &self,
        org_id: OrgId,
        id: SegmentId,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        let before = load_in(&mut tx, org_id, id).await?;
        sqlx::query("DELETE FROM segments WHERE org_id = $1 AND id = $2")
            .bind(org_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            context,
            &entry(org_id, "segment.delete", id, Some(&before), None),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn segment(&self, org_id: OrgId, id: SegmentId) -> Result<Segment> {
        let definitions = self.attribute_definitions(org_id).await?;
        let sql = format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?
            .ok_or(StoreError::NotFound)?;
        segment_from_row(&row, &definitions)
    }

    /// How many customers a segment with these conditions holds now.
    pub async fn count_segment_members(&self, org_id: OrgId, segment: &[Condition]) -> Result<i64> {
        let mut conditions = Conditions::new(2);
        push_segment(&mut conditions, segment, "c.id", now_ms());
        let sql = format!(
            "SELECT COUNT(*) AS n FROM customers c WHERE c.org_id = $1{}",
            conditions.sql()
        );
        let statement = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id.to_string());
        let row = conditions.bind(statement).fetch_one(self.read()).await?;
        Ok(row.try_get("n")?)
    }

    /// Every segment of the organisation, by name (at most a few hundred: configuration).
    pub async fn segments(&self, org_id: OrgId) -> Result<Vec<Segment>> {
        let definitions = self.attribute_definitions(org_id).await?;
        let sql =
            format!("SELECT {SEGMENT_COLUMNS} FROM segments WHERE org_id = $1 ORDER BY name, id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|row| segment_from_row(row, &definitions))
            .collect()
    }

    /// Customers with a value in the number attribute `query.value_key` whose latest
    /// experience was negative, by value (then id), cursor-paged.
    pub async fn at_risk_customers(
        &self,
        org_id: OrgId,
        query: &AtRiskQuery,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<AtRiskCustomer>> {
        let mut conditions = Conditions::new(3);
        let (compare, order) = match query.order {
            ValueOrder::Desc => ("<", "DESC"),
            ValueOrder::Asc => (">", "ASC"),
        };
        if *after != Cursor::start() {
            let value = f64::from_bits(after.time_ms as u64);
            conditions.push_values(
                &format!(
                    "(v.value_num {compare} ? OR (v.value_num = ? AND v.customer_id {compare} ?))"
                ),
                vec![
                    Bind::Float(value),
                    Bind::Float(value),
                    Bind::Text(after.id.clone()),
                ],
            );
        }
        if let Some(min) = query.min_value {
            conditions.push("v.value_num >= ?", Bind::Float(min));
        }
        match query.since_ms {
            Some(since) => conditions.push_values(
                &negative_condition(Some("?")),
                vec![Bind::Int(since), Bind::Int(since)],
            ),
            None => conditions.push_values(&negative_condition(None), Vec::new()),
        }
        if let Some(segment) = &query.segment {
            push_segment(&mut conditions, segment, "c.id", now_ms());
        }
        let limit_at = conditions.next_placeholder();
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS}, v.value_num AS risk_value FROM customer_attributes v \
             JOIN customers c ON c.id = v.customer_id \
             WHERE v.org_id = $1 AND v.key = $2 AND v.value_num IS NOT NULL{} \
             ORDER BY v.value_num {order}, v.customer_id {order} LIMIT ${limit_at}",
            conditions.sql()
        );
        let statement = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(query.value_key.clone());
        let rows = conditions
            .bind(statement)
            .bind(limit as i64 + 1)
            .fetch_all(self.read())
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(AtRiskCustomer {
                customer: customer_from_row(row)?,
                value: row.try_get("risk_value")?,
                latest: Vec::new(),
                reasons: Vec::new(),
            });
        }
        let ids: Vec<String> = items.iter().map(|i| i.customer.id.to_string()).collect();
        let keys: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut latest = self.latest_scores(org_id, &keys).await?;
        for item in &mut items {
            item.latest = latest
                .remove(&item.customer.id.to_string())
                .unwrap_or_default();
            item.reasons = reasons(&item.latest, query.since_ms);
        }
        Ok(Page::from_rows(items, limit, |i| {
            value_cursor(i.value, &i.customer.id.to_string())
        }))
    }

    /// The latest scores of these customers, NPS, CSAT, CES order, with the sentiment of each
    /// response's comment.
    pub async fn latest_scores(
        &self,
        org_id: OrgId,
        customer_ids: &[&str],
    ) -> Result<HashMap<String, Vec<LatestScore>>> {
        let mut conn = self.read().acquire().await?;
        let rows = rows_with_keys(
            &mut conn,
            "SELECT l.customer_id, l.metric, l.score, l.submitted_at, l.response_id, l.survey_id, \
             l.touchpoint_id, ra.sentiment FROM customer_latest l \
             LEFT JOIN response_analyses ra ON ra.response_id = l.response_id \
             WHERE l.org_id = $1 AND l.customer_id IN",
            org_id,
            customer_ids,
        )
        .await?;
        let mut out: HashMap<String, Vec<LatestScore>> = HashMap::new();
        for row in &rows {
            let raw: String = row.try_get("metric")?;
            let metric = MetricKind::parse(&raw)
                .ok_or_else(|| StoreError::Corrupt(format!("latest metric '{raw}'")))?;
            out.entry(row.try_get("customer_id")?)
                .or_default()
                .push(LatestScore {
                    metric,
                    score: row.try_get("score")?,
                    submitted_at: row.try_get("submitted_at")?,
                    response_id: row.try_get("response_id")?,
                    survey_id: row.try_get("survey_id")?,
                    touchpoint_id: row.try_get("touchpoint_id")?,
                    comment_sentiment: row.try_get("sentiment")?,
                });
        }
        for list in out.values_mut() {
            list.sort_by_key(|l| MetricKind::ALL.iter().position(|m| *m == l.metric));
        }
        Ok(out)
    }
}

/// Why these latest scores make a customer at risk (the same rules as the list's SQL).
fn reasons(latest: &[LatestScore], since_ms: Option<i64>) -> Vec<RiskReason> {
    let recent = |l: &&LatestScore| since_ms.is_none_or(|s| l.submitted_at >= s);
    let mut out: Vec<RiskReason> = latest
        .iter()
        .filter(recent)
        .filter(|l| is_negative(l.metric, l.score))
        .map(|l| RiskReason::of_metric(l.metric))
        .collect();
    let newest = latest
        .iter()
        .max_by(|a, b| (a.submitted_at, &a.response_id).cmp(&(b.submitted_at, &b.response_id)));
    if newest
        .filter(recent)
        .is_some_and(|l| l.comment_sentiment.as_deref() == Some("negative"))
    {
        out.push(RiskReason::NegativeComment);
    }
    out
}
