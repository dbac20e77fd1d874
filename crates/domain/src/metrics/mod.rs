//! Metrics (NPS, CSAT, CES) and their statistics. See DESIGN.md "Metric definitions".
//!
//! The flow is: scores go into a [`Histogram`] (the sufficient statistics — counts per score,
//! mergeable, so rollups can be stored and summed), and a histogram becomes an [`Estimate`]
//! (value, n, 95 % interval, breakdown) or, for two histograms, a [`Comparison`] with a
//! significance test.
//!
//! Everything is computed unrounded on the user scale (NPS −100..100, CSAT 0..100 %, CES 1..7);
//! rounding for display or JSON is the caller's job, with [`round1`].

mod compare;
mod estimate;
mod histogram;
mod kind;
mod stats;
mod summary;

#[cfg(test)]
mod properties;

pub use compare::{Comparison, compare};
pub(crate) use estimate::wilson;
pub use estimate::{Breakdown, Estimate, SMALL_SAMPLE, estimate};
pub use histogram::{Histogram, ScoreOutOfRange};
pub use kind::MetricKind;

/// Rounds to one decimal place, half away from zero, for display and JSON.
///
/// A result of negative zero is returned as `0.0`, so `-0.04` never shows as "-0.0".
pub fn round1(x: f64) -> f64 {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

#[cfg(test)]
mod tests {
    use super::round1;

    #[test]
    fn round1_rounds_half_away_from_zero_and_drops_negative_zero() {
        assert_eq!(round1(10.8244), 10.8);
        assert_eq!(round1(10.85), 10.9);
        assert_eq!(round1(-2.25), -2.3);
        assert_eq!(round1(30.0), 30.0);
        let z = round1(-0.04);
        assert_eq!(z, 0.0);
        assert!(z.is_sign_positive());
    }
}
