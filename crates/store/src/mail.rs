//! The mail outbox. A mail is rendered by the caller, then stored here together with a
//! `mail.send` job in the transaction of the change that causes it (an invitation, a reset
//! request), so a mail is queued exactly when its cause is committed. The `mail.send` job
//! (in `touchpoint-jobs`) delivers one row and records the outcome here.
//!
//! States: `queued` (waiting, perhaps after a failed attempt or because no SMTP server is
//! configured: `last_error` says which), `sending` (an attempt is under way), `sent`, and
//! `failed` (every attempt used; `last_error` holds the last cause).
//!
//! Mails that carry a secret link (invitations, resets) have their bodies blanked once sent;
//! while queued the link sits in this table, bounded by the link's own expiry.

use crate::accounts::parse;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::jobs::{NewJob, insert_job};
use crate::page::{Cursor, Page};
use crate::{Store, Transaction, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::{Language, MailId, OrgId};

/// The job kind that delivers one outbox row.
pub const MAIL_SEND: &str = "mail.send";
/// Attempts per mail before it is `failed`.
pub const MAIL_MAX_ATTEMPTS: i64 = 8;

/// A rendered mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub to: String,
    pub language: Language,
    /// `invitation`, `password_reset`, `password_changed`, `totp_enabled`.
    pub template: &'static str,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// Whether the bodies hold a secret (a link with a token); blanked once sent.
    pub secret: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    Queued,
    Sending,
    Sent,
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<MailState> {
        [
            MailState::Queued,
            MailState::Sending,
            MailState::Sent,
            MailState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: MailId,
    pub org_id: OrgId,
    pub to: String,
    pub language: Language,
    pub template: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub state: MailState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: i64,
    /// What the mail is about (an invitation id), if anything.
    pub related_id: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, org_id, recipient, language, template, subject, text_body, html_body, \
     state, attempts, last_error, next_attempt_at, related_id, created_at, sent_at";

fn from_row(row: &AnyRow) -> Result<OutboxMail> {
    let state: String = row.try_get("state")?;
    let language: String = row.try_get("language")?;
    Ok(OutboxMail {
        id: parse(row, "id")?,
        org_id: parse(row, "org_id")?,
        to: row.try_get("recipient")?,
        language: Language::parse(&language)
            .ok_or_else(|| StoreError::Corrupt(format!("mail language '{language}'")))?,
        template: row.try_get("template")?,
        subject: row.try_get("subject")?,
        text_body: row.try_get("text_body")?,
        html_body: row.try_get("html_body")?,
        state: MailState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("mail state '{state}'")))?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        related_id: row.try_get("related_id")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

/// Queues `mail` and its delivery job inside the caller's transaction.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    mail: &NewMail,
    related_id: Option<String>,
) -> Result<MailId> {
    let id: MailId = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO mail_outbox (id, org_id, recipient, language, template, subject, text_body, \
         html_body, state, attempts, next_attempt_at, related_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $10, $9)",
    )
    .bind(id.to_string())
    .bind(org_id.to_string())
    .bind(&mail.to)
    .bind(mail.language.as_str())
    .bind(mail.template)
    .bind(&mail.subject)
    .bind(&mail.text_body)
    .bind(&mail.html_body)
    .bind(now)
    .bind(related_id)
    .execute(&mut **tx)
    .await?;
    insert_job(
        tx,
        &NewJob {
            org_id: Some(org_id),
            kind: MAIL_SEND.to_owned(),
            payload: serde_json::json!({"mail_id": id, "secret": mail.secret}),
            run_after: now,
            max_attempts: MAIL_MAX_ATTEMPTS,
        },
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Queues a mail on its own (a notice that no other change accompanies).
    pub async fn enqueue_mail(&self, org_id: OrgId, mail: &NewMail) -> Result<MailId> {
        let mut tx = self.write().begin().await?;
        let id = enqueue(&mut tx, org_id, mail, None).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn outbox_mail(&self, org_id: OrgId, id: MailId) -> Result<OutboxMail> {
        let sql = format!("SELECT {COLUMNS} FROM mail_outbox WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(id.to_string())
            .fetch_one(self.read())
            .await?;
        from_row(&row)
    }

    /// The organisation's outbox, newest first.
    pub async fn outbox(
        &self,
        org_id: OrgId,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<OutboxMail>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM mail_outbox WHERE org_id = $1 \
             AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
             ORDER BY created_at DESC, id DESC LIMIT $4"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(after.time_ms)
            .bind(&after.id)
            .bind(limit as i64 + 1)
            .fetch_all(self.read())
            .await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |m| Cursor {
            time_ms: m.created_at,
            id: m.id.to_string(),
        }))
    }

    /// Marks an attempt as under way. `false` when the mail needs no attempt (already sent
    /// or failed), so a job run twice never sends twice after a recorded success.
    pub async fn mail_sending(&self, org_id: OrgId, id: MailId, attempt: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE mail_outbox SET state = 'sending', attempts = $1 \
             WHERE org_id = $2 AND id = $3 AND state IN ('queued', 'sending')",
        )
        .bind(attempt)
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records delivery; blanks the bodies of a mail that carried a secret link.
    pub async fn mail_sent(&self, org_id: OrgId, id: MailId, blank_bodies: bool) -> Result<()> {
        let sql = if blank_bodies {
            "UPDATE mail_outbox SET state = 'sent', sent_at = $1, last_error = NULL, \
             text_body = '', html_body = '' WHERE org_id = $2 AND id = $3"
        } else {
            "UPDATE mail_outbox SET state = 'sent', sent_at = $1, last_error = NULL \
             WHERE org_id = $2 AND id = $3"
        };
        sqlx::query(sql)
            .bind(now_ms())
            .bind(org_id.to_string())
            .bind(id.to_string())
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Records a failed attempt that will be retried at `next_attempt_at` (or a postponed
    /// one, when no SMTP server is configured).
    pub async fn mail_retry(
        &self,
        org_id: OrgId,
        id: MailId,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE mail_outbox SET state = 'queued', last_error = $1, next_attempt_at = $2 \
             WHERE org_id = $3 AND id = $4 AND state <> 'sent'",
        )
        .bind(error)
        .bind(next_attempt_at)
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Gives up on a mail: `failed` with the last error, and a `mail.failed` audit entry.
    pub async fn mail_failed(&self, org_id: OrgId, id: MailId, error: &str) -> Result<()> {
        let mut tx = self.write().begin().await?;
        let row =
            sqlx::query("SELECT template, attempts FROM mail_outbox WHERE org_id = $1 AND id = $2")
                .bind(org_id.to_string())
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
        let template: String = row.try_get("template")?;
        let attempts: i64 = row.try_get("attempts")?;
        sqlx::query(
            "UPDATE mail_outbox SET state = 'failed', last_error = $1 WHERE org_id = $2 AND id = $3",
        )
        .bind(error)
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        // The template and the error, never the recipient's address or the body.
        let entry = AuditEntry {
            org_id,
            action: "mail.failed",
            target_type: Some("mail"),
            target_id: Some(id.to_string()),
            summary: serde_json::json!({
                "before": {"state": "queued"},
                "after": {"state": "failed", "template": template, "attempts": attempts, "error": error},
            }),
        };
        audit::append(&mut tx, &AuditContext::system(), &entry).await?;
        tx.commit().await?;
        Ok(())
    }
}
