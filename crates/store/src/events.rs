//! Interaction events: a batch is written in one transaction — customers resolved (created on
//! the fly or refused, by the organisation's setting), each event kept once per external id
//! (a replay is recognised, other content under the same id is a conflict), and the daily
//! counts per touchpoint and type moved with it. Concurrent requests' batches share that
//! transaction (group commit).

use crate::accounts::parse;
use crate::customers::{create_bare_customers, known_customers, unknown_customers_policy};
use crate::dialect::Backend;
use crate::error::{Result, StoreError};
use crate::filter::{row_placeholders, rows_per_statement, rows_with_keys};
use crate::group_commit::GroupWrite;
use crate::page::{Cursor, Page};
use crate::{Store, Transaction, new_id, now_ms};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use touchpoint_domain::customer::UnknownCustomers;
use touchpoint_domain::event::{NewEvent, properties_json};
use touchpoint_domain::period::day_of_ms;
use touchpoint_domain::{CustomerId, OrgId, TouchpointId};

/// What became of one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    Created(String),
    /// Seen before with the same content: nothing written, the first event's id.
    Replayed(String),
    /// The external id was used before with other content.
    Conflict(String),
    /// Refused: the field and why (unknown touchpoint, unknown customer).
    Rejected {
        field: &'static str,
        message: String,
    },
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: String,
    pub external_id: String,
    pub customer_id: CustomerId,
    pub touchpoint_id: TouchpointId,
    pub channel: String,
    pub kind: String,
    pub outcome: Option<String>,
    pub properties: Value,
    pub occurred_at: i64,
    pub received_at: i64,
}

/// A response of a customer, as the timeline shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerResponse {
    pub id: String,
    pub survey_id: String,
    pub survey_name: String,
    pub touchpoint_id: Option<String>,
    pub channel: String,
    pub answers: Value,
    pub submitted_at: i64,
    /// The comments' overall sentiment, when analysed.
    pub sentiment: Option<String>,
}

fn event_from_row(row: &AnyRow) -> Result<StoredEvent> {
    Ok(StoredEvent {
        id: row.try_get("id")?,
        external_id: row.try_get("external_id")?,
        customer_id: parse(row, "customer_id")?,
        touchpoint_id: parse(row, "touchpoint_id")?,
        channel: row.try_get("channel")?,
        kind: row.try_get("type")?,
        outcome: row.try_get("outcome")?,
        properties: serde_json::from_str(&row.try_get::<String, _>("properties")?)?,
        occurred_at: row.try_get("occurred_at")?,
        received_at: row.try_get("received_at")?,
    })
}

/// `(external id → (event id, fingerprint))` of events already stored.
async fn stored_events(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    external_ids: &[&str],
) -> Result<HashMap<String, (String, String)>> {
    let select =
        "SELECT id, external_id, fingerprint FROM events WHERE org_id = $1 AND external_id IN";
    rows_with_keys(tx, select, org_id, external_ids)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("external_id")?,
                (row.try_get("id")?, row.try_get("fingerprint")?),
            ))
        })
        .collect()
}

/// An event ready to insert.
struct Insert<'a> {
    index: usize,
    id: String,
    prepared: &'a PreparedEvent,
    customer_id: CustomerId,
    touchpoint_id: TouchpointId,
}

/// Deletes a customer's events and uncounts them from the daily counts (for erasure).
pub(crate) async fn delete_customer_events(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    customer_id: CustomerId,
) -> Result<u64> {
    let rows = sqlx::query(
        "SELECT touchpoint_id, occurred_at, type FROM events WHERE org_id = $1 AND customer_id = $2",
    )
    .bind(org_id.to_string())
    .bind(customer_id.to_string())
    .fetch_all(&mut **tx)
    .await?;
    let mut counts: BTreeMap<(String, i64, String), i64> = BTreeMap::new();
    for row in &rows {
        let day = day_of_ms(row.try_get("occurred_at")?);
        *counts
            .entry((row.try_get("touchpoint_id")?, day, row.try_get("type")?))
            .or_default() += 1;
    }
    for ((touchpoint_id, day, kind), n) in counts {
        sqlx::query(
            "UPDATE event_rollups SET n = n - $1 WHERE org_id = $2 AND touchpoint_id = $3 AND day = $4 AND type = $5",
        )
        .bind(n)
        .bind(org_id.to_string())
        .bind(touchpoint_id)
        .bind(day)
        .bind(kind)
        .execute(&mut **tx)
        .await?;
    }
    let deleted = sqlx::query("DELETE FROM events WHERE org_id = $1 AND customer_id = $2")
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(deleted)
}

