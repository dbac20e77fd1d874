//! Each customer's latest experience per metric (NPS, CSAT, CES): the latest score, when it
//! was given, in which response, survey, question and at which touchpoint.
//!
//! The response writer records it in the transaction that stores the response. "Latest" is by
//! submission time, ties broken by the response id; the upsert only replaces a row with a
//! newer one, so a response dated earlier that arrives later never overwrites a newer score,
//! and the order in which responses reach the writer does not matter. A response with two
//! questions of the same metric counts with the first of them (question order).
//!
//! Deleting responses (retention, erasure) recomputes the rows of the affected customers from
//! their remaining responses in the same transaction; migration 0013 fills the table from the
//! responses stored before it.

use crate::Transaction;
use crate::error::{Result, StoreError};
use crate::responses::PendingResponse;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::survey::SurveyDraft;
use touchpoint_domain::{Answers, SurveyDefinition};

/// One row of `customer_latest`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Latest {
    pub org_id: String,
    pub customer_id: String,
    pub metric: MetricKind,
    pub score: i64,
    pub submitted_at: i64,
    pub response_id: String,
    pub survey_id: String,
    pub question_id: String,
    pub touchpoint_id: Option<String>,
}

impl Latest {
    fn is_newer_than(&self, other: &Latest) -> bool {
        (self.submitted_at, self.response_id.as_str())
            > (other.submitted_at, other.response_id.as_str())
    }
}

/// What one response contributes: the first score of each metric, in question order.
struct Source<'a> {
    org_id: String,
    customer_id: String,
    response_id: String,
    survey_id: String,
    touchpoint_id: Option<String>,
    submitted_at: i64,
    scores: &'a [(String, MetricKind, i64)],
}

impl Source<'_> {
    fn entries(&self) -> Vec<Latest> {
        let mut out: Vec<Latest> = Vec::new();
        for (question_id, metric, score) in self.scores {
            if out.iter().any(|l| l.metric == *metric) {
                continue;
            }
            out.push(Latest {
                org_id: self.org_id.clone(),
                customer_id: self.customer_id.clone(),
                metric: *metric,
                score: *score,
                submitted_at: self.submitted_at,
                response_id: self.response_id.clone(),
                survey_id: self.survey_id.clone(),
                question_id: question_id.clone(),
                touchpoint_id: self.touchpoint_id.clone(),
            });
        }
        out
    }
}

/// The rows a newly stored response gives (none without a customer).
pub(crate) fn of_pending(response: &PendingResponse) -> Vec<Latest> {
    let Some(customer_id) = response.customer_id else {
        return Vec::new();
    };
    Source {
        org_id: response.org_id.to_string(),
        customer_id: customer_id.to_string(),
        response_id: response.id.to_string(),
        survey_id: response.survey_id.to_string(),
        touchpoint_id: response.touchpoint_id.map(|t| t.to_string()),
        submitted_at: response.submitted_at,
        scores: &response.scores,
    }
    .entries()
}

/// The upsert's tail: a stored row is replaced only by a newer one.
const NEWER_WINS: &str = "ON CONFLICT (customer_id, metric) DO UPDATE SET score = excluded.score, \
     submitted_at = excluded.submitted_at, response_id = excluded.response_id, \
     survey_id = excluded.survey_id, question_id = excluded.question_id, \
     touchpoint_id = excluded.touchpoint_id \
     WHERE excluded.submitted_at > customer_latest.submitted_at \
     OR (excluded.submitted_at = customer_latest.submitted_at \
     AND excluded.response_id > customer_latest.response_id)";

const COLUMNS: usize = 9;

