//! Calendar arithmetic on unix milliseconds (UTC), without a date library.
//!
//! Responses are only placed between 06:00 and 21:59 UTC, so the weekday in UTC is also
//! the weekday in Europe/Berlin (UTC+1/UTC+2); "Monday" means the same thing to the
//! generator, to the tests and to a manager looking at a German dashboard.

pub(crate) const HOUR_MS: i64 = 3_600_000;
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// Days since 1970-01-01 (negative before it).
pub(crate) fn day_number(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// Weekday with Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
pub(crate) fn weekday(ms: i64) -> u32 {
    (day_number(ms) + 3).rem_euclid(7) as u32
}

/// A civil (proleptic Gregorian) date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    pub(crate) year: i64,
    /// 1..=12
    pub(crate) month: u32,
    /// 1..=31
    pub(crate) day: u32,
}

/// Howard Hinnant's `civil_from_days`.
pub(crate) fn date(ms: i64) -> Date {
    let z = day_number(ms) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Month name for `month` in 1..=12 (wrapping, so `month + k` may be passed).
pub(crate) fn month_name(month: u32, german: bool) -> &'static str {
    let i = ((month + 11) % 12) as usize;
    if german { MONTHS_DE[i] } else { MONTHS_EN[i] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(
            date(0),
            Date {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        // 2026-11-23 12:00:00 UTC, a Monday.
        let ms = 1_795_435_200_000;
        assert_eq!(
            date(ms),
            Date {
                year: 2026,
                month: 11,
                day: 23
            }
        );
        assert_eq!(weekday(ms), 0);
        // 2024-02-29, a Thursday.
        let leap = 1_709_164_800_000;
        assert_eq!(
            date(leap),
            Date {
                year: 2024,
                month: 2,
                day: 29
            }
        );
        assert_eq!(weekday(leap), 3);
        assert_eq!(weekday(-1), 2); // 1969-12-31 was a Wednesday
    }

    #[test]
    fn month_names_wrap() {
        assert_eq!(month_name(1, true), "Januar");
        assert_eq!(month_name(13, false), "January");
        assert_eq!(month_name(12, true), "Dezember");
    }
}
