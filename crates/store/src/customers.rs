//! The customer directory: attribute definitions (configuration, audited), customers (data,
//! upserted in bulk, not audited row by row) and the organisation's policy for responses that
//! name an unknown customer.
//!
//! Attributes are stored twice: as a JSON object on the customer row, which is what reads
//! return, and as one `customer_attributes` row per value with a text and a numeric form, which
//! is what list filters use. Filters are `EXISTS` on the primary key `(customer_id, key)`, the
//! at-risk list reads the number index `(org_id, key, value_num, customer_id)` (number and date
//! values only, migration 0016), the same way on both backends, with no JSON operators (which
//! differ between SQLite and PostgreSQL) in any query.

use crate::Transaction;
use crate::accounts::parse;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::filter::{
    Conditions, PARAMETERS_PER_STATEMENT, Value as Bind, row_placeholders, rows_per_statement,
    rows_with_keys,
};
use crate::page::{Cursor, Page};
use crate::segments::push_attribute;
use crate::{Store, new_id, now_ms};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use std::collections::HashMap;
use std::sync::Arc;
use touchpoint_domain::customer::{PreparedBatch, prepare_batch};
use touchpoint_domain::segment::{AttributeTest, Condition};
use touchpoint_domain::{
    AttributeDefinition, AttributeType, AttributeValue, BatchReport, CustomerDraft, CustomerId,
    FieldError, Language, LineError, OrgId, UnknownCustomers, ValidCustomer,
};

/// External ids per lookup (one placeholder each, besides the organisation).
const IDS_PER_LOOKUP: usize = PARAMETERS_PER_STATEMENT - 1;

/// What an upsert did to one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    Inserted(CustomerId),
    Updated(CustomerId),
    /// The stored content was already exactly this: nothing written.
    Unchanged(CustomerId),
}