/// Records rows, each replacing the stored one only when it is newer. Multi-row statements;
/// within one call only the newest row per (customer, metric) is sent, since one statement
/// may not update a row twice.
pub(crate) async fn record(tx: &mut Transaction<'_>, rows: &[Latest]) -> Result<()> {
    let mut newest: HashMap<(&str, MetricKind), &Latest> = HashMap::new();
    for row in rows {
        let key = (row.customer_id.as_str(), row.metric);
        match newest.get(&key) {
            Some(kept) if !row.is_newer_than(kept) => {}
            _ => {
                newest.insert(key, row);
            }
        }
    }
    let mut unique: Vec<&Latest> = newest.into_values().collect();
    // A stable order: concurrent writers lock rows in the same order.
    unique.sort_by(|a, b| {
        (&a.customer_id, a.metric.as_str()).cmp(&(&b.customer_id, b.metric.as_str()))
    });
    for chunk in unique.chunks(crate::filter::rows_per_statement(COLUMNS)) {
        let sql = format!(
            "INSERT INTO customer_latest (org_id, customer_id, metric, score, submitted_at, \
             response_id, survey_id, question_id, touchpoint_id) VALUES {} {NEWER_WINS}",
            crate::filter::row_placeholders(chunk.len(), COLUMNS, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(row.org_id.clone())
                .bind(row.customer_id.clone())
                .bind(row.metric.as_str())
                .bind(row.score)
                .bind(row.submitted_at)
                .bind(row.response_id.clone())
                .bind(row.survey_id.clone())
                .bind(row.question_id.clone())
                .bind(row.touchpoint_id.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Responses read per query while recomputing.
const SCAN_PAGE: i64 = 2_000;

/// The latest rows of the customers whose responses match `filter` (an SQL condition on
/// `r`, with `$2…` placeholders bound from `binds`), computed from the stored responses.
async fn compute(
    tx: &mut Transaction<'_>,
    filter: &str,
    binds: &[String],
) -> Result<HashMap<(String, MetricKind), Latest>> {
    let mut definitions: HashMap<String, Option<Arc<SurveyDefinition>>> = HashMap::new();
    let mut latest: HashMap<(String, MetricKind), Latest> = HashMap::new();
    let mut after = String::new();
    let limit_at = binds.len() + 2;
    loop {
        let sql = format!(
            "SELECT r.id, r.org_id, r.survey_id, r.customer_id, r.touchpoint_id, r.answers, r.submitted_at \
             FROM responses r WHERE r.customer_id IS NOT NULL AND r.id > $1{filter} \
             ORDER BY r.id LIMIT ${limit_at}"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after.clone());
        for b in binds {
            query = query.bind(b.clone());
        }
        let rows = query.bind(SCAN_PAGE).fetch_all(&mut **tx).await?;
        let Some(last) = rows.last() else {
            return Ok(latest);
        };
        after = last.try_get("id")?;
        for row in &rows {
            let survey_id: String = row.try_get("survey_id")?;
            let definition = match definitions.get(&survey_id) {
                Some(d) => d.clone(),
                None => {
                    let d = definition(tx, &survey_id).await?;
                    definitions.insert(survey_id.clone(), d.clone());
                    d
                }
            };
            let Some(definition) = definition else {
                continue;
            };
            let answers: Answers = serde_json::from_str(&row.try_get::<String, _>("answers")?)?;
            let scores: Vec<(String, MetricKind, i64)> = answers
                .metric_scores(&definition)
                .map(|(q, kind, score)| (q.to_owned(), kind, score))
                .collect();
            let source = Source {
                org_id: row.try_get("org_id")?,
                customer_id: row.try_get("customer_id")?,
                response_id: row.try_get("id")?,
                survey_id,
                touchpoint_id: row.try_get("touchpoint_id")?,
                submitted_at: row.try_get("submitted_at")?,
                scores: &scores,
            };
            for entry in source.entries() {
                let key = (entry.customer_id.clone(), entry.metric);
                match latest.get(&key) {
                    Some(stored) if !entry.is_newer_than(stored) => {}
                    _ => {
                        latest.insert(key, entry);
                    }
                }
            }
        }
    }
}

async fn definition(
    tx: &mut Transaction<'_>,
    survey_id: &str,
) -> Result<Option<Arc<SurveyDefinition>>> {
    let row = sqlx::query("SELECT definition FROM surveys WHERE id = $1")
        .bind(survey_id.to_owned())
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let draft: SurveyDraft = serde_json::from_str(&row.try_get::<String, _>("definition")?)?;
    let definition = SurveyDefinition::try_from(draft)
        .map_err(|e| StoreError::Corrupt(format!("stored survey definition is invalid: {e:?}")))?;
    Ok(Some(Arc::new(definition)))
}

/// Fills the table from every stored response with a customer (migration 0013).
pub(crate) async fn backfill(tx: &mut Transaction<'_>) -> Result<()> {
    let latest = compute(tx, "", &[]).await?;
    let rows: Vec<Latest> = latest.into_values().collect();
    record(tx, &rows).await
}

/// The customers whose latest rows point at one of `response_ids`.
pub(crate) async fn customers_of(
    tx: &mut Transaction<'_>,
    response_ids: &[String],
) -> Result<Vec<String>> {
    let mut customers = Vec::new();
    for chunk in response_ids.chunks(crate::filter::PARAMETERS_PER_STATEMENT) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT DISTINCT customer_id FROM customer_latest WHERE response_id IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.clone());
        }
        for row in query.fetch_all(&mut **tx).await? {
            let customer: String = row.try_get("customer_id")?;
            if !customers.contains(&customer) {
                customers.push(customer);
            }
        }
    }
    Ok(customers)
}

/// Recomputes the rows of `customers` from their stored responses (after some were deleted).
pub(crate) async fn rebuild(tx: &mut Transaction<'_>, customers: &[String]) -> Result<()> {
    for customer in customers {
        sqlx::query("DELETE FROM customer_latest WHERE customer_id = $1")
            .bind(customer.clone())
            .execute(&mut **tx)
            .await?;
        let latest = compute(
            tx,
            " AND r.customer_id = $2",
            std::slice::from_ref(customer),
        )
        .await?;
        let rows: Vec<Latest> = latest.into_values().collect();
        record(tx, &rows).await?;
    }
    Ok(())
}
