//! Versioned migrations, one tree per backend with the same numbering. Applied at start, each
//! in its own transaction, recorded in `schema_migrations`. A test checks the two trees match.

use crate::dialect::Backend;
use crate::error::{Result, StoreError};
use sqlx::{AnyPool, Row};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_foundation"),
    migration!(2, "0002_text_analysis"),
    migration!(3, "0003_job_kinds"),
    migration!(4, "0004_clustered_rollups"),
    migration!(5, "0005_token_scopes"),
    migration!(6, "0006_audit_log"),
    migration!(7, "0007_departments_roles"),
    migration!(8, "0008_mail_accounts"),
    migration!(9, "0009_customers"),
    migration!(10, "0010_retention"),
    migration!(11, "0011_journeys"),
    migration!(12, "0012_events"),
    migration!(13, "0013_crm"),
    migration!(14, "0014_event_paths"),
    migration!(15, "0015_event_writes"),
    migration!(16, "0016_customer_attributes_compact"),
];

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }
}

/// Applies every migration not yet recorded. Returns the versions applied now.
pub async fn run(pool: &AnyPool, backend: Backend) -> Result<Vec<i64>> {
    run_until(pool, backend, i64::MAX).await
}

/// Applies the migrations not yet recorded up to version `last` (tests of data migrations
/// stop before the one they test).
pub async fn run_until(pool: &AnyPool, backend: Backend, last: i64) -> Result<Vec<i64>> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let mut applied_now = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version <= last) {
        let mut tx = pool.begin().await?;
        if let Some(lock) = backend.migration_lock() {
            sqlx::query(lock).execute(&mut *tx).await?;
        }
        let done = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
            .bind(migration.version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if done > 0 {
            continue;
        }
        let failed = |source| StoreError::Migration {
            version: migration.version,
            name: migration.name,
            source,
        };
        sqlx::raw_sql(migration.sql(backend))
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        data_step(migration.version, &mut tx).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(crate::now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        applied_now.push(migration.version);
    }
    Ok(applied_now)
}

/// Data a migration fills from existing rows with Rust rather than SQL (it needs the survey
/// definitions to read scores), in the migration's own transaction: all or nothing.
async fn data_step(version: i64, tx: &mut crate::Transaction<'_>) -> Result<()> {
    match version {
        13 => crate::latest::backfill(tx).await,
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn files(backend: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        std::fs::read_dir(&dir)
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn both_backends_have_the_same_migration_tree() {
        let sqlite = files("sqlite");
        let postgres = files("postgres");
        assert_eq!(
            sqlite, postgres,
            "migrations/sqlite and migrations/postgres differ"
        );
        let listed: BTreeSet<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.sql", m.name))
            .collect();
        assert_eq!(
            listed, sqlite,
            "every migration file must be listed in MIGRATIONS"
        );
    }

    #[test]
    fn versions_increase_and_match_file_names() {
        // Strictly increasing rather than consecutive: numbers are reserved per branch, so a
        // tree may have a gap until every branch is merged.
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version, "{}", pair[1].name);
        }
        for m in MIGRATIONS {
            assert!(
                m.name.starts_with(&format!("{:04}_", m.version)),
                "{}",
                m.name
            );
        }
    }
}
