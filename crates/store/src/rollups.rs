//! Rollups: per-day score histograms, maintained in the writer's transactions and read by
//! the metrics endpoint instead of raw responses. A day's histogram per (question,
//! touchpoint, channel, language) is a sufficient statistic for NPS, CSAT and CES and their
//! intervals, and histograms add up, so any period and any grouping is a sum of rows.

use crate::accounts::parse;
use crate::error::{Result, StoreError};
use crate::responses::PendingResponse;
use crate::surveys::Survey;
use crate::{Store, Transaction};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;
use touchpoint_domain::metrics::Histogram;
use touchpoint_domain::period::day_of_ms;
use touchpoint_domain::{Answers, OrgId, SurveyId};

/// The dimensions a metric can be grouped by. Each maps to one rollup column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Touchpoint,
    Channel,
    Language,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s {
            "touchpoint" => Some(GroupBy::Touchpoint),
            "channel" => Some(GroupBy::Channel),
            "language" => Some(GroupBy::Language),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Touchpoint => "touchpoint",
            GroupBy::Channel => "channel",
            GroupBy::Language => "language",
        }
    }

    fn column(self) -> &'static str {
        match self {
            GroupBy::Touchpoint => "touchpoint_id",
            GroupBy::Channel => "channel",
            GroupBy::Language => "language",
        }
    }
}

/// The key of one rollup row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RollupKey {
    pub question_id: String,
    pub day: i64,
    /// `""` when the response has no touchpoint.
    pub touchpoint_id: String,
    pub channel: String,
    pub language: String,
}

/// One day of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct RollupRow {
    pub day: i64,
    /// The group's value (`""` when not grouped, or for "no touchpoint").
    pub group: String,
    pub histogram: Histogram,
}

/// Increments collected for one transaction.
#[derive(Debug, Default)]
pub(crate) struct RollupDeltas(BTreeMap<(OrgId, SurveyId, RollupKey), Histogram>);

impl RollupDeltas {
    pub(crate) fn add(&mut self, response: &PendingResponse) {
        for (question_id, kind, score) in &response.scores {
            let key = RollupKey {
                question_id: question_id.clone(),
                day: day_of_ms(response.submitted_at),
                touchpoint_id: response
                    .touchpoint_id
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                channel: response.channel.clone(),
                language: response.language.as_str().to_owned(),
            };
            let histogram = self
                .0
                .entry((response.org_id, response.survey_id, key))
                .or_default();
            // Scores were validated against the survey; an impossible one is skipped, not counted.
            if histogram.add(*kind, *score).is_err() {
                tracing::error!(
                    question_id,
                    score,
                    "score outside its scale reached the writer"
                );
            }
        }
    }
}

const BUCKETS: &str = "b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10";

