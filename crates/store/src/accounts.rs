//! Organisations, users, API tokens and web sessions.

use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::{Store, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;
use touchpoint_domain::{
    ApiTokenId, DepartmentScope, Language, OrgId, Resources, Role, TokenGrant, TokenScope, UserId,
};

/// What `touchpoint init`, `touchpoint organisation create` (and the demo) create in one
/// transaction: an organisation with its default departments, its owner and one API token.
#[derive(Debug, Clone)]
pub struct Initialisation {
    pub org_name: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub language: Language,
    pub token: NewApiToken,
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    /// The recognisable, non-secret start of the token (shown in lists).
    pub prefix: String,
    /// SHA-256 of the whole token; the token itself is never stored.
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialised {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub token_id: ApiTokenId,
}

#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub language: Language,
    /// Ms since the epoch; a deactivated user cannot sign in and their tokens do not work.
    pub deactivated_at: Option<i64>,
    /// Base32 TOTP secret when two-factor authentication is on.
    pub totp_secret: Option<String>,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.deactivated_at.is_none()
    }
}

/// A live token: whom it acts for and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenAccess {
    pub id: ApiTokenId,
    pub principal: Principal,
    pub grant: TokenGrant,
    /// The role of the token's user, read with the token: a token never exceeds it.
    pub role: Role,
    /// The departments the token's user is limited to.
    pub departments: DepartmentScope,
    /// Ms since the epoch; `None` never expires.
    pub expires_at: Option<i64>,
}

/// A token as its organisation's list shows it. Never the hash, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: ApiTokenId,
    pub name: String,
    pub prefix: String,
    pub grant: TokenGrant,
    pub user_id: UserId,
    pub user_email: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Who a valid bearer token or session acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub org_id: OrgId,
    pub user_id: UserId,
}

pub(crate) fn parse<T: FromStr>(row: &AnyRow, column: &str) -> Result<T> {
    let raw: String = row.try_get(column)?;
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("column {column} holds '{raw}'")))
}

pub(crate) fn parse_opt<T: FromStr>(row: &AnyRow, column: &str) -> Result<Option<T>> {
    let raw: Option<String> = row.try_get(column)?;
    raw.map(|r| {
        r.parse()
            .map_err(|_| StoreError::Corrupt(format!("column {column} holds '{r}'")))
    })
    .transpose()
}

fn language(row: &AnyRow) -> Result<Language> {
    let raw: String = row.try_get("language")?;
    Language::parse(&raw).ok_or_else(|| StoreError::Corrupt(format!("language '{raw}'")))
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: parse(row, "id")?,
        org_id: parse(row, "org_id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        role: crate::departments::role(row)?,
        language: language(row)?,
        deactivated_at: row.try_get("deactivated_at")?,
        totp_secret: row.try_get("totp_secret")?,
    })
}

fn grant(row: &AnyRow) -> Result<TokenGrant> {
    let scope: String = row.try_get("scope")?;
    let resources: String = row.try_get("resources")?;
    Ok(TokenGrant {
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope '{scope}'")))?,
        resources: Resources::parse(&resources)
            .ok_or_else(|| StoreError::Corrupt(format!("token resources '{resources}'")))?,
    })
}

pub(crate) const USER_COLUMNS: &str = "id, org_id, email, display_name, password_hash, role, language, \
     deactivated_at, totp_secret";

impl Store {
    /// Creates the first organisation, its owner and one API token — or refuses, changing
    /// nothing, when any organisation exists already.
    pub async fn initialise(&self, init: &Initialisation) -> Result<Initialised> {
        let mut tx = self.write().begin().await?;
        let existing: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if existing > 0 {
            return Err(StoreError::AlreadyInitialised);
        }
        let done = insert_organisation(&mut tx, init, "organisation.initialise").await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Creates one more organisation (a tenant) with its owner and one API token, audited in
    /// the new organisation as made at the command line. `Conflict` when the owner's e-mail
    /// is taken (e-mails are unique across the instance).
    pub async fn create_organisation(&self, init: &Initialisation) -> Result<Initialised> {
        let mut tx = self.write().begin().await?;
        let done = insert_organisation(&mut tx, init, "organisation.create").await?;
        tx.commit().await?;
        Ok(done)
    }

    pub async fn is_initialised(&self) -> Result<bool> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
            .fetch_one(self.read())
            .await?
            .try_get("n")?;
        Ok(n > 0)
    }

