//! Departments of an organisation, users' roles and the departments they are limited to.
//!
//! The role itself is `users.role` (a [`Role`] name); `user_departments` holds the scope (no
//! rows: the whole organisation). What a role may do is decided in `touchpoint-domain`'s
//! permission table, never here; this module only refuses changes that would leave an
//! organisation without an owner.

use crate::Transaction;
use crate::accounts::parse;
use crate::audit::{self, AuditContext, AuditEntry};
use crate::error::{Result, StoreError};
use crate::{Store, new_id, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::permissions::DEFAULT_DEPARTMENTS;
use touchpoint_domain::{DepartmentId, DepartmentScope, OrgId, Role, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub id: DepartmentId,
    pub key: String,
    pub name: String,
    pub created_at: i64,
}

/// A user as the roles page and `GET /users` show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccess {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub departments: DepartmentScope,
}

/// Why a role change was refused (besides the usual store errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessChange {
    Done,
    /// The change would leave the organisation without an owner.
    LastOwner,
    /// A named department is not one of the organisation's.
    UnknownDepartment(DepartmentId),
}

fn department(row: &AnyRow) -> Result<Department> {
    Ok(Department {
        id: parse(row, "id")?,
        key: row.try_get("key")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn role(row: &AnyRow) -> Result<Role> {
    let raw: String = row.try_get("role")?;
    Role::parse(&raw).ok_or_else(|| StoreError::Corrupt(format!("role '{raw}'")))
}

/// The department scope of one user, read inside any executor.
pub(crate) async fn scope_of<'e, E>(executor: E, user_id: UserId) -> Result<DepartmentScope>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query("SELECT department_id FROM user_departments WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_all(executor)
        .await?;
    let ids = rows
        .iter()
        .map(|r| parse(r, "department_id"))
        .collect::<Result<Vec<_>>>()?;
    Ok(DepartmentScope::from_ids(ids))
}

/// Creates the default departments of a new organisation.
pub(crate) async fn insert_defaults(
    tx: &mut Transaction<'_>,
    org_id: OrgId,
    now: i64,
) -> Result<()> {
    for (key, name) in DEFAULT_DEPARTMENTS {
        let id: DepartmentId = new_id();
        sqlx::query(
            "INSERT INTO departments (id, org_id, key, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(key)
        .bind(name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn fetch(tx: &mut Transaction<'_>, org_id: OrgId, id: DepartmentId) -> Result<Department> {
    let row = sqlx::query(
        "SELECT id, key, name, created_at FROM departments WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id.to_string())
    .bind(id.to_string())
    .fetch_one(&mut **tx)
    .await?;
    department(&row)
}

fn view(d: &Department) -> serde_json::Value {
    serde_json::json!({"key": d.key, "name": d.name})
}

fn scope_json(scope: &DepartmentScope) -> serde_json::Value {
    match scope {
        DepartmentScope::All => serde_json::json!("*"),
        DepartmentScope::Only(ids) => serde_json::json!(ids),
    }
}

/// How many owners the organisation has, locking their rows until the transaction ends so
/// two concurrent demotions cannot both see "another owner is left".
async fn owners(tx: &mut Transaction<'_>, org_id: OrgId, backend: crate::Backend) -> Result<usize> {
    let sql = format!(
        "SELECT id FROM users WHERE org_id = $1 AND role = 'owner'{}",
        backend.for_update()
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org_id.to_string())
        .fetch_all(&mut **tx)
        .await?
        .len())
}

impl Store {
    /// The organisation's departments by key.
    pub async fn departments(&self, org_id: OrgId) -> Result<Vec<Department>> {
        let rows = sqlx::query(
            "SELECT id, key, name, created_at FROM departments WHERE org_id = $1 ORDER BY key",
        )
        .bind(org_id.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(department).collect()
    }

    /// `Conflict` when the key is taken in this organisation.
    pub async fn create_department(
        &self,
        org_id: OrgId,
        key: &str,
        name: &str,
        context: &AuditContext,
    ) -> Result<Department> {
        let id: DepartmentId = new_id();
        let mut tx = self.write().begin().await?;
        sqlx::query(
            "INSERT INTO departments (id, org_id, key, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(org_id.to_string())
        .bind(key)
        .bind(name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        let created = fetch(&mut tx, org_id, id).await?;
        let entry = AuditEntry {
            org_id,
            action: "department.create",
            target_type: Some("department"),
            target_id: Some(id.to_string()),
            summary: serde_json::json!({"before": null, "after": view(&created)}),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// `NotFound` for another organisation's department.
    pub async fn rename_department(
        &self,
        org_id: OrgId,
        id: DepartmentId,
        name: &str,
        context: &AuditContext,
    ) -> Result<Department> {
        let mut tx = self.write().begin().await?;
        let before = fetch(&mut tx, org_id, id).await?;
        sqlx::query("UPDATE departments SET name = $1 WHERE org_id = $2 AND id = $3")
            .bind(name)
            .bind(org_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let after = fetch(&mut tx, org_id, id).await?;
        if before != after {
            let entry = AuditEntry {
                org_id,
                action: "department.rename",
                target_type: Some("department"),
                target_id: Some(id.to_string()),
                summary: serde_json::json!({"before": view(&before), "after": view(&after)}),
            };
            audit::append(&mut tx, context, &entry).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a department no touchpoint and no user refers to. `Ok(false)`, changing
    /// nothing, when it is still in use; `NotFound` for another organisation's department.
    pub async fn delete_department(
        &self,
        org_id: OrgId,
        id: DepartmentId,
        context: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.write().begin().await?;
        let before = fetch(&mut tx, org_id, id).await?;
        let used: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM touchpoints WHERE org_id = $1 AND department_id = $2) \
             + (SELECT COUNT(*) FROM user_departments WHERE org_id = $1 AND department_id = $2) AS n",
        )
        .bind(org_id.to_string())
        .bind(id.to_string())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if used > 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM departments WHERE org_id = $1 AND id = $2")
            .bind(org_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let entry = AuditEntry {
            org_id,
            action: "department.delete",
            target_type: Some("department"),
            target_id: Some(id.to_string()),
            summary: serde_json::json!({"before": view(&before), "after": null}),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The organisation's users with role and departments, by e-mail.
    pub async fn users_with_access(&self, org_id: OrgId) -> Result<Vec<UserAccess>> {
        let rows = sqlx::query(
            "SELECT id, email, display_name, role FROM users WHERE org_id = $1 ORDER BY email",
        )
        .bind(org_id.to_string())
        .fetch_all(self.read())
        .await?;
        let links =
            sqlx::query("SELECT user_id, department_id FROM user_departments WHERE org_id = $1")
                .bind(org_id.to_string())
                .fetch_all(self.read())
                .await?
                .iter()
                .map(|r| Ok((parse::<UserId>(r, "user_id")?, parse(r, "department_id")?)))
                .collect::<Result<Vec<(UserId, DepartmentId)>>>()?;
        rows.iter()
            .map(|row| {
                let id: UserId = parse(row, "id")?;
                let ids = links
                    .iter()
                    .filter(|(u, _)| *u == id)
                    .map(|(_, d)| *d)
                    .collect();
                Ok(UserAccess {
                    id,
                    email: row.try_get("email")?,
                    display_name: row.try_get("display_name")?,
                    role: role(row)?,
                    departments: DepartmentScope::from_ids(ids),
                })
            })
            .collect()
    }

    /// One user's role and department scope; `NotFound` outside the organisation.
    pub async fn user_access(&self, org_id: OrgId, user_id: UserId) -> Result<UserAccess> {
        let row = sqlx::query(
            "SELECT id, email, display_name, role FROM users WHERE org_id = $1 AND id = $2",
        )
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .fetch_one(self.read())
        .await?;
        Ok(UserAccess {
            id: parse(&row, "id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            role: role(&row)?,
            departments: scope_of(self.read(), user_id).await?,
        })
    }

    /// Sets a user's role and department scope in one audited transaction. Refuses, changing
    /// nothing, to leave the organisation without an owner or to name a department of
    /// another organisation. Whether the caller may make this change at all (only owners
    /// grant or revoke `owner`) is the server's decision, taken from the permission table.
    pub async fn set_user_access(
        &self,
        org_id: OrgId,
        user_id: UserId,
        new_role: Role,
        departments: &DepartmentScope,
        context: &AuditContext,
    ) -> Result<AccessChange> {
        let mut tx = self.write().begin().await?;
        let row = sqlx::query("SELECT role FROM users WHERE org_id = $1 AND id = $2")
            .bind(org_id.to_string())
            .bind(user_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let old_role = role(&row)?;
        let old_scope = scope_of(&mut *tx, user_id).await?;
        if old_role == Role::Owner
            && new_role != Role::Owner
            && owners(&mut tx, org_id, self.backend()).await? <= 1
        {
            return Ok(AccessChange::LastOwner);
        }
        for id in departments.ids() {
            let known: i64 =
                sqlx::query("SELECT COUNT(*) AS n FROM departments WHERE org_id = $1 AND id = $2")
                    .bind(org_id.to_string())
                    .bind(id.to_string())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
            if known == 0 {
                return Ok(AccessChange::UnknownDepartment(*id));
            }
        }
        if old_role == new_role && old_scope == *departments {
            return Ok(AccessChange::Done);
        }
        sqlx::query("UPDATE users SET role = $1 WHERE org_id = $2 AND id = $3")
            .bind(new_role.as_str())
            .bind(org_id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_departments WHERE org_id = $1 AND user_id = $2")
            .bind(org_id.to_string())
            .bind(user_id.to_string())
            .execute(&mut *tx)
            .await?;
        for id in departments.ids() {
            sqlx::query(
                "INSERT INTO user_departments (org_id, user_id, department_id) VALUES ($1, $2, $3)",
            )
            .bind(org_id.to_string())
            .bind(user_id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let entry = AuditEntry {
            org_id,
            action: "user.access_change",
            target_type: Some("user"),
            target_id: Some(user_id.to_string()),
            summary: serde_json::json!({
                "before": {"role": old_role.as_str(), "departments": scope_json(&old_scope)},
                "after": {"role": new_role.as_str(), "departments": scope_json(departments)},
            }),
        };
        audit::append(&mut tx, context, &entry).await?;
        tx.commit().await?;
        Ok(AccessChange::Done)
    }
}
