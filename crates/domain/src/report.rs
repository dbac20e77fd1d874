//! Metric reports: a headline estimate, a series per period, optional groups, and the change
//! between the last two periods — all summed from per-day histograms, never from raw rows.

use crate::metrics::{Comparison, Estimate, Histogram, MetricKind, compare, estimate};
use crate::period::{Interval, date_of_day, day_of_date};
use chrono::{Datelike, Months};
use std::collections::BTreeMap;

/// One day's histogram of one group (`group` is `""` when the report is not grouped).
#[derive(Debug, Clone, PartialEq)]
pub struct DayHistogram {
    pub day: i64,
    pub group: String,
    pub histogram: Histogram,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeriodPoint {
    /// First day of the period (days since 1970-01-01).
    pub start_day: i64,
    pub histogram: Histogram,
    pub estimate: Option<Estimate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupReport {
    pub key: String,
    pub histogram: Histogram,
    pub estimate: Option<Estimate>,
    pub series: Vec<PeriodPoint>,
}

/// The last period against the one before it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodChange {
    pub from_day: i64,
    pub to_day: i64,
    pub comparison: Comparison,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub kind: MetricKind,
    pub interval: Interval,
    pub histogram: Histogram,
    pub estimate: Option<Estimate>,
    pub series: Vec<PeriodPoint>,
    pub change: Option<PeriodChange>,
    pub groups: Vec<GroupReport>,
}

/// The first days of every period touching `from_day..=to_day`, in order.
pub fn period_starts(interval: Interval, from_day: i64, to_day: i64) -> Vec<i64> {
    let mut starts = Vec::new();
    let mut start = interval.period_start(from_day);
    while start <= to_day {
        starts.push(start);
        start = match interval {
            Interval::Day => start + 1,
            Interval::Week => start + 7,
            Interval::Month => date_of_day(start)
                .checked_add_months(Months::new(1))
                .map_or(start + 31, day_of_date),
        };
    }
    starts
}

/// A human label for a period: `2026-03-02` (day), `2026-W10` (week), `2026-03` (month).
pub fn period_label(interval: Interval, start_day: i64) -> String {
    let date = date_of_day(start_day);
    match interval {
        Interval::Day => date.format("%Y-%m-%d").to_string(),
        Interval::Week => {
            let week = date.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Interval::Month => date.format("%Y-%m").to_string(),
    }
}

fn series(
    interval: Interval,
    starts: &[i64],
    days: &BTreeMap<i64, Histogram>,
    kind: MetricKind,
) -> Vec<PeriodPoint> {
    let mut by_start: BTreeMap<i64, Histogram> =
        starts.iter().map(|s| (*s, Histogram::default())).collect();
    for (day, histogram) in days {
        if let Some(h) = by_start.get_mut(&interval.period_start(*day)) {
            h.merge(histogram);
        }
    }
    by_start
        .into_iter()
        .map(|(start_day, histogram)| PeriodPoint {
            start_day,
            estimate: estimate(kind, &histogram),
            histogram,
        })
        .collect()
}

/// The last period of `series` against the one before it (`None` with fewer than two periods
/// or when the two cannot support a test).
pub fn last_change(kind: MetricKind, series: &[PeriodPoint]) -> Option<PeriodChange> {
    match series {
        [.., previous, last] => {
            compare(kind, &previous.histogram, &last.histogram).map(|comparison| PeriodChange {
                from_day: previous.start_day,
                to_day: last.start_day,
                comparison,
            })
        }
        _ => None,
    }
}

/// Builds a report over `from_day..=to_day` from per-day histograms (rows outside the range
/// are ignored). Groups appear when `grouped`, largest first.
pub fn build_report(
    kind: MetricKind,
    interval: Interval,
    from_day: i64,
    to_day: i64,
    rows: &[DayHistogram],
    grouped: bool,
) -> Report {
    let starts = period_starts(interval, from_day, to_day);
    let mut total_days: BTreeMap<i64, Histogram> = BTreeMap::new();
    let mut group_days: BTreeMap<&str, BTreeMap<i64, Histogram>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.day >= from_day && r.day <= to_day) {
        total_days.entry(row.day).or_default().merge(&row.histogram);
        if grouped {
            group_days
                .entry(&row.group)
                .or_default()
                .entry(row.day)
                .or_default()
                .merge(&row.histogram);
        }
    }
    let mut histogram = Histogram::default();
    total_days.values().for_each(|h| histogram.merge(h));
    let series_points = series(interval, &starts, &total_days, kind);
    let change = last_change(kind, &series_points);
    let mut groups: Vec<GroupReport> = group_days
        .into_iter()
        .map(|(key, days)| {
            let mut h = Histogram::default();
            days.values().for_each(|d| h.merge(d));
            GroupReport {
                key: key.to_owned(),
                estimate: estimate(kind, &h),
                histogram: h,
                series: series(interval, &starts, &days, kind),
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.histogram
            .n()
            .cmp(&a.histogram.n())
            .then_with(|| a.key.cmp(&b.key))
    });
    Report {
        kind,
        interval,
        estimate: estimate(kind, &histogram),
        histogram,
        series: series_points,
        change,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> i64 {
        day_of_date(NaiveDate::from_ymd_opt(y, m, d).expect("date"))
    }

    fn nps(scores: &[i64]) -> Histogram {
        Histogram::from_scores(MetricKind::Nps, scores.iter().copied()).expect("scores")
    }

    #[test]
    fn months_are_calendar_months_and_empty_ones_stay_visible() {
        let starts = period_starts(Interval::Month, day(2026, 1, 15), day(2026, 4, 2));
        assert_eq!(
            starts,
            vec![
                day(2026, 1, 1),
                day(2026, 2, 1),
                day(2026, 3, 1),
                day(2026, 4, 1)
            ]
        );
        assert_eq!(period_label(Interval::Month, starts[1]), "2026-02");
        assert_eq!(period_label(Interval::Week, day(2026, 1, 1)), "2026-W01");

        let rows = vec![
            DayHistogram {
                day: day(2026, 1, 20),
                group: "hotline".into(),
                histogram: nps(&[10, 10, 0]),
            },
            DayHistogram {
                day: day(2026, 3, 5),
                group: "shop".into(),
                histogram: nps(&[9]),
            },
            DayHistogram {
                day: day(2025, 12, 31),
                group: "shop".into(),
                histogram: nps(&[0]),
            },
        ];
        let report = build_report(
            MetricKind::Nps,
            Interval::Month,
            day(2026, 1, 15),
            day(2026, 4, 2),
            &rows,
            true,
        );
        assert_eq!(
            report.histogram.n(),
            4,
            "rows outside the range are ignored"
        );
        let ns: Vec<u64> = report.series.iter().map(|p| p.histogram.n()).collect();
        assert_eq!(ns, vec![3, 0, 1, 0]);
        assert!(report.series[1].estimate.is_none());
        assert_eq!(
            report
                .groups
                .iter()
                .map(|g| g.key.as_str())
                .collect::<Vec<_>>(),
            vec!["hotline", "shop"]
        );
        let value = report.estimate.as_ref().expect("estimate").value;
        assert!(
            (value - 50.0).abs() < 1e-9,
            "3 promoters, 1 detractor of 4 → 50"
        );
    }

    #[test]
    fn change_compares_the_last_two_periods() {
        let rows = vec![
            DayHistogram {
                day: day(2026, 1, 10),
                group: String::new(),
                histogram: nps(&[[10; 40], [0; 40]].concat()[..50]),
            },
            DayHistogram {
                day: day(2026, 2, 10),
                group: String::new(),
                histogram: nps(&[[0; 40], [10; 40]].concat()[..50]),
            },
        ];
        let report = build_report(
            MetricKind::Nps,
            Interval::Month,
            day(2026, 1, 1),
            day(2026, 2, 28),
            &rows,
            false,
        );
        assert!(report.groups.is_empty());
        let change = report.change.expect("change");
        assert_eq!(
            (change.from_day, change.to_day),
            (day(2026, 1, 1), day(2026, 2, 1))
        );
        // 40 promoters + 10 detractors (NPS 60) → 40 detractors + 10 promoters (NPS −60).
        assert!((change.comparison.difference + 120.0).abs() < 1e-9);
        assert!(change.comparison.significant);
    }

    proptest! {
        #[test]
        fn series_and_groups_add_up_to_the_total(
            cells in proptest::collection::vec((0i64..120, 0usize..3, 0i64..=10), 0..200)
        ) {
            let rows: Vec<DayHistogram> = cells
                .iter()
                .map(|(d, g, s)| DayHistogram { day: 20_000 + d, group: ["a", "b", ""][*g].into(), histogram: nps(&[*s]) })
                .collect();
            let report = build_report(MetricKind::Nps, Interval::Week, 20_000, 20_119, &rows, true);
            let series_n: u64 = report.series.iter().map(|p| p.histogram.n()).sum();
            let groups_n: u64 = report.groups.iter().map(|g| g.histogram.n()).sum();
            prop_assert_eq!(series_n, cells.len() as u64);
            prop_assert_eq!(groups_n, cells.len() as u64);
            prop_assert_eq!(report.histogram.n(), cells.len() as u64);
        }
    }
}
