//! Retention: the organisation's policies, applying one to the data it has made due, and the
//! record of each run. Deleting responses and deleting or anonymising comments keep every
//! aggregate true: what goes is uncounted from the rollups in the same transaction.

use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::rollups::{Contribution, RollupDeltas, apply};
use crate::surveys::{Survey, survey_in};
use crate::text::uncount_analysis;
use crate::{Store, Transaction, new_id, now_ms};
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::HashMap;
use touchpoint_domain::retention::{
    DataClass, RetentionAction, RetentionPolicy, redact_personal_data,
};
use touchpoint_domain::{Answers, OrgId, SurveyId};

/// Responses handled per transaction.
pub const RETENTION_BATCH: usize = 500;

/// A policy as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    pub policy: RetentionPolicy,
    pub updated_at: i64,
}

/// What one policy did in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyOutcome {
    pub policy: RetentionPolicy,
    /// Data submitted before this instant (ms) was due.
    pub cutoff: i64,
    /// Responses whose comments were deleted or anonymised, or that were deleted.
    pub affected: u64,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionRun {
    pub id: String,
    pub org_id: OrgId,
    pub started_at: i64,
    pub finished_at: i64,
    pub report: Value,
}

fn outcome_json(outcome: &PolicyOutcome) -> Value {
    json!({
        "data_class": outcome.policy.class.as_str(),
        "action": outcome.policy.action.as_str(),
        "days": outcome.policy.days,
        "cutoff": outcome.cutoff,
        "affected": outcome.affected,
    })
}

fn policy_json(policy: &RetentionPolicy) -> Value {
    json!({"action": policy.action.as_str(), "days": policy.days})
}

/// A response loaded for erasure, with its share of the rollups.
struct Due {
    id: String,
    survey: Survey,
    answers: Answers,
    contribution: Contribution,
}

/// Loads `ids` (all of one organisation) inside the transaction.
async fn load(tx: &mut Transaction<'_>, org_id: OrgId, ids: &[String]) -> Result<Vec<Due>> {
    let placeholders: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, survey_id, touchpoint_id, channel, language, answers, submitted_at \
         FROM responses WHERE org_id = $1 AND id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id.to_string());
    for id in ids {
        query = query.bind(id.clone());
    }
    let rows = query.fetch_all(&mut **tx).await?;
    let mut surveys: HashMap<SurveyId, Survey> = HashMap::new();
    let mut due = Vec::with_capacity(rows.len());
    for row in &rows {
        let survey_id: SurveyId = crate::accounts::parse(row, "survey_id")?;
        let survey = match surveys.get(&survey_id) {
            Some(survey) => survey.clone(),
            None => {
                let survey = survey_in(tx, org_id, survey_id).await?;
                surveys.insert(survey_id, survey.clone());
                survey
            }
        };
        let answers: Answers = serde_json::from_str(&row.try_get::<String, _>("answers")?)?;
        let contribution = Contribution::of_row(row, &survey, &answers)?;
        due.push(Due {
            id: row.try_get("id")?,
            survey,
            answers,
            contribution,
        });
    }
    Ok(due)
}

