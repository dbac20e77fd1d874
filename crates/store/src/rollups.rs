//! Rollups: per-day score histograms, maintained in the writer's transactions and read by
//! the metrics endpoint instead of raw responses. A day's histogram per (question,
//! touchpoint, channel, language) is a sufficient statistic for NPS, CSAT and CES and their
//! intervals, and histograms add up, so any period and any grouping is a sum of rows.

use crate::error::{Result, StoreError};
use crate::responses::PendingResponse;
use crate::surveys::Survey;
use crate::{Store, Transaction};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;
use touchpoint_domain::metrics::{Histogram, MetricKind};
use touchpoint_domain::period::day_of_ms;
use touchpoint_domain::segment::{AttributeGrouping, Condition};
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

/// Restricts metrics and lists to analysed comments with a theme and/or a sentiment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextFilter {
    pub theme: Option<String>,
    /// `negative`, `neutral` or `positive`.
    pub sentiment: Option<String>,
}

impl TextFilter {
    pub fn is_empty(&self) -> bool {
        self.theme.is_none() && self.sentiment.is_none()
    }
}

/// Which rollup rows to sum: one question's days `from_day..=to_day`, optionally grouped and
/// restricted to analysed comments.
#[derive(Debug, Clone, Copy)]
pub struct RollupQuery<'a> {
    pub question_id: &'a str,
    pub from_day: i64,
    pub to_day: i64,
    pub group_by: Option<GroupBy>,
    pub filter: &'a TextFilter,
    /// First days of the periods to sum into, ascending (the first at or before `from_day`);
    /// empty for one row per day. Summing in SQL returns a row per period instead of per day.
    pub period_starts: &'a [i64],
}

/// How a scan groups responses.
#[derive(Debug, Clone, Copy)]
pub enum ScanGroup<'a> {
    None,
    /// A rollup dimension (touchpoint, channel, language).
    Dimension(GroupBy),
    /// A customer attribute of the responding customer.
    Attribute(&'a AttributeGrouping),
    /// `touchpoint|sentiment` of analysed comments, as [`TouchpointRollupQuery::by_sentiment`].
    TouchpointSentiment,
}

/// What [`Store::scan_rollup_rows`] computes from raw responses: the rows
/// [`Store::rollup_rows`] or [`Store::rollups_by_touchpoint`] give, for filters and groups the
/// rollups do not have (segments, customer attributes).
#[derive(Debug, Clone, Copy)]
pub struct ScanQuery<'a> {
    /// The (survey, question) pairs whose scores count, all of one metric.
    pub questions: &'a [(SurveyId, String)],
    pub from_day: i64,
    pub to_day: i64,
    pub group: ScanGroup<'a>,
    pub filter: &'a TextFilter,
    /// Only responses of customers in a segment with these conditions.
    pub segment: Option<&'a [Condition]>,
    /// As in [`RollupQuery::period_starts`].
    pub period_starts: &'a [i64],
}

/// The first day of the period `day` falls in (`starts` ascending; empty: the day itself).
fn period_of(starts: &[i64], day: i64) -> i64 {
    match starts.partition_point(|s| *s <= day) {
        0 => day,
        i => starts[i - 1],
    }
}

/// What [`Store::rollups_by_touchpoint`] sums: the given (survey, question) pairs, days
/// `from_day..=to_day`, into the given periods (or per day when empty).
#[derive(Debug, Clone, Copy)]
pub struct TouchpointRollupQuery<'a> {
    pub questions: &'a [(SurveyId, String)],
    pub from_day: i64,
    pub to_day: i64,
    pub period_starts: &'a [i64],
    pub by_sentiment: bool,
}

/// One day (or period) of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct RollupRow {
    /// The day, or the first day of the period when the query asked for periods.
    pub day: i64,
    /// The group's value (`""` when not grouped, or for "no touchpoint").
    pub group: String,
    pub histogram: Histogram,
}

/// Signed per-bucket changes of one rollup row (re-analysis subtracts what it replaces).
pub(crate) type Delta = [i64; 11];

/// One response's share of the rollups: its metric scores and the dimensions they count under.
#[derive(Debug, Clone)]
pub(crate) struct Contribution {
    pub org_id: OrgId,
    pub survey_id: SurveyId,
    pub day: i64,
    pub touchpoint_id: String,
    pub channel: String,
    pub language: String,
    pub scores: Vec<(String, MetricKind, i64)>,
}