/// Events per insert statement: 288 parameters, bound in linear time (anonymous placeholders
/// on SQLite, see `Backend::only_row_placeholders`). Twice the 12 of the numbered placeholders'
/// budget measured the same (18–21 thousand events/s); more saved CPU but not time.
const EVENTS_PER_STATEMENT: usize = 24;

/// One request's events, as queued for the events' group-commit writer.
pub(crate) struct EventBatch {
    org_id: OrgId,
    events: Vec<PreparedEvent>,
}

/// An event with what the writer needs of it computed beforehand, on the submitting task,
/// so that the one writer does not hash and serialise.
struct PreparedEvent {
    event: NewEvent,
    fingerprint: String,
    properties_json: String,
}

impl PreparedEvent {
    fn new(event: NewEvent) -> Self {
        Self {
            fingerprint: event.fingerprint(),
            properties_json: properties_json(&event.properties),
            event,
        }
    }
}

/// Event batches, written in groups: several requests' batches in one transaction.
pub(crate) struct EventWrites;

impl GroupWrite for EventWrites {
    type Item = EventBatch;
    type Outcome = Vec<EventOutcome>;
    /// Up to 8,000 events per transaction (batches carry at most 1,000).
    const MAX_GROUP: usize = 8;

    async fn write(
        pool: &AnyPool,
        backend: Backend,
        batches: &[&EventBatch],
    ) -> Result<Vec<Vec<EventOutcome>>> {
        // Two servers on one PostgreSQL racing with the same new event: the loser's insert
        // conflicts; once more, it sees the winner's event and reports a replay.
        match write_batches(pool, backend, batches).await {
            Err(StoreError::Conflict { .. }) => write_batches(pool, backend, batches).await,
            other => other,
        }
    }
}

