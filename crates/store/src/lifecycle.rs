//! The account lifecycle: invitations, password resets and changes, signing out everywhere,
//! deactivation, TOTP two-factor authentication and the sign-in challenge between password
//! and code. Every change appends its audit entry, and queues its mail, in its own
//! transaction. Tokens arrive here as SHA-256 hashes only; single-use links are consumed in
//! the transaction that does what they allow, so a link works at most once even when two
//! requests race.

use crate::accounts::{Principal, USER_COLUMNS, User, parse, user_from_row};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::mail::{self, NewMail};
use crate::{Store, Transaction, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::{InvitationId, Language, OrgId, Role, UserId};

/// An invitation to create.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: String,
    pub role: Role,
    pub language: Language,
    /// Stored as given (validated against departments once they exist).
    pub department_ids: Vec<String>,
    pub token_hash: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Accepted => "accepted",
            InvitationState::Revoked => "revoked",
            InvitationState::Expired => "expired",
        }
    }
}

/// An invitation as lists show it: never the token or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub org_id: OrgId,
    pub email: String,
    pub role: String,
    pub language: Language,
    pub department_ids: Vec<String>,
    pub invited_by: Option<UserId>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The state of the newest mail about it (`queued`, `sent`, …), if any.
    pub mail_state: Option<String>,
    pub mail_error: Option<String>,
}

impl Invitation {
    pub fn state(&self, now: i64) -> InvitationState {
        if self.accepted_at.is_some() {
            InvitationState::Accepted
        } else if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }
}

/// A user as the users list shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub language: Language,
    pub created_at: i64,
    pub deactivated_at: Option<i64>,
    pub totp_enabled: bool,
}

const INVITATION_COLUMNS: &str = "i.id, i.org_id, i.email, i.role, i.language, i.department_ids, \
     i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at, \
     (SELECT m.state FROM mail_outbox m WHERE m.org_id = i.org_id AND m.related_id = i.id \
      ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS mail_state, \
     (SELECT m.last_error FROM mail_outbox m WHERE m.org_id = i.org_id AND m.related_id = i.id \
      ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS mail_error";

fn language_of(row: &AnyRow) -> Result<Language> {
    let raw: String = row.try_get("language")?;
    Language::parse(&raw).ok_or_else(|| StoreError::Corrupt(format!("language '{raw}'")))
}

fn invitation_from_row(row: &AnyRow) -> Result<Invitation> {
    let departments: String = row.try_get("department_ids")?;
    let invited_by: Option<String> = row.try_get("invited_by")?;
    Ok(Invitation {
        id: parse(row, "id")?,
        org_id: parse(row, "org_id")?,
        email: row.try_get("email")?,
        role: row.try_get("role")?,
        language: language_of(row)?,
        department_ids: serde_json::from_str(&departments)?,
        invited_by: invited_by
            .map(|raw| {
                raw.parse()
                    .map_err(|_| StoreError::Corrupt(format!("invited_by '{raw}'")))
            })
            .transpose()?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        accepted_at: row.try_get("accepted_at")?,
        revoked_at: row.try_get("revoked_at")?,
        mail_state: row.try_get("mail_state")?,
        mail_error: row.try_get("mail_error")?,
    })
}

/// The audit entry of a change to an existing invitation, before and after.
fn invitation_change(
    action: &'static str,
    before: &Invitation,
    after: &Invitation,
    now: i64,
) -> AuditEntry {
    AuditEntry {
        org_id: before.org_id,
        action,
        target_type: Some("invitation"),
        target_id: Some(before.id.to_string()),
        summary: serde_json::json!({
            "before": invitation_summary(before, now),
            "after": invitation_summary(after, now),
        }),
    }
}

fn invitation_summary(i: &Invitation, now: i64) -> serde_json::Value {
    serde_json::json!({
        "email": i.email,
        "role": i.role,
        "language": i.language.as_str(),
        "department_ids": i.department_ids,
        "expires_at": i.expires_at,
        "state": i.state(now).as_str(),
    })
}

fn conflict(constraint: &str) -> StoreError {
    StoreError::Conflict {
        constraint: constraint.to_owned(),
    }
}

