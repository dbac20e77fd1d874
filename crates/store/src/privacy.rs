//! Data-protection requests about one customer: everything stored about them, and erasure.
//! Erasure removes the customer, their attributes and responses (with comments and analyses)
//! and corrects every aggregate in the same transaction; the audit entry it leaves names the
//! erasure, not the person.

use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::retention::delete_responses;
use crate::{Store, new_id};
use serde_json::{Value, json};
use sqlx::Row;
use touchpoint_domain::{CustomerId, OrgId};

/// A stored response of the customer, as an export shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedResponse {
    pub id: String,
    pub survey_id: String,
    pub survey_name: String,
    pub touchpoint_id: Option<String>,
    pub language: String,
    pub channel: String,
    pub answers: Value,
    pub external_id: Option<String>,
    pub submitted_at: i64,
    pub received_at: i64,
    /// The stored analysis of the comments: text, sentiment and the whole analysis.
    pub analysis: Option<Value>,
}

/// What an erasure removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// Names the erasure in the audit log (the customer's id is gone with them).
    pub id: String,
    pub responses: u64,
    pub events: u64,
    pub attributes: u64,
}

/// Removes erased response ids from the payloads of analysis jobs (queued or done), so not
/// even an id of the erased data stays behind.
async fn forget_in_jobs(tx: &mut crate::Transaction<'_>, ids: &[String]) -> Result<()> {
    for id in ids {
        let jobs = sqlx::query("SELECT id, payload FROM jobs WHERE kind = $1 AND payload LIKE $2")
            .bind(crate::ANALYZE_RESPONSES)
            .bind(format!("%{id}%"))
            .fetch_all(&mut **tx)
            .await?;
        for job in &jobs {
            let mut payload: Value = serde_json::from_str(&job.try_get::<String, _>("payload")?)?;
            if let Some(list) = payload
                .get_mut("response_ids")
                .and_then(Value::as_array_mut)
            {
                list.retain(|v| v.as_str() != Some(id.as_str()));
            }
            sqlx::query("UPDATE jobs SET payload = $1 WHERE id = $2")
                .bind(payload.to_string())
                .bind(job.try_get::<String, _>("id")?)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

impl Store {
    /// Every response linked to the customer, oldest first, with its analysis.
    pub async fn customer_responses(
        &self,
        org_id: OrgId,
        customer_id: CustomerId,
    ) -> Result<Vec<ExportedResponse>> {
        let rows = sqlx::query(
            "SELECT r.id, r.survey_id, s.name AS survey_name, r.touchpoint_id, r.language, r.channel, \
             r.answers, r.external_id, r.submitted_at, r.received_at, \
             a.text, a.sentiment, a.analysis FROM responses r \
             JOIN surveys s ON s.id = r.survey_id \
             LEFT JOIN response_analyses a ON a.response_id = r.id \
             WHERE r.org_id = $1 AND r.customer_id = $2 ORDER BY r.submitted_at, r.id",
        )
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                let analysis = match row.try_get::<Option<String>, _>("analysis")? {
                    Some(raw) => Some(json!({
                        "text": row.try_get::<String, _>("text")?,
                        "sentiment": row.try_get::<String, _>("sentiment")?,
                        "analysis": serde_json::from_str::<Value>(&raw)?,
                    })),
                    None => None,
                };
                Ok(ExportedResponse {
                    id: row.try_get("id")?,
                    survey_id: row.try_get("survey_id")?,
                    survey_name: row.try_get("survey_name")?,
                    touchpoint_id: row.try_get("touchpoint_id")?,
                    language: row.try_get("language")?,
                    channel: row.try_get("channel")?,
                    answers: serde_json::from_str(&row.try_get::<String, _>("answers")?)?,
                    external_id: row.try_get("external_id")?,
                    submitted_at: row.try_get("submitted_at")?,
                    received_at: row.try_get("received_at")?,
                    analysis,
                })
            })
            .collect()
    }

    /// Erases the customer: responses (comments, analyses, their share of every rollup),
    /// events (and their daily counts), attributes and the customer row, in one transaction, audited as `customer.erase` with
    /// counts only. `NotFound` when the organisation has no such customer.
    pub async fn erase_customer(
        &self,
        org_id: OrgId,
        customer_id: CustomerId,
        context: &AuditContext,
    ) -> Result<Erasure> {
        let mut tx = self.write().begin().await?;
        let exists = sqlx::query("SELECT id FROM customers WHERE org_id = $1 AND id = $2")
            .bind(org_id.to_string())
            .bind(customer_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let ids: Vec<String> = sqlx::query(
            "SELECT id FROM responses WHERE org_id = $1 AND customer_id = $2 ORDER BY id",
        )
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
        let mut responses = 0;
        for chunk in ids.chunks(crate::retention::RETENTION_BATCH) {
            responses += delete_responses(&mut tx, org_id, chunk).await?;
        }
        forget_in_jobs(&mut tx, &ids).await?;
        let events = crate::events::delete_customer_events(&mut tx, org_id, customer_id).await?;
        sqlx::query("DELETE FROM customer_latest WHERE org_id = $1 AND customer_id = $2")
            .bind(org_id.to_string())
            .bind(customer_id.to_string())
            .execute(&mut *tx)
            .await?;
        let attributes =
            sqlx::query("DELETE FROM customer_attributes WHERE org_id = $1 AND customer_id = $2")
                .bind(org_id.to_string())
                .bind(customer_id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        sqlx::query("DELETE FROM customers WHERE org_id = $1 AND id = $2")
            .bind(org_id.to_string())
            .bind(customer_id.to_string())
            .execute(&mut *tx)
            .await?;
        let erasure_id: uuid::Uuid = new_id();
        let entry = AuditEntry {
            org_id,
            action: "customer.erase",
            target_type: Some("erasure"),
            target_id: Some(erasure_id.to_string()),
            summary: json!({
                "before": null,
                "after": {
                    "responses_deleted": responses,
                    "events_deleted": events,
                    "attributes_deleted": attributes,
                },
            }),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(Erasure {
            id: erasure_id.to_string(),
            responses,
            events,
            attributes,
        })
    }

    /// Records that someone exported a customer's data (who, when; the customer by id).
    pub async fn record_customer_export(
        &self,
        org_id: OrgId,
        customer_id: CustomerId,
        responses: usize,
        context: &AuditContext,
    ) -> Result<()> {
        let entry = AuditEntry {
            org_id,
            action: "customer.export",
            target_type: Some("customer"),
            target_id: Some(customer_id.to_string()),
            summary: json!({"before": null, "after": {"responses": responses}}),
        };
        self.append_audit(context, &entry).await
    }
}
