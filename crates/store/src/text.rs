//! Text analyses of responses: what the analysis job reads and writes, the theme rollups it
//! maintains, the explorer's aggregates, re-analysis runs and instance settings.

use crate::accounts::parse;
use crate::error::{Result, StoreError};
use crate::filter::Conditions;
use crate::rollups::{Contribution, RollupDeltas, apply};
use crate::{Store, Transaction, new_id, now_ms};
use sqlx::Row;
use std::collections::HashMap;
use touchpoint_domain::{Answers, OrgId, ResponseId, SurveyId};

/// A stored response with free text, ready to be analysed.
#[derive(Debug, Clone)]
pub struct AnalysisTarget {
    pub response_id: ResponseId,
    pub org_id: OrgId,
    pub survey_id: SurveyId,
    /// Every text answer of the response, one per line.
    pub text: String,
    pub submitted_at: i64,
    contribution: Contribution,
}

/// What the analysis found, in storable form.
#[derive(Debug, Clone)]
pub struct AnalysisRecord {
    /// Detected language code (`de`, `en`, `other`).
    pub language: String,
    /// `negative`, `neutral` or `positive`.
    pub sentiment: String,
    pub score: f64,
    /// The whole analysis as the API shows it.
    pub analysis: serde_json::Value,
    /// `(theme id, the theme's own sentiment)`.
    pub themes: Vec<(String, String)>,
}

/// Comments and theme mentions of one day (for recurring-problem detection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeDay {
    pub theme_id: String,
    pub day: i64,
    pub mentions: i64,
    pub negative: i64,
}

/// A re-analysis run after the taxonomy or model changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextRun {
    pub id: String,
    pub taxonomy_hash: String,
    pub total: i64,
    pub done: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
}

const CHUNK: usize = 500;
/// Analyses saved per transaction.
pub const SAVE_CHUNK: usize = 100;

