//! Touchpoints of an organisation.

use crate::Transaction;
use crate::accounts::parse;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::Result;
use crate::filter::Conditions;
use crate::page::{Cursor, Page};
use crate::{Store, new_id, now_ms};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{DepartmentId, DepartmentScope, OrgId, TouchpointId};

#[derive(Debug, Clone, Serialize)]
pub struct Touchpoint {
    pub id: TouchpointId,
    pub name: String,
    pub channel: String,
    /// The owning department; `None` is organisation-wide (seen by unscoped users only).
    pub department_id: Option<DepartmentId>,
    pub key: Option<String>,
    pub description: String,
    pub moment_of_truth: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> Result<Touchpoint> {
    Ok(Touchpoint {
        id: parse(row, "id")?,
        name: row.try_get("name")?,
        channel: row.try_get("channel")?,
        department_id: crate::accounts::parse_opt(row, "department_id")?,
        key: row.try_get("key")?,
        description: row.try_get("description")?,
        moment_of_truth: row.try_get::<i64, _>("moment_of_truth")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const COLUMNS: &str =
    "id, name, channel, department_id, key, description, moment_of_truth, created_at, updated_at";

async fn fetch<'e, E>(executor: E, org_id: OrgId, id: TouchpointId) -> Result<Touchpoint>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM touchpoints WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.to_string())
        .bind(id.to_string())
        .fetch_one(executor)
        .await?;
    from_row(&row)
}

async fn fetch_in(tx: &mut Transaction<'_>, org_id: OrgId, id: TouchpointId) -> Result<Touchpoint> {
    fetch(&mut **tx, org_id, id).await
}

fn audit_view(t: &Touchpoint) -> serde_json::Value {
    serde_json::json!({
        "name": t.name, "channel": t.channel, "department_id": t.department_id,
        "key": t.key, "description": t.description, "moment_of_truth": t.moment_of_truth,
    })
}

fn audit_entry(
    org_id: OrgId,
    action: &'static str,
    before: Option<&Touchpoint>,
    after: &Touchpoint,
) -> AuditEntry {
    AuditEntry {
        org_id,
        action,
        target_type: Some("touchpoint"),
        target_id: Some(after.id.to_string()),
        summary: serde_json::json!({
            "before": before.map(audit_view),
            "after": audit_view(after),
        }),
    }
}

impl Store {
    /// Fails with `Conflict` when the organisation already has a touchpoint of this name.
    pub async fn create_touchpoint(
        &self,
        org_id: OrgId,
        fields: &TouchpointFields,
        context: &AuditContext,
    ) -> Result<Touchpoint> {
        self.create_touchpoint_in(org_id, fields, None, context)
            .await
    }

    /// Like [`Store::create_touchpoint`], owned by `department` (which must be one of the
    /// organisation's: `NotFound` otherwise).
    pub async fn create_touchpoint_in(
        &self,
        org_id: OrgId,
        fields: &TouchpointFields,
        department: Option<DepartmentId>,
        context: &AuditContext,
    ) -> Result<Touchpoint> {
        let id: TouchpointId = new_id();
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        check_department(&mut tx, org_id, department).await?;
        sqlx::query(
            "INSERT INTO touchpoints (id, org_id, name, channel, department_id, key, description, \
             moment_of_truth, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(&fields.name)
        .bind(&fields.channel)
        .bind(department.map(|d| d.to_string()))
        .bind(fields.key.clone())
        .bind(&fields.description)
        .bind(i64::from(fields.moment_of_truth))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let created = fetch_in(&mut tx, org_id, id).await?;
        let entry = audit_entry(org_id, "touchpoint.create", None, &created);
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn touchpoint(&self, org_id: OrgId, id: TouchpointId) -> Result<Touchpoint> {
        fetch(self.read(), org_id, id).await
    }

    /// Newest first; only those of `scope`'s departments.
    pub async fn list_touchpoints(
        &self,
        org_id: OrgId,
        scope: &DepartmentScope,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<Touchpoint>> {
        let mut conditions = Conditions::new(5);
        conditions.push_scope("department_id IN (?)", scope);
        let sql = format!(
            "SELECT {COLUMNS} FROM touchpoints \
             WHERE org_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3)){} \
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
        Ok(Page::from_rows(items, limit, |t| Cursor {
            time_ms: t.created_at,
            id: t.id.to_string(),
        }))
    }

    /// Replaces name, channel and owning department (`NotFound` for another
    /// organisation's touchpoint or department).
    pub async fn update_touchpoint(
        &self,
        org_id: OrgId,
        id: TouchpointId,
        fields: &TouchpointFields,
        department: Option<DepartmentId>,
        context: &AuditContext,
    ) -> Result<Touchpoint> {
        let mut tx = self.write().begin().await?;
        let before = fetch_in(&mut tx, org_id, id).await?;
        check_department(&mut tx, org_id, department).await?;
        let done = sqlx::query(
            "UPDATE touchpoints SET name = $1, channel = $2, department_id = $3, key = $7, \
             description = $8, moment_of_truth = $9, updated_at = $4 WHERE org_id = $5 AND id = $6",
        )
        .bind(&fields.name)
        .bind(&fields.channel)
        .bind(department.map(|d| d.to_string()))
        .bind(now_ms())
        .bind(org_id.to_string())
        .bind(id.to_string())
        .bind(fields.key.clone())
        .bind(&fields.description)
        .bind(i64::from(fields.moment_of_truth))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound);
        }
        let after = fetch_in(&mut tx, org_id, id).await?;
        let entry = audit_entry(org_id, "touchpoint.update", Some(&before), &after);
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// `NotFound` unless `department` is absent or one of the organisation's.
async fn check_department(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    department: Option<DepartmentId>,
) -> Result<()> {
    let Some(department) = department else {
        return Ok(());
    };
    sqlx::query("SELECT id FROM departments WHERE org_id = $1 AND id = $2")
        .bind(org_id.to_string())
        .bind(department.to_string())
        .fetch_one(&mut **tx)
        .await?;
    Ok(())
}
