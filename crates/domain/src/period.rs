//! Calendar periods for metric series. Days are UTC calendar days counted from 1970-01-01;
//! weeks start on Monday (ISO 8601); months on the first.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

pub const MS_PER_DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Day,
    Week,
    Month,
}

impl Interval {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Interval::Day),
            "week" => Some(Interval::Week),
            "month" => Some(Interval::Month),
            _ => None,
        }
    }

    /// The first day of the period that contains `day`.
    pub fn period_start(self, day: i64) -> i64 {
        match self {
            Interval::Day => day,
            // 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
            Interval::Week => day - (day + 3).rem_euclid(7),
            Interval::Month => {
                let date = date_of_day(day);
                date.with_day(1).map_or(day, day_of_date)
            }
        }
    }
}

/// The UTC calendar day of a unix-millisecond instant.
pub fn day_of_ms(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_DAY)
}

/// Days `from_day..=to_day` as the half-open range of unix milliseconds `[start, end)` they
/// cover (saturating at the ends of the range of i64).
pub fn ms_range_of_days(from_day: i64, to_day: i64) -> (i64, i64) {
    (
        from_day.saturating_mul(MS_PER_DAY),
        to_day.saturating_add(1).saturating_mul(MS_PER_DAY),
    )
}

pub fn date_of_day(day: i64) -> NaiveDate {
    NaiveDate::default() + Duration::days(day)
}

pub fn day_of_date(date: NaiveDate) -> i64 {
    (date - NaiveDate::default()).num_days()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_day_range_covers_whole_days_half_open() {
        assert_eq!(ms_range_of_days(0, 0), (0, 86_400_000));
        assert_eq!(ms_range_of_days(1, 2), (86_400_000, 3 * 86_400_000));
        assert_eq!(ms_range_of_days(-1, -1), (-86_400_000, 0));
        assert_eq!(ms_range_of_days(0, i64::MAX).1, i64::MAX);
    }

    fn day(y: i32, m: u32, d: u32) -> i64 {
        day_of_date(NaiveDate::from_ymd_opt(y, m, d).expect("date"))
    }

    #[test]
    fn periods_start_where_calendars_say() {
        // 2026-11-23 is a Monday.
        assert_eq!(
            Interval::Week.period_start(day(2026, 11, 29)),
            day(2026, 11, 23)
        );
        assert_eq!(
            Interval::Week.period_start(day(2026, 11, 23)),
            day(2026, 11, 23)
        );
        assert_eq!(
            Interval::Month.period_start(day(2024, 2, 29)),
            day(2024, 2, 1)
        );
        assert_eq!(Interval::Day.period_start(17), 17);
        assert_eq!(day_of_ms(-1), -1);
    }

    proptest! {
        #[test]
        fn period_start_is_idempotent_and_not_later(d in -20_000i64..40_000) {
            for interval in [Interval::Day, Interval::Week, Interval::Month] {
                let start = interval.period_start(d);
                prop_assert!(start <= d && d - start < 31);
                prop_assert_eq!(interval.period_start(start), start);
            }
            prop_assert_eq!(date_of_day(Interval::Week.period_start(d)).weekday(), chrono::Weekday::Mon);
        }
    }
}
