//! A customer's timeline: their events and responses merged, newest first, in pages under
//! one cursor. What `GET /api/v1/customers/{id}/timeline` and the page `/app/customers/{id}`
//! both show.

use std::collections::HashMap;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::{CustomerId, OrgId};
use touchpoint_store::events::{CustomerResponse, StoredEvent};
use touchpoint_store::{Cursor, Store, StoreError};

/// One entry of a timeline.
#[derive(Debug, Clone)]
pub enum TimelineItem {
    Event(StoredEvent),
    Response(CustomerResponse),
}

impl TimelineItem {
    pub fn at(&self) -> i64 {
        match self {
            TimelineItem::Event(e) => e.occurred_at,
            TimelineItem::Response(r) => r.submitted_at,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            TimelineItem::Event(e) => &e.id,
            TimelineItem::Response(r) => &r.id,
        }
    }
}

/// One page of a timeline and the cursor of the next, if there is more.
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub items: Vec<TimelineItem>,
    pub next_cursor: Option<String>,
}

/// Up to `limit` items after `after`, newest first (ties by id, descending). Both sources
/// are paged under the same `(time, id)` cursor, so merging one page of each and keeping
/// `limit` loses nothing: whatever is cut is after the new cursor.
pub async fn timeline_page(
    store: &Store,
    org_id: OrgId,
    customer_id: CustomerId,
    after: &Cursor,
    limit: usize,
) -> Result<TimelinePage, StoreError> {
    let events = store
        .customer_events(org_id, customer_id, after, limit)
        .await?;
    let responses = store
        .customer_response_page(org_id, customer_id, after, limit)
        .await?;
    let more_events = events.next_cursor.is_some();
    let more_responses = responses.next_cursor.is_some();
    let mut items: Vec<TimelineItem> = events
        .items
        .into_iter()
        .map(TimelineItem::Event)
        .chain(responses.items.into_iter().map(TimelineItem::Response))
        .collect();
    items.sort_by(|a, b| (b.at(), b.id()).cmp(&(a.at(), a.id())));
    let more = items.len() > limit || more_events || more_responses;
    items.truncate(limit);
    let next_cursor = if more {
        items.last().map(|item| {
            Cursor {
                time_ms: item.at(),
                id: item.id().to_owned(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(TimelinePage { items, next_cursor })
}

/// A customer's latest score of one metric: the score and when it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatestScore {
    pub score: i64,
    pub at: i64,
}

/// The latest NPS, CSAT and CES a customer gave, from the latest experience the store keeps
/// per customer and metric.
pub async fn latest_scores(
    store: &Store,
    org_id: OrgId,
    customer_id: CustomerId,
) -> Result<HashMap<MetricKind, LatestScore>, StoreError> {
    let id = customer_id.to_string();
    let mut latest = store.latest_scores(org_id, &[id.as_str()]).await?;
    Ok(latest
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .map(|l| {
            (
                l.metric,
                LatestScore {
                    score: l.score,
                    at: l.submitted_at,
                },
            )
        })
        .collect())
}
