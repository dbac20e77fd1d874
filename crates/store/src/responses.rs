//! Responses: submission (through the group-commit writer), listing and export pages.

use crate::accounts::{parse, parse_opt};
use crate::error::{Result, StoreError};
use crate::page::{Cursor, Page};
use crate::surveys::Survey;
use crate::{Store, new_id, now_ms};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::{Language, NewResponse, OrgId, ResponseId, SurveyId, TouchpointId};

/// What happened to a submitted response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Stored now.
    Created(ResponseId),
    /// The same `external_id` with the same content was stored before: nothing new stored.
    Replayed(ResponseId),
    /// The same `external_id` was stored before with different content: nothing stored.
    Conflict(ResponseId),
}

/// A response ready for the writer: validated, with ids, times and metric scores resolved.
#[derive(Debug, Clone)]
pub(crate) struct PendingResponse {
    pub id: ResponseId,
    pub org_id: OrgId,
    pub survey_id: SurveyId,
    pub touchpoint_id: Option<TouchpointId>,
    pub language: Language,
    pub channel: String,
    pub answers_json: String,
    pub external_id: Option<String>,
    pub fingerprint: String,
    pub submitted_at: i64,
    pub received_at: i64,
    pub scores: Vec<(String, MetricKind, i64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredResponse {
    pub id: ResponseId,
    pub survey_id: SurveyId,
    pub touchpoint_id: Option<TouchpointId>,
    pub language: String,
    pub channel: String,
    pub answers: serde_json::Value,
    pub external_id: Option<String>,
    pub submitted_at: i64,
    pub received_at: i64,
}

const COLUMNS: &str = "id, survey_id, touchpoint_id, language, channel, answers, external_id, submitted_at, received_at";

fn from_row(row: &AnyRow) -> Result<StoredResponse> {
    let answers: String = row.try_get("answers")?;
    Ok(StoredResponse {
        id: parse(row, "id")?,
        survey_id: parse(row, "survey_id")?,
        touchpoint_id: parse_opt(row, "touchpoint_id")?,
        language: row.try_get("language")?,
        channel: row.try_get("channel")?,
        answers: serde_json::from_str(&answers)?,
        external_id: row.try_get("external_id")?,
        submitted_at: row.try_get("submitted_at")?,
        received_at: row.try_get("received_at")?,
    })
}

impl PendingResponse {
    fn new(survey: &Survey, response: NewResponse, now: i64) -> Result<PendingResponse> {
        let scores = response
            .answers
            .metric_scores(&survey.definition)
            .map(|(q, kind, score)| (q.to_owned(), kind, score))
            .collect();
        Ok(PendingResponse {
            id: new_id(),
            org_id: survey.org_id,
            survey_id: survey.id,
            touchpoint_id: response.touchpoint_id.or(survey.touchpoint_id),
            language: response.language,
            channel: response.channel.clone(),
            answers_json: serde_json::to_string(&response.answers)?,
            fingerprint: response.fingerprint(),
            external_id: response.external_id,
            submitted_at: response.submitted_at_ms.unwrap_or(now),
            received_at: now,
            scores,
        })
    }
}

impl Store {
    /// Stores a validated response of `survey`. Returns once it is committed (or recognised
    /// as a replay or conflict of an earlier `external_id`). The caller has checked that the
    /// survey is open and that a given touchpoint belongs to the survey's organisation.
    pub async fn submit_response(
        &self,
        survey: &Survey,
        response: NewResponse,
    ) -> Result<SubmitOutcome> {
        let pending = PendingResponse::new(survey, response, now_ms())?;
        self.inner.writer.submit(pending).await
    }

    /// Stores many responses at once, still through the writer (and so in group commits).
    pub async fn submit_responses(
        &self,
        survey: &Survey,
        responses: Vec<NewResponse>,
    ) -> Vec<Result<SubmitOutcome>> {
        let now = now_ms();
        let submissions = responses.into_iter().map(|response| async move {
            let pending = PendingResponse::new(survey, response, now)?;
            self.inner.writer.submit(pending).await
        });
        futures_util::future::join_all(submissions).await
    }

    /// Responses of an organisation (optionally of one survey), newest first by submission time.
    pub async fn list_responses(
        &self,
        org_id: OrgId,
        survey_id: Option<SurveyId>,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<StoredResponse>> {
        // Two spellings of one query, so each can use its own index.
        let survey_filter = if survey_id.is_some() {
            "survey_id = $2"
        } else {
            "$2 = ''"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM responses WHERE org_id = $1 AND {survey_filter} \
             AND (submitted_at < $3 OR (submitted_at = $3 AND id < $4)) \
             ORDER BY submitted_at DESC, id DESC LIMIT $5"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(survey_id.map(|s| s.to_string()).unwrap_or_default())
            .bind(after.time_ms)
            .bind(&after.id)
            .bind(limit as i64 + 1)
            .fetch_all(self.read())
            .await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |r| Cursor {
            time_ms: r.submitted_at,
            id: r.id.to_string(),
        }))
    }

    pub async fn response(&self, org_id: OrgId, id: ResponseId) -> Result<StoredResponse> {
        let sql = format!("SELECT {COLUMNS} FROM responses WHERE org_id = $1 AND id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?
            .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    pub async fn count_responses(&self, org_id: OrgId, survey_id: SurveyId) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM responses WHERE org_id = $1 AND survey_id = $2")
                .bind(org_id.to_string())
                .bind(survey_id.to_string())
                .fetch_one(self.read())
                .await?;
        Ok(row.try_get("n")?)
    }
}