impl Contribution {
    fn keys(&self) -> impl Iterator<Item = (RollupKey, usize)> + '_ {
        self.scores.iter().filter_map(|(question_id, kind, score)| {
            let bucket = usize::try_from(score - kind.scale().0)
                .ok()
                .filter(|b| *b < 11);
            if bucket.is_none() {
                tracing::error!(
                    question_id,
                    score,
                    "score outside its scale reached the rollups"
                );
            }
            let key = RollupKey {
                question_id: question_id.clone(),
                day: self.day,
                touchpoint_id: self.touchpoint_id.clone(),
                channel: self.channel.clone(),
                language: self.language.clone(),
            };
            bucket.map(|b| (key, b))
        })
    }
}

/// Increments collected for one transaction.
#[derive(Debug, Default)]
pub(crate) struct RollupDeltas {
    responses: BTreeMap<(OrgId, SurveyId, RollupKey), Delta>,
    themes: BTreeMap<(OrgId, SurveyId, RollupKey, String, String), Delta>,
}

impl Contribution {
    /// The contribution of a stored response row (columns `org_id`, `survey_id`,
    /// `touchpoint_id`, `channel`, `language`, `submitted_at`) with its parsed answers.
    pub(crate) fn of_row(row: &AnyRow, survey: &Survey, answers: &Answers) -> Result<Contribution> {
        let submitted_at: i64 = row.try_get("submitted_at")?;
        Ok(Contribution {
            org_id: survey.org_id,
            survey_id: survey.id,
            day: day_of_ms(submitted_at),
            touchpoint_id: row
                .try_get::<Option<String>, _>("touchpoint_id")?
                .unwrap_or_default(),
            channel: row.try_get("channel")?,
            language: row.try_get("language")?,
            scores: answers
                .metric_scores(&survey.definition)
                .map(|(q, kind, score)| (q.to_owned(), kind, score))
                .collect(),
        })
    }
}

impl RollupDeltas {
    pub(crate) fn add(&mut self, response: &PendingResponse) {
        let contribution = Contribution {
            org_id: response.org_id,
            survey_id: response.survey_id,
            day: day_of_ms(response.submitted_at),
            touchpoint_id: response
                .touchpoint_id
                .map(|t| t.to_string())
                .unwrap_or_default(),
            channel: response.channel.clone(),
            language: response.language.as_str().to_owned(),
            scores: response.scores.clone(),
        };
        self.add_scores(&contribution, 1);
    }

    /// Counts (`sign` = 1) or uncounts (`sign` = −1) a response's scores.
    pub(crate) fn add_scores(&mut self, contribution: &Contribution, sign: i64) {
        for (key, bucket) in contribution.keys() {
            self.responses
                .entry((contribution.org_id, contribution.survey_id, key))
                .or_default()[bucket] += sign;
        }
    }

    /// Counts (`sign` = 1) or uncounts (`sign` = −1) a response under a theme and sentiment.
    /// Theme `""` stands for "any comment" with the comment's overall sentiment.
    pub(crate) fn add_themed(
        &mut self,
        contribution: &Contribution,
        theme: &str,
        sentiment: &str,
        sign: i64,
    ) {
        for (key, bucket) in contribution.keys() {
            let entry = (
                contribution.org_id,
                contribution.survey_id,
                key,
                theme.to_owned(),
                sentiment.to_owned(),
            );
            self.themes.entry(entry).or_default()[bucket] += sign;
        }
    }
}

const BUCKETS: &str = "b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10";
const ADD_BUCKETS: &str = "b0 = {t}.b0 + excluded.b0, b1 = {t}.b1 + excluded.b1, b2 = {t}.b2 + excluded.b2, \
     b3 = {t}.b3 + excluded.b3, b4 = {t}.b4 + excluded.b4, b5 = {t}.b5 + excluded.b5, b6 = {t}.b6 + excluded.b6, \
     b7 = {t}.b7 + excluded.b7, b8 = {t}.b8 + excluded.b8, b9 = {t}.b9 + excluded.b9, b10 = {t}.b10 + excluded.b10";

