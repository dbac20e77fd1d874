//! Journeys, their ordered stages and the touchpoints placed in them.

use crate::Transaction;
use crate::accounts::parse;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::{Store, new_id, now_ms};
use serde_json::{Value, json};
use sqlx::Row;
use std::collections::{BTreeMap, HashSet};
use touchpoint_domain::journey::{JourneyFields, Layout};
use touchpoint_domain::{JourneyId, OrgId, StageId, TouchpointId};

/// A touchpoint as a stage shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedTouchpoint {
    pub id: TouchpointId,
    pub name: String,
    pub channel: String,
    pub moment_of_truth: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub id: StageId,
    pub name: String,
    pub touchpoints: Vec<PlacedTouchpoint>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journey {
    pub id: JourneyId,
    pub name: String,
    pub description: String,
    pub stages: Vec<Stage>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Journey {
    /// Every touchpoint of the journey, stage by stage, in order.
    pub fn touchpoints(&self) -> impl Iterator<Item = &PlacedTouchpoint> {
        self.stages.iter().flat_map(|s| s.touchpoints.iter())
    }
}

fn audit_view(journey: &Journey) -> Value {
    json!({
        "name": journey.name,
        "description": journey.description,
        "stages": journey.stages.iter().map(|s| json!({
            "id": s.id,
            "name": s.name,
            "touchpoints": s.touchpoints.iter().map(|t| t.id).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn entry(
    org_id: OrgId,
    action: &'static str,
    id: JourneyId,
    before: Option<&Journey>,
    after: Option<&Journey>,
) -> AuditEntry {
    AuditEntry {
        org_id,
        action,
        target_type: Some("journey"),
        target_id: Some(id.to_string()),
        summary: json!({"before": before.map(audit_view), "after": after.map(audit_view)}),
    }
}

/// A name already taken is a conflict (journey names per organisation, stage names per journey).
fn name_taken(error: sqlx::Error, what: &str) -> StoreError {
    match StoreError::from(error) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            constraint: format!("{what} of this name exists already"),
        },
        other => other,
    }
}

async fn load<'e, E>(executor: E, org_id: OrgId, ids: Option<JourneyId>) -> Result<Vec<Journey>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let only = if ids.is_some() { " AND j.id = $2" } else { "" };
    let sql = format!(
        "SELECT j.id AS journey_id, j.name AS journey_name, j.description, j.created_at, j.updated_at, \
         s.id AS stage_id, s.name AS stage_name, s.position AS stage_position, \
         t.id AS touchpoint_id, t.name AS touchpoint_name, t.channel, t.moment_of_truth, st.position AS touchpoint_position \
         FROM journeys j \
         LEFT JOIN journey_stages s ON s.journey_id = j.id \
         LEFT JOIN stage_touchpoints st ON st.stage_id = s.id \
         LEFT JOIN touchpoints t ON t.id = st.touchpoint_id \
         WHERE j.org_id = $1{only} \
         ORDER BY j.name, j.id, s.position, s.id, st.position, t.id"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org_id.to_string());
    if let Some(id) = ids {
        query = query.bind(id.to_string());
    }
    let rows = query.fetch_all(executor).await?;
    let mut journeys: Vec<Journey> = Vec::new();
    for row in &rows {
        let journey_id: JourneyId = parse(row, "journey_id")?;
        if journeys.last().is_none_or(|j| j.id != journey_id) {
            journeys.push(Journey {
                id: journey_id,
                name: row.try_get("journey_name")?,
                description: row.try_get("description")?,
                stages: Vec::new(),
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            });
        }
        let journey = journeys
            .last_mut()
            .ok_or_else(|| StoreError::Corrupt("journey row".into()))?;
        let Some(stage_id) = row.try_get::<Option<String>, _>("stage_id")? else {
            continue;
        };
        let stage_id: StageId = stage_id
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("stage id '{stage_id}'")))?;
        if journey.stages.last().is_none_or(|s| s.id != stage_id) {
            journey.stages.push(Stage {
                id: stage_id,
                name: row.try_get("stage_name")?,
                touchpoints: Vec::new(),
            });
        }
        let stage = journey
            .stages
            .last_mut()
            .ok_or_else(|| StoreError::Corrupt("stage row".into()))?;
        if row.try_get::<Option<String>, _>("touchpoint_id")?.is_some() {
            stage.touchpoints.push(PlacedTouchpoint {
                id: parse(row, "touchpoint_id")?,
                name: row.try_get("touchpoint_name")?,
                channel: row.try_get("channel")?,
                moment_of_truth: row.try_get::<i64, _>("moment_of_truth")? != 0,
            });
        }
    }
    Ok(journeys)
}

async fn load_one_in(tx: &mut Transaction<'_>, org_id: OrgId, id: JourneyId) -> Result<Journey> {
    load(&mut **tx, org_id, Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

async fn insert_stage(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    journey_id: JourneyId,
    name: &str,
    position: i64,
) -> Result<StageId> {
    let id: StageId = new_id();
    sqlx::query(
        "INSERT INTO journey_stages (id, org_id, journey_id, name, position, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(org_id.to_string())
    .bind(journey_id.to_string())
    .bind(name.to_owned())
    .bind(position)
    .bind(now_ms())
    .execute(&mut **tx)
    .await
    .map_err(|e| name_taken(e, "a stage"))?;
    Ok(id)
}

async fn touch(tx: &mut Transaction<'_>, org_id: OrgId, id: JourneyId) -> Result<()> {
    sqlx::query("UPDATE journeys SET updated_at = $1 WHERE org_id = $2 AND id = $3")
        .bind(now_ms())
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The journey, when `stage_id` is one of its stages; `NotFound` otherwise.
async fn stage_of(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    journey_id: JourneyId,
    stage_id: StageId,
) -> Result<Journey> {
    let journey = load_one_in(tx, org_id, journey_id).await?;
    if journey.stages.iter().any(|s| s.id == stage_id) {
        Ok(journey)
    } else {
        Err(StoreError::NotFound)
    }
}

/// Ends a change of a journey: marks it updated, audits before and after, commits.
async fn finish(
    mut tx: Transaction<'_>,
    org_id: OrgId,
    before: &Journey,
    action: &'static str,
    context: &AuditContext,
) -> Result<Journey> {
    touch(&mut tx, org_id, before.id).await?;
    let after = load_one_in(&mut tx, org_id, before.id).await?;
    let entry = entry(org_id, action, before.id, Some(before), Some(&after));
    audit::append(&mut tx, context, &entry).await?;
    tx.commit().await?;
    Ok(after)
}

impl Store {
    /// Creates a journey with its first stages. `Conflict` when the name is taken.
    pub async fn create_journey(
        &self,
        org_id: OrgId,
        fields: &JourneyFields,
        context: &AuditContext,
    ) -> Result<Journey> {
        let id: JourneyId = new_id();
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO journeys (id, org_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(fields.name.clone())
        .bind(fields.description.clone())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| name_taken(e, "a journey"))?;
        for (position, name) in fields.stages.iter().enumerate() {
            insert_stage(&mut tx, org_id, id, name, position as i64).await?;
        }
        let created = load_one_in(&mut tx, org_id, id).await?;
        audit::append(
            &mut tx,
            context,
            &entry(org_id, "journey.create", id, None, Some(&created)),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Every journey of the organisation, by name, with stages and touchpoints in order.
    pub async fn journeys(&self, org_id: OrgId) -> Result<Vec<Journey>> {
        load(self.read(), org_id, None).await
    }

    pub async fn journey(&self, org_id: OrgId, id: JourneyId) -> Result<Journey> {
        load(self.read(), org_id, Some(id))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)
    }

    /// Renames the journey and replaces its description (its stages stay as they are).
    pub async fn update_journey(
        &self,
        org_id: OrgId,
        id: JourneyId,
        fields: &JourneyFields,
        context: &AuditContext,
    ) -> Result<Journey> {
        let mut tx = self.write().begin().await?;
        let before = load_one_in(&mut tx, org_id, id).await?;
        sqlx::query(
            "UPDATE journeys SET name = $1, description = $2 WHERE org_id = $3 AND id = $4",
        )
        .bind(fields.name.clone())
        .bind(fields.description.clone())
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(|e| name_taken(e, "a journey"))?;
        finish(tx, org_id, &before, "journey.update", context).await
    }

    /// Deletes the journey and its stages; its touchpoints stay, in no stage.
    pub async fn delete_journey(
        &self,
        org_id: OrgId,
        id: JourneyId,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        let before = load_one_in(&mut tx, org_id, id).await?;
        sqlx::query(
            "DELETE FROM stage_touchpoints WHERE org_id = $1 AND stage_id IN (SELECT id FROM journey_stages WHERE journey_id = $2)",
        )
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        for table in [
            "DELETE FROM journey_stages WHERE org_id = $1 AND journey_id = $2",
            "DELETE FROM journeys WHERE org_id = $1 AND id = $2",
        ] {
            sqlx::query(table)
                .bind(org_id.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        audit::append(
            &mut tx,
            context,
            &entry(org_id, "journey.delete", id, Some(&before), None),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends a stage. `Conflict` when the journey has a stage of this name.
    pub async fn add_stage(
        &self,
        org_id: OrgId,
        journey_id: JourneyId,
        name: &str,
        context: &AuditContext,
    ) -> Result<Journey> {
        let mut tx = self.write().begin().await?;
        let before = load_one_in(&mut tx, org_id, journey_id).await?;
        if before.stages.len() >= touchpoint_domain::journey::MAX_STAGES {
            return Err(StoreError::Conflict {
                constraint: format!(
                    "a journey has at most {} stages",
                    touchpoint_domain::journey::MAX_STAGES
                ),
            });
        }
        insert_stage(
            &mut tx,
            org_id,
            journey_id,
            name,
            before.stages.len() as i64,
        )
        .await?;
        finish(tx, org_id, &before, "journey.add_stage", context).await
    }

    pub async fn rename_stage(
        &self,
        org_id: OrgId,
        journey_id: JourneyId,
        stage_id: StageId,
        name: &str,
        context: &AuditContext,
    ) -> Result<Journey> {
        let mut tx = self.write().begin().await?;
        let before = stage_of(&mut tx, org_id, journey_id, stage_id).await?;
        sqlx::query("UPDATE journey_stages SET name = $1 WHERE org_id = $2 AND id = $3")
            .bind(name.to_owned())
            .bind(org_id.to_string())
            .bind(stage_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(|e| name_taken(e, "a stage"))?;
        finish(tx, org_id, &before, "journey.rename_stage", context).await
    }

    /// Deletes a stage; its touchpoints stay, in no stage.
    pub async fn delete_stage(
        &self,
        org_id: OrgId,
        journey_id: JourneyId,
        stage_id: StageId,
        context: &AuditContext,
    ) -> Result<Journey> {
        let mut tx = self.write().begin().await?;
        let before = stage_of(&mut tx, org_id, journey_id, stage_id).await?;
        for sql in [
            "DELETE FROM stage_touchpoints WHERE org_id = $1 AND stage_id = $2",
            "DELETE FROM journey_stages WHERE org_id = $1 AND id = $2",
        ] {
            sqlx::query(sql)
                .bind(org_id.to_string())
                .bind(stage_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        finish(tx, org_id, &before, "journey.delete_stage", context).await
    }

    /// Applies a validated layout: stage order, and each stage's touchpoints in order.
    /// Touchpoints placed here leave any other stage; those left out leave this journey.
    pub async fn set_layout(
        &self,
        org_id: OrgId,
        journey_id: JourneyId,
        layout: &Layout,
        context: &AuditContext,
    ) -> Result<Journey> {
        let mut tx = self.write().begin().await?;
        let before = load_one_in(&mut tx, org_id, journey_id).await?;
        for stage in &before.stages {
            sqlx::query("DELETE FROM stage_touchpoints WHERE org_id = $1 AND stage_id = $2")
                .bind(org_id.to_string())
                .bind(stage.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        for (position, (stage_id, touchpoints)) in layout.stages.iter().enumerate() {
            sqlx::query("UPDATE journey_stages SET position = $1 WHERE org_id = $2 AND id = $3")
                .bind(position as i64)
                .bind(org_id.to_string())
                .bind(stage_id.to_string())
                .execute(&mut *tx)
                .await?;
            for (place, touchpoint_id) in touchpoints.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO stage_touchpoints (touchpoint_id, org_id, stage_id, position) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (touchpoint_id) DO UPDATE SET stage_id = excluded.stage_id, position = excluded.position",
                )
                .bind(touchpoint_id.to_string())
                .bind(org_id.to_string())
                .bind(stage_id.to_string())
                .bind(place as i64)
                .execute(&mut *tx)
                .await?;
            }
        }
        finish(tx, org_id, &before, "journey.layout", context).await
    }

    /// The stages of each touchpoint placed in any journey: touchpoint → (journey, stage).
    pub async fn touchpoint_placements(
        &self,
        org_id: OrgId,
    ) -> Result<BTreeMap<TouchpointId, (JourneyId, StageId)>> {
        let rows = sqlx::query(
            "SELECT st.touchpoint_id, s.journey_id, s.id AS stage_id FROM stage_touchpoints st \
             JOIN journey_stages s ON s.id = st.stage_id WHERE st.org_id = $1",
        )
        .bind(org_id.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse(r, "touchpoint_id")?,
                    (parse(r, "journey_id")?, parse(r, "stage_id")?),
                ))
            })
            .collect()
    }

    /// The ids of every touchpoint of the organisation.
    pub async fn touchpoint_ids(&self, org_id: OrgId) -> Result<HashSet<TouchpointId>> {
        let rows = sqlx::query("SELECT id FROM touchpoints WHERE org_id = $1")
            .bind(org_id.to_string())
            .fetch_all(self.read())
            .await?;
        rows.iter().map(|r| parse(r, "id")).collect()
    }
}
