//! Recurring small problems (the seeds' myth 1): themes that keep coming back at low
//! intensity over many periods are ranked above one-off spikes, with a stated reason.
//!
//! Input is per theme a series of periods (oldest first): how many comments the period had,
//! how many of them hit the theme, and their mean severity (0 = harmless … 1 = severe; e.g.
//! the share of the theme's hits that were negative, or the mean of −score).

use serde::{Deserialize, Serialize};

/// One period of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PeriodCount {
    /// All analysed comments in the period.
    pub comments: u32,
    /// Comments in the period that mention the theme.
    pub theme_hits: u32,
    /// Mean severity of those hits, in [0, 1].
    pub mean_severity: f32,
}

/// The periods of one theme, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeSeries {
    pub theme: String,
    pub periods: Vec<PeriodCount>,
}

/// How a theme behaves over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecurrencePattern {
    /// Present in most periods.
    Persistent,
    /// Present in few periods.
    Occasional,
    /// One or two periods carry it all.
    Spike,
    /// Absent.
    None,
}

/// Settings of [`rank_recurring`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecurringOptions {
    /// A period "has" the problem when at least this share of its comments hit the theme.
    pub min_share: f32,
    /// Name of one period in reasons ("week", "month").
    pub period_name: String,
    /// Share of periods present from which a theme counts as persistent.
    pub persistent_from: f32,
}

impl Default for RecurringOptions {
    fn default() -> Self {
        RecurringOptions {
            min_share: 0.01,
            period_name: "week".to_string(),
            persistent_from: 0.6,
        }
    }
}

/// One ranked theme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecurringIssue {
    pub theme: String,
    /// Ranking score (higher = more of a recurring problem).
    pub score: f32,
    pub pattern: RecurrencePattern,
    /// The share is rising over the series.
    pub growing: bool,
    pub periods_present: usize,
    pub periods_total: usize,
    /// Lowest and highest share of comments among the periods where it is present.
    pub share_low: f32,
    pub share_high: f32,
    pub mean_severity: f32,
    /// Change of share per period (least-squares slope).
    pub trend_per_period: f32,
    /// Human-readable, e.g. "in 11 of the last 12 weeks, 2–4 % of comments".
    pub reason: String,
}

/// Ranks themes: persistent low-intensity problems first, growing ones boosted, one-off
/// spikes last. Periods without comments are ignored.
pub fn rank_recurring(series: &[ThemeSeries], options: &RecurringOptions) -> Vec<RecurringIssue> {
    let mut out: Vec<RecurringIssue> = series.iter().map(|s| assess(s, options)).collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.theme.cmp(&b.theme))
    });
    out
}

fn assess(s: &ThemeSeries, o: &RecurringOptions) -> RecurringIssue {
    let shares: Vec<f32> = s
        .periods
        .iter()
        .filter(|p| p.comments > 0)
        .map(|p| (p.theme_hits.min(p.comments) as f32) / p.comments as f32)
        .collect();
    let severities: Vec<f32> = s
        .periods
        .iter()
        .filter(|p| p.comments > 0 && p.theme_hits > 0)
        .map(|p| {
            if p.mean_severity.is_finite() {
                p.mean_severity.clamp(0.0, 1.0)
            } else {
                0.0
            }
        })
        .collect();
    let total = shares.len();
    let present: Vec<f32> = shares
        .iter()
        .copied()
        .filter(|x| *x >= o.min_share)
        .collect();
    let n_present = present.len();
    let share_low = present.iter().copied().fold(f32::INFINITY, f32::min);
    let share_high = present.iter().copied().fold(0.0f32, f32::max);
    let share_low = if share_low.is_finite() {
        share_low
    } else {
        0.0
    };
    let mean_severity = if severities.is_empty() {
        0.0
    } else {
        severities.iter().sum::<f32>() / severities.len() as f32
    };
    let persistence = if total == 0 {
        0.0
    } else {
        n_present as f32 / total as f32
    };
    let median_present = median(&present);
    let trend = slope(&shares);
    let growing = is_growing(&shares, trend, o.min_share);
    let mean_share = if total == 0 {
        0.0
    } else {
        shares.iter().sum::<f32>() / total as f32
    };
    let pattern = if n_present == 0 {
        RecurrencePattern::None
    } else if persistence >= o.persistent_from {
        RecurrencePattern::Persistent
    } else if n_present <= 2.max(total / 10) && share_high >= 3.0 * mean_share.max(1e-6) {
        RecurrencePattern::Spike
    } else {
        RecurrencePattern::Occasional
    };
    // Persistence dominates (squared); the typical share and severity order themes of
    // equal persistence; a rising trend adds up to half again.
    let mut score = persistence
        * persistence
        * (1.0 + (1.0 + 100.0 * median_present).ln())
        * (0.5 + mean_severity);
    if growing {
        score *= 1.5;
    }
    let period = &o.period_name;
    let mut reason = match pattern {
        RecurrencePattern::None => {
            format!("not seen in the last {total} {}", plural(period, total))
        }
        RecurrencePattern::Spike => format!(
            "one-off: {} of comments in {n_present} of the last {total} {}, otherwise below {}",
            pct(share_high),
            plural(period, total),
            pct(o.min_share)
        ),
        _ => format!(
            "in {n_present} of the last {total} {}, {} of comments",
            plural(period, total),
            pct_range(share_low, share_high)
        ),
    };
    if growing {
        let third = (total / 3).max(1);
        reason.push_str(&format!(
            "; growing: from {} to {} of comments",
            pct(mean(&shares[..third])),
            pct(mean(&shares[total - third..]))
        ));
    }
    if n_present > 0 {
        reason.push_str(&format!("; mean severity {mean_severity:.2}"));
    }
    RecurringIssue {
        theme: s.theme.clone(),
        score,
        pattern,
        growing,
        periods_present: n_present,
        periods_total: total,
        share_low,
        share_high,
        mean_severity,
        trend_per_period: trend,
        reason,
    }
}

