//! Touchpoint's storage: ONE [`Store`] over SQLite (embedded default) and PostgreSQL.
//!
//! What belongs here: SQL, migrations, the job table, the group-commit writers, and
//! the rollups dashboards read. What must not: HTTP, templates, business rules (those live in
//! `touchpoint-domain`; the store persists domain types and never re-decides them).
//!
//! Each query is written once with `$n` placeholders and runs on both backends through
//! `sqlx::any`; what truly differs between the two lives in [`dialect`].

pub mod accounts;
pub mod audit;
mod checkpoint;
pub mod customers;
pub mod departments;
pub mod dialect;
pub mod error;
pub mod events;
mod filter;
mod group_commit;
pub mod jobs;
pub mod journeys;
mod latest;
pub mod lifecycle;
pub mod mail;
pub mod migrate;
pub mod page;
pub mod paths;
pub mod privacy;
pub mod responses;
pub mod retention;
pub mod rollups;
pub mod segments;
pub mod surveys;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;
pub mod touchpoints;
pub mod writer;

pub use customers::{AttributeFilter, Customer, CustomerQuery, UpsertOutcome};
pub use responses::{ResponseQuery, StoredResponse, SubmitOutcome};
pub use rollups::{
    GroupBy, RollupKey, RollupQuery, RollupRow, ScanGroup, ScanQuery, TextFilter,
    TouchpointRollupQuery,
};
pub use segments::{AtRiskCustomer, AtRiskQuery, LatestScore, RiskReason, Segment, ValueOrder};
pub use surveys::{Survey, SurveyStatus};
pub use touchpoints::Touchpoint;
pub use writer::ANALYZE_RESPONSES;

pub use audit::{AuditContext, AuditEntry, AuditFilter, AuditRecord, Interface};
pub use departments::{AccessChange, Department, UserAccess};
pub use dialect::Backend;
use dialect::ConnectionRole;
pub use error::{Result, StoreError};
pub use page::{Cursor, Page};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use std::sync::Arc;
use std::time::Duration;

pub(crate) type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// The store handle: cheap to clone, shared by the HTTP server and the workers.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    /// Readers. On SQLite several connections read in parallel thanks to the WAL.
    read: AnyPool,
    /// Writers. On SQLite exactly one connection, so writers never contend for the file lock.
    write: AnyPool,
    /// Response submissions and event batches, each through its own group-commit writer.
    responses: group_commit::GroupCommit<writer::ResponseWrites>,
    events: group_commit::GroupCommit<events::EventWrites>,
    /// SQLite: copies the write-ahead log into the database file off the writer's path.
    checkpointer: Option<checkpoint::Checkpointer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .finish_non_exhaustive()
    }
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections for readers (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    /// What the SQLite writer connection is tuned for (PostgreSQL ignores it).
    pub write_profile: WriteProfile,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            write_profile: WriteProfile::Service,
        }
    }
}

/// What the SQLite writer connection is tuned for. Both keep every committed transaction
/// durable (`synchronous = FULL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteProfile {
    /// A server or any command: many small transactions next to readers.
    #[default]
    Service,
    /// A process that bulk-loads in large transactions (`touchpoint import customers`):
    /// statement journals in memory and rarer checkpoints. Migrations still run with the
    /// service settings, before the bulk writer connects.
    BulkImport,
}

impl Store {
    /// Opens the database named by `url` (`sqlite:PATH?mode=rwc` or `postgres://…`), applies
    /// pending migrations and starts the group-commit writers. Must run inside a tokio runtime.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend =
            Backend::from_url(url).ok_or_else(|| StoreError::UnsupportedUrl(redact(url)))?;
        let pool_options = |max: u32, role: ConnectionRole| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(move |conn, _meta| {
                    Box::pin(async move { backend.prepare_connection(conn, role).await })
                })
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                let mut write = pool_options(1, ConnectionRole::Writer).connect(url).await?;
                migrate::run(&write, backend).await?;
                if options.write_profile == WriteProfile::BulkImport {
                    write.close().await;
                    write = pool_options(1, ConnectionRole::BulkWriter)
                        .connect(url)
                        .await?;
                }
                let read = pool_options(options.max_connections, ConnectionRole::Reader)
                    .connect(url)
                    .await?;
                (read, write)
            }
            Backend::Postgres => {
                let pool = pool_options(options.max_connections, ConnectionRole::Reader)
                    .connect(url)
                    .await?;
                migrate::run(&pool, backend).await?;
                (pool.clone(), pool)
            }
        };
        // The bulk importer keeps its measured set-up: the writer checkpoints itself, rarely.
        let checkpointer = (backend == Backend::Sqlite
            && options.write_profile == WriteProfile::Service)
            .then(|| checkpoint::Checkpointer::start(read.clone()));
        let responses = group_commit::GroupCommit::start(write.clone(), backend);
        let events = group_commit::GroupCommit::start(write.clone(), backend);
        Ok(Store {
            inner: Arc::new(Inner {
                backend,
                read,
                write,
                responses,
                events,
                checkpointer,
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    fn read(&self) -> &AnyPool {
        &self.inner.read
    }

    fn write(&self) -> &AnyPool {
        &self.inner.write
    }

    /// Answers whether the database can serve a query right now (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.read()).await?;
        Ok(())
    }

    /// Waits for queued writes, then closes every connection.
    pub async fn close(&self) {
        self.inner.responses.shutdown().await;
        self.inner.events.shutdown().await;
        if let Some(checkpointer) = &self.inner.checkpointer {
            checkpointer.stop();
        }
        self.inner.read.close().await;
        self.inner.write.close().await;
    }
}

/// The current time in unix milliseconds. The store is where the clock is read.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new time-ordered id of any typed-id kind.
pub fn new_id<T: From<uuid::Uuid>>() -> T {
    T::from(uuid::Uuid::now_v7())
}

/// Hides a password in a database URL before it reaches an error message or a log line.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://tp:secret@db/tp"),
            "postgres://tp:***@db/tp"
        );
        assert_eq!(super::redact("sqlite:/x/y.db"), "sqlite:/x/y.db");
    }
}