/// Writes event batches in one transaction: one list of outcomes per batch, in order.
async fn write_batches(
    pool: &AnyPool,
    backend: Backend,
    batches: &[&EventBatch],
) -> Result<Vec<Vec<EventOutcome>>> {
    let mut tx = pool.begin().await?;
    let mut counts = DailyCounts::default();
    let mut outcomes = Vec::with_capacity(batches.len());
    // What each organisation of the group resolves events with, read once per transaction.
    let mut settings: HashMap<OrgId, OrgEventSettings> = HashMap::new();
    for batch in batches {
        let org = match settings.entry(batch.org_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => new.insert(OrgEventSettings::read(&mut tx, batch.org_id).await?),
        };
        outcomes.push(
            ingest_in(
                &mut tx,
                backend,
                batch.org_id,
                org,
                &batch.events,
                &mut counts,
            )
            .await?,
        );
    }
    counts.write(&mut tx).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// What resolves an organisation's events: its touchpoints by id and by key, and what an
/// unknown customer does.
struct OrgEventSettings {
    touchpoints: HashMap<String, TouchpointId>,
    unknown_customers: UnknownCustomers,
}

impl OrgEventSettings {
    async fn read(tx: &mut Transaction<'_>, org_id: OrgId) -> Result<Self> {
        Ok(OrgEventSettings {
            touchpoints: touchpoint_references(tx, org_id).await?,
            unknown_customers: unknown_customers_policy(&mut **tx, org_id).await?,
        })
    }
}

/// The organisation's touchpoints by id and by key, for resolving events.
async fn touchpoint_references(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
) -> Result<HashMap<String, TouchpointId>> {
    let rows = sqlx::query("SELECT id, key FROM touchpoints WHERE org_id = $1")
        .bind(org_id.to_string())
        .fetch_all(&mut **tx)
        .await?;
    let mut references = HashMap::new();
    for row in &rows {
        let id: TouchpointId = parse(row, "id")?;
        references.insert(id.to_string(), id);
        if let Some(key) = row.try_get::<Option<String>, _>("key")? {
            references.insert(key, id);
        }
    }
    Ok(references)
}

/// Events to add to the daily counts per organisation, touchpoint, day and type.
#[derive(Default)]
struct DailyCounts(BTreeMap<(OrgId, TouchpointId, i64, String), i64>);

impl DailyCounts {
    fn add(&mut self, org_id: OrgId, touchpoint_id: TouchpointId, occurred_at_ms: i64, kind: &str) {
        *self
            .0
            .entry((
                org_id,
                touchpoint_id,
                day_of_ms(occurred_at_ms),
                kind.to_owned(),
            ))
            .or_default() += 1;
    }

    async fn write(self, tx: &mut Transaction<'_>) -> Result<()> {
        let counts: Vec<_> = self.0.into_iter().collect();
        for chunk in counts.chunks(rows_per_statement(5)) {
            let sql = format!(
                "INSERT INTO event_rollups (org_id, touchpoint_id, day, type, n) VALUES {} \
                 ON CONFLICT (org_id, touchpoint_id, day, type) DO UPDATE SET n = event_rollups.n + excluded.n",
                row_placeholders(chunk.len(), 5, 1)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for ((org_id, touchpoint_id, day, kind), n) in chunk {
                query = query
                    .bind(org_id.to_string())
                    .bind(touchpoint_id.to_string())
                    .bind(*day)
                    .bind(kind.clone())
                    .bind(*n);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// The distinct values, sorted.
fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut values: Vec<&str> = values.collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// Stores one batch of valid events in `tx` (one outcome per event, in order), adding the new
/// ones to `counts`.
async fn ingest_in(
    tx: &mut Transaction<'_>,
    backend: Backend,
    org_id: OrgId,
    settings: &OrgEventSettings,
    events: &[PreparedEvent],
    counts: &mut DailyCounts,
) -> Result<Vec<EventOutcome>> {
    let (touchpoints, policy) = (&settings.touchpoints, settings.unknown_customers);
    let mut outcomes: Vec<Option<EventOutcome>> = vec![None; events.len()];

    let customer_ids = distinct(events.iter().map(|e| e.event.customer_external_id.as_str()));
    let mut customers = known_customers(tx, org_id, &customer_ids).await?;
    let missing: Vec<&str> = customer_ids
        .iter()
        .copied()
        .filter(|id| !customers.contains_key(*id))
        .collect();
    if !missing.is_empty() && policy == UnknownCustomers::Create {
        create_bare_customers(tx, org_id, &missing).await?;
        customers.extend(known_customers(tx, org_id, &missing).await?);
    }

    let external_ids = distinct(events.iter().map(|e| e.event.external_id.as_str()));
    let mut seen = stored_events(tx, org_id, &external_ids).await?;

    let now = now_ms();
    let mut inserts = Vec::new();
    for (index, prepared) in events.iter().enumerate() {
        let event = &prepared.event;
        if let Some((id, stored)) = seen.get(&event.external_id) {
            outcomes[index] = Some(if *stored == prepared.fingerprint {
                EventOutcome::Replayed(id.clone())
            } else {
                EventOutcome::Conflict(id.clone())
            });
            continue;
        }
        let Some(touchpoint_id) = touchpoints.get(&event.touchpoint).copied() else {
            outcomes[index] = Some(EventOutcome::Rejected {
                field: "touchpoint",
                message: "no touchpoint of this organisation has this id or key".to_owned(),
            });
            continue;
        };
        let Some(customer_id) = customers.get(&event.customer_external_id).copied() else {
            outcomes[index] = Some(EventOutcome::Rejected {
                field: "customer_external_id",
                message: "unknown customer (this organisation refuses unknown customers)"
                    .to_owned(),
            });
            continue;
        };
        let id: uuid::Uuid = new_id();
        // A later duplicate in the same batch is a replay (or conflict) of this one.
        seen.insert(
            event.external_id.clone(),
            (id.to_string(), prepared.fingerprint.clone()),
        );
        outcomes[index] = Some(EventOutcome::Created(id.to_string()));
        counts.add(org_id, touchpoint_id, event.occurred_at_ms, &event.kind);
        inserts.push(Insert {
            index,
            id: id.to_string(),
            prepared,
            customer_id,
            touchpoint_id,
        });
    }

    let org = org_id.to_string();
    for chunk in inserts.chunks(EVENTS_PER_STATEMENT) {
        let sql = format!(
            "{} INTO events (id, org_id, external_id, customer_id, touchpoint_id, channel, type, outcome, \
             properties, fingerprint, occurred_at, received_at) VALUES {}",
            backend.insert_without_statement_undo(),
            backend.only_row_placeholders(chunk.len(), 12)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for insert in chunk {
            let e = &insert.prepared.event;
            query = query
                .bind(insert.id.clone())
                .bind(org.clone())
                .bind(e.external_id.clone())
                .bind(insert.customer_id.to_string())
                .bind(insert.touchpoint_id.to_string())
                .bind(e.channel.clone())
                .bind(e.kind.clone())
                .bind(e.outcome.clone())
                .bind(insert.prepared.properties_json.clone())
                .bind(insert.prepared.fingerprint.clone())
                .bind(e.occurred_at_ms)
                .bind(now);
        }
        query.execute(&mut **tx).await?;
    }
    debug_assert!(inserts.iter().all(|i| outcomes[i.index].is_some()));
    outcomes
        .into_iter()
        .map(|o| o.ok_or_else(|| StoreError::Corrupt("an event without an outcome".into())))
        .collect()
}

impl Store {
    /// Stores a batch of valid events (one outcome per event, in order). The batch goes
    /// through the events' group-commit writer: it is committed, possibly in one transaction
    /// with other requests' batches, before this returns.
    pub async fn ingest_events(
        &self,
        org_id: OrgId,
        events: Vec<NewEvent>,
    ) -> Result<Vec<EventOutcome>> {
        let events = events.into_iter().map(PreparedEvent::new).collect();
        self.inner
            .events
            .submit(EventBatch { org_id, events })
            .await
    }

    /// A customer's events, newest first, in pages.
    pub async fn customer_events(
        &self,
        org_id: OrgId,
        customer_id: CustomerId,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT id, external_id, customer_id, touchpoint_id, channel, type, outcome, properties, occurred_at, received_at \
             FROM events WHERE org_id = $1 AND customer_id = $2 AND (occurred_at < $3 OR (occurred_at = $3 AND id < $4)) \
             ORDER BY occurred_at DESC, id DESC LIMIT $5",
        )
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .bind(after.time_ms)
        .bind(after.id.clone())
        .bind(limit as i64 + 1)
        .fetch_all(self.read())
        .await?;
        let items = rows
            .iter()
            .map(event_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |e| Cursor {
            time_ms: e.occurred_at,
            id: e.id.clone(),
        }))
    }

    /// A customer's responses, newest first, in pages (cursor on `submitted_at`), with the
    /// overall sentiment of their comments where analysed.
    pub async fn customer_response_page(
        &self,
        org_id: OrgId,
        customer_id: CustomerId,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<CustomerResponse>> {
        let rows = sqlx::query(
            "SELECT r.id, r.survey_id, s.name AS survey_name, r.touchpoint_id, r.channel, r.answers, \
             r.submitted_at, a.sentiment FROM responses r JOIN surveys s ON s.id = r.survey_id \
             LEFT JOIN response_analyses a ON a.response_id = r.id \
             WHERE r.org_id = $1 AND r.customer_id = $2 AND (r.submitted_at < $3 OR (r.submitted_at = $3 AND r.id < $4)) \
             ORDER BY r.submitted_at DESC, r.id DESC LIMIT $5",
        )
        .bind(org_id.to_string())
        .bind(customer_id.to_string())
        .bind(after.time_ms)
        .bind(after.id.clone())
        .bind(limit as i64 + 1)
        .fetch_all(self.read())
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(CustomerResponse {
                    id: row.try_get("id")?,
                    survey_id: row.try_get("survey_id")?,
                    survey_name: row.try_get("survey_name")?,
                    touchpoint_id: row.try_get("touchpoint_id")?,
                    channel: row.try_get("channel")?,
                    answers: serde_json::from_str(&row.try_get::<String, _>("answers")?)?,
                    submitted_at: row.try_get("submitted_at")?,
                    sentiment: row.try_get("sentiment")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |r| Cursor {
            time_ms: r.submitted_at,
            id: r.id.clone(),
        }))
    }

    /// Events per touchpoint in days `from_day..=to_day`, from the daily counts.
    pub async fn event_counts(
        &self,
        org_id: OrgId,
        from_day: i64,
        to_day: i64,
    ) -> Result<HashMap<TouchpointId, i64>> {
        let rows = sqlx::query(
            "SELECT touchpoint_id, CAST(SUM(n) AS BIGINT) AS n FROM event_rollups \
             WHERE org_id = $1 AND day >= $2 AND day <= $3 GROUP BY touchpoint_id",
        )
        .bind(org_id.to_string())
        .bind(from_day)
        .bind(to_day)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| Ok((parse(r, "touchpoint_id")?, r.try_get("n")?)))
            .collect()
    }
}