pub(crate) async fn apply(tx: &mut Transaction<'_>, deltas: &RollupDeltas) -> Result<()> {
    if !deltas.responses.is_empty() {
        let sql = format!(
            "INSERT INTO response_rollups (org_id, survey_id, question_id, day, touchpoint_id, channel, language, {BUCKETS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (survey_id, question_id, day, touchpoint_id, channel, language) DO UPDATE SET {}",
            ADD_BUCKETS.replace("{t}", "response_rollups")
        );
        for ((org_id, survey_id, key), delta) in &deltas.responses {
            let query = bind_key(
                sqlx::query(sqlx::AssertSqlSafe(sql.clone())),
                *org_id,
                *survey_id,
                key,
            );
            bind_delta(query, delta).execute(&mut **tx).await?;
        }
    }
    if !deltas.themes.is_empty() {
        let sql = format!(
            "INSERT INTO theme_rollups (org_id, survey_id, question_id, day, touchpoint_id, channel, language, \
             theme_id, sentiment, {BUCKETS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
             ON CONFLICT (survey_id, question_id, theme_id, sentiment, day, touchpoint_id, channel, language) DO UPDATE SET {}",
            ADD_BUCKETS.replace("{t}", "theme_rollups")
        );
        for ((org_id, survey_id, key, theme, sentiment), delta) in &deltas.themes {
            let query = bind_key(
                sqlx::query(sqlx::AssertSqlSafe(sql.clone())),
                *org_id,
                *survey_id,
                key,
            )
            .bind(theme.clone())
            .bind(sentiment.clone());
            bind_delta(query, delta).execute(&mut **tx).await?;
        }
    }
    Ok(())
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn bind_key<'q>(
    query: AnyQuery<'q>,
    org_id: OrgId,
    survey_id: SurveyId,
    key: &RollupKey,
) -> AnyQuery<'q> {
    query
        .bind(org_id.to_string())
        .bind(survey_id.to_string())
        .bind(key.question_id.clone())
        .bind(key.day)
        .bind(key.touchpoint_id.clone())
        .bind(key.channel.clone())
        .bind(key.language.clone())
}

fn bind_delta<'q>(mut query: AnyQuery<'q>, delta: &Delta) -> AnyQuery<'q> {
    for count in delta {
        query = query.bind(*count);
    }
    query
}

