//! Checkpoints off the writer's path (SQLite).
//!
//! In WAL mode every commit appends pages to the log, and a checkpoint copies them back into
//! the database file. Left to the writer connection, that copy runs inside a commit and holds
//! up every write queued behind it (an eighth of the event writer's time). Here a reader
//! connection checkpoints the log a few times a second instead; a passive checkpoint never
//! blocks the writer or the readers, and the writer then restarts the log from its beginning.
//! The writer's own automatic checkpoint stays, at a larger size, for when this one cannot
//! keep up.

use sqlx::AnyPool;
use std::time::Duration;

/// How often the log is copied back into the database file.
const INTERVAL: Duration = Duration::from_millis(250);

/// The running checkpoint task; stops when dropped.
pub(crate) struct Checkpointer {
    task: tokio::task::JoinHandle<()>,
}

impl Checkpointer {
    pub(crate) fn start(readers: AnyPool) -> Checkpointer {
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if readers.is_closed() {
                    return;
                }
                if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&readers)
                    .await
                {
                    tracing::warn!(%error, "background checkpoint failed");
                }
            }
        });
        Checkpointer { task }
    }

    pub(crate) fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}