/// Uncounts a response's stored analysis (overall sentiment and every theme) from the theme
/// rollups and removes its theme rows; the analysis row itself stays for the caller to replace
/// or delete. Returns whether there was an analysis.
pub(crate) async fn uncount_analysis(
    tx: &mut Transaction<'_>,
    response_id: &str,
    contribution: &Contribution,
    deltas: &mut RollupDeltas,
) -> Result<bool> {
    let previous = sqlx::query("SELECT sentiment FROM response_analyses WHERE response_id = $1")
        .bind(response_id.to_owned())
        .fetch_optional(&mut **tx)
        .await?;
    let Some(previous) = previous else {
        return Ok(false);
    };
    let sentiment: String = previous.try_get("sentiment")?;
    deltas.add_themed(contribution, "", &sentiment, -1);
    let themes =
        sqlx::query("SELECT theme_id, sentiment FROM response_themes WHERE response_id = $1")
            .bind(response_id.to_owned())
            .fetch_all(&mut **tx)
            .await?;
    for theme in &themes {
        let theme_id: String = theme.try_get("theme_id")?;
        let sentiment: String = theme.try_get("sentiment")?;
        deltas.add_themed(contribution, &theme_id, &sentiment, -1);
    }
    sqlx::query("DELETE FROM response_themes WHERE response_id = $1")
        .bind(response_id.to_owned())
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

impl Store {
    /// The responses among `ids` that have free text, with everything the analysis needs.
    pub async fn analysis_targets(&self, ids: &[ResponseId]) -> Result<Vec<AnalysisTarget>> {
        let mut targets = Vec::with_capacity(ids.len());
        let mut surveys = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id, org_id, survey_id, touchpoint_id, language, channel, answers, submitted_at \
                 FROM responses WHERE id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.to_string());
            }
            for row in query.fetch_all(self.read()).await? {
                let org_id: OrgId = parse(&row, "org_id")?;
                let survey_id: SurveyId = parse(&row, "survey_id")?;
                let survey = match surveys.get(&survey_id) {
                    Some(s) => s,
                    None => {
                        let loaded = self.survey(org_id, survey_id).await?;
                        surveys.entry(survey_id).or_insert(loaded)
                    }
                };
                let answers: Answers = serde_json::from_str(&row.try_get::<String, _>("answers")?)?;
                let text = answers
                    .texts(&survey.definition)
                    .filter(|t| !t.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join("\n");
                if text.is_empty() {
                    continue;
                }
                let submitted_at: i64 = row.try_get("submitted_at")?;
                let contribution = Contribution::of_row(&row, survey, &answers)?;
                targets.push(AnalysisTarget {
                    response_id: parse(&row, "id")?,
                    org_id,
                    survey_id,
                    text,
                    submitted_at,
                    contribution,
                });
            }
        }
        Ok(targets)
    }

    /// Stores analyses (replacing earlier ones) and moves the theme rollups accordingly, all in
    /// one transaction: what an earlier analysis counted is uncounted first.
    pub async fn save_analyses(
        &self,
        items: &[(AnalysisTarget, AnalysisRecord)],
        taxonomy_hash: &str,
    ) -> Result<()> {
        let mut tx = self.write().begin().await?;
        let mut deltas = RollupDeltas::default();
        let now = now_ms();
        for (target, record) in items {
            let id = target.response_id.to_string();
            uncount_analysis(&mut tx, &id, &target.contribution, &mut deltas).await?;
            sqlx::query(
                "INSERT INTO response_analyses (response_id, org_id, survey_id, text, language, sentiment, score, \
                 analysis, taxonomy_hash, submitted_at, analysed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (response_id) DO UPDATE SET text = excluded.text, language = excluded.language, \
                 sentiment = excluded.sentiment, score = excluded.score, analysis = excluded.analysis, \
                 taxonomy_hash = excluded.taxonomy_hash, analysed_at = excluded.analysed_at",
            )
            .bind(id.clone())
            .bind(target.org_id.to_string())
            .bind(target.survey_id.to_string())
            .bind(target.text.clone())
            .bind(record.language.clone())
            .bind(record.sentiment.clone())
            .bind(record.score)
            .bind(record.analysis.to_string())
            .bind(taxonomy_hash.to_owned())
            .bind(target.submitted_at)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            deltas.add_themed(&target.contribution, "", &record.sentiment, 1);
            for (theme_id, sentiment) in &record.themes {
                sqlx::query(
                    "INSERT INTO response_themes (response_id, org_id, survey_id, theme_id, sentiment, submitted_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.clone())
                .bind(target.org_id.to_string())
                .bind(target.survey_id.to_string())
                .bind(theme_id.clone())
                .bind(sentiment.clone())
                .bind(target.submitted_at)
                .execute(&mut *tx)
                .await?;
                deltas.add_themed(&target.contribution, theme_id, sentiment, 1);
            }
        }
        apply(&mut tx, &deltas).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Theme mentions per day in `from_ms..to_ms` (optionally of one survey).
    pub async fn theme_days(
        &self,
        org_id: OrgId,
        survey_id: Option<SurveyId>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<ThemeDay>> {
        let mut conditions = Conditions::new(4);
        let survey = survey_id.map(|s| s.to_string());
        conditions.push_text("survey_id = ?", survey.as_deref());
        let sql = format!(
            "SELECT theme_id, submitted_at / 86400000 AS day, COUNT(*) AS mentions, \
             CAST(SUM(CASE WHEN sentiment = 'negative' THEN 1 ELSE 0 END) AS BIGINT) AS negative \
             FROM response_themes WHERE org_id = $1 AND submitted_at >= $2 AND submitted_at < $3{} \
             GROUP BY theme_id, submitted_at / 86400000",
            conditions.sql()
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(from_ms)
            .bind(to_ms);
        conditions
            .bind(query)
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|row| {
                Ok(ThemeDay {
                    theme_id: row.try_get("theme_id")?,
                    day: row.try_get("day")?,
                    mentions: row.try_get("mentions")?,
                    negative: row.try_get("negative")?,
                })
            })
            .collect()
    }

    /// Analysed comments per day in `from_ms..to_ms` (optionally of one survey).
    pub async fn comment_days(
        &self,
        org_id: OrgId,
        survey_id: Option<SurveyId>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let mut conditions = Conditions::new(4);
        let survey = survey_id.map(|s| s.to_string());
        conditions.push_text("survey_id = ?", survey.as_deref());
        let sql = format!(
            "SELECT submitted_at / 86400000 AS day, COUNT(*) AS n FROM response_analyses \
             WHERE org_id = $1 AND submitted_at >= $2 AND submitted_at < $3{} GROUP BY submitted_at / 86400000",
            conditions.sql()
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(from_ms)
            .bind(to_ms);
        conditions
            .bind(query)
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|row| Ok((row.try_get("day")?, row.try_get("n")?)))
            .collect()
    }

    /// The newest negative comments that no theme covers: the raw material of emerging themes.
    /// Returns `(text, analysis)` pairs.
    pub async fn uncovered_negative_comments(
        &self,
        org_id: OrgId,
        survey_id: Option<SurveyId>,
        from_ms: i64,
        limit: usize,
    ) -> Result<Vec<(String, serde_json::Value)>> {
        let mut conditions = Conditions::new(4);
        let survey = survey_id.map(|s| s.to_string());
        conditions.push_text("a.survey_id = ?", survey.as_deref());
        let sql = format!(
            "SELECT a.text, a.analysis FROM response_analyses a WHERE a.org_id = $1 AND a.sentiment = 'negative' \
             AND a.submitted_at >= $2{} AND NOT EXISTS (SELECT 1 FROM response_themes t WHERE t.response_id = a.response_id) \
             ORDER BY a.submitted_at DESC LIMIT $3",
            conditions.sql()
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(from_ms)
            .bind(limit as i64);
        conditions
            .bind(query)
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|row| {
                let analysis: String = row.try_get("analysis")?;
                Ok((row.try_get("text")?, serde_json::from_str(&analysis)?))
            })
            .collect()
    }

    /// Ids of analysed responses after `after` (by id), for re-analysis in pages.
    pub async fn analysed_response_ids(
        &self,
        after: &str,
        limit: usize,
    ) -> Result<Vec<ResponseId>> {
        sqlx::query("SELECT response_id FROM response_analyses WHERE response_id > $1 ORDER BY response_id LIMIT $2")
            .bind(after.to_owned())
            .bind(limit as i64)
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|row| parse(row, "response_id"))
            .collect()
    }

    /// How many stored analyses were made with a taxonomy/model other than `taxonomy_hash`.
    pub async fn count_stale_analyses(&self, taxonomy_hash: &str) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM response_analyses WHERE taxonomy_hash <> $1")
                .bind(taxonomy_hash.to_owned())
                .fetch_one(self.read())
                .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn start_text_run(&self, taxonomy_hash: &str, total: i64) -> Result<TextRun> {
        let run = TextRun {
            id: new_id::<uuid::Uuid>().to_string(),
            taxonomy_hash: taxonomy_hash.to_owned(),
            total,
            done: 0,
            started_at: now_ms(),
            finished_at: None,
        };
        sqlx::query("INSERT INTO text_runs (id, taxonomy_hash, total, done, started_at) VALUES ($1, $2, $3, 0, $4)")
            .bind(run.id.clone())
            .bind(run.taxonomy_hash.clone())
            .bind(total)
            .bind(run.started_at)
            .execute(self.write())
            .await?;
        Ok(run)
    }

    /// Records progress; `finished` closes the run.
    pub async fn advance_text_run(&self, id: &str, done: i64, finished: bool) -> Result<()> {
        sqlx::query("UPDATE text_runs SET done = $1, finished_at = $2 WHERE id = $3")
            .bind(done)
            .bind(finished.then(now_ms))
            .bind(id.to_owned())
            .execute(self.write())
            .await?;
        Ok(())
    }

    pub async fn latest_text_run(&self) -> Result<Option<TextRun>> {
        let row = sqlx::query(
            "SELECT id, taxonomy_hash, total, done, started_at, finished_at FROM text_runs ORDER BY started_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(self.read())
        .await?;
        row.map(|row| {
            Ok(TextRun {
                id: row.try_get("id")?,
                taxonomy_hash: row.try_get("taxonomy_hash")?,
                total: row.try_get("total")?,
                done: row.try_get("done")?,
                started_at: row.try_get("started_at")?,
                finished_at: row.try_get("finished_at")?,
            })
        })
        .transpose()
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .bind(key.to_owned())
            .fetch_optional(self.read())
            .await?;
        row.map(|r| r.try_get("value").map_err(StoreError::from))
            .transpose()
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key.to_owned())
            .bind(value.to_owned())
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Theme rollups as stored (for the test that compares them with a recomputation).
    pub async fn theme_rollup_totals(
        &self,
        survey_id: SurveyId,
    ) -> Result<HashMap<(String, String), i64>> {
        let rows = sqlx::query(
            "SELECT theme_id, sentiment, CAST(SUM(b0 + b1 + b2 + b3 + b4 + b5 + b6 + b7 + b8 + b9 + b10) AS BIGINT) AS n \
             FROM theme_rollups WHERE survey_id = $1 GROUP BY theme_id, sentiment",
        )
        .bind(survey_id.to_string())
        .fetch_all(self.read())
        .await?;
        let mut totals = HashMap::new();
        for row in &rows {
            let n: i64 = row.try_get("n")?;
            if n != 0 {
                totals.insert((row.try_get("theme_id")?, row.try_get("sentiment")?), n);
            }
        }
        Ok(totals)
    }
}
