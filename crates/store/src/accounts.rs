//! Organisations, users, API tokens and web sessions.

use crate::error::{Result, StoreError};
use crate::{Store, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::str::FromStr;
use touchpoint_domain::{ApiTokenId, Language, OrgId, UserId};

/// What `touchpoint init` (and the demo) create in one transaction.
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
    pub role: String,
    pub language: Language,
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

fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: parse(row, "id")?,
        org_id: parse(row, "org_id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        role: row.try_get("role")?,
        language: language(row)?,
    })
}

const USER_COLUMNS: &str = "id, org_id, email, display_name, password_hash, role, language";

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
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO users (id, org_id, email, display_name, password_hash, role, language, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'owner', $6, $7)",
        )
        .bind(done.user_id.to_string())
        .bind(done.org_id.to_string())
        .bind(init.email.to_lowercase())
        .bind(&init.display_name)
        .bind(&init.password_hash)
        .bind(init.language.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_token(
            &mut tx,
            done.token_id,
            done.org_id,
            done.user_id,
            &init.token,
            now,
        )
        .await?;
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

    pub async fn create_api_token(
        &self,
        principal: Principal,
        token: &NewApiToken,
    ) -> Result<ApiTokenId> {
        let id = new_id();
        let mut tx = self.write().begin().await?;
        insert_token(
            &mut tx,
            id,
            principal.org_id,
            principal.user_id,
            token,
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The principal of a live (not revoked) token with this hash.
    pub async fn principal_for_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiTokenId, Principal)>> {
        let row = sqlx::query(
            "SELECT id, org_id, user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(self.read())
        .await?;
        row.map(|row| {
            Ok((
                parse(&row, "id")?,
                Principal {
                    org_id: parse(&row, "org_id")?,
                    user_id: parse(&row, "user_id")?,
                },
            ))
        })
        .transpose()
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
            "SELECT org_id, user_id FROM sessions WHERE id_hash = $1 AND expires_at > $2",
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

async fn insert_token(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: ApiTokenId,
    org_id: OrgId,
    user_id: UserId,
    token: &NewApiToken,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, org_id, user_id, name, prefix, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(org_id.to_string())
    .bind(user_id.to_string())
    .bind(&token.name)
    .bind(&token.prefix)
    .bind(&token.hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