    /// Every organisation's id (for maintenance commands that visit all tenants).
    pub async fn organisation_ids(&self) -> Result<Vec<OrgId>> {
        let rows = sqlx::query("SELECT id FROM organisations ORDER BY id")
            .fetch_all(self.read())
            .await?;
        rows.iter().map(|r| parse(r, "id")).collect()
    }

    pub async fn organisation(&self, id: OrgId) -> Result<Organisation> {
        let row = sqlx::query("SELECT id, name FROM organisations WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(self.read())
            .await?;
        Ok(Organisation {
            id: parse(&row, "id")?,
            name: row.try_get("name")?,
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email.trim().to_lowercase())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user(&self, org_id: OrgId, id: UserId) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(id.to_string())
            .fetch_one(self.read())
            .await?;
        user_from_row(&row)
    }

    /// Stores a new token for `principal` with what it may do and when it stops working
    /// (ms since the epoch; `None` never). The caller checks the expiry lies in the future.
    pub async fn create_api_token(
        &self,
        principal: Principal,
        token: &NewApiToken,
        grant: &TokenGrant,
        expires_at: Option<i64>,
        context: &AuditContext,
    ) -> Result<ApiTokenId> {
        let id: ApiTokenId = new_id();
        let mut tx = self.write().begin().await?;
        insert_token(&mut tx, id, principal, token, grant, expires_at, now_ms()).await?;
        // Name, prefix and grant only: the secret is never stored, its hash never logged.
        let entry = AuditEntry {
            org_id: principal.org_id,
            action: "token.create",
            target_type: Some("token"),
            target_id: Some(id.to_string()),
            summary: serde_json::json!({
                "before": null,
                "after": {
                    "name": token.name,
                    "prefix": token.prefix,
                    "owner": principal.user_id,
                    "scope": grant.scope.as_str(),
                    "resources": grant.resources.to_string(),
                    "expires_at": expires_at,
                },
            }),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The live token with this hash: not revoked and not expired at `now`.
    pub async fn principal_for_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<TokenAccess>> {
        let row = sqlx::query(
            "SELECT t.id, t.org_id, t.user_id, t.scope, t.resources, t.expires_at, u.role \
             FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.org_id = t.org_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
             AND u.deactivated_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.read())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user_id: UserId = parse(&row, "user_id")?;
        Ok(Some(TokenAccess {
            id: parse(&row, "id")?,
            principal: Principal {
                org_id: parse(&row, "org_id")?,
                user_id,
            },
            grant: grant(&row)?,
            role: crate::departments::role(&row)?,
            departments: crate::departments::scope_of(self.read(), user_id).await?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// The organisation's tokens, newest first, revoked and expired ones included.
    pub async fn api_tokens(&self, org_id: OrgId) -> Result<Vec<ApiTokenInfo>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.prefix, t.scope, t.resources, t.user_id, u.email, \
             t.created_at, t.last_used_at, t.expires_at, t.revoked_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.org_id = $1 ORDER BY t.created_at DESC, t.id DESC",
        )
        .bind(org_id.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiTokenInfo {
                    id: parse(row, "id")?,
                    name: row.try_get("name")?,
                    prefix: row.try_get("prefix")?,
                    grant: grant(row)?,
                    user_id: parse(row, "user_id")?,
                    user_email: row.try_get("email")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    expires_at: row.try_get("expires_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes one of the organisation's tokens. Revoking twice keeps the first time;
    /// another organisation's token is `NotFound`.
    /// Only the first revocation is audited: a repeated one changes nothing.
    pub async fn revoke_api_token(
        &self,
        org_id: OrgId,
        id: ApiTokenId,
        now: i64,
        context: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        let before = sqlx::query(
            "SELECT name, prefix, revoked_at FROM api_tokens WHERE org_id = $1 AND id = $2",
        )
        .bind(org_id.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let revoked_before: Option<i64> = before.try_get("revoked_at")?;
        let name: String = before.try_get("name")?;
        let prefix: String = before.try_get("prefix")?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE org_id = $2 AND id = $3",
        )
        .bind(now)
        .bind(org_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if revoked_before.is_none() {
            let entry = AuditEntry {
                org_id,
                action: "token.revoke",
                target_type: Some("token"),
                target_id: Some(id.to_string()),
                summary: serde_json::json!({
                    "before": {"name": name, "prefix": prefix, "revoked_at": null},
                    "after": {"name": name, "prefix": prefix, "revoked_at": now},
                }),
            };
            audit::append(&mut tx, context, &entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that a token was used. Callers throttle this; it is bookkeeping, not auth.
    pub async fn touch_api_token(&self, id: ApiTokenId, now: i64) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id.to_string())
            .execute(self.write())
            .await?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        id_hash: &str,
        principal: Principal,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, org_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
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

    pub async fn session(&self, id_hash: &str, now: i64) -> Result<Option<Principal>> {
        let row = sqlx::query(
            "SELECT s.org_id, s.user_id FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.deactivated_at IS NULL",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(self.read())
        .await?;
        row.map(|row| {
            Ok(Principal {
                org_id: parse(&row, "org_id")?,
                user_id: parse(&row, "user_id")?,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(self.write())
            .await?;
        Ok(done.rows_affected())
    }
}

/// The organisation, its default departments, its owner, the first token and the audit entry.
async fn insert_organisation(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    init: &Initialisation,
    action: &'static str,
) -> Result<Initialised> {
    let now = now_ms();
    let done = Initialised {
        org_id: new_id(),
        user_id: new_id(),
        token_id: new_id(),
    };
    sqlx::query("INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(done.org_id.to_string())
        .bind(&init.org_name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    crate::departments::insert_defaults(tx, done.org_id, now).await?;
    sqlx::query(
        "INSERT INTO users (id, org_id, email, display_name, password_hash, role, language, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(done.user_id.to_string())
    .bind(done.org_id.to_string())
    .bind(init.email.to_lowercase())
    .bind(&init.display_name)
    .bind(&init.password_hash)
    .bind(Role::Owner.as_str())
    .bind(init.language.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    insert_token(
        tx,
        done.token_id,
        Principal {
            org_id: done.org_id,
            user_id: done.user_id,
        },
        &init.token,
        &TokenGrant::full(),
        None,
        now,
    )
    .await?;
    // The operator at the host's command line made this; no address, no e-mail.
    let context = AuditContext {
        user_id: None,
        token_id: None,
        interface: audit::Interface::Cli,
        address: None,
    };
    let entry = AuditEntry {
        org_id: done.org_id,
        action,
        target_type: Some("organisation"),
        target_id: Some(done.org_id.to_string()),
        summary: serde_json::json!({
            "before": null,
            "after": {
                "name": init.org_name,
                "owner": done.user_id,
                "token": {"id": done.token_id, "name": init.token.name, "prefix": init.token.prefix},
            },
        }),
    };
    audit::append(tx, &context, &entry).await?;
    Ok(done)
}

async fn insert_token(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: ApiTokenId,
    principal: Principal,
    token: &NewApiToken,
    grant: &TokenGrant,
    expires_at: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens \
         (id, org_id, user_id, name, prefix, token_hash, created_at, scope, resources, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(principal.org_id.to_string())
    .bind(principal.user_id.to_string())
    .bind(&token.name)
    .bind(&token.prefix)
    .bind(&token.hash)
    .bind(now)
    .bind(grant.scope.as_str())
    .bind(grant.resources.to_string())
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
