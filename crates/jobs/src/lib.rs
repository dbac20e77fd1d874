//! Background work: claim one due job → run it → record the outcome.
//!
//! What belongs here: the worker loop, the periodic scheduler and one handler per job kind.
//! What must not: HTTP. Tests call [`Worker::run_one`] to drain jobs deterministically.

pub mod mail;
pub mod retention;
pub mod text;

use std::sync::Arc;
use std::time::Duration;
use text::TextEngine;
use tokio::sync::watch;
use touchpoint_store::jobs::{Job, NewJob};
use touchpoint_store::{Store, StoreError, now_ms};

/// Hourly housekeeping: removes expired web sessions and finished jobs past their keeping time.
pub const SWEEP_SESSIONS: &str = "sessions.sweep";

/// How long finished jobs are kept: done ones a week, failed ones (with their last error) 30 days.
const KEEP_DONE_JOBS_MS: i64 = 7 * 86_400_000;
const KEEP_FAILED_JOBS_MS: i64 = 30 * 86_400_000;

const LEASE_MS: i64 = 5 * 60_000;
const IDLE_POLL: Duration = Duration::from_millis(500);
const SWEEP_EVERY_MS: i64 = 60 * 60_000;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("unknown job kind '{0}'")]
    UnknownKind(String),
    /// Fails for good at once (a malformed job, an invalid recipient, attempts used up).
    #[error("{0}")]
    Permanent(String),
    /// Failed; try again at `retry_at` (the handler chose its own back-off).
    #[error("{error}")]
    Retry { error: String, retry_at: i64 },
    /// Could not run for a reason outside the job; try at `retry_at` without using an attempt.
    #[error("{reason}")]
    Postpone { reason: String, retry_at: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What `run_one` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobReport {
    Done {
        kind: String,
    },
    Retrying {
        kind: String,
        error: String,
    },
    Failed {
        kind: String,
        error: String,
    },
    /// Not run (e.g. mail without an SMTP server); waits without using an attempt.
    Postponed {
        kind: String,
        reason: String,
    },
}

#[derive(Clone)]
pub struct Worker {
    store: Store,
    text: Arc<TextEngine>,
    mailer: Option<mail::Mailer>,
}

impl Worker {
    pub fn new(store: Store, text: Arc<TextEngine>) -> Worker {
        Worker {
            store,
            text,
            mailer: None,
        }
    }

    /// Sends mail through `mailer`; without one, mail stays queued as "not configured".
    pub fn with_mailer(mut self, mailer: Option<mail::Mailer>) -> Worker {
        self.mailer = mailer;
        self
    }

    /// Runs at most one due job. `Ok(None)` when nothing is due.
    pub async fn run_one(&self) -> Result<Option<JobReport>, StoreError> {
        let now = now_ms();
        let Some(job) = self.store.claim_job(now, LEASE_MS).await? else {
            return Ok(None);
        };
        let report = match self.handle(&job).await {
            Ok(()) => {
                self.store.complete_job(job.id).await?;
                JobReport::Done { kind: job.kind }
            }
            Err(JobError::Postpone { reason, retry_at }) => {
                self.store.postpone_job(job.id, &reason, retry_at).await?;
                tracing::debug!(kind = job.kind, reason, "job postponed");
                JobReport::Postponed {
                    kind: job.kind,
                    reason,
                }
            }
            Err(JobError::Retry { error, retry_at }) if job.attempts < job.max_attempts => {
                self.store.fail_job(job.id, &error, Some(retry_at)).await?;
                tracing::warn!(
                    kind = job.kind,
                    attempts = job.attempts,
                    error,
                    "job failed; will retry"
                );
                JobReport::Retrying {
                    kind: job.kind,
                    error,
                }
            }
            Err(error) => {
                let message = error.to_string();
                let retryable = !matches!(
                    error,
                    JobError::UnknownKind(_) | JobError::Permanent(_) | JobError::Retry { .. }
                );
                if job.attempts < job.max_attempts && retryable {
                    // Exponential back-off: 10 s, 20 s, 40 s, … capped at an hour.
                    let delay = (10_000i64 << job.attempts.clamp(0, 20)).min(3_600_000);
                    self.store
                        .fail_job(job.id, &message, Some(now_ms() + delay))
                        .await?;
                    tracing::warn!(
                        kind = job.kind,
                        attempts = job.attempts,
                        error = message,
                        "job failed; will retry"
                    );
                    JobReport::Retrying {
                        kind: job.kind,
                        error: message,
                    }
                } else {
                    self.store.fail_job(job.id, &message, None).await?;
                    tracing::error!(kind = job.kind, error = message, "job failed for good");
                    JobReport::Failed {
                        kind: job.kind,
                        error: message,
                    }
                }
            }
        };
        Ok(Some(report))
    }

    /// Runs every due job now; returns how many ran. For tests and one-shot maintenance.
    pub async fn drain(&self) -> Result<usize, StoreError> {
        let mut ran = 0;
        while self.run_one().await?.is_some() {
            ran += 1;
        }
        Ok(ran)
    }

    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        match job.kind.as_str() {
            SWEEP_SESSIONS => {
                let now = now_ms();
                let sessions = self.store.delete_expired_sessions(now).await?;
                let jobs = self
                    .store
                    .purge_finished_jobs(now - KEEP_DONE_JOBS_MS, now - KEEP_FAILED_JOBS_MS)
                    .await?;
                tracing::debug!(sessions, jobs, "swept expired sessions and finished jobs");
                Ok(())
            }
            touchpoint_store::ANALYZE_RESPONSES => {
                let ids = text::response_ids(&job.payload);
                let analysed = self.text.analyse_responses(&self.store, &ids).await?;
                tracing::debug!(analysed, "analysed comments");
                Ok(())
            }
            text::REANALYZE => Ok(self.text.reanalyse_page(&self.store, &job.payload).await?),
            retention::RUN_RETENTION => {
                let org_id = retention::org_of(&job.payload)?;
                retention::run(&self.store, org_id).await?;
                Ok(())
            }
            mail::MAIL_SEND => mail::deliver(&self.store, self.mailer.as_ref(), job).await,
            other => Err(JobError::UnknownKind(other.to_owned())),
        }
    }

    /// Enqueues periodic jobs that are due and not already queued.
    pub async fn schedule(&self) -> Result<(), StoreError> {
        self.text.check_fingerprint(&self.store).await?;
        if !self.store.has_pending_job(SWEEP_SESSIONS).await? {
            self.store
                .enqueue_job(&NewJob {
                    org_id: None,
                    kind: SWEEP_SESSIONS.to_owned(),
                    payload: serde_json::json!({}),
                    run_after: now_ms() + SWEEP_EVERY_MS,
                    max_attempts: 3,
                })
                .await?;
        }
        retention::schedule(&self.store).await
    }

    /// Works until `shutdown` turns true; finishes the job in hand first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut next_schedule = 0i64;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if now_ms() >= next_schedule {
                if let Err(error) = self.schedule().await {
                    tracing::warn!(%error, "scheduling periodic jobs failed");
                }
                next_schedule = now_ms() + 60_000;
            }
            match self.run_one().await {
                Ok(Some(_)) => continue,
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "job queue unavailable"),
            }
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchpoint_store::testing::{TestBackend, TestDatabase};

    #[tokio::test]
    async fn unknown_kinds_fail_at_once_and_known_ones_run() {
        let db = TestDatabase::fresh(TestBackend::Sqlite)
            .await
            .expect("sqlite");
        let store = db.open().await;
        let worker = Worker::new(
            store.clone(),
            Arc::new(TextEngine::builtin().expect("engine")),
        );
        let job = |kind: &str| NewJob {
            org_id: None,
            kind: kind.into(),
            payload: serde_json::json!({}),
            run_after: 0,
            max_attempts: 3,
        };
        store.enqueue_job(&job("nonsense")).await.expect("enqueue");
        store
            .enqueue_job(&job(SWEEP_SESSIONS))
            .await
            .expect("enqueue");
        let mut reports = vec![
            worker.run_one().await.expect("run"),
            worker.run_one().await.expect("run"),
        ];
        reports.sort_by_key(|r| format!("{r:?}"));
        assert!(
            matches!(&reports[0], Some(JobReport::Done { kind }) if kind == SWEEP_SESSIONS),
            "{reports:?}"
        );
        assert!(
            matches!(&reports[1], Some(JobReport::Failed { .. })),
            "{reports:?}"
        );
        assert_eq!(worker.run_one().await.expect("run"), None);
        worker.schedule().await.expect("schedule");
        worker.schedule().await.expect("schedule twice");
        assert!(store.has_pending_job(SWEEP_SESSIONS).await.expect("query"));
        assert_eq!(
            worker.drain().await.expect("drain"),
            0,
            "the sweep is not due yet"
        );
        store.close().await;
    }
}