async fn invitation_in(
    tx: &mut Transaction<'_>,
    condition: &str,
    value: &str,
    org_id: Option<OrgId>,
) -> Result<Option<Invitation>> {
    let (sql, org) = match org_id {
        Some(org) => (
            format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations i WHERE {condition} AND i.org_id = $2"
            ),
            Some(org.to_string()),
        ),
        None => (
            format!("SELECT {INVITATION_COLUMNS} FROM invitations i WHERE {condition}"),
            None,
        ),
    };
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value.to_owned());
    if let Some(org) = org {
        query = query.bind(org);
    }
    let row = query.fetch_optional(&mut **tx).await?;
    row.as_ref().map(invitation_from_row).transpose()
}

async fn delete_sessions(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    user_id: UserId,
    keep: Option<&str>,
) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM sessions WHERE org_id = $1 AND user_id = $2 AND id_hash <> $3")
            .bind(org_id.to_string())
            .bind(user_id.to_string())
            .bind(keep.unwrap_or(""))
            .execute(&mut **tx)
            .await?;
    sqlx::query("DELETE FROM signin_challenges WHERE org_id = $1 AND user_id = $2")
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

async fn user_in(tx: &mut Transaction<'_>, org_id: OrgId, user_id: UserId) -> Result<User> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

fn user_entry(
    org_id: OrgId,
    action: &'static str,
    user_id: UserId,
    summary: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        org_id,
        action,
        target_type: Some("user"),
        target_id: Some(user_id.to_string()),
        summary,
    }
}

/// What a reset link leads to.
#[derive(Debug, Clone)]
pub struct ResetTarget {
    pub user: User,
}