pub(crate) async fn apply(tx: &mut Transaction<'_>, deltas: &RollupDeltas) -> Result<()> {
    for ((org_id, survey_id, key), histogram) in &deltas.0 {
        let mut query = sqlx::query(
            "INSERT INTO response_rollups (org_id, survey_id, question_id, day, touchpoint_id, channel, language, \
             b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (survey_id, question_id, day, touchpoint_id, channel, language) DO UPDATE SET \
             b0 = response_rollups.b0 + excluded.b0, b1 = response_rollups.b1 + excluded.b1, \
             b2 = response_rollups.b2 + excluded.b2, b3 = response_rollups.b3 + excluded.b3, \
             b4 = response_rollups.b4 + excluded.b4, b5 = response_rollups.b5 + excluded.b5, \
             b6 = response_rollups.b6 + excluded.b6, b7 = response_rollups.b7 + excluded.b7, \
             b8 = response_rollups.b8 + excluded.b8, b9 = response_rollups.b9 + excluded.b9, \
             b10 = response_rollups.b10 + excluded.b10",
        )
        .bind(org_id.to_string())
        .bind(survey_id.to_string())
        .bind(&key.question_id)
        .bind(key.day)
        .bind(&key.touchpoint_id)
        .bind(&key.channel)
        .bind(&key.language);
        for count in histogram.buckets {
            query = query.bind(count as i64);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

fn histogram_from_row(row: &AnyRow) -> Result<Histogram> {
    let mut histogram = Histogram::default();
    for (i, bucket) in histogram.buckets.iter_mut().enumerate() {
        let count: i64 = row.try_get(i + 2)?;
        *bucket = u64::try_from(count)
            .map_err(|_| StoreError::Corrupt(format!("negative rollup count {count}")))?;
    }
    Ok(histogram)
}

impl Store {
    /// Summed histograms per day (and per group) of one question, days `from_day..=to_day`.
    pub async fn rollup_rows(
        &self,
        org_id: OrgId,
        survey_id: SurveyId,
        question_id: &str,
        from_day: i64,
        to_day: i64,
        group_by: Option<GroupBy>,
    ) -> Result<Vec<RollupRow>> {
        let (group_select, group_by_sql) = match group_by {
            Some(g) => (g.column(), format!("day, {}", g.column())),
            None => ("''", "day".to_owned()),
        };
        let sums = BUCKETS
            .split(", ")
            .map(|b| format!("CAST(SUM({b}) AS BIGINT) AS {b}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT day, {group_select} AS grp, {sums} FROM response_rollups \
             WHERE org_id = $1 AND survey_id = $2 AND question_id = $3 AND day >= $4 AND day <= $5 \
             GROUP BY {group_by_sql} ORDER BY day"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(survey_id.to_string())
            .bind(question_id)
            .bind(from_day)
            .bind(to_day)
            .fetch_all(self.read())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RollupRow {
                    day: row.try_get("day")?,
                    group: row.try_get("grp")?,
                    histogram: histogram_from_row(row)?,
                })
            })
            .collect()
    }

    /// Every stored rollup row of a survey, keyed.
    pub async fn stored_rollups(&self, survey: &Survey) -> Result<BTreeMap<RollupKey, Histogram>> {
        let sql = format!(
            "SELECT question_id, day, {BUCKETS}, touchpoint_id, channel, language FROM response_rollups \
             WHERE org_id = $1 AND survey_id = $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(survey.org_id.to_string())
            .bind(survey.id.to_string())
            .fetch_all(self.read())
            .await?;
        let mut map = BTreeMap::new();
        for row in &rows {
            let key = RollupKey {
                question_id: row.try_get("question_id")?,
                day: row.try_get("day")?,
                touchpoint_id: row.try_get("touchpoint_id")?,
                channel: row.try_get("channel")?,
                language: row.try_get("language")?,
            };
            // `histogram_from_row` reads buckets from column 2 on; this query puts them there.
            let histogram = histogram_from_row(row)?;
            if histogram.n() > 0 {
                map.insert(key, histogram);
            }
        }
        Ok(map)
    }

    /// The rollups recomputed from the raw responses, to check (or rebuild) the maintained ones.
    pub async fn recompute_rollups(
        &self,
        survey: &Survey,
    ) -> Result<BTreeMap<RollupKey, Histogram>> {
        let rows = sqlx::query(
            "SELECT touchpoint_id, channel, language, answers, submitted_at FROM responses \
             WHERE org_id = $1 AND survey_id = $2",
        )
        .bind(survey.org_id.to_string())
        .bind(survey.id.to_string())
        .fetch_all(self.read())
        .await?;
        let mut map: BTreeMap<RollupKey, Histogram> = BTreeMap::new();
        for row in &rows {
            let answers: Answers = serde_json::from_str(&row.try_get::<String, _>("answers")?)?;
            let touchpoint: Option<String> = row.try_get("touchpoint_id")?;
            let submitted_at: i64 = row.try_get("submitted_at")?;
            for (question_id, kind, score) in answers.metric_scores(&survey.definition) {
                let key = RollupKey {
                    question_id: question_id.to_owned(),
                    day: day_of_ms(submitted_at),
                    touchpoint_id: touchpoint.clone().unwrap_or_default(),
                    channel: row.try_get("channel")?,
                    language: row.try_get("language")?,
                };
                map.entry(key)
                    .or_default()
                    .add(kind, score)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
        }
        Ok(map)
    }

    /// Survey ids of an organisation that have rollups (for maintenance commands).
    pub async fn surveys_with_rollups(&self, org_id: OrgId) -> Result<Vec<SurveyId>> {
        let rows = sqlx::query("SELECT DISTINCT survey_id FROM response_rollups WHERE org_id = $1")
            .bind(org_id.to_string())
            .fetch_all(self.read())
            .await?;
        rows.iter().map(|r| parse(r, "survey_id")).collect()
    }
}