impl UpsertOutcome {
    pub fn id(self) -> CustomerId {
        match self {
            UpsertOutcome::Inserted(id)
            | UpsertOutcome::Updated(id)
            | UpsertOutcome::Unchanged(id) => id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: CustomerId,
    pub external_id: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub language: Option<String>,
    pub consent_email: bool,
    pub consent_sms: bool,
    pub consent_in_app: bool,
    pub attributes: serde_json::Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One attribute condition of a customer list.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeFilter {
    Equals {
        key: String,
        value: AttributeValue,
    },
    /// Inclusive bounds on numbers, or on dates as days since 1970-01-01.
    Range {
        key: String,
        min: Option<f64>,
        max: Option<f64>,
    },
}

/// Filters of a customer list; all given ones must hold.
#[derive(Debug, Clone, Default)]
pub struct CustomerQuery {
    pub attributes: Vec<AttributeFilter>,
    pub consent_email: Option<bool>,
    pub consent_sms: Option<bool>,
    pub consent_in_app: Option<bool>,
    pub language: Option<Language>,
    /// A prefix of the name (any case), of the e-mail address or of the external id (as
    /// written).
    pub search: Option<String>,
    /// Only members of a segment with these conditions.
    pub segment: Option<Vec<Condition>>,
}

pub(crate) const COLUMNS: &str = "c.id, c.external_id, c.email, c.phone, c.name, c.language, c.consent_email, \
     c.consent_sms, c.consent_in_app, c.attributes, c.created_at, c.updated_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<Customer> {
    let attributes: String = row.try_get("attributes")?;
    Ok(Customer {
        id: parse(row, "id")?,
        external_id: row.try_get("external_id")?,
        email: row.try_get("email")?,
        phone: row.try_get("phone")?,
        name: row.try_get("name")?,
        language: row.try_get("language")?,
        consent_email: row.try_get::<i64, _>("consent_email")? != 0,
        consent_sms: row.try_get::<i64, _>("consent_sms")? != 0,
        consent_in_app: row.try_get::<i64, _>("consent_in_app")? != 0,
        attributes: serde_json::from_str(&attributes)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn definition_from_row(row: &AnyRow) -> Result<AttributeDefinition> {
    let raw: String = row.try_get("type")?;
    Ok(AttributeDefinition {
        key: row.try_get("key")?,
        label: row.try_get("label")?,
        attribute_type: AttributeType::parse(&raw)
            .ok_or_else(|| StoreError::Corrupt(format!("attribute type '{raw}'")))?,
    })
}

/// `rows` copies of the group `row`, comma-separated, where each `?` becomes the next
/// placeholder from `$first` on; a `$n` written in `row` is shared by every row (the
/// organisation, the time), which binds it once per statement instead of once per row.
fn rows_of(row: &str, rows: usize, first: usize) -> String {
    let mut out = String::with_capacity(rows * (row.len() + 16));
    let mut next = first;
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        for (i, part) in row.split('?').enumerate() {
            if i > 0 {
                out.push_str(&format!("${next}"));
                next += 1;
            }
            out.push_str(part);
        }
    }
    out
}

/// `$first, …, $first+n-1`.
fn placeholders(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text of a multi-row statement for `rows` rows, built once per size: in a batch every
/// statement has the full size but the last, and building the placeholder list each time cost
/// the import 3 % of its CPU.
#[derive(Default)]
struct StatementText {
    built: Option<(usize, Arc<str>)>,
}

impl StatementText {
    fn get(&mut self, rows: usize, build: impl FnOnce(usize) -> String) -> AssertSqlSafe<Arc<str>> {
        let sql = match &self.built {
            Some((n, sql)) if *n == rows => sql.clone(),
            _ => {
                let sql: Arc<str> = build(rows).into();
                self.built = Some((rows, sql.clone()));
                sql
            }
        };
        AssertSqlSafe(sql)
    }
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// The prefix search: `[prefix, prefix + the last code point)` on an indexed lower-cased column.
fn prefix_bounds(prefix: &str) -> (String, String) {
    let low = prefix.to_lowercase();
    let high = format!("{low}\u{10FFFF}");
    (low, high)
}

struct Written {
    id: CustomerId,
    inserted: bool,
}

/// Writes every customer of `batch` in the open transaction and reports what happened to each.
async fn upsert_in(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    batch: &[&ValidCustomer],
) -> Result<Vec<UpsertOutcome>> {
    let org = org_id.to_string();
    // What is stored now, by external id.
    let mut existing: HashMap<String, (String, String)> = HashMap::with_capacity(batch.len());
    let mut lookup = StatementText::default();
    for chunk in batch.chunks(IDS_PER_LOOKUP) {
        let sql = lookup.get(chunk.len(), |n| {
            format!(
                "SELECT id, external_id, fingerprint FROM customers WHERE org_id = $1 AND external_id IN ({})",
                placeholders(n, 2)
            )
        });
        let mut query = sqlx::query(sql).bind(org.clone());
        for c in chunk {
            query = query.bind(c.external_id.clone());
        }
        for row in query.fetch_all(&mut **tx).await? {
            existing.insert(
                row.try_get("external_id")?,
                (row.try_get("id")?, row.try_get("fingerprint")?),
            );
        }
    }
    let now = now_ms();
    let mut outcomes: Vec<Option<UpsertOutcome>> = vec![None; batch.len()];
    let mut to_write: Vec<(usize, String, String)> = Vec::new();
    for (i, customer) in batch.iter().enumerate() {
        let fingerprint = customer.fingerprint();
        match existing.get(&customer.external_id) {
            Some((id, stored)) if *stored == fingerprint => {
                outcomes[i] =
                    Some(UpsertOutcome::Unchanged(id.parse().map_err(|_| {
                        StoreError::Corrupt(format!("customer id '{id}'"))
                    })?));
            }
            Some((id, _)) => to_write.push((i, id.clone(), fingerprint)),
            None => to_write.push((i, new_id::<CustomerId>().to_string(), fingerprint)),
        }
    }
    // One multi-row upsert per chunk; RETURNING gives the stored id even when a concurrent
    // writer inserted the same external id first.
    let mut written: HashMap<String, Written> = HashMap::with_capacity(to_write.len());
    // $1 is the organisation and $2 the time, for every row; each row brings 12 values.
    let mut insert = StatementText::default();
    for chunk in to_write.chunks((PARAMETERS_PER_STATEMENT - 2) / 12) {
        let sql = insert.get(chunk.len(), |n| format!(
            "INSERT INTO customers (id, org_id, external_id, email, phone, name, name_key, language, \
             consent_email, consent_sms, consent_in_app, attributes, fingerprint, created_at, updated_at) \
             VALUES {} ON CONFLICT (org_id, external_id) DO UPDATE SET email = excluded.email, \
             phone = excluded.phone, name = excluded.name, name_key = excluded.name_key, \
             language = excluded.language, consent_email = excluded.consent_email, \
             consent_sms = excluded.consent_sms, consent_in_app = excluded.consent_in_app, \
             attributes = excluded.attributes, fingerprint = excluded.fingerprint, \
             updated_at = excluded.updated_at \
             RETURNING id, external_id, created_at",
            rows_of("(?, $1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, $2, $2)", n, 3)
        ));
        let mut query = sqlx::query(sql).bind(org.clone()).bind(now);
        for (i, id, fingerprint) in chunk {
            let c = batch[*i];
            query = query
                .bind(id.clone())
                .bind(c.external_id.clone())
                .bind(c.email.clone())
                .bind(c.phone.clone())
                .bind(c.name.clone())
                .bind(c.name.as_ref().map(|n| n.to_lowercase()))
                .bind(c.language.map(|l| l.as_str()))
                .bind(flag(c.consent_email))
                .bind(flag(c.consent_sms))
                .bind(flag(c.consent_in_app))
                .bind(serde_json::to_string(&c.attributes_json())?)
                .bind(fingerprint.clone());
        }
        for row in query.fetch_all(&mut **tx).await? {
            let created_at: i64 = row.try_get("created_at")?;
            let external_id: String = row.try_get("external_id")?;
            // New unless it was there before this transaction looked, or a concurrent writer
            // inserted it in between (then its creation time is not ours).
            let inserted = created_at == now && !existing.contains_key(&external_id);
            written.insert(
                external_id,
                Written {
                    id: parse(&row, "id")?,
                    inserted,
                },
            );
        }
    }
    // Attribute rows: replaced wholesale for every written customer.
    let updated_ids: Vec<String> = written
        .values()
        .filter(|w| !w.inserted)
        .map(|w| w.id.to_string())
        .collect();
    for chunk in updated_ids.chunks(IDS_PER_LOOKUP) {
        let sql = format!(
            "DELETE FROM customer_attributes WHERE org_id = $1 AND customer_id IN ({})",
            placeholders(chunk.len(), 2)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.clone());
        for id in chunk {
            query = query.bind(id.clone());
        }
        query.execute(&mut **tx).await?;
    }
    let mut attribute_rows: Vec<(String, &str, &AttributeValue)> = Vec::new();
    for (i, _, _) in &to_write {
        let c = batch[*i];
        if let Some(w) = written.get(&c.external_id) {
            let id = w.id.to_string();
            for (key, value) in &c.attributes {
                attribute_rows.push((id.clone(), key.as_str(), value));
            }
        }
    }
    // $1 is the organisation, for every row; each row brings 4 values.
    let mut insert = StatementText::default();
    for chunk in attribute_rows.chunks((PARAMETERS_PER_STATEMENT - 1) / 4) {
        let sql = insert.get(chunk.len(), |n| {
            format!(
                "INSERT INTO customer_attributes (org_id, customer_id, key, value_text, value_num) VALUES {}",
                rows_of("($1, ?, ?, ?, CAST(? AS DOUBLE PRECISION))", n, 2)
            )
        });
        let mut query = sqlx::query(sql).bind(org.clone());
        for (customer_id, key, value) in chunk {
            query = query
                .bind(customer_id.clone())
                .bind(key.to_string())
                .bind(value.filter_text())
                // As text: a NULL float through sqlx's Any driver can reach PostgreSQL in a
                // binary format it refuses once a statement mixes NULLs and numbers.
                .bind(value.filter_number().map(|n| n.to_string()));
        }
        query.execute(&mut **tx).await?;
    }
    for (i, _, _) in &to_write {
        let w = written
            .get(&batch[*i].external_id)
            .ok_or_else(|| StoreError::Corrupt("an upserted customer was not returned".into()))?;
        outcomes[*i] = Some(if w.inserted {
            UpsertOutcome::Inserted(w.id)
        } else {
            UpsertOutcome::Updated(w.id)
        });
    }
    outcomes
        .into_iter()
        .map(|o| o.ok_or_else(|| StoreError::Corrupt("a customer without an outcome".into())))
        .collect()
}

/// `(external id → customer id)` of the organisation's customers among `external_ids`.
pub(crate) async fn known_customers(
    conn: &mut sqlx::AnyConnection,
    org_id: OrgId,
    external_ids: &[&str],
) -> Result<HashMap<String, CustomerId>> {
    let select = "SELECT id, external_id FROM customers WHERE org_id = $1 AND external_id IN";
    rows_with_keys(conn, select, org_id, external_ids)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("external_id")?, parse(row, "id")?)))
        .collect()
}

/// Creates bare customers (only their external id) for `external_ids`: for responses and
/// events naming customers not imported yet. Insert-if-absent: a customer imported
/// concurrently keeps its data.
pub(crate) async fn create_bare_customers(
    conn: &mut sqlx::AnyConnection,
    org_id: OrgId,
    external_ids: &[&str],
) -> Result<()> {
    let now = now_ms();
    for chunk in external_ids.chunks(rows_per_statement(10)) {
        let sql = format!(
            "INSERT INTO customers (id, org_id, external_id, consent_email, consent_sms, consent_in_app, \
             attributes, fingerprint, created_at, updated_at) VALUES {} \
             ON CONFLICT (org_id, external_id) DO NOTHING",
            row_placeholders(chunk.len(), 10, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for external_id in chunk {
            query = query
                .bind(new_id::<CustomerId>().to_string())
                .bind(org_id.to_string())
                .bind(external_id.to_string())
                .bind(0i64)
                .bind(0i64)
                .bind(0i64)
                .bind("{}")
                .bind(ValidCustomer::bare((*external_id).to_owned()).fingerprint())
                .bind(now)
                .bind(now);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// What a response or event naming an unknown customer does in this organisation.
pub(crate) async fn unknown_customers_policy<'e, E>(
    executor: E,
    org_id: OrgId,
) -> Result<UnknownCustomers>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT unknown_customers FROM organisations WHERE id = $1")
        .bind(org_id.to_string())
        .fetch_optional(executor)
        .await?
        .ok_or(StoreError::NotFound)?;
    let raw: String = row.try_get("unknown_customers")?;
    UnknownCustomers::parse(&raw)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown_customers '{raw}'")))
}

impl Store {
    /// Declares an attribute for the organisation's customers. A key can be declared once.
    pub async fn define_attribute(
        &self,
        org_id: OrgId,
        definition: &AttributeDefinition,
        context: &AuditContext,
    ) -> Result<AttributeDefinition> {
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO attribute_definitions (org_id, key, label, type, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(org_id.to_string())
        .bind(&definition.key)
        .bind(&definition.label)
        .bind(definition.attribute_type.as_str())
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let entry = AuditEntry {
            org_id,
            action: "customer_attribute.create",
            target_type: Some("customer_attribute"),
            target_id: Some(definition.key.clone()),
            summary: serde_json::json!({"before": null, "after": definition}),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(definition.clone())
    }

    /// The organisation's attribute definitions, by key.
    pub async fn attribute_definitions(&self, org_id: OrgId) -> Result<Vec<AttributeDefinition>> {
        sqlx::query(
            "SELECT key, label, type FROM attribute_definitions WHERE org_id = $1 ORDER BY key",
        )
        .bind(org_id.to_string())
        .fetch_all(self.read())
        .await?
        .iter()
        .map(definition_from_row)
        .collect()
    }

    /// Upserts validated customers by external id in ONE transaction: all or nothing. The
    /// outcomes are in the order of `customers`; external ids must be distinct (see
    /// [`touchpoint_domain::customer::prepare_batch`]).
    pub async fn upsert_customers(
        &self,
        org_id: OrgId,
        customers: &[&ValidCustomer],
    ) -> Result<Vec<UpsertOutcome>> {
        let mut tx = self.write().begin().await?;
        let outcomes = upsert_in(&mut tx, org_id, customers).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// The one path of bulk upserts (API, CSV import, benchmark): validates each parsed line
    /// against the organisation's definitions, rejects conflicting duplicates, writes all valid
    /// lines in one transaction and reports per line. Lines are numbered by the caller.
    pub async fn import_customers(
        &self,
        org_id: OrgId,
        lines: Vec<(u64, std::result::Result<CustomerDraft, FieldError>)>,
    ) -> Result<BatchReport> {
        let definitions = self.attribute_definitions(org_id).await?;
        self.import_prepared(org_id, prepare_batch(lines, &definitions))
            .await
    }

    async fn import_prepared(&self, org_id: OrgId, batch: PreparedBatch) -> Result<BatchReport> {
        let customers: Vec<&ValidCustomer> = batch.valid.iter().map(|(_, c)| c).collect();
        let outcomes = if customers.is_empty() {
            Vec::new()
        } else {
            self.upsert_customers(org_id, &customers).await?
        };
        let mut report = BatchReport {
            unchanged: batch.repeated.len() as u64,
            rejected: batch.rejected.len() as u64,
            errors: batch.rejected,
            ..BatchReport::default()
        };
        report.errors.sort_by_key(|e: &LineError| e.line);
        for outcome in outcomes {
            match outcome {
                UpsertOutcome::Inserted(_) => report.inserted += 1,
                UpsertOutcome::Updated(_) => report.updated += 1,
                UpsertOutcome::Unchanged(_) => report.unchanged += 1,
            }
        }
        Ok(report)
    }

    pub async fn customer(&self, org_id: OrgId, id: CustomerId) -> Result<Customer> {
        let sql = format!("SELECT {COLUMNS} FROM customers c WHERE c.org_id = $1 AND c.id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    pub async fn customer_by_external_id(
        &self,
        org_id: OrgId,
        external_id: &str,
    ) -> Result<Customer> {
        let sql =
            format!("SELECT {COLUMNS} FROM customers c WHERE c.org_id = $1 AND c.external_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(external_id)
            .fetch_optional(self.read())
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Customers matching `query`, newest first.
    pub async fn list_customers(
        &self,
        org_id: OrgId,
        query: &CustomerQuery,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<Customer>> {
        let mut conditions = Conditions::new(5);
        // The same conditions as a segment's on attributes.
        for filter in &query.attributes {
            let (key, test) = match filter {
                AttributeFilter::Equals { key, value } => {
                    (key, AttributeTest::Equals(value.clone()))
                }
                AttributeFilter::Range { key, min, max } => (
                    key,
                    AttributeTest::Range {
                        min: min.map(AttributeValue::Number),
                        max: max.map(AttributeValue::Number),
                    },
                ),
            };
            push_attribute(&mut conditions, "c.id", key, &test);
        }
        for (column, wanted) in [
            ("c.consent_email = ?", query.consent_email),
            ("c.consent_sms = ?", query.consent_sms),
            ("c.consent_in_app = ?", query.consent_in_app),
        ] {
            conditions.push_int(column, wanted.map(flag));
        }
        conditions.push_text("c.language = ?", query.language.map(|l| l.as_str()));
        if let Some(segment) = &query.segment {
            crate::segments::push_segment(&mut conditions, segment, "c.id", now_ms());
        }
        if let Some(search) = query.search.as_deref().filter(|s| !s.trim().is_empty()) {
            let (low, high) = prefix_bounds(search.trim());
            // External ids are matched as given (they are case-sensitive identifiers).
            let exact_low = search.trim().to_owned();
            let exact_high = format!("{exact_low}\u{10FFFF}");
            conditions.push_values(
                "((c.name_key >= ? AND c.name_key < ?) OR (c.email >= ? AND c.email < ?) \
                 OR (c.external_id >= ? AND c.external_id < ?))",
                vec![
                    Bind::Text(low.clone()),
                    Bind::Text(high.clone()),
                    Bind::Text(low),
                    Bind::Text(high),
                    Bind::Text(exact_low),
                    Bind::Text(exact_high),
                ],
            );
        }
        let sql = format!(
            "SELECT {COLUMNS} FROM customers c \
             WHERE c.org_id = $1 AND (c.created_at < $2 OR (c.created_at = $2 AND c.id < $3)){} \
             ORDER BY c.created_at DESC, c.id DESC LIMIT $4",
            conditions.sql()
        );
        let statement: Query<'_, sqlx::Any, AnyArguments> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(after.time_ms)
            .bind(after.id.clone())
            .bind(limit as i64 + 1);
        let rows = conditions.bind(statement).fetch_all(self.read()).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |c| Cursor {
            time_ms: c.created_at,
            id: c.id.to_string(),
        }))
    }

    pub async fn count_customers(&self, org_id: OrgId) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM customers WHERE org_id = $1")
            .bind(org_id.to_string())
            .fetch_one(self.read())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// What a response naming an unknown customer does in this organisation.
    pub async fn unknown_customers(&self, org_id: OrgId) -> Result<UnknownCustomers> {
        unknown_customers_policy(self.read(), org_id).await
    }

    pub async fn set_unknown_customers(
        &self,
        org_id: OrgId,
        policy: UnknownCustomers,
        context: &AuditContext,
    ) -> Result<()> {
        let before = self.unknown_customers(org_id).await?;
        let mut tx = self.write().begin().await?;
        sqlx::query("UPDATE organisations SET unknown_customers = $1 WHERE id = $2")
            .bind(policy.as_str())
            .bind(org_id.to_string())
            .execute(&mut *tx)
            .await?;
        let entry = AuditEntry {
            org_id,
            action: "organisation.unknown_customers",
            target_type: Some("organisation"),
            target_id: Some(org_id.to_string()),
            summary: serde_json::json!({
                "before": {"unknown_customers": before.as_str()},
                "after": {"unknown_customers": policy.as_str()},
            }),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The customer a response names: found by external id, or created bare when the
    /// organisation's policy is `create`. `NotFound` when it is unknown and the policy `reject`.
    pub async fn customer_for_response(
        &self,
        org_id: OrgId,
        external_id: &str,
    ) -> Result<CustomerId> {
        let key = [external_id];
        let mut read = self.read().acquire().await?;
        if let Some(id) = known_customers(&mut read, org_id, &key)
            .await?
            .remove(external_id)
        {
            return Ok(id);
        }
        drop(read);
        match self.unknown_customers(org_id).await? {
            UnknownCustomers::Reject => Err(StoreError::NotFound),
            UnknownCustomers::Create => {
                let mut tx = self.write().begin().await?;
                create_bare_customers(&mut tx, org_id, &key).await?;
                let id = known_customers(&mut tx, org_id, &key)
                    .await?
                    .remove(external_id)
                    .ok_or_else(|| StoreError::Corrupt("a customer vanished on creation".into()))?;
                tx.commit().await?;
                Ok(id)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_rows_with_shared_and_own_placeholders() {
        assert_eq!(row_placeholders(2, 2, 3), "($3, $4), ($5, $6)");
        assert_eq!(
            rows_of("($1, ?, CAST(? AS DOUBLE PRECISION))", 2, 2),
            "($1, $2, CAST($3 AS DOUBLE PRECISION)), ($1, $4, CAST($5 AS DOUBLE PRECISION))"
        );
        assert_eq!(rows_of("(?, $2)", 1, 3), "($3, $2)");
        assert_eq!(placeholders(3, 2), "$2, $3, $4");
    }
}
