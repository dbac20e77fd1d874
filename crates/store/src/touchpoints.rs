//! Touchpoints of an organisation.

use crate::accounts::parse;
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

impl Store {
    /// Fails with `Conflict` when the organisation already has a touchpoint of this name.
    pub async fn create_touchpoint(
        &self,
        org_id: OrgId,
        fields: &TouchpointFields,
    ) -> Result<Touchpoint> {
        let id: TouchpointId = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO touchpoints (id, org_id, name, channel, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(&fields.name)
        .bind(&fields.channel)
        .bind(now)
        .execute(self.write())
        .await?;
        self.touchpoint(org_id, id).await
    }

    pub async fn touchpoint(&self, org_id: OrgId, id: TouchpointId) -> Result<Touchpoint> {
        let row = sqlx::query(
            "SELECT id, name, channel, created_at, updated_at FROM touchpoints WHERE org_id = $1 AND id = $2",
        )
        .bind(org_id.to_string())
        .bind(id.to_string())
        .fetch_one(self.read())
        .await?;
        from_row(&row)
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
    ) -> Result<Touchpoint> {
        let done = sqlx::query("UPDATE touchpoints SET name = $1, channel = $2, updated_at = $3 WHERE org_id = $4 AND id = $5")
            .bind(&fields.name)
            .bind(&fields.channel)
            .bind(now_ms())
            .bind(org_id.to_string())
            .bind(id.to_string())
            .execute(self.write())
            .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.touchpoint(org_id, id).await
    }
}
