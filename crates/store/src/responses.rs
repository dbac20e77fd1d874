//! Responses: submission (through the responses' group-commit writer), listing and export pages.

use crate::accounts::{parse, parse_opt};
use crate::error::{Result, StoreError};
use crate::filter::Conditions;
use crate::page::{Cursor, Page};
use crate::surveys::Survey;
use crate::{Store, new_id, now_ms};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use touchpoint_domain::metrics::MetricKind;
use touchpoint_domain::segment::Condition;
use touchpoint_domain::{
    CustomerId, DepartmentScope, Language, NewResponse, OrgId, ResponseId, SurveyId, TouchpointId,
};

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
    pub customer_id: Option<CustomerId>,
    pub language: Language,
    pub channel: String,
    pub answers_json: String,
    pub external_id: Option<String>,
    pub fingerprint: String,
    pub submitted_at: i64,
    pub received_at: i64,
    pub scores: Vec<(String, MetricKind, i64)>,
    /// Whether the response has free text for the analysis job.
    pub has_text: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredResponse {
    pub id: ResponseId,
    pub survey_id: SurveyId,
    pub touchpoint_id: Option<TouchpointId>,
    pub customer_id: Option<CustomerId>,
    pub language: String,
    pub channel: String,
    pub answers: serde_json::Value,
    pub external_id: Option<String>,
    pub submitted_at: i64,
    pub received_at: i64,
    /// The text analysis, once the background job has made it.
    pub analysis: Option<serde_json::Value>,
}

/// Filters of a response list; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct ResponseQuery {
    pub survey_id: Option<SurveyId>,
    pub touchpoint_id: Option<TouchpointId>,
    /// Only responses whose comment mentions this theme.
    pub theme: Option<String>,
    /// Only responses whose comment has this overall sentiment.
    pub sentiment: Option<String>,
    /// Language of the response.
    pub language: Option<String>,
    pub from_ms: Option<i64>,
    /// Exclusive.
    pub to_ms: Option<i64>,
    /// Only responses with an analysed comment.
    pub commented: bool,
    /// Only responses of customers in a segment with these conditions.
    pub segment: Option<Vec<Condition>>,
}

const COLUMNS: &str = "r.id, r.survey_id, r.touchpoint_id, r.customer_id, r.language, r.channel, r.answers, r.external_id, \
     r.submitted_at, r.received_at, a.analysis";

fn from_row(row: &AnyRow) -> Result<StoredResponse> {
    let answers: String = row.try_get("answers")?;
    Ok(StoredResponse {
        id: parse(row, "id")?,
        survey_id: parse(row, "survey_id")?,
        touchpoint_id: parse_opt(row, "touchpoint_id")?,
        customer_id: parse_opt(row, "customer_id")?,
        language: row.try_get("language")?,
        channel: row.try_get("channel")?,
        answers: serde_json::from_str(&answers)?,
        external_id: row.try_get("external_id")?,
        submitted_at: row.try_get("submitted_at")?,
        received_at: row.try_get("received_at")?,
        analysis: row
            .try_get::<Option<String>, _>("analysis")?
            .map(|a| serde_json::from_str(&a))
            .transpose()?,
    })
}