impl Store {
    /// Creates an invitation and queues its mail. `Conflict` when the address already has an
    /// account or a pending invitation in this organisation.
    pub async fn create_invitation(
        &self,
        org_id: OrgId,
        invitation: &NewInvitation,
        mail: &NewMail,
        context: &AuditContext,
    ) -> Result<InvitationId> {
        let now = now_ms();
        let email = invitation.email.trim().to_lowercase();
        let mut tx = self.write().begin().await?;
        let users: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if users > 0 {
            return Err(conflict("users.email"));
        }
        let pending: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM invitations WHERE org_id = $1 AND email = $2 \
             AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
        )
        .bind(org_id.to_string())
        .bind(&email)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if pending > 0 {
            return Err(conflict("invitations.pending_email"));
        }
        let id: InvitationId = new_id();
        sqlx::query(
            "INSERT INTO invitations (id, org_id, email, role, language, department_ids, token_hash, \
             invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(&email)
        .bind(invitation.role.as_str())
        .bind(invitation.language.as_str())
        .bind(serde_json::to_string(&invitation.department_ids)?)
        .bind(&invitation.token_hash)
        .bind(context.user_id.map(|u| u.to_string()))
        .bind(now)
        .bind(invitation.expires_at)
        .execute(&mut *tx)
        .await?;
        mail::enqueue(&mut tx, org_id, mail, Some(id.to_string())).await?;
        let entry = AuditEntry {
            org_id,
            action: "invitation.create",
            target_type: Some("invitation"),
            target_id: Some(id.to_string()),
            summary: serde_json::json!({
                "before": null,
                "after": {
                    "email": email,
                    "role": invitation.role.as_str(),
                    "language": invitation.language.as_str(),
                    "department_ids": invitation.department_ids,
                    "expires_at": invitation.expires_at,
                },
            }),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The organisation's invitations, newest first, with their newest mail's state.
    pub async fn invitations(&self, org_id: OrgId) -> Result<Vec<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations i WHERE i.org_id = $1 \
             ORDER BY i.created_at DESC, i.id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .fetch_all(self.read())
            .await?;
        rows.iter().map(invitation_from_row).collect()
    }

    pub async fn invitation(&self, org_id: OrgId, id: InvitationId) -> Result<Invitation> {
        let mut tx = self.read().begin().await?;
        let found = invitation_in(&mut tx, "i.id = $1", &id.to_string(), Some(org_id)).await?;
        tx.rollback().await?;
        found.ok_or(StoreError::NotFound)
    }

    /// Revokes a pending invitation. Revoking twice is a no-op (audited once); an accepted one
    /// is `Conflict`.
    pub async fn revoke_invitation(
        &self,
        org_id: OrgId,
        id: InvitationId,
        context: &AuditContext,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        let before = invitation_in(&mut tx, "i.id = $1", &id.to_string(), Some(org_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        match before.state(now) {
            InvitationState::Accepted => return Err(conflict("invitations.accepted")),
            InvitationState::Revoked => return Ok(()),
            InvitationState::Pending | InvitationState::Expired => {}
        }
        sqlx::query("UPDATE invitations SET revoked_at = $1 WHERE org_id = $2 AND id = $3")
            .bind(now)
            .bind(org_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let mut after = before.clone();
        after.revoked_at = Some(now);
        let entry = invitation_change("invitation.revoke", &before, &after, now);
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sends a pending (or expired, never accepted or revoked) invitation again with a new
    /// link: the old link stops working, the new one expires at `expires_at`.
    pub async fn resend_invitation(
        &self,
        org_id: OrgId,
        id: InvitationId,
        token_hash: &str,
        expires_at: i64,
        mail: &NewMail,
        context: &AuditContext,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        let before = invitation_in(&mut tx, "i.id = $1", &id.to_string(), Some(org_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        match before.state(now) {
            InvitationState::Accepted => return Err(conflict("invitations.accepted")),
            InvitationState::Revoked => return Err(conflict("invitations.revoked")),
            InvitationState::Pending | InvitationState::Expired => {}
        }
        sqlx::query(
            "UPDATE invitations SET token_hash = $1, expires_at = $2 WHERE org_id = $3 AND id = $4",
        )
        .bind(token_hash)
        .bind(expires_at)
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        mail::enqueue(&mut tx, org_id, mail, Some(id.to_string())).await?;
        let mut after = before.clone();
        after.expires_at = expires_at;
        let entry = invitation_change("invitation.resend", &before, &after, now);
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The invitation behind a link, if it can still be accepted: `NotFound` for an unknown
    /// link, `Gone` for a used, revoked or expired one.
    pub async fn invitation_by_token(&self, token_hash: &str, now: i64) -> Result<Invitation> {
        let mut tx = self.read().begin().await?;
        let found = invitation_in(&mut tx, "i.token_hash = $1", token_hash, None).await?;
        tx.rollback().await?;
        let invitation = found.ok_or(StoreError::NotFound)?;
        match invitation.state(now) {
            InvitationState::Pending => Ok(invitation),
            InvitationState::Accepted => Err(StoreError::Gone("used")),
            InvitationState::Revoked => Err(StoreError::Gone("revoked")),
            InvitationState::Expired => Err(StoreError::Gone("expired")),
        }
    }

    /// Accepts an invitation: creates the user and consumes the link in one transaction.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        display_name: &str,
        password_hash: &str,
        address: Option<String>,
    ) -> Result<Principal> {
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        let invitation = invitation_in(&mut tx, "i.token_hash = $1", token_hash, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        match invitation.state(now) {
            InvitationState::Pending => {}
            InvitationState::Accepted => return Err(StoreError::Gone("used")),
            InvitationState::Revoked => return Err(StoreError::Gone("revoked")),
            InvitationState::Expired => return Err(StoreError::Gone("expired")),
        }
        // Consume first, guarded by the state, so two racing accepts cannot both pass.
        let consumed = sqlx::query(
            "UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(invitation.id.to_string())
        .execute(&mut *tx)
        .await?;
        if consumed.rows_affected() != 1 {
            return Err(StoreError::Gone("used"));
        }
        let user_id: UserId = new_id();
        sqlx::query(
            "INSERT INTO users (id, org_id, email, display_name, password_hash, role, language, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(user_id.to_string())
        .bind(invitation.org_id.to_string())
        .bind(&invitation.email)
        .bind(display_name)
        .bind(password_hash)
        .bind(&invitation.role)
        .bind(invitation.language.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let context = AuditContext {
            user_id: Some(user_id),
            token_id: None,
            interface: audit::Interface::Web,
            address,
        };
        let entry = AuditEntry {
            org_id: invitation.org_id,
            action: "invitation.accept",
            target_type: Some("invitation"),
            target_id: Some(invitation.id.to_string()),
            summary: serde_json::json!({
                "before": {"state": "pending"},
                "after": {
                    "state": "accepted",
                    "user": user_id,
                    "email": invitation.email,
                    "display_name": display_name,
                    "role": invitation.role,
                },
            }),
        };
        audit::append(&mut tx, &context, &entry).await?;
        tx.commit().await?;
        Ok(Principal {
            org_id: invitation.org_id,
            user_id,
        })
    }

    /// The organisation's users, active first, then by e-mail.
    pub async fn users(&self, org_id: OrgId) -> Result<Vec<UserSummary>> {
        let rows = sqlx::query(
            "SELECT id, email, display_name, role, language, created_at, deactivated_at, totp_secret \
             FROM users WHERE org_id = $1 ORDER BY email",
        )
        .bind(org_id.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                let secret: Option<String> = row.try_get("totp_secret")?;
                Ok(UserSummary {
                    id: parse(row, "id")?,
                    email: row.try_get("email")?,
                    display_name: row.try_get("display_name")?,
                    role: row.try_get("role")?,
                    language: language_of(row)?,
                    created_at: row.try_get("created_at")?,
                    deactivated_at: row.try_get("deactivated_at")?,
                    totp_enabled: secret.is_some(),
                })
            })
            .collect()
    }

    /// Deactivates (`active = false`) or reactivates a user. Deactivation ends every session
    /// and pending sign-in in the same transaction; API tokens stop working because token
    /// lookups require an active owner. Setting the state it already has changes nothing.
    pub async fn set_user_active(
        &self,
        org_id: OrgId,
        user_id: UserId,
        active: bool,
        context: &AuditContext,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.write().begin().await?;
        let user = user_in(&mut tx, org_id, user_id).await?;
        if user.is_active() == active {
            return Ok(());
        }
        let deactivated_at = if active { None } else { Some(now) };
        sqlx::query("UPDATE users SET deactivated_at = $1 WHERE org_id = $2 AND id = $3")
            .bind(deactivated_at)
            .bind(org_id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        let ended = if active {
            0
        } else {
            delete_sessions(&mut tx, org_id, user_id, None).await?
        };
        let action = if active {
            "user.reactivate"
        } else {
            "user.deactivate"
        };
        let entry = user_entry(
            org_id,
            action,
            user_id,
            serde_json::json!({
                "before": {"deactivated_at": user.deactivated_at},
                "after": {"deactivated_at": deactivated_at, "sessions_ended": ended},
            }),
        );
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a reset link for an active user and queues its mail.
    pub async fn request_password_reset(
        &self,
        user: &User,
        token_hash: &str,
        expires_at: i64,
        mail: &NewMail,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, org_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user.id.to_string())
        .bind(user.org_id.to_string())
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        mail::enqueue(&mut tx, user.org_id, mail, None).await?;
        let entry = user_entry(
            user.org_id,
            "password.reset_request",
            user.id,
            serde_json::json!({"before": null, "after": {"expires_at": expires_at}}),
        );
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user a reset link is for: `NotFound` for an unknown link, `Gone` for a used or
    /// expired one (or one of a deactivated user).
    pub async fn password_reset_target(&self, token_hash: &str, now: i64) -> Result<User> {
        let row = sqlx::query(
            "SELECT user_id, org_id, expires_at, used_at FROM password_resets WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.read())
        .await?
        .ok_or(StoreError::NotFound)?;
        let used_at: Option<i64> = row.try_get("used_at")?;
        let expires_at: i64 = row.try_get("expires_at")?;
        if used_at.is_some() {
            return Err(StoreError::Gone("used"));
        }
        if expires_at <= now {
            return Err(StoreError::Gone("expired"));
        }
        let user = self
            .user(parse(&row, "org_id")?, parse(&row, "user_id")?)
            .await?;
        if !user.is_active() {
            return Err(StoreError::Gone("deactivated"));
        }
        Ok(user)
    }

    /// Sets a new password through a reset link, consuming it, ending every session of the
    /// user, and queueing `notice` (to the user) — all in one transaction.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        notice: &NewMail,
        address: Option<String>,
    ) -> Result<User> {
        let now = now_ms();
        let user = self.password_reset_target(token_hash, now).await?;
        let mut tx = self.write().begin().await?;
        let consumed = sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
             AND expires_at > $1",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
        if consumed.rows_affected() != 1 {
            return Err(StoreError::Gone("used"));
        }
        // Any other reset link of the user dies too: one reset, one working link.
        sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE org_id = $2 AND user_id = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(user.org_id.to_string())
        .bind(user.id.to_string())
        .execute(&mut *tx)
        .await?;
        set_password(&mut tx, &user, password_hash).await?;
        let ended = delete_sessions(&mut tx, user.org_id, user.id, None).await?;
        mail::enqueue(&mut tx, user.org_id, notice, None).await?;
        let context = AuditContext {
            user_id: Some(user.id),
            token_id: None,
            interface: audit::Interface::Web,
            address,
        };
        let entry = user_entry(
            user.org_id,
            "password.reset",
            user.id,
            serde_json::json!({"before": null, "after": {"sessions_ended": ended}}),
        );
        audit::append(&mut tx, &context, &entry).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Changes a signed-in user's password (the caller checked the current one), ends their
    /// other sessions and queues `notice`.
    pub async fn change_password(
        &self,
        user: &User,
        password_hash: &str,
        keep_session_hash: &str,
        notice: &NewMail,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        set_password(&mut tx, user, password_hash).await?;
        let ended = delete_sessions(&mut tx, user.org_id, user.id, Some(keep_session_hash)).await?;
        mail::enqueue(&mut tx, user.org_id, notice, None).await?;
        let entry = user_entry(
            user.org_id,
            "password.change",
            user.id,
            serde_json::json!({"before": null, "after": {"other_sessions_ended": ended}}),
        );
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of a user (sign out everywhere). Returns how many ended.
    pub async fn revoke_all_sessions(
        &self,
        org_id: OrgId,
        user_id: UserId,
        context: &AuditContext,
    ) -> Result<u64> {
        let mut tx = self.write().begin().await?;
        let ended = delete_sessions(&mut tx, org_id, user_id, None).await?;
        let entry = user_entry(
            org_id,
            "session.revoke_all",
            user_id,
            serde_json::json!({"before": null, "after": {"sessions_ended": ended}}),
        );
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Turns TOTP on with `secret` (the caller verified a code for it, at time step `step`,
    /// which is then spent) and queues `notice`.
    pub async fn enable_totp(
        &self,
        user: &User,
        secret: &str,
        step: i64,
        notice: &NewMail,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE org_id = $3 AND id = $4",
        )
        .bind(secret)
        .bind(step)
        .bind(user.org_id.to_string())
        .bind(user.id.to_string())
        .execute(&mut *tx)
        .await?;
        mail::enqueue(&mut tx, user.org_id, notice, None).await?;
        let entry = user_entry(
            user.org_id,
            "totp.enable",
            user.id,
            serde_json::json!({"before": {"totp": user.totp_secret.is_some()}, "after": {"totp": true}}),
        );
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn disable_totp(&self, user: &User, context: &AuditContext) -> Result<()> {
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE org_id = $1 AND id = $2",
        )
        .bind(user.org_id.to_string())
        .bind(user.id.to_string())
        .execute(&mut *tx)
        .await?;
        let entry = user_entry(
            user.org_id,
            "totp.disable",
            user.id,
            serde_json::json!({"before": {"totp": user.totp_secret.is_some()}, "after": {"totp": false}}),
        );
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Spends TOTP time step `step` for the user: `true` only if it is later than every step
    /// accepted before (atomic, so a code cannot be used twice even by racing requests).
    pub async fn spend_totp_step(&self, org_id: OrgId, user_id: UserId, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE org_id = $2 AND id = $3 \
             AND totp_secret IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that the password was right and the second factor is due.
    pub async fn create_signin_challenge(
        &self,
        id_hash: &str,
        principal: Principal,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO signin_challenges (id_hash, org_id, user_id, attempts, created_at, expires_at) \
             VALUES ($1, $2, $3, 0, $4, $5)",
        )
        .bind(id_hash)
        .bind(principal.org_id.to_string())
        .bind(principal.user_id.to_string())
        .bind(now_ms())
        .bind(expires_at)
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Counts one code attempt on a live challenge: its principal and the attempts so far
    /// (this one included), or `None` when the challenge is unknown or expired.
    pub async fn signin_challenge_attempt(
        &self,
        id_hash: &str,
        now: i64,
    ) -> Result<Option<(Principal, i64)>> {
        let mut tx = self.write().begin().await?;
        sqlx::query("UPDATE signin_challenges SET attempts = attempts + 1 WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "SELECT org_id, user_id, attempts FROM signin_challenges WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|row| {
            Ok((
                Principal {
                    org_id: parse(&row, "org_id")?,
                    user_id: parse(&row, "user_id")?,
                },
                row.try_get("attempts")?,
            ))
        })
        .transpose()
    }

    pub async fn delete_signin_challenge(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM signin_challenges WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.write())
            .await?;
        Ok(())
    }
}

async fn set_password(tx: &mut Transaction<'_>, user: &User, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE org_id = $2 AND id = $3")
        .bind(password_hash)
        .bind(user.org_id.to_string())
        .bind(user.id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}
