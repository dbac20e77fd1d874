//! The audit log: who changed what, when, from where and through which interface.
//!
//! Entries are appended in the same transaction as the change they describe, so a rolled-back
//! change leaves no entry and a committed one always has its entry. The table is append-only
//! in the database itself (triggers abort UPDATE and DELETE); this module only inserts and reads.
//! Summaries hold before/after values of the changed fields, never secrets or password hashes.
//! Response submissions are data, not configuration, and are not audited.

use crate::Transaction;
use crate::accounts::{parse, parse_opt};
use crate::error::Result;
use crate::filter::Conditions;
use crate::page::{Cursor, Page};
use crate::{Store, new_id, now_ms};
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::{ApiTokenId, OrgId, UserId};

/// The surface a change came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    Api,
    Web,
    Cli,
    System,
}

impl Interface {
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Api => "api",
            Interface::Web => "web",
            Interface::Cli => "cli",
            Interface::System => "system",
        }
    }
}

/// Who makes a change and from where; passed to every store function that changes
/// configuration so the entry is written with the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub user_id: Option<UserId>,
    pub token_id: Option<ApiTokenId>,
    pub interface: Interface,
    /// The peer address, when the change came over the network.
    pub address: Option<String>,
}

impl AuditContext {
    /// A change made by Touchpoint itself (demo data, benchmarks, maintenance).
    pub fn system() -> AuditContext {
        AuditContext {
            user_id: None,
            token_id: None,
            interface: Interface::System,
            address: None,
        }
    }
}

/// One entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub org_id: OrgId,
    /// `area.verb`, e.g. `survey.create`, `session.sign_in_failed`.
    pub action: &'static str,
    pub target_type: Option<&'static str>,
    pub target_id: Option<String>,
    /// `{"before": …, "after": …}` of the changed fields.
    pub summary: Value,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: String,
    pub org_id: OrgId,
    pub at: i64,
    pub actor_user_id: Option<UserId>,
    pub actor_token_id: Option<ApiTokenId>,
    pub interface: String,
    pub address: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub summary: Value,
}

/// Optional filters of [`Store::audit_entries`]; all given ones must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `survey` matches `survey.create` and `survey.close`; `survey.close` only itself.
    pub action: Option<String>,
    /// A user id or a token id.
    pub actor: Option<String>,
    pub target_id: Option<String>,
    /// Inclusive lower bound, ms since the epoch.
    pub from: Option<i64>,
    /// Exclusive upper bound, ms since the epoch.
    pub to: Option<i64>,
}

fn from_row(row: &AnyRow) -> Result<AuditRecord> {
    let summary: String = row.try_get("summary")?;
    Ok(AuditRecord {
        id: row.try_get("id")?,
        org_id: parse(row, "org_id")?,
        at: row.try_get("at")?,
        actor_user_id: parse_opt(row, "actor_user_id")?,
        actor_token_id: parse_opt(row, "actor_token_id")?,
        interface: row.try_get("interface")?,
        address: row.try_get("address")?,
        action: row.try_get("action")?,
        target_type: row.try_get("target_type")?,
        target_id: row.try_get("target_id")?,
        summary: serde_json::from_str(&summary)?,
    })
}

/// Appends one entry inside the transaction of the change it describes.
pub(crate) async fn append(
    tx: &mut Transaction<'_>,
    context: &AuditContext,
    entry: &AuditEntry,
) -> Result<()> {
    let id: uuid::Uuid = new_id();
    sqlx::query(
        "INSERT INTO audit_log (id, org_id, at, actor_user_id, actor_token_id, interface, address, \
         action, target_type, target_id, summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.to_string())
    .bind(entry.org_id.to_string())
    .bind(now_ms())
    .bind(context.user_id.map(|u| u.to_string()))
    .bind(context.token_id.map(|t| t.to_string()))
    .bind(context.interface.as_str())
    .bind(context.address.clone())
    .bind(entry.action)
    .bind(entry.target_type)
    .bind(entry.target_id.clone())
    .bind(serde_json::to_string(&entry.summary)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Appends an entry for an event that changes nothing else in the database (a failed
    /// sign-in, say). Changes to stored data append theirs in their own transaction.
    pub async fn append_audit(&self, context: &AuditContext, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().begin().await?;
        append(&mut tx, context, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's entries matching `filter`, newest first.
    pub async fn audit_entries(
        &self,
        org_id: OrgId,
        filter: &AuditFilter,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<AuditRecord>> {
        let mut conditions = Conditions::new(5);
        conditions.push_text(
            "(action = ? OR substr(action, 1, length(?) + 1) = ? || '.')",
            filter.action.as_deref(),
        );
        conditions.push_text(
            "(actor_user_id = ? OR actor_token_id = ?)",
            filter.actor.as_deref(),
        );
        conditions.push_text("target_id = ?", filter.target_id.as_deref());
        conditions.push_int("at >= ?", filter.from);
        conditions.push_int("at < ?", filter.to);
        let sql = format!(
            "SELECT id, org_id, at, actor_user_id, actor_token_id, interface, address, action, \
             target_type, target_id, summary FROM audit_log \
             WHERE org_id = $1 AND (at < $2 OR (at = $2 AND id < $3)){} \
             ORDER BY at DESC, id DESC LIMIT $4",
            conditions.sql()
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(after.time_ms)
            .bind(&after.id)
            .bind(limit as i64 + 1);
        let rows = conditions.bind(query).fetch_all(self.read()).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |e| Cursor {
            time_ms: e.at,
            id: e.id.clone(),
        }))
    }
}
