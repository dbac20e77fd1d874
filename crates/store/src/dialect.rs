//! Every difference between SQLite and PostgreSQL lives here, and nowhere else.
//!
//! Queries are written once with `$n` placeholders, which both backends accept through
//! `sqlx::any`. What truly differs: connection set-up, locking for migrations and job claims,
//! and the migration files themselves.

use sqlx::AnyConnection;
use sqlx::Executor;

/// What a connection is for: SQLite has one writer connection and a pool of readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionRole {
    Writer,
    /// The writer of a process that only bulk-loads (see [`crate::WriteProfile::BulkImport`]).
    BulkWriter,
    Reader,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Session settings applied to every new connection. SQLite: write-ahead log (readers never
    /// block the writer), foreign keys enforced, wait instead of failing on a busy file,
    /// `synchronous = FULL` so a committed transaction survives power loss, not only a crash,
    /// and a page cache larger than SQLite's 2 MiB (with which every insert into a large index
    /// re-reads pages). Checkpoints run in the background (`checkpoint.rs`); the one writer
    /// checkpoints the log itself only when it reaches 64 MiB, which the background task
    /// normally prevents (a page changed again before a checkpoint is copied once). Temporary
    /// storage stays on disk: in memory it would save event batches their statement journal
    /// (−10 % CPU) but let one `CREATE INDEX` of a migration sort millions of rows in RAM.
    ///
    /// The bulk writer (a CLI import, which opens it only after the migrations ran) keeps the
    /// same durability (`synchronous = FULL`, WAL) and differs as measured on the 1,000,000-row
    /// customer import (docs/PERFORMANCE.md): temporary storage in memory, so the statement
    /// journal of each multi-row insert — bounded by the pages one statement of at most 150
    /// parameters touches — is not written to a temporary file (−40 % system time); and no
    /// background checkpoints (see `Store::open`): the importer's writer checkpoints itself
    /// every 64 MiB, so index pages that several chunks change are copied into the database once.
    pub async fn prepare_connection(
        self,
        conn: &mut AnyConnection,
        role: ConnectionRole,
    ) -> sqlx::Result<()> {
        match self {
            Backend::Sqlite => {
                let role_settings = match role {
                    ConnectionRole::Writer => {
                        "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16000;"
                    }
                    ConnectionRole::BulkWriter => {
                        "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16000; \
                         PRAGMA temp_store = MEMORY;"
                    }
                    ConnectionRole::Reader => "PRAGMA cache_size = -16384;",
                };
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; {role_settings}"
                )))
                .await?;
            }
            Backend::Postgres => {
                // sqlx prepares every statement once per connection, and after five runs
                // PostgreSQL may switch a prepared statement to a generic plan chosen once, often
                // while a table is still small: the key lookups `… external_id IN ($2, …)` of
                // event and customer batches then kept a sequential scan as the table grew
                // (events: 1,122/s, 50 ms per lookup; with custom plans 4,645/s). Planning each
                // run costs a fraction of a millisecond; a stale plan can cost a full scan.
                conn.execute("SET TIME ZONE 'UTC'; SET plan_cache_mode = force_custom_plan")
                    .await?;
            }
        }
        Ok(())
    }

    /// Serialises concurrent migrators (several instances starting on one PostgreSQL).
    /// SQLite needs nothing: migrations run on the single writer connection.
    pub fn migration_lock(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("SELECT pg_advisory_xact_lock(7346012026)"),
        }
    }

    /// The locking suffix of the job-claim subquery: PostgreSQL workers on many instances skip
    /// rows another worker holds; SQLite has one writer, so plain selection is already exclusive.
    pub fn skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// The row-locking suffix of a SELECT inside a transaction that decides on what it read
    /// (e.g. "is this the last owner?"): PostgreSQL locks the rows until commit so two such
    /// transactions serialise; SQLite's single writer serialises them already.
    pub fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// The verb of a multi-row insert into a table whose foreign keys are checked at commit
    /// (events, migration 0015). SQLite's default conflict handling (ABORT) must undo a
    /// half-done statement, for which it copies every page the statement changes into a
    /// statement journal first; `OR FAIL` stops at a violation without undoing, and as the
    /// violation fails the whole transaction anyway, nothing half-done is ever kept.
    /// PostgreSQL has no such cost and no such syntax.
    pub fn insert_without_statement_undo(self) -> &'static str {
        match self {
            Backend::Sqlite => "INSERT OR FAIL",
            Backend::Postgres => "INSERT",
        }
    }

    /// Placeholders for `rows` rows of `columns` values each, for a statement that has no other
    /// parameters (values bound in order). PostgreSQL: `($1, …), (…)`. SQLite: anonymous `?`,
    /// because sqlx looks every numbered SQLite parameter up by name, which SQLite answers by
    /// walking the statement's parameter list: binding `$n` costs O(n²) per statement, `?` O(n),
    /// so such statements may be larger.
    pub fn only_row_placeholders(self, rows: usize, columns: usize) -> String {
        match self {
            Backend::Sqlite => {
                let row = format!("({})", vec!["?"; columns].join(", "));
                vec![row; rows].join(", ")
            }
            Backend::Postgres => crate::filter::row_placeholders(rows, columns, 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backend;

    #[test]
    fn row_placeholders_are_anonymous_on_sqlite_and_numbered_on_postgres() {
        assert_eq!(
            Backend::Sqlite.only_row_placeholders(2, 3),
            "(?, ?, ?), (?, ?, ?)"
        );
        assert_eq!(
            Backend::Postgres.only_row_placeholders(2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
    }
}