impl PendingResponse {
    fn new(
        survey: &Survey,
        response: NewResponse,
        customer_id: Option<CustomerId>,
        now: i64,
    ) -> Result<PendingResponse> {
        let scores = response
            .answers
            .metric_scores(&survey.definition)
            .map(|(q, kind, score)| (q.to_owned(), kind, score))
            .collect();
        let has_text = response
            .answers
            .texts(&survey.definition)
            .any(|t| !t.trim().is_empty());
        // Anonymous surveys: a random id (a UUIDv7 would carry the exact time) and the time of
        // receipt kept to the day, like the submission time (see `NewResponse::validate`).
        let anonymous = survey.definition.anonymous;
        let (id, received_at) = if anonymous {
            let day = touchpoint_domain::period::day_of_ms(now);
            (
                ResponseId::from(uuid::Uuid::new_v4()),
                day * touchpoint_domain::period::MS_PER_DAY,
            )
        } else {
            (new_id(), now)
        };
        Ok(PendingResponse {
            has_text,
            id,
            org_id: survey.org_id,
            survey_id: survey.id,
            touchpoint_id: response.touchpoint_id.or(survey.touchpoint_id),
            customer_id,
            language: response.language,
            channel: response.channel.clone(),
            answers_json: serde_json::to_string(&response.answers)?,
            fingerprint: response.fingerprint(),
            external_id: response.external_id,
            submitted_at: response.submitted_at_ms.unwrap_or(received_at),
            received_at,
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
        let customer_id = self.response_customer(survey, &response).await?;
        let pending = PendingResponse::new(survey, response, customer_id, now_ms())?;
        self.inner.responses.submit(pending).await
    }

    /// The customer a response names (`customer_external_id`), found or created by the
    /// organisation's policy; [`StoreError::UnknownCustomer`] when the policy rejects it.
    async fn response_customer(
        &self,
        survey: &Survey,
        response: &NewResponse,
    ) -> Result<Option<CustomerId>> {
        let Some(external_id) = response.customer_external_id.as_deref() else {
            return Ok(None);
        };
        match self.customer_for_response(survey.org_id, external_id).await {
            Ok(id) => Ok(Some(id)),
            Err(StoreError::NotFound) => Err(StoreError::UnknownCustomer(external_id.to_owned())),
            Err(other) => Err(other),
        }
    }

    /// Stores many responses at once, still through the writer (and so in group commits).
    pub async fn submit_responses(
        &self,
        survey: &Survey,
        responses: Vec<NewResponse>,
    ) -> Vec<Result<SubmitOutcome>> {
        let now = now_ms();
        let submissions = responses.into_iter().map(|response| async move {
            let customer_id = self.response_customer(survey, &response).await?;
            let pending = PendingResponse::new(survey, response, customer_id, now)?;
            self.inner.responses.submit(pending).await
        });
        futures_util::future::join_all(submissions).await
    }

    /// Responses of an organisation matching `query`, newest first by submission time; only
    /// those to surveys on touchpoints of `scope`'s departments.
    pub async fn list_responses(
        &self,
        org_id: OrgId,
        scope: &DepartmentScope,
        query: &ResponseQuery,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page<StoredResponse>> {
        let mut conditions = Conditions::new(5);
        let survey = query.survey_id.map(|s| s.to_string());
        let touchpoint = query.touchpoint_id.map(|t| t.to_string());
        conditions.push_text("r.survey_id = ?", survey.as_deref());
        conditions.push_text("r.touchpoint_id = ?", touchpoint.as_deref());
        conditions.push_text(
            "EXISTS (SELECT 1 FROM response_themes t WHERE t.response_id = r.id AND t.theme_id = ?)",
            query.theme.as_deref(),
        );
        conditions.push_text("a.sentiment = ?", query.sentiment.as_deref());
        conditions.push_text("r.language = ?", query.language.as_deref());
        conditions.push_int("r.submitted_at >= ?", query.from_ms);
        conditions.push_int("r.submitted_at < ?", query.to_ms);
        conditions.push_scope(
            "r.survey_id IN (SELECT s.id FROM surveys s JOIN touchpoints tp ON tp.id = s.touchpoint_id \
             WHERE s.org_id = $1 AND tp.department_id IN (?))",
            scope,
        );
        if let Some(segment) = &query.segment {
            conditions.push_values("r.customer_id IS NOT NULL", Vec::new());
            crate::segments::push_segment(&mut conditions, segment, "r.customer_id", now_ms());
        }
        let commented = if query.commented {
            " AND a.response_id IS NOT NULL"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM responses r LEFT JOIN response_analyses a ON a.response_id = r.id \
             WHERE r.org_id = $1 AND (r.submitted_at < $2 OR (r.submitted_at = $2 AND r.id < $3)){}{commented} \
             ORDER BY r.submitted_at DESC, r.id DESC LIMIT $4",
            conditions.sql()
        );
        let statement = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(after.time_ms)
            .bind(after.id.clone())
            .bind(limit as i64 + 1);
        let rows = conditions.bind(statement).fetch_all(self.read()).await?;
        let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |r| Cursor {
            time_ms: r.submitted_at,
            id: r.id.to_string(),
        }))
    }

    pub async fn response(&self, org_id: OrgId, id: ResponseId) -> Result<StoredResponse> {
        let sql = format!(
            "SELECT {COLUMNS} FROM responses r LEFT JOIN response_analyses a ON a.response_id = r.id \
             WHERE r.org_id = $1 AND r.id = $2"
        );
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
