//! Group commit for responses.
//!
//! Every response goes through one writer task. It takes whatever has queued up (up to
//! [`MAX_BATCH`]) and writes it in ONE transaction together with the rollup increments those
//! responses cause; only after the commit does it answer the waiting requests. Under load this
//! turns a thousand fsyncs into one without weakening "a 2xx means committed". If a batch
//! fails, each of its responses is retried alone, so one bad row cannot fail its neighbours.

use crate::error::{Result, StoreError};
use crate::jobs::NewJob;
use crate::responses::{PendingResponse, SubmitOutcome};
use crate::rollups::{self, RollupDeltas};

/// The job kind that analyses the free text of newly stored responses.
pub const ANALYZE_RESPONSES: &str = "text.analyze";
use sqlx::{AnyPool, Row};
use tokio::sync::{mpsc, oneshot};

pub(crate) const MAX_BATCH: usize = 1_000;
const QUEUE: usize = 8_192;

struct WriteJob {
    response: PendingResponse,
    reply: oneshot::Sender<Result<SubmitOutcome>>,
}

pub(crate) struct Writer {
    sender: tokio::sync::Mutex<Option<mpsc::Sender<WriteJob>>>,
    done: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Writer {
    pub(crate) fn start(pool: AnyPool) -> Writer {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(pool, receiver));
        Writer {
            sender: tokio::sync::Mutex::new(Some(sender)),
            done: tokio::sync::Mutex::new(Some(task)),
        }
    }

    pub(crate) async fn submit(&self, response: PendingResponse) -> Result<SubmitOutcome> {
        let sender = self
            .sender
            .lock()
            .await
            .clone()
            .ok_or(StoreError::WriterGone)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(WriteJob { response, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Stops accepting responses and waits until everything queued is committed.
    pub(crate) async fn shutdown(&self) {
        self.sender.lock().await.take();
        if let Some(task) = self.done.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn run(pool: AnyPool, mut receiver: mpsc::Receiver<WriteJob>) {
    let mut batch: Vec<WriteJob> = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let responses: Vec<&PendingResponse> = batch.iter().map(|j| &j.response).collect();
        match write_batch(&pool, &responses).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(error) if batch.len() == 1 => {
                if let Some(job) = batch.pop() {
                    let _ = job.reply.send(Err(error));
                }
            }
            Err(error) => {
                tracing::warn!(%error, size = batch.len(), "batch failed; retrying its responses one by one");
                for job in batch.drain(..) {
                    let outcome = write_batch(&pool, &[&job.response])
                        .await
                        .map(|mut o| o.pop().unwrap_or(SubmitOutcome::Created(job.response.id)));
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

/// Writes responses, their rollup increments and their customers' latest experience in one
/// transaction.
pub(crate) async fn write_batch(
    pool: &AnyPool,
    responses: &[&PendingResponse],
) -> Result<Vec<SubmitOutcome>> {
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
