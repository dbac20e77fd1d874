//! Writing responses: each submission is queued for the responses' group-commit writer
//! ([`crate::group_commit`]), which writes whatever has queued up in one transaction together
//! with the rollup increments those responses cause.

use crate::dialect::Backend;
use crate::error::Result;
use crate::group_commit::GroupWrite;
use crate::jobs::NewJob;
use crate::responses::{PendingResponse, SubmitOutcome};
use crate::rollups::{self, RollupDeltas};
use sqlx::{AnyPool, Row};

/// The job kind that analyses the free text of newly stored responses.
pub const ANALYZE_RESPONSES: &str = "text.analyze";

/// Response submissions, written in groups.
pub(crate) struct ResponseWrites;

impl GroupWrite for ResponseWrites {
    type Item = PendingResponse;
    type Outcome = SubmitOutcome;
    const MAX_GROUP: usize = 1_000;

    async fn write(
        pool: &AnyPool,
        _backend: Backend,
        responses: &[&PendingResponse],
    ) -> Result<Vec<SubmitOutcome>> {
        write_batch(pool, responses).await
    }
}

/// Writes responses, their rollup increments and their customers' latest experience in one
/// transaction.
async fn write_batch(pool: &AnyPool, responses: &[&PendingResponse]) -> Result<Vec<SubmitOutcome>> {
    let mut tx = pool.begin().await?;
    let mut deltas = RollupDeltas::default();
    let mut outcomes = Vec::with_capacity(responses.len());
    let mut latest = Vec::new();
    for response in responses {
        let inserted = sqlx::query(
            "INSERT INTO responses (id, org_id, survey_id, touchpoint_id, language, channel, answers, \
             external_id, fingerprint, submitted_at, received_at, customer_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (survey_id, external_id) DO NOTHING",
        )
        .bind(response.id.to_string())
        .bind(response.org_id.to_string())
        .bind(response.survey_id.to_string())
        .bind(response.touchpoint_id.map(|t| t.to_string()))
        .bind(response.language.as_str())
        .bind(&response.channel)
        .bind(&response.answers_json)
        .bind(&response.external_id)
        .bind(&response.fingerprint)
        .bind(response.submitted_at)
        .bind(response.received_at)
        .bind(response.customer_id.map(|c| c.to_string()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            deltas.add(response);
            latest.extend(crate::latest::of_pending(response));
            outcomes.push(SubmitOutcome::Created(response.id));
            continue;
        }
        // Only an existing external id suppresses an insert: this is a replay or a conflict.
        let existing = sqlx::query(
            "SELECT id, fingerprint FROM responses WHERE survey_id = $1 AND external_id = $2",
        )
        .bind(response.survey_id.to_string())
        .bind(&response.external_id)
        .fetch_one(&mut *tx)
        .await?;
        let id = crate::accounts::parse(&existing, "id")?;
        let fingerprint: String = existing.try_get("fingerprint")?;
        outcomes.push(if fingerprint == response.fingerprint {
            SubmitOutcome::Replayed(id)
        } else {
            SubmitOutcome::Conflict(id)
        });
    }
    rollups::apply(&mut tx, &deltas).await?;
    crate::latest::record(&mut tx, &latest).await?;
    let to_analyse: Vec<String> = responses
        .iter()
        .zip(&outcomes)
        .filter(|(r, o)| r.has_text && matches!(o, SubmitOutcome::Created(_)))
        .map(|(r, _)| r.id.to_string())
        .collect();
    if !to_analyse.is_empty() {
        // One job per batch, queued in the same transaction: a burst of comments costs the
        // submitters one extra row, and the analysis can never be lost or run for a rollback.
        let job = NewJob {
            org_id: None,
            kind: ANALYZE_RESPONSES.to_owned(),
            payload: serde_json::json!({ "response_ids": to_analyse }),
            run_after: 0,
            max_attempts: 5,
        };
        crate::jobs::insert_job(&mut tx, &job).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}
