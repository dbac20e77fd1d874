//! What the comments say in aggregate: theme counts, recurring small problems (myth 1: many
//! small recurring failures hurt more than one big one) and emerging themes — shared by the
//! API and the comments explorer page.

use serde::Serialize;
use std::collections::BTreeMap;
use touchpoint_domain::period::{Interval, MS_PER_DAY};
use touchpoint_domain::{Language, OrgId, SurveyId};
use touchpoint_jobs::text::TextEngine;
use touchpoint_store::{Store, StoreError};
use touchpoint_text::{
    Analysis, CandidateTheme, EmergingOptions, Lang, PeriodCount, RecurringIssue, RecurringOptions,
    ThemeSeries,
};

#[derive(Debug, Clone, Serialize)]
pub struct ThemeCount {
    pub id: String,
    pub label: String,
    pub mentions: i64,
    pub negative: i64,
    /// Percent of the theme's mentions that are negative (one decimal).
    pub negative_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelledIssue {
    pub label: String,
    #[serde(flatten)]
    pub issue: RecurringIssue,
}

/// Whose comments, up to which day, labelled in which language.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub org_id: OrgId,
    pub survey_id: Option<SurveyId>,
    /// The last day looked at (days since 1970-01-01, UTC).
    pub today: i64,
    pub language: Language,
}

impl Scope {
    /// Instants from the start of the `days`-long window ending today to the end of today.
    fn window_ms(&self, days: i64) -> (i64, i64) {
        (
            (self.today - days + 1) * MS_PER_DAY,
            (self.today + 1) * MS_PER_DAY,
        )
    }
}

fn lang(language: Language) -> Lang {
    match language {
        Language::De => Lang::De,
        Language::En => Lang::En,
    }
}

pub fn theme_label(engine: &TextEngine, id: &str, language: Language) -> String {
    engine
        .analyzer()
        .taxonomy()
        .label(id, lang(language))
        .unwrap_or(id)
        .to_owned()
}

/// Mentions per theme in the last `days` days, most mentioned first.
pub async fn theme_counts(
    store: &Store,
    engine: &TextEngine,
    scope: Scope,
    days: i64,
) -> Result<Vec<ThemeCount>, StoreError> {
    let (from_ms, to_ms) = scope.window_ms(days);
    let language = scope.language;
    let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for day in store
        .theme_days(scope.org_id, scope.survey_id, from_ms, to_ms)
        .await?
    {
        let entry = totals.entry(day.theme_id).or_default();
        entry.0 += day.mentions;
        entry.1 += day.negative;
    }
    let mut counts: Vec<ThemeCount> = totals
        .into_iter()
        .map(|(id, (mentions, negative))| ThemeCount {
            label: theme_label(engine, &id, language),
            negative_share: if mentions > 0 {
                (1000.0 * negative as f64 / mentions as f64).round() / 10.0
            } else {
                0.0
            },
            id,
            mentions,
            negative,
        })
        .collect();
    counts.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.id.cmp(&b.id)));
    Ok(counts)
}

/// Themes ranked as recurring small problems over the last `weeks` weeks.
pub async fn recurring(
    store: &Store,
    engine: &TextEngine,
    scope: Scope,
    weeks: i64,
) -> Result<Vec<LabelledIssue>, StoreError> {
    let Scope {
        org_id,
        survey_id,
        today,
        language,
    } = scope;
    let first_week = Interval::Week.period_start(today) - 7 * (weeks - 1);
    let from_ms = first_week * MS_PER_DAY;
    let to_ms = (today + 1) * MS_PER_DAY;
    let week_of = |day: i64| ((day - first_week) / 7) as usize;
    let mut comments = vec![0u32; weeks as usize];
    for (day, n) in store
        .comment_days(org_id, survey_id, from_ms, to_ms)
        .await?
    {
        if let Some(c) = comments.get_mut(week_of(day)) {
            *c += n as u32;
        }
    }
    let mut per_theme: BTreeMap<String, Vec<(u32, u32)>> = BTreeMap::new();
    for day in store.theme_days(org_id, survey_id, from_ms, to_ms).await? {
        let weeks_of_theme = per_theme
            .entry(day.theme_id)
            .or_insert_with(|| vec![(0, 0); weeks as usize]);
        if let Some(w) = weeks_of_theme.get_mut(week_of(day.day)) {
            w.0 += day.mentions as u32;
            w.1 += day.negative as u32;
        }
    }
    let series: Vec<ThemeSeries> = per_theme
        .into_iter()
        .map(|(theme, counts)| ThemeSeries {
            theme,
            periods: counts
                .iter()
                .zip(&comments)
                .map(|((hits, negative), total)| PeriodCount {
                    comments: *total,
                    theme_hits: *hits,
                    mean_severity: if *hits > 0 {
                        *negative as f32 / *hits as f32
                    } else {
                        0.0
                    },
                })
                .collect(),
        })
        .collect();
    let options = RecurringOptions::default();
    Ok(touchpoint_text::rank_recurring(&series, &options)
        .into_iter()
        .map(|issue| LabelledIssue {
            label: theme_label(engine, &issue.theme, language),
            issue,
        })
        .collect())
}

/// Groups of recent negative comments that no theme covers: candidates for the taxonomy.
pub async fn emerging(
    store: &Store,
    scope: Scope,
    days: i64,
) -> Result<Vec<CandidateTheme>, StoreError> {
    let (from_ms, _) = scope.window_ms(days);
    let comments = store
        .uncovered_negative_comments(scope.org_id, scope.survey_id, from_ms, 2_000)
        .await?;
    let parsed: Vec<(String, Analysis)> = comments
        .into_iter()
        .filter_map(|(text, analysis)| serde_json::from_value(analysis).ok().map(|a| (text, a)))
        .collect();
    Ok(touchpoint_text::emerging_themes(
        parsed.iter().map(|(t, a)| (t.as_str(), a)),
        &EmergingOptions::default(),
    ))
}
