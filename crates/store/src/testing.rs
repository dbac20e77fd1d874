//! Fresh databases for tests, on both backends. Enabled by the `testing` feature.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new database in the cluster named
//! by `TOUCHPOINT_TEST_POSTGRES_URL`. Without that variable PostgreSQL tests are skipped with
//! a message — except under CI (`CI` set), where a missing server is a failure.

use crate::{Store, StoreOptions};
use sqlx::Connection;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A database that lives as long as this value (the SQLite directory is removed on drop).
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pub dir: Option<PathBuf>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A new empty directory under the system temp dir, removed by the caller.
pub fn temp_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "touchpoint-{label}-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// The PostgreSQL cluster for tests, or `None` (with a printed reason) to skip.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TOUCHPOINT_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!(
                "TOUCHPOINT_TEST_POSTGRES_URL is not set under CI: the PostgreSQL tests must run in CI (.ci/run starts a server)"
            )
        }
        _ => {
            eprintln!(
                "SKIPPED (PostgreSQL): TOUCHPOINT_TEST_POSTGRES_URL is not set; start one with `eval \"$(.ci/start-postgres)\"`"
            );
            None
        }
    }
}

impl TestDatabase {
    /// A fresh database, or `None` when the backend is not available here.
    pub async fn fresh(backend: TestBackend) -> Option<TestDatabase> {
        match backend {
            TestBackend::Sqlite => {
                let dir = temp_dir("db");
                let url = format!("sqlite://{}?mode=rwc", dir.join("touchpoint.db").display());
                Some(TestDatabase {
                    url,
                    dir: Some(dir),
                })
            }
            TestBackend::Postgres => {
                let admin = postgres_admin_url()?;
                sqlx::any::install_default_drivers();
                let name = format!("tp_test_{}", uuid::Uuid::now_v7().simple());
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
                let base = admin.split('?').next().unwrap_or(&admin);
                let cut = base.rfind('/').unwrap_or(base.len());
                Some(TestDatabase {
                    url: format!("{}/{name}", &base[..cut]),
                    dir: None,
                })
            }
        }
    }

    pub async fn open(&self) -> Store {
        Store::open(&self.url, StoreOptions::default())
            .await
            .unwrap_or_else(|e| panic!("cannot open the test store: {e}"))
    }

    /// One plain connection to the test database, without the store (for migration tests that
    /// write rows as an older version did, or undo a migration).
    pub async fn raw_pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database: {e}"))
    }
}

/// Makes every queued job due now (tests of retries cannot wait for the back-off).
pub async fn make_jobs_due(store: &Store) {
    sqlx::query("UPDATE jobs SET run_after = 0 WHERE state = 'queued'")
        .execute(store.write())
        .await
        .unwrap_or_else(|e| panic!("cannot make jobs due: {e}"));
}

/// Moves every invitation's and reset link's expiry into the past (tests of expired links).
pub async fn expire_links(store: &Store) {
    for sql in [
        "UPDATE invitations SET expires_at = 1",
        "UPDATE password_resets SET expires_at = 1",
    ] {
        sqlx::query(sql)
            .execute(store.write())
            .await
            .unwrap_or_else(|e| panic!("cannot expire links: {e}"));
    }
}

/// Adds a user with `role` to an organisation, limited to `departments` (none: not limited).
/// For tests only: creating users is the invitations feature's job.
pub async fn add_user(
    store: &Store,
    org_id: touchpoint_domain::OrgId,
    email: &str,
    role: touchpoint_domain::Role,
    password_hash: &str,
    departments: &[touchpoint_domain::DepartmentId],
) -> touchpoint_domain::UserId {
    let id: touchpoint_domain::UserId = crate::new_id();
    sqlx::query(
        "INSERT INTO users (id, org_id, email, display_name, password_hash, role, language, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'en', $7)",
    )
    .bind(id.to_string())
    .bind(org_id.to_string())
    .bind(email.to_lowercase())
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(crate::now_ms())
    .execute(store.write())
    .await
    .unwrap_or_else(|e| panic!("cannot add the test user {email}: {e}"));
    for department in departments {
        sqlx::query(
            "INSERT INTO user_departments (org_id, user_id, department_id) VALUES ($1, $2, $3)",
        )
        .bind(org_id.to_string())
        .bind(id.to_string())
        .bind(department.to_string())
        .execute(store.write())
        .await
        .unwrap_or_else(|e| panic!("cannot limit the test user {email}: {e}"));
    }
    id
}

/// Brings a fresh database to migration `last` only and adds an organisation there, as an
/// instance of that older version would hold it; opening a [`Store`] afterwards applies the
/// rest. For migration tests.
pub async fn legacy_organisation(db: &TestDatabase, last: i64, org_id: touchpoint_domain::OrgId) {
    let backend = crate::Backend::from_url(&db.url).expect("test URLs are supported");
    let pool = db.raw_pool().await;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&pool)
    .await
    .expect("schema_migrations");
    for migration in crate::migrate::MIGRATIONS
        .iter()
        .filter(|m| m.version <= last)
    {
        let sql = match backend {
            crate::Backend::Sqlite => migration.sqlite,
            crate::Backend::Postgres => migration.postgres,
        };
        sqlx::raw_sql(sql)
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("migration {}: {e}", migration.name));
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, 0)")
            .bind(migration.version)
            .bind(migration.name)
            .execute(&pool)
            .await
            .expect("record migration");
    }
    sqlx::query("INSERT INTO organisations (id, name, created_at) VALUES ($1, 'Legacy', 0)")
        .bind(org_id.to_string())
        .execute(&pool)
        .await
        .expect("organisation");
    pool.close().await;
}
