//! The retention job: applies every policy of an organisation to the data it has made due,
//! batch by batch, and records a run with what each policy did. Scheduled daily for every
//! organisation with a policy; an admin can also ask for a run at once.

use serde_json::json;
use touchpoint_domain::OrgId;
use touchpoint_store::jobs::NewJob;
use touchpoint_store::retention::{PolicyOutcome, RetentionRun};
use touchpoint_store::{AuditContext, Store, StoreError, now_ms};

/// Runs the retention policies of one organisation (payload `{"org_id": …}`).
pub const RUN_RETENTION: &str = "retention.run";

/// How often each organisation's policies run.
pub const RETENTION_EVERY_MS: i64 = 24 * 60 * 60_000;

/// The job that runs `org_id`'s policies at `run_after`.
pub fn job(org_id: OrgId, run_after: i64) -> NewJob {
    NewJob {
        org_id: Some(org_id),
        kind: RUN_RETENTION.to_owned(),
        payload: json!({"org_id": org_id.to_string()}),
        run_after,
        max_attempts: 5,
    }
}

/// Queues the next run of every organisation with a policy that has none queued: a day after
/// its last run, or within five minutes when it never ran.
pub async fn schedule(store: &Store) -> Result<(), StoreError> {
    let now = now_ms();
    for org_id in store.organisations_with_retention().await? {
        if store.has_pending_org_job(RUN_RETENTION, org_id).await? {
            continue;
        }
        let last = store.retention_runs(org_id, 1).await?;
        let due = last
            .first()
            .map(|run| run.started_at + RETENTION_EVERY_MS)
            .unwrap_or(now + 5 * 60_000);
        store.enqueue_job(&job(org_id, due.max(now))).await?;
    }
    Ok(())
}

/// Queues a run of `org_id`'s policies now (besides the daily one) and audits the request as
/// `retention.request_run`. Returns the job's id.
pub async fn request_run(
    store: &Store,
    org_id: OrgId,
    context: &AuditContext,
) -> Result<touchpoint_domain::JobId, StoreError> {
    let job_id = store.enqueue_job(&job(org_id, now_ms())).await?;
    let entry = touchpoint_store::AuditEntry {
        org_id,
        action: "retention.request_run",
        target_type: Some("job"),
        target_id: Some(job_id.to_string()),
        summary: json!({"before": null, "after": {"job_id": job_id}}),
    };
    store.append_audit(context, &entry).await?;
    Ok(job_id)
}

/// The organisation a retention job is for.
pub fn org_of(payload: &serde_json::Value) -> Result<OrgId, StoreError> {
    payload
        .get("org_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| StoreError::Corrupt(format!("retention job payload {payload}")))
}

/// Applies every policy of `org_id` until nothing is due, then records the run. Each batch
/// commits on its own, so an interrupted run loses nothing and the next run continues.
pub async fn run(store: &Store, org_id: OrgId) -> Result<RetentionRun, StoreError> {
    let started_at = now_ms();
    let mut outcomes = Vec::new();
    for stored in store.retention_policies(org_id).await? {
        let policy = stored.policy;
        let cutoff = policy.cutoff(started_at);
        let mut affected = 0;
        loop {
            let done = store.apply_retention_batch(org_id, &policy, cutoff).await?;
            if done == 0 {
                break;
            }
            affected += done;
        }
        tracing::info!(%org_id, class = %policy.class, affected, "retention policy applied");
        outcomes.push(PolicyOutcome {
            policy,
            cutoff,
            affected,
        });
    }
    store
        .record_retention_run(org_id, started_at, &outcomes, &AuditContext::system())
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Worker;
    use crate::text::TextEngine;
    use std::sync::Arc;
    use touchpoint_domain::retention::{DataClass, RetentionPolicy};
    use touchpoint_store::accounts::{Initialisation, NewApiToken};
    use touchpoint_store::testing::{TestBackend, TestDatabase};

    #[tokio::test]
    async fn policies_are_scheduled_daily_and_a_run_is_recorded() {
        let db = TestDatabase::fresh(TestBackend::Sqlite)
            .await
            .expect("sqlite");
        let store = db.open().await;
        let org_id = store
            .initialise(&Initialisation {
                org_name: "Nordwind".into(),
                email: "a@example.com".into(),
                display_name: "A".into(),
                password_hash: "x".into(),
                language: touchpoint_domain::Language::De,
                token: NewApiToken {
                    name: "t".into(),
                    prefix: "tp_x".into(),
                    hash: "h".into(),
                },
            })
            .await
            .expect("initialise")
            .org_id;
        let worker = Worker::new(
            store.clone(),
            Arc::new(TextEngine::builtin().expect("engine")),
        );
        schedule(&store).await.expect("schedule without policies");
        assert!(
            !store
                .has_pending_org_job(RUN_RETENTION, org_id)
                .await
                .expect("query")
        );

        let policy = RetentionPolicy::new(DataClass::Comments, "delete", 90).expect("policy");
        store
            .set_retention_policy(org_id, &policy, &AuditContext::system())
            .await
            .expect("set");
        schedule(&store).await.expect("schedule");
        schedule(&store).await.expect("schedule twice");
        assert!(
            store
                .has_pending_org_job(RUN_RETENTION, org_id)
                .await
                .expect("query")
        );
        assert_eq!(
            worker.drain().await.expect("drain"),
            0,
            "the first run waits five minutes"
        );

        store.enqueue_job(&job(org_id, 0)).await.expect("run now");
        assert_eq!(worker.drain().await.expect("drain"), 1);
        let runs = store.retention_runs(org_id, 5).await.expect("runs");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].report[0]["data_class"], "comments");
        assert_eq!(runs[0].report[0]["affected"], 0);
        store.close().await;
    }
}