/// `day`, or a `CASE` mapping each day to the start of its period. The starts are integers
/// computed by the domain, so writing them into the SQL text is safe.
fn period_bucket(starts: &[i64]) -> String {
    match starts {
        [] | [_] => starts
            .first()
            .map_or_else(|| "day".to_owned(), |s| format!("CAST({s} AS BIGINT)")),
        [first, rest @ ..] => {
            let mut sql = String::from("CASE");
            let mut current = *first;
            for next in rest {
                sql.push_str(&format!(" WHEN day < {next} THEN {current}"));
                current = *next;
            }
            sql.push_str(&format!(" ELSE {current} END"));
            sql
        }
    }
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
        query: &RollupQuery<'_>,
    ) -> Result<Vec<RollupRow>> {
        let RollupQuery {
            question_id,
            from_day,
            to_day,
            group_by,
            filter,
            period_starts,
        } = *query;
        let bucket = period_bucket(period_starts);
        let (group_select, group_by_sql) = match group_by {
            Some(g) => (g.column(), format!("{bucket}, {}", g.column())),
            None => ("''", bucket.clone()),
        };
        let sums = BUCKETS
            .split(", ")
            .map(|b| format!("CAST(SUM({b}) AS BIGINT) AS {b}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Unfiltered metrics read the response rollups; filtered ones the theme rollups, where
        // theme '' holds every comment under its overall sentiment.
        let (table, text_clause) = match (&filter.theme, &filter.sentiment) {
            (None, None) => ("response_rollups", ""),
            (None, Some(_)) => ("theme_rollups", " AND theme_id = $6 AND sentiment = $7"),
            (Some(_), None) => ("theme_rollups", " AND theme_id = $6"),
            (Some(_), Some(_)) => ("theme_rollups", " AND theme_id = $6 AND sentiment = $7"),
        };
        let sql = format!(
            "SELECT {bucket} AS bucket, {group_select} AS grp, {sums} FROM {table} \
             WHERE org_id = $1 AND survey_id = $2 AND question_id = $3 AND day >= $4 AND day <= $5{text_clause} \
             GROUP BY {group_by_sql} ORDER BY bucket"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(survey_id.to_string())
            .bind(question_id)
            .bind(from_day)
            .bind(to_day);
        if !filter.is_empty() {
            query = query.bind(filter.theme.clone().unwrap_or_default());
        }
        if let Some(sentiment) = &filter.sentiment {
            query = query.bind(sentiment.clone());
        }
        let rows = query.fetch_all(self.read()).await?;
        rows.iter()
            .map(|row| {
                Ok(RollupRow {
                    day: row.try_get("bucket")?,
                    group: row.try_get("grp")?,
                    histogram: histogram_from_row(row)?,
                })
            })
            .collect()
    }

    /// Summed histograms per touchpoint (and period), across several questions of one metric
    /// kind — the journey map's numbers. With `by_sentiment`, the theme rollups' "any comment"
    /// rows instead, grouped as `touchpoint|sentiment`: the analysed comments among the answers.
    pub async fn rollups_by_touchpoint(
        &self,
        org_id: OrgId,
        query: &TouchpointRollupQuery<'_>,
    ) -> Result<Vec<RollupRow>> {
        if query.questions.is_empty() {
            return Ok(Vec::new());
        }
        let bucket = period_bucket(query.period_starts);
        let sums = BUCKETS
            .split(", ")
            .map(|b| format!("CAST(SUM({b}) AS BIGINT) AS {b}"))
            .collect::<Vec<_>>()
            .join(", ");
        let (table, group, theme_clause) = if query.by_sentiment {
            (
                "theme_rollups",
                "touchpoint_id || '|' || sentiment",
                " AND theme_id = ''",
            )
        } else {
            ("response_rollups", "touchpoint_id", "")
        };
        let pairs: Vec<String> = (0..query.questions.len())
            .map(|i| {
                format!(
                    "(survey_id = ${} AND question_id = ${})",
                    4 + 2 * i,
                    5 + 2 * i
                )
            })
            .collect();
        let sql = format!(
            "SELECT {bucket} AS bucket, {group} AS grp, {sums} FROM {table} \
             WHERE org_id = $1 AND day >= $2 AND day <= $3{theme_clause} AND ({}) \
             GROUP BY {bucket}, {group} ORDER BY bucket",
            pairs.join(" OR ")
        );
        let mut sql_query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(query.from_day)
            .bind(query.to_day);
        for (survey_id, question_id) in query.questions {
            sql_query = sql_query
                .bind(survey_id.to_string())
                .bind(question_id.clone());
        }
        let rows = sql_query.fetch_all(self.read()).await?;
        rows.iter()
            .map(|row| {
                Ok(RollupRow {
                    day: row.try_get("bucket")?,
                    group: row.try_get("grp")?,
                    histogram: histogram_from_row(row)?,
                })
            })
            .collect()
    }

    /// The rows [`Store::rollup_rows`] (one question) or [`Store::rollups_by_touchpoint`]
    /// (several) would give, computed from the responses themselves: for segment filters and
    /// customer-attribute groups, which the rollups do not keep. ONE query reads the period's
    /// responses to the questions' surveys (with the segment, the text filters and the grouping
    /// attribute as SQL), and their scores are summed into histograms here.
    pub async fn scan_rollup_rows(
        &self,
        org_id: OrgId,
        query: &ScanQuery<'_>,
    ) -> Result<Vec<RollupRow>> {
        use futures_util::TryStreamExt;
        use std::collections::HashMap;
        let mut definitions: HashMap<SurveyId, (Survey, Vec<&str>)> = HashMap::new();
        for (survey_id, question_id) in query.questions {
            if !definitions.contains_key(survey_id) {
                let survey = self.survey(org_id, *survey_id).await?;
                definitions.insert(*survey_id, (survey, Vec::new()));
            }
            if let Some((_, questions)) = definitions.get_mut(survey_id) {
                questions.push(question_id.as_str());
            }
        }
        if definitions.is_empty() {
            return Ok(Vec::new());
        }
        let mut conditions = crate::filter::Conditions::new(5);
        let survey_ids: Vec<crate::filter::Value> = definitions
            .keys()
            .map(|id| crate::filter::Value::Text(id.to_string()))
            .collect();
        conditions.push_values(
            &format!(
                "r.survey_id IN ({})",
                vec!["?"; survey_ids.len()].join(", ")
            ),
            survey_ids,
        );
        match (&query.filter.theme, &query.filter.sentiment) {
            (Some(theme), Some(sentiment)) => conditions.push_values(
                "EXISTS (SELECT 1 FROM response_themes t WHERE t.response_id = r.id AND t.theme_id = ? AND t.sentiment = ?)",
                vec![
                    crate::filter::Value::Text(theme.clone()),
                    crate::filter::Value::Text(sentiment.clone()),
                ],
            ),
            (Some(theme), None) => conditions.push_text(
                "EXISTS (SELECT 1 FROM response_themes t WHERE t.response_id = r.id AND t.theme_id = ?)",
                Some(theme),
            ),
            (None, Some(sentiment)) => conditions.push_text("ra.sentiment = ?", Some(sentiment)),
            (None, None) => {}
        }
        if let Some(segment) = query.segment {
            conditions.push_values("r.customer_id IS NOT NULL", Vec::new());
            crate::segments::push_segment(
                &mut conditions,
                segment,
                "r.customer_id",
                crate::now_ms(),
            );
        }
        let attribute_key = match query.group {
            ScanGroup::Attribute(grouping) => grouping.key.clone(),
            _ => String::new(),
        };
        let sql = format!(
            "SELECT r.survey_id, r.answers, r.submitted_at, r.touchpoint_id, r.channel, r.language, \
             ga.value_text AS g_text, ga.value_num AS g_num, ra.sentiment AS comment_sentiment \
             FROM responses r \
             LEFT JOIN customer_attributes ga ON ga.customer_id = r.customer_id AND ga.key = $4 \
             LEFT JOIN response_analyses ra ON ra.response_id = r.id \
             WHERE r.org_id = $1 AND r.submitted_at >= $2 AND r.submitted_at < $3{}",
            conditions.sql()
        );
        let (from_ms, to_ms) =
            touchpoint_domain::period::ms_range_of_days(query.from_day, query.to_day);
        let statement = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org_id.to_string())
            .bind(from_ms)
            .bind(to_ms)
            .bind(attribute_key);
        let statement = conditions.bind(statement);
        let mut rows = statement.fetch(self.read());
        let mut sums: BTreeMap<(i64, String), Histogram> = BTreeMap::new();
        while let Some(row) = rows.try_next().await? {
            let survey_id: SurveyId = crate::accounts::parse(&row, "survey_id")?;
            let Some((survey, questions)) = definitions.get(&survey_id) else {
                continue;
            };
            let touchpoint = || -> Result<String> {
                Ok(row
                    .try_get::<Option<String>, _>("touchpoint_id")?
                    .unwrap_or_default())
            };
            let group = match query.group {
                ScanGroup::None => String::new(),
                ScanGroup::Dimension(GroupBy::Touchpoint) => touchpoint()?,
                ScanGroup::Dimension(GroupBy::Channel) => row.try_get("channel")?,
                ScanGroup::Dimension(GroupBy::Language) => row.try_get("language")?,
                ScanGroup::Attribute(grouping) => grouping.group_of(
                    row.try_get::<Option<String>, _>("g_text")?.as_deref(),
                    row.try_get::<Option<f64>, _>("g_num")?,
                ),
                ScanGroup::TouchpointSentiment => {
                    match row.try_get::<Option<String>, _>("comment_sentiment")? {
                        Some(sentiment) => format!("{}|{sentiment}", touchpoint()?),
                        // Only analysed comments count here.
                        None => continue,
                    }
                }
            };
            let day = period_of(query.period_starts, day_of_ms(row.try_get("submitted_at")?));
            let answers: Answers = serde_json::from_str(&row.try_get::<String, _>("answers")?)?;
            for (_, kind, score) in answers
                .metric_scores(&survey.definition)
                .filter(|(q, _, _)| questions.contains(q))
            {
                sums.entry((day, group.clone()))
                    .or_default()
                    .add(kind, score)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            }
        }
        Ok(sums
            .into_iter()
            .map(|((day, group), histogram)| RollupRow {
                day,
                group,
                histogram,
            })
            .collect())
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
}