async fn delete_where_id_in(
    tx: &mut Transaction<'_>,
    table: &str,
    column: &str,
    ids: &[String],
) -> Result<()> {
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "DELETE FROM {table} WHERE {column} IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id.clone());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// Deletes responses with their analyses, uncounting them from every rollup. Returns how
/// many were deleted.
pub(crate) async fn delete_responses(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    ids: &[String],
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let due = load(tx, org_id, ids).await?;
    let mut deltas = RollupDeltas::default();
    for response in &due {
        deltas.add_scores(&response.contribution, -1);
        uncount_analysis(tx, &response.id, &response.contribution, &mut deltas).await?;
    }
    let found: Vec<String> = due.iter().map(|d| d.id.clone()).collect();
    let customers = crate::latest::customers_of(tx, &found).await?;
    delete_where_id_in(tx, "response_analyses", "response_id", &found).await?;
    delete_where_id_in(tx, "responses", "id", &found).await?;
    apply(tx, &deltas).await?;
    // Customers whose latest experience was among them: recomputed from what is left.
    crate::latest::rebuild(tx, &customers).await?;
    Ok(found.len() as u64)
}

/// Deletes or anonymises the free-text answers of responses (and the analysed text). Deleting
/// also removes the analysis and uncounts it from the theme rollups; anonymising keeps the
/// analysis. Marks each response with what was done.
pub(crate) async fn expire_comments(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    ids: &[String],
    action: RetentionAction,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let due = load(tx, org_id, ids).await?;
    let mut deltas = RollupDeltas::default();
    for response in &due {
        let answers = match action {
            RetentionAction::Delete => response
                .answers
                .with_texts(&response.survey.definition, |_| None),
            RetentionAction::Anonymise => response
                .answers
                .with_texts(&response.survey.definition, |t| {
                    Some(redact_personal_data(t))
                }),
        };
        let state = match action {
            RetentionAction::Delete => "deleted",
            RetentionAction::Anonymise => "anonymised",
        };
        sqlx::query("UPDATE responses SET answers = $1, comments_state = $2 WHERE id = $3")
            .bind(serde_json::to_string(&answers)?)
            .bind(state)
            .bind(response.id.clone())
            .execute(&mut **tx)
            .await?;
        match action {
            RetentionAction::Delete => {
                if uncount_analysis(tx, &response.id, &response.contribution, &mut deltas).await? {
                    delete_where_id_in(
                        tx,
                        "response_analyses",
                        "response_id",
                        std::slice::from_ref(&response.id),
                    )
                    .await?;
                }
            }
            RetentionAction::Anonymise => anonymise_analysis(tx, &response.id).await?,
        }
    }
    apply(tx, &deltas).await?;
    Ok(due.len() as u64)
}

/// Redacts the analysed text and every string inside the stored analysis.
async fn anonymise_analysis(tx: &mut Transaction<'_>, response_id: &str) -> Result<()> {
    let row = sqlx::query("SELECT text, analysis FROM response_analyses WHERE response_id = $1")
        .bind(response_id.to_owned())
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let text: String = row.try_get("text")?;
    let mut analysis: Value = serde_json::from_str(&row.try_get::<String, _>("analysis")?)?;
    redact_strings(&mut analysis);
    sqlx::query("UPDATE response_analyses SET text = $1, analysis = $2 WHERE response_id = $3")
        .bind(redact_personal_data(&text))
        .bind(analysis.to_string())
        .bind(response_id.to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn redact_strings(value: &mut Value) {
    match value {
        Value::String(s) => *s = redact_personal_data(s),
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

fn policy_from_row(row: &sqlx::any::AnyRow) -> Result<StoredPolicy> {
    let class: String = row.try_get("data_class")?;
    let action: String = row.try_get("action")?;
    let class = DataClass::parse(&class)
        .ok_or_else(|| StoreError::Corrupt(format!("retention data class '{class}'")))?;
    let policy = RetentionPolicy::new(class, &action, row.try_get("days")?)
        .map_err(|_| StoreError::Corrupt(format!("retention policy for {class}")))?;
    Ok(StoredPolicy {
        policy,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// The organisation's policies, in data-class order.
    pub async fn retention_policies(&self, org_id: OrgId) -> Result<Vec<StoredPolicy>> {
        let rows = sqlx::query(
            "SELECT data_class, action, days, updated_at FROM retention_policies \
             WHERE org_id = $1 ORDER BY data_class",
        )
        .bind(org_id.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(policy_from_row).collect()
    }

    /// Organisations with at least one policy.
    pub async fn organisations_with_retention(&self) -> Result<Vec<OrgId>> {
        let rows = sqlx::query("SELECT DISTINCT org_id FROM retention_policies ORDER BY org_id")
            .fetch_all(self.read())
            .await?;
        rows.iter()
            .map(|r| crate::accounts::parse(r, "org_id"))
            .collect()
    }

    /// Sets (creates or replaces) the policy of its data class.
    pub async fn set_retention_policy(
        &self,
        org_id: OrgId,
        policy: &RetentionPolicy,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        let before = self.policy_in(&mut tx, org_id, policy.class).await?;
        sqlx::query(
            "INSERT INTO retention_policies (org_id, data_class, action, days, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, data_class) \
             DO UPDATE SET action = excluded.action, days = excluded.days, updated_at = excluded.updated_at",
        )
        .bind(org_id.to_string())
        .bind(policy.class.as_str())
        .bind(policy.action.as_str())
        .bind(policy.days)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let entry = AuditEntry {
            org_id,
            action: "retention.set",
            target_type: Some("retention_policy"),
            target_id: Some(policy.class.as_str().to_owned()),
            summary: json!({
                "before": before.as_ref().map(policy_json),
                "after": policy_json(policy),
            }),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the policy of `class`: its data is kept indefinitely again. `NotFound` when
    /// there was none.
    pub async fn remove_retention_policy(
        &self,
        org_id: OrgId,
        class: DataClass,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        let before = self
            .policy_in(&mut tx, org_id, class)
            .await?
            .ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM retention_policies WHERE org_id = $1 AND data_class = $2")
            .bind(org_id.to_string())
            .bind(class.as_str())
            .execute(&mut *tx)
            .await?;
        let entry = AuditEntry {
            org_id,
            action: "retention.remove",
            target_type: Some("retention_policy"),
            target_id: Some(class.as_str().to_owned()),
            summary: json!({"before": policy_json(&before), "after": null}),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn policy_in(
        &self,
        tx: &mut Transaction<'_>,
        org_id: OrgId,
        class: DataClass,
    ) -> Result<Option<RetentionPolicy>> {
        let row = sqlx::query(
            "SELECT data_class, action, days, updated_at FROM retention_policies \
             WHERE org_id = $1 AND data_class = $2",
        )
        .bind(org_id.to_string())
        .bind(class.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        row.as_ref()
            .map(policy_from_row)
            .transpose()
            .map(|p| p.map(|p| p.policy))
    }

    /// Applies `policy` to at most [`RETENTION_BATCH`] due responses in one transaction.
    /// Returns how many it handled; zero means nothing is due any more.
    pub async fn apply_retention_batch(
        &self,
        org_id: OrgId,
        policy: &RetentionPolicy,
        cutoff: i64,
    ) -> Result<u64> {
        let pending = match (policy.class, policy.action) {
            (DataClass::Comments, RetentionAction::Anonymise) => " AND comments_state IS NULL",
            (DataClass::Comments, RetentionAction::Delete) => {
                " AND (comments_state IS NULL OR comments_state = 'anonymised')"
            }
            (DataClass::Responses, _) => "",
        };
        let sql = format!(
            "SELECT id FROM responses WHERE org_id = $1 AND submitted_at < $2{pending} \
             ORDER BY submitted_at, id LIMIT $3"
        );
        let mut tx = self.write().begin().await?;
        let ids: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(cutoff)
            .bind(RETENTION_BATCH as i64)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        let affected = match policy.class {
            DataClass::Comments => expire_comments(&mut tx, org_id, &ids, policy.action).await?,
            DataClass::Responses => delete_responses(&mut tx, org_id, &ids).await?,
        };
        tx.commit().await?;
        Ok(affected)
    }

    /// Records a finished run and its audit entry (interface as given, usually system).
    pub async fn record_retention_run(
        &self,
        org_id: OrgId,
        started_at: i64,
        outcomes: &[PolicyOutcome],
        context: &AuditContext,
    ) -> Result<RetentionRun> {
        let id: uuid::Uuid = new_id();
        let finished_at = now_ms();
        let report = Value::Array(outcomes.iter().map(outcome_json).collect());
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO retention_runs (id, org_id, started_at, finished_at, report) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(started_at)
        .bind(finished_at)
        .bind(report.to_string())
        .execute(&mut *tx)
        .await?;
        let entry = AuditEntry {
            org_id,
            action: "retention.run",
            target_type: Some("retention_run"),
            target_id: Some(id.to_string()),
            summary: json!({"before": null, "after": report.clone()}),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(RetentionRun {
            id: id.to_string(),
            org_id,
            started_at,
            finished_at,
            report,
        })
    }

    /// The organisation's latest runs, newest first.
    pub async fn retention_runs(&self, org_id: OrgId, limit: usize) -> Result<Vec<RetentionRun>> {
        let rows = sqlx::query(
            "SELECT id, started_at, finished_at, report FROM retention_runs \
             WHERE org_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2",
        )
        .bind(org_id.to_string())
        .bind(limit as i64)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RetentionRun {
                    id: row.try_get("id")?,
                    org_id,
                    started_at: row.try_get("started_at")?,
                    finished_at: row.try_get("finished_at")?,
                    report: serde_json::from_str(&row.try_get::<String, _>("report")?)?,
                })
            })
            .collect()
    }
}
