//! Surveys: their definition (stored as the JSON draft), status and public token.

use crate::Transaction;
use crate::accounts::{parse, parse_opt};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::filter::Conditions;
use crate::page::{Cursor, Page};
use crate::{Store, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::sync::Arc;
use touchpoint_domain::survey::SurveyDraft;
use touchpoint_domain::{DepartmentScope, OrgId, SurveyDefinition, SurveyId, TouchpointId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyStatus {
    Open,
    Closed,
}

impl SurveyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Survey {
    pub id: SurveyId,
    pub org_id: OrgId,
    pub public_token: String,
    pub status: SurveyStatus,
    pub definition: Arc<SurveyDefinition>,
    pub touchpoint_id: Option<TouchpointId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

/// A survey (`surveys.touchpoint_id`) on a touchpoint of the listed departments; `(?)` is
/// the list. `$1` is the organisation.
const SCOPED_SURVEY: &str =
    "touchpoint_id IN (SELECT id FROM touchpoints WHERE org_id = $1 AND department_id IN (?))";

const COLUMNS: &str = "id, org_id, public_token, status, definition, touchpoint_id, created_at, updated_at, closed_at";

fn from_row(row: &AnyRow) -> Result<Survey> {
    let raw: String = row.try_get("definition")?;
    let draft: SurveyDraft = serde_json::from_str(&raw)?;
    let definition = SurveyDefinition::try_from(draft)
        .map_err(|e| StoreError::Corrupt(format!("stored survey definition is invalid: {e:?}")))?;
    let status: String = row.try_get("status")?;
    Ok(Survey {
        id: parse(row, "id")?,
        org_id: parse(row, "org_id")?,
        public_token: row.try_get("public_token")?,
        status: if status == "closed" {
            SurveyStatus::Closed
        } else {
            SurveyStatus::Open
        },
        definition: Arc::new(definition),
        touchpoint_id: parse_opt(row, "touchpoint_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        closed_at: row.try_get("closed_at")?,
    })
}

/// What the audit log keeps of a survey: the fields people change, not the whole definition.
fn audit_view(survey: &Survey) -> serde_json::Value {
    serde_json::json!({
        "name": survey.definition.name,
        "status": survey.status.as_str(),
        "touchpoint_id": survey.touchpoint_id,
        "questions": survey.definition.questions.len(),
    })
}

fn audit_entry(action: &'static str, before: Option<&Survey>, after: &Survey) -> AuditEntry {
    AuditEntry {
        org_id: after.org_id,
        action,
        target_type: Some("survey"),
        target_id: Some(after.id.to_string()),
        summary: serde_json::json!({
            "before": before.map(audit_view),
            "after": audit_view(after),
        }),
    }
}

/// The survey as the transaction sees it (the same query as [`Store::survey`]).
pub(crate) async fn survey_in(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    id: SurveyId,
) -> Result<Survey> {
    fetch_survey(&mut **tx, org_id, id).await
}

async fn fetch_survey<'e, E>(executor: E, org_id: OrgId, id: SurveyId) -> Result<Survey>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM surveys WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.to_string())
        .bind(id.to_string())
        .fetch_one(executor)
        .await?;
    from_row(&row)
}

fn definition_json(definition: &SurveyDefinition) -> Result<String> {
    Ok(serde_json::to_string(&definition.to_draft())?)
}

impl Store {
    /// Stores a new, open survey. `public_token` is the unguessable part of its `/s/` URL.
    pub async fn create_survey(
        &self,
        org_id: OrgId,
        definition: &SurveyDefinition,
        touchpoint_id: Option<TouchpointId>,
        public_token: &str,
        context: &AuditContext,
    ) -> Result<Survey> {
        let id: SurveyId = new_id();
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO surveys (id, org_id, name, public_token, status, definition, touchpoint_id, created_at, updated_at) \
             SELECT $1, $2, $3, $4, 'open', $5, $6, $7, $7 \
             WHERE $6 IS NULL OR EXISTS (SELECT 1 FROM touchpoints WHERE id = $6 AND org_id = $2)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(&definition.name)
        .bind(public_token)
        .bind(definition_json(definition)?)
        .bind(touchpoint_id.map(|t| t.to_string()))
        .bind(now)
        .execute(&mut *tx)
        .await
        .and_then(require_one_row)?;
        let created = survey_in(&mut tx, org_id, id).await?;
        audit::append(
            &mut tx,
            context,
            &audit_entry("survey.create", None, &created),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn survey(&self, org_id: OrgId, id: SurveyId) -> Result<Survey> {
        fetch_survey(self.read(), org_id, id).await
    }

    pub async fn survey_by_token(&self, public_token: &str) -> Result<Survey> {
        let sql = format!("SELECT {COLUMNS} FROM surveys WHERE public_token = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(public_token)
            .fetch_one(self.read())
            .await?;
        from_row(&row)
    }

    /// Newest first; only those on touchpoints of `scope`'s departments.
    pub async fn list_surveys(
        &self,
        org_id: OrgId,
        scope: &DepartmentScope,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<Survey>> {
        let mut conditions = Conditions::new(5);
        conditions.push_scope(SCOPED_SURVEY, scope);
        let sql = format!(
            "SELECT {COLUMNS} FROM surveys WHERE org_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3)){} \
             ORDER BY created_at DESC, id DESC LIMIT $4",
            conditions.sql()
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(after.time_ms)
            .bind(&after.id)
            .bind(limit as i64 + 1);
        let rows = conditions.bind(query).fetch_all(self.read()).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |s| Cursor {
            time_ms: s.created_at,
            id: s.id.to_string(),
        }))
    }

    pub async fn survey_has_responses(&self, survey_id: SurveyId) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM responses WHERE survey_id = $1 LIMIT 1) t")
            .bind(survey_id.to_string())
            .fetch_one(self.read())
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    pub async fn update_survey(
        &self,
        org_id: OrgId,
        id: SurveyId,
        definition: &SurveyDefinition,
        touchpoint_id: Option<TouchpointId>,
        context: &AuditContext,
    ) -> Result<Survey> {
        let mut tx = self.write().begin().await?;
        let before = survey_in(&mut tx, org_id, id).await?;
        sqlx::query(
            "UPDATE surveys SET name = $1, definition = $2, touchpoint_id = $3, updated_at = $4 \
             WHERE org_id = $5 AND id = $6 \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM touchpoints WHERE id = $3 AND org_id = $5))",
        )
        .bind(&definition.name)
        .bind(definition_json(definition)?)
        .bind(touchpoint_id.map(|t| t.to_string()))
        .bind(now_ms())
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .and_then(require_one_row)?;
        let after = survey_in(&mut tx, org_id, id).await?;
        let entry = audit_entry("survey.update", Some(&before), &after);
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Closes a survey: its public page answers 410 and submissions are refused. Idempotent;
    /// only the first closing is audited.
    pub async fn close_survey(
        &self,
        org_id: OrgId,
        id: SurveyId,
        context: &AuditContext,
    ) -> Result<Survey> {
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        let before = survey_in(&mut tx, org_id, id).await?;
        sqlx::query(
            "UPDATE surveys SET status = 'closed', closed_at = COALESCE(closed_at, $1), updated_at = $1 \
             WHERE org_id = $2 AND id = $3",
        )
        .bind(now)
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .and_then(require_one_row)?;
        let after = survey_in(&mut tx, org_id, id).await?;
        // Closing a closed survey changes nothing worth an entry.
        if before.status != SurveyStatus::Closed {
            let entry = audit_entry("survey.close", Some(&before), &after);
            audit::append(&mut tx, context, &entry).await?;
        }
        tx.commit().await?;
        Ok(after)
    }
}

/// An insert/update guarded by a condition changed nothing: the row (or what it must refer
/// to within the same organisation) does not exist.
fn require_one_row(result: sqlx::any::AnyQueryResult) -> Result<(), sqlx::Error> {
    if result.rows_affected() == 0 {
        Err(sqlx::Error::RowNotFound)
    } else {
        Ok(())
    }
}
