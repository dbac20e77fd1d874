//! Group commit: one writer task per kind of write.
//!
//! Requests queue their writes; the task takes whatever has queued up (up to
//! [`GroupWrite::MAX_GROUP`] items) and writes it in ONE transaction, and only after the
//! commit answers the waiting requests. Under load this turns many transactions, each with its
//! own fsync and its own copy of every page it touches, into one, without weakening "a 2xx
//! means committed". If a group fails, each of its items is written again alone, so one bad
//! item cannot fail its neighbours.

use crate::dialect::Backend;
use crate::error::{Result, StoreError};
use sqlx::AnyPool;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// How many writes may wait for the writer before `submit` waits for room.
const QUEUE: usize = 8_192;

/// A kind of write that can be grouped into one transaction.
pub(crate) trait GroupWrite: 'static {
    type Item: Send + Sync + 'static;
    type Outcome: Send + 'static;
    /// The most items written in one transaction.
    const MAX_GROUP: usize;

    /// Writes `items` in one transaction: one outcome per item, in order, or an error that
    /// rolled back the whole transaction.
    fn write<'a>(
        pool: &'a AnyPool,
        backend: Backend,
        items: &'a [&'a Self::Item],
    ) -> impl Future<Output = Result<Vec<Self::Outcome>>> + Send + 'a;
}

struct Job<W: GroupWrite> {
    item: W::Item,
    reply: oneshot::Sender<Result<W::Outcome>>,
}

/// The queue in front of one writer task.
pub(crate) struct GroupCommit<W: GroupWrite> {
    sender: tokio::sync::Mutex<Option<mpsc::Sender<Job<W>>>>,
    done: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl<W: GroupWrite> GroupCommit<W> {
    pub(crate) fn start(pool: AnyPool, backend: Backend) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run::<W>(pool, backend, receiver));
        Self {
            sender: tokio::sync::Mutex::new(Some(sender)),
            done: tokio::sync::Mutex::new(Some(task)),
        }
    }

    /// Queues `item` and waits until it is committed (or refused).
    pub(crate) async fn submit(&self, item: W::Item) -> Result<W::Outcome> {
        let sender = self
            .sender
            .lock()
            .await
            .clone()
            .ok_or(StoreError::WriterGone)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(Job { item, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Stops accepting writes and waits until everything queued is committed.
    pub(crate) async fn shutdown(&self) {
        self.sender.lock().await.take();
        if let Some(task) = self.done.lock().await.take() {
            let _ = task.await;
        }
    }
}

async fn run<W: GroupWrite>(pool: AnyPool, backend: Backend, mut receiver: mpsc::Receiver<Job<W>>) {
    let mut group: Vec<Job<W>> = Vec::with_capacity(W::MAX_GROUP);
    while receiver.recv_many(&mut group, W::MAX_GROUP).await > 0 {
        let items: Vec<&W::Item> = group.iter().map(|job| &job.item).collect();
        match write_checked::<W>(&pool, backend, &items).await {
            Ok(outcomes) => {
                for (job, outcome) in group.drain(..).zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(error) if group.len() == 1 => {
                if let Some(job) = group.pop() {
                    let _ = job.reply.send(Err(error));
                }
            }
            Err(error) => {
                tracing::warn!(%error, size = group.len(), "group commit failed; writing its items one by one");
                for job in group.drain(..) {
                    let outcome = write_checked::<W>(&pool, backend, &[&job.item])
                        .await
                        .and_then(|outcomes| {
                            outcomes.into_iter().next().ok_or_else(|| {
                                StoreError::Corrupt("a write without an outcome".into())
                            })
                        });
                    let _ = job.reply.send(outcome);
                }
            }
        }
    }
}

/// [`GroupWrite::write`], holding it to its promise of one outcome per item.
async fn write_checked<W: GroupWrite>(
    pool: &AnyPool,
    backend: Backend,
    items: &[&W::Item],
) -> Result<Vec<W::Outcome>> {
    let outcomes = W::write(pool, backend, items).await?;
    if outcomes.len() != items.len() {
        return Err(StoreError::Corrupt(format!(
            "{} outcomes for {} writes",
            outcomes.len(),
            items.len()
        )));
    }
    Ok(outcomes)
}
