//! The job table: durable background work. Workers claim one due job at a time under a lease;
//! a worker that dies leaves its lease to expire and the job runs again. On PostgreSQL many
//! instances claim concurrently (`FOR UPDATE SKIP LOCKED`, see `dialect`).

use crate::accounts::{parse, parse_opt};
use crate::error::Result;
use crate::{Store, new_id, now_ms};
use sqlx::Row;
use touchpoint_domain::{JobId, OrgId};

#[derive(Debug, Clone)]
pub struct NewJob {
    pub org_id: Option<OrgId>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_after: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    pub org_id: Option<OrgId>,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Including the current one.
    pub attempts: i64,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

impl Store {
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<JobId> {
        let mut conn = self.write().acquire().await?;
        insert_job(&mut conn, job).await
    }

    /// Claims the most overdue job (queued, or running with an expired lease) for `lease_ms`.
    pub async fn claim_job(&self, now: i64, lease_ms: i64) -> Result<Option<Job>> {
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $1, updated_at = $2 \
             WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $2) \
                 OR (state = 'running' AND locked_until < $2) ORDER BY run_after LIMIT 1{}) \
             RETURNING id, org_id, kind, payload, attempts, max_attempts",
            self.backend().skip_locked()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(self.write())
            .await?;
        row.map(|row| {
            let payload: String = row.try_get("payload")?;
            Ok(Job {
                id: parse(&row, "id")?,
                org_id: parse_opt(&row, "org_id")?,
                kind: row.try_get("kind")?,
                payload: serde_json::from_str(&payload)?,
                attempts: row.try_get("attempts")?,
                max_attempts: row.try_get("max_attempts")?,
            })
        })
        .transpose()
    }

    pub async fn complete_job(&self, id: JobId) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Records a failure: the job is retried at `retry_at`, or marked failed when it has used
    /// all its attempts (`retry_at = None`).
    pub async fn fail_job(&self, id: JobId, error: &str, retry_at: Option<i64>) -> Result<()> {
        let state = if retry_at.is_some() {
            JobState::Queued
        } else {
            JobState::Failed
        };
        sqlx::query(
            "UPDATE jobs SET state = $1, last_error = $2, run_after = COALESCE($3, run_after), \
             locked_until = NULL, updated_at = $4 WHERE id = $5",
        )
        .bind(state.as_str())
        .bind(error)
        .bind(retry_at)
        .bind(now_ms())
        .bind(id.to_string())
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Puts a claimed job back without counting the attempt: it could not run for a reason
    /// outside itself (no SMTP server configured) and should wait, not use up its retries.
    pub async fn postpone_job(&self, id: JobId, reason: &str, run_after: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             last_error = $1, run_after = $2, locked_until = NULL, updated_at = $3 WHERE id = $4",
        )
        .bind(reason)
        .bind(run_after)
        .bind(now_ms())
        .bind(id.to_string())
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// Removes finished jobs: done ones last touched before `done_before`, failed ones before
    /// `failed_before` (kept longer, for the operator to read their last error). Returns how
    /// many went. Without this the table, and every scan of it, grows with each response.
    pub async fn purge_finished_jobs(&self, done_before: i64, failed_before: i64) -> Result<u64> {
        let removed = sqlx::query(
            "DELETE FROM jobs WHERE (state = 'done' AND updated_at < $1) \
             OR (state = 'failed' AND updated_at < $2)",
        )
        .bind(done_before)
        .bind(failed_before)
        .execute(self.write())
        .await?
        .rows_affected();
        Ok(removed)
    }

    /// How many jobs are in `state` (for tests, readiness and the operator).
    pub async fn count_jobs(&self, state: JobState) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE state = $1")
            .bind(state.as_str())
            .fetch_one(self.read())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Whether a job of `kind` is queued or running (schedulers use this to avoid duplicates).
    pub async fn has_pending_job(&self, kind: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND state IN ('queued', 'running')",
        )
        .bind(kind)
        .fetch_one(self.read())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Whether a job of `kind` for `org_id` is queued or running.
    pub async fn has_pending_org_job(&self, kind: &str, org_id: OrgId) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND org_id = $2 \
             AND state IN ('queued', 'running')",
        )
        .bind(kind)
        .bind(org_id.to_string())
        .fetch_one(self.read())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

/// Inserts a job on `conn` — inside the caller's transaction when there is one, so work is
/// queued exactly when the data it concerns is committed.
pub(crate) async fn insert_job(conn: &mut sqlx::AnyConnection, job: &NewJob) -> Result<JobId> {
    let id: JobId = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO jobs (id, org_id, kind, payload, state, attempts, max_attempts, run_after, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $7)",
    )
    .bind(id.to_string())
    .bind(job.org_id.map(|o| o.to_string()))
    .bind(job.kind.clone())
    .bind(job.payload.to_string())
    .bind(job.max_attempts)
    .bind(job.run_after)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}