fn is_growing(shares: &[f32], trend: f32, min_share: f32) -> bool {
    let n = shares.len();
    if n < 4 || trend <= 0.0 {
        return false;
    }
    let third = (n / 3).max(1);
    let first = mean(&shares[..third]);
    let last = mean(&shares[n - third..]);
    last >= min_share && last >= 1.5 * first + 0.25 * min_share
}

fn mean(x: &[f32]) -> f32 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f32>() / x.len() as f32
    }
}

fn median(x: &[f32]) -> f32 {
    if x.is_empty() {
        return 0.0;
    }
    let mut v = x.to_vec();
    v.sort_by(f32::total_cmp);
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

/// Least-squares slope of `y` over 0, 1, 2, …
fn slope(y: &[f32]) -> f32 {
    let n = y.len() as f32;
    if y.len() < 2 {
        return 0.0;
    }
    let mx = (n - 1.0) / 2.0;
    let my = mean(y);
    let (mut num, mut den) = (0.0f32, 0.0f32);
    for (i, v) in y.iter().enumerate() {
        let dx = i as f32 - mx;
        num += dx * (v - my);
        den += dx * dx;
    }
    if den > 0.0 { num / den } else { 0.0 }
}

fn pct(x: f32) -> String {
    let p = x * 100.0;
    if p > 0.0 && p < 1.0 {
        format!("{p:.1} %")
    } else {
        format!("{} %", p.round())
    }
}

fn pct_range(lo: f32, hi: f32) -> String {
    let (a, b) = (pct(lo), pct(hi));
    if a == b {
        a
    } else {
        format!("{}–{}", a.trim_end_matches(" %"), b)
    }
}

fn plural(period: &str, n: usize) -> String {
    if n == 1 {
        period.to_string()
    } else {
        format!("{period}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(theme: &str, shares_pct: &[u32], severity: f32) -> ThemeSeries {
        ThemeSeries {
            theme: theme.to_string(),
            periods: shares_pct
                .iter()
                .map(|s| PeriodCount {
                    comments: 100,
                    theme_hits: *s,
                    mean_severity: severity,
                })
                .collect(),
        }
    }

    #[test]
    fn persistent_low_beats_a_single_spike() {
        let persistent = series("billing", &[2, 3, 2, 4, 0, 3, 2, 2, 3, 4, 2, 3], 0.5);
        let spike = series("delivery", &[0, 0, 0, 0, 0, 30, 0, 0, 0, 0, 0, 0], 0.9);
        let ranked = rank_recurring(&[spike, persistent], &RecurringOptions::default());
        assert_eq!(ranked[0].theme, "billing");
        assert_eq!(ranked[0].pattern, RecurrencePattern::Persistent);
        assert_eq!(
            ranked[0].reason,
            "in 11 of the last 12 weeks, 2–4 % of comments; mean severity 0.50"
        );
        assert_eq!(ranked[1].pattern, RecurrencePattern::Spike);
        assert!(
            ranked[1]
                .reason
                .starts_with("one-off: 30 % of comments in 1 of the last 12 weeks")
        );
        assert!(ranked[0].score > 10.0 * ranked[1].score);
    }

    #[test]
    fn growing_trend_is_flagged_and_boosted() {
        let growing = series("app_website", &[0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6], 0.5);
        let flat = series("price_value", &[3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3], 0.5);
        let ranked = rank_recurring(&[flat.clone(), growing], &RecurringOptions::default());
        let g = ranked
            .iter()
            .find(|r| r.theme == "app_website")
            .expect("present");
        let f = ranked
            .iter()
            .find(|r| r.theme == "price_value")
            .expect("present");
        assert!(g.growing);
        assert!(!f.growing);
        assert!(g.trend_per_period > 0.0);
        assert!(
            g.reason.contains("growing: from 0.8 % to 5 % of comments"),
            "{}",
            g.reason
        );
        let shrinking = series("x", &[6, 5, 5, 4, 3, 3, 2, 2, 1, 1, 1, 0], 0.5);
        assert!(!rank_recurring(&[shrinking], &RecurringOptions::default())[0].growing);
    }

    #[test]
    fn severity_orders_equal_persistence_and_empty_periods_are_ignored() {
        let mild = series("a", &[3; 10], 0.1);
        let severe = series("b", &[3; 10], 0.9);
        let ranked = rank_recurring(&[mild, severe], &RecurringOptions::default());
        assert_eq!(ranked[0].theme, "b");
        let mut gaps = series("c", &[3, 3, 3], 0.5);
        gaps.periods.push(PeriodCount {
            comments: 0,
            theme_hits: 0,
            mean_severity: f32::NAN,
        });
        let r = &rank_recurring(&[gaps], &RecurringOptions::default())[0];
        assert_eq!((r.periods_present, r.periods_total), (3, 3));
        let none = &rank_recurring(&[series("d", &[0, 0], 0.0)], &RecurringOptions::default())[0];
        assert_eq!(none.pattern, RecurrencePattern::None);
        assert_eq!(none.score, 0.0);
    }
}
