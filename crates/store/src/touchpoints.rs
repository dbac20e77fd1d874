//! Touchpoints of an organisation.

use crate::Transaction;
use crate::accounts::parse;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::Result;
use crate::page::{Cursor, Page};
use crate::{Store, new_id, now_ms};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::touchpoint::TouchpointFields;
use touchpoint_domain::{OrgId, TouchpointId};

#[derive(Debug, Clone, Serialize)]
pub struct Touchpoint {
    pub id: TouchpointId,
    pub name: String,
    pub channel: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> Result<Touchpoint> {
    Ok(Touchpoint {
        id: parse(row, "id")?,
        name: row.try_get("name")?,
        channel: row.try_get("channel")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const COLUMNS: &str = "id, name, channel, created_at, updated_at";

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
    serde_json::json!({"name": t.name, "channel": t.channel})
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
        let id: TouchpointId = new_id();
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO touchpoints (id, org_id, name, channel, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(&fields.name)
        .bind(&fields.channel)
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

    /// Newest first.
    pub async fn list_touchpoints(
        &self,
        org_id: OrgId,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<Touchpoint>> {
        let rows = sqlx::query(
            "SELECT id, name, channel, created_at, updated_at FROM touchpoints \
             WHERE org_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
             ORDER BY created_at DESC, id DESC LIMIT $4",
        )
        .bind(org_id.to_string())
        .bind(after.time_ms)
        .bind(&after.id)
        .bind(limit as i64 + 1)
        .fetch_all(self.read())
        .await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |t| Cursor {
            time_ms: t.created_at,
            id: t.id.to_string(),
        }))
    }

    pub async fn update_touchpoint(
        &self,
        org_id: OrgId,
        id: TouchpointId,
        fields: &TouchpointFields,
        context: &AuditContext,
    ) -> Result<Touchpoint> {
        let mut tx = self.write().begin().await?;
        let before = fetch_in(&mut tx, org_id, id).await?;
        let done = sqlx::query("UPDATE touchpoints SET name = $1, channel = $2, updated_at = $3 WHERE org_id = $4 AND id = $5")
            .bind(&fields.name)
            .bind(&fields.channel)
            .bind(now_ms())
            .bind(org_id.to_string())
            .bind(id.to_string())
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
