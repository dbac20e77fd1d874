use serde::Serialize;

use super::estimate::clip;
use super::stats::{Z95, normal_p_two_sided, t_p_two_sided, t975};
use super::summary::{Moments, NpsCounts, at_least, n as scale_n};
use super::{Histogram, MetricKind};

/// A change from `a` to `b` (two periods or segments) with its significance test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// `b − a` on the user scale: NPS points, CSAT percentage points, CES scale points.
    pub difference: f64,
    /// 95 % interval for the difference, clipped to the possible range (±200, ±100, ±6).
    pub ci95: (f64, f64),
    /// The z or t statistic (positive when `b` is higher).
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// `p_value < 0.05`.
    pub significant: bool,
    /// `"two_sample_z"` or `"welch_t"`.
    pub test: &'static str,
}

const TWO_SAMPLE_Z: &str = "two_sample_z";
const WELCH_T: &str = "welch_t";

/// Compares `b` against `a`, both histograms of `kind`.
///
/// - **NPS**: two-sample z on the difference of scores, each side's variance
///   `(p + d − (p − d)²)/n`; the interval is `difference ± 1.96·SE`.
/// - **CSAT**: two-sample z for proportions on the top-2-box share. The statistic uses the
///   pooled standard error (the null hypothesis says both shares are equal, so they are
///   estimated together); the interval for the difference uses the unpooled standard error
///   (it describes the difference actually observed, not the null). The two can disagree right
///   at the 5 % edge, as in every textbook treatment of this test.
/// - **CES**: Welch's t on the means with Welch–Satterthwaite degrees of freedom; the interval
///   is `difference ± t(0.975, df)·SE`.
///
/// p-values are exact for the statistic (normal or t), while z intervals use 1.96, so a result
/// with |z| in [1.95996, 1.96) is significant yet its interval just touches 0.
///
/// `None` when a side cannot support the test: no answers on either side, fewer than two
/// answers on a side for CES (no sample variance), or a standard error of zero (neither sample
/// varies, e.g. all promoters against all detractors), where no test statistic exists.
pub fn compare(kind: MetricKind, a: &Histogram, b: &Histogram) -> Option<Comparison> {
    match kind {
        MetricKind::Nps => nps(a, b),
        MetricKind::Csat => csat(a, b),
        MetricKind::Ces => ces(a, b),
    }
}

fn nps(a: &Histogram, b: &Histogram) -> Option<Comparison> {
    let (ca, cb) = (NpsCounts::of(a), NpsCounts::of(b));
    if ca.n() == 0 || cb.n() == 0 {
        return None;
    }
    let difference = cb.value() - ca.value();
    let se =
        100.0 * (ca.unit_variance() / ca.n() as f64 + cb.unit_variance() / cb.n() as f64).sqrt();
    z_test(difference, se, se, 200.0)
}

fn csat(a: &Histogram, b: &Histogram) -> Option<Comparison> {
    let kind = MetricKind::Csat;
    let (na, nb) = (scale_n(kind, a), scale_n(kind, b));
    if na == 0 || nb == 0 {
        return None;
    }
    let (sa, sb) = (at_least(kind, a, 4), at_least(kind, b, 4));
    let (na, nb) = (na as f64, nb as f64);
    let (pa, pb) = (sa as f64 / na, sb as f64 / nb);
    let pooled = (sa + sb) as f64 / (na + nb);
    let se_pooled = 100.0 * (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    let se_unpooled = 100.0 * (pa * (1.0 - pa) / na + pb * (1.0 - pb) / nb).sqrt();
    z_test(100.0 * (pb - pa), se_pooled, se_unpooled, 100.0)
}

/// `difference / se_test` against the standard normal; interval `difference ± 1.96·se_ci`,
/// clipped to ±`bound`.
fn z_test(difference: f64, se_test: f64, se_ci: f64, bound: f64) -> Option<Comparison> {
    if se_test.is_nan() || se_test <= 0.0 {
        return None;
    }
    let statistic = difference / se_test;
    let p_value = normal_p_two_sided(statistic);
    let half = Z95 * se_ci;
    Some(Comparison {
        difference,
        ci95: clip((difference - half, difference + half), (-bound, bound)),
        statistic,
        p_value,
        significant: p_value < 0.05,
        test: TWO_SAMPLE_Z,
    })
}

fn ces(a: &Histogram, b: &Histogram) -> Option<Comparison> {
    let kind = MetricKind::Ces;
    let (ma, mb) = (Moments::of(kind, a)?, Moments::of(kind, b)?);
    // Each side's squared standard error of the mean.
    let va = ma.sample_variance()? / ma.n as f64;
    let vb = mb.sample_variance()? / mb.n as f64;
    let se = (va + vb).sqrt();
    if se.is_nan() || se <= 0.0 {
        return None;
    }
    let difference = mb.mean - ma.mean;
    let statistic = difference / se;
    let df = (va + vb).powi(2) / (va.powi(2) / (ma.n - 1) as f64 + vb.powi(2) / (mb.n - 1) as f64);
    let p_value = t_p_two_sided(statistic, df)?;
    let half = t975(df)? * se;
    let (min, max) = kind.scale();
    let bound = (max - min) as f64;
    Some(Comparison {
        difference,
        ci95: clip((difference - half, difference + half), (-bound, bound)),
        statistic,
        p_value,
        significant: p_value < 0.05,
        test: WELCH_T,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(kind: MetricKind, scores: &[(i64, usize)]) -> Histogram {
        let all = scores.iter().flat_map(|&(s, k)| std::iter::repeat_n(s, k));
        Histogram::from_scores(kind, all).expect("scores on scale")
    }

    use crate::test_support::assert_close;

    #[test]
    fn nps_two_sample_z() {
        // a: 100 P, 60 passives, 40 D of 200 → NPS 30, var 0.61.
        // b: 60 P, 30 passives, 10 D of 100 → NPS 50, var 0.7 − 0.25 = 0.45.
        // SE = 100·sqrt(0.61/200 + 0.45/100) = 100·sqrt(0.00755) = 8.68907
        // z = 20/8.68907 = 2.30174; p = erfc(2.30174/√2) = 0.021350
        // CI = 20 ± 1.96·8.68907 = (2.9694, 37.0306)
        let a = hist(MetricKind::Nps, &[(10, 100), (8, 60), (5, 40)]);
        let b = hist(MetricKind::Nps, &[(9, 60), (7, 30), (0, 10)]);
        let c = compare(MetricKind::Nps, &a, &b).expect("testable");
        assert_close(c.difference, 20.0, 1e-12);
        assert_close(c.statistic, 2.301_741_350_593_744, 1e-9);
        assert_close(c.p_value, 0.021_349_762_782_692, 1e-9);
        assert_close(c.ci95.0, 2.969_415_746_956_888, 1e-9);
        assert_close(c.ci95.1, 37.030_584_253_043_11, 1e-9);
        assert!(c.significant);
        assert_eq!(c.test, "two_sample_z");

        // Swapping the sides flips the sign and nothing else.
        let r = compare(MetricKind::Nps, &b, &a).expect("testable");
        assert_close(r.difference, -20.0, 1e-12);
        assert_close(r.statistic, -c.statistic, 1e-12);
        assert_close(r.p_value, c.p_value, 1e-15);
    }

    #[test]
    fn csat_two_proportions_pooled_statistic_unpooled_interval() {
        // a: 80 of 100 satisfied; b: 90 of 100.
        // pooled p = 0.85; SE0 = sqrt(0.85·0.15·(1/100 + 1/100)) = sqrt(0.00255) = 0.0504975
        // z = 0.10/0.0504975 = 1.98030; p = 0.047670 → significant, just.
        // unpooled SE = sqrt(0.8·0.2/100 + 0.9·0.1/100) = sqrt(0.0025) = 0.05
        // CI = 10 ± 1.96·5 = (0.2, 19.8) percentage points.
        let a = hist(MetricKind::Csat, &[(5, 50), (4, 30), (2, 20)]);
        let b = hist(MetricKind::Csat, &[(5, 45), (4, 45), (3, 5), (1, 5)]);
        let c = compare(MetricKind::Csat, &a, &b).expect("testable");
        assert_close(c.difference, 10.0, 1e-9);
        assert_close(c.statistic, 1.980_295_085_953_349, 1e-9);
        assert_close(c.p_value, 0.047_670_380_656_161, 1e-9);
        assert_close(c.ci95.0, 0.2, 1e-9);
        assert_close(c.ci95.1, 19.8, 1e-9);
        assert!(c.significant);
        assert_eq!(c.test, "two_sample_z");
    }

    #[test]
    fn ces_welch_t() {
        // a: 3,4,5,6,7 → mean 5, s² = 2.5; b: 5,6,6,6,7 → mean 6, s² = 0.5.
        // SE² = 2.5/5 + 0.5/5 = 0.6, SE = 0.774597; t = 1/0.774597 = 1.29099
        // df = 0.36/(0.5²/4 + 0.1²/4) = 0.36/0.065 = 5.53846
        // p = 0.24797 (not significant); t(0.975, 5.538) = 2.49720
        // CI = 1 ± 2.49720·0.774597 = (−0.93432, 2.93432)
        let a = hist(MetricKind::Ces, &[(3, 1), (4, 1), (5, 1), (6, 1), (7, 1)]);
        let b = hist(MetricKind::Ces, &[(5, 1), (6, 3), (7, 1)]);
        let c = compare(MetricKind::Ces, &a, &b).expect("testable");
        assert_close(c.difference, 1.0, 1e-12);
        assert_close(c.statistic, 1.290_994_448_735_806, 1e-9);
        assert_close(c.p_value, 0.247_967_122_648_336, 1e-7);
        assert_close(c.ci95.0, -0.934_323_150_533_321, 1e-7);
        assert_close(c.ci95.1, 2.934_323_150_533_321, 1e-7);
        assert!(!c.significant);
        assert_eq!(c.test, "welch_t");
    }

    #[test]
    fn sides_that_cannot_support_a_test() {
        let empty = Histogram::default();
        let some = hist(MetricKind::Nps, &[(10, 3), (0, 2)]);
        for k in MetricKind::ALL {
            assert_eq!(compare(k, &empty, &some), None);
            assert_eq!(compare(k, &some, &empty), None);
        }
        // CES needs two answers per side for a sample variance.
        let one = hist(MetricKind::Ces, &[(4, 1)]);
        let many = hist(MetricKind::Ces, &[(4, 3), (6, 3)]);
        assert_eq!(compare(MetricKind::Ces, &one, &many), None);
        assert!(compare(MetricKind::Ces, &many, &many).is_some());
        // Zero standard error: neither side varies.
        let all_p = hist(MetricKind::Nps, &[(10, 20)]);
        let all_d = hist(MetricKind::Nps, &[(2, 20)]);
        assert_eq!(compare(MetricKind::Nps, &all_p, &all_d), None);
        let sat = hist(MetricKind::Csat, &[(5, 20)]);
        assert_eq!(compare(MetricKind::Csat, &sat, &sat), None);
        let flat = hist(MetricKind::Ces, &[(7, 20)]);
        assert_eq!(compare(MetricKind::Ces, &flat, &flat), None);
    }

    #[test]
    fn csat_with_no_spread_on_either_side_but_different_shares_is_still_testable() {
        // All satisfied vs none: the pooled SE is positive (p = 0.5), the unpooled one is 0,
        // so the interval collapses onto the observed difference.
        let a = hist(MetricKind::Csat, &[(2, 10)]);
        let b = hist(MetricKind::Csat, &[(5, 10)]);
        let c = compare(MetricKind::Csat, &a, &b).expect("testable");
        assert_eq!(c.difference, 100.0);
        assert_eq!(c.ci95, (100.0, 100.0));
        assert!(c.significant);
    }

    #[test]
    fn ces_with_one_constant_side_uses_the_other_sides_df() {
        // a constant: df = n_b − 1 = 4, so the interval uses t(0.975, 4) = 2.7764.
        let a = hist(MetricKind::Ces, &[(2, 6)]);
        let b = hist(MetricKind::Ces, &[(3, 1), (4, 1), (5, 1), (6, 1), (7, 1)]);
        let c = compare(MetricKind::Ces, &a, &b).expect("testable");
        assert_close(c.difference, 3.0, 1e-12);
        assert_close(c.ci95.1 - c.difference, 1.963_243_161_477_6, 1e-9);
    }

    #[test]
    fn json_shape() {
        let a = hist(MetricKind::Csat, &[(5, 5), (1, 5)]);
        let c = compare(MetricKind::Csat, &a, &a).expect("testable");
        let v = serde_json::to_value(&c).expect("serialize");
        assert_eq!(v["test"], "two_sample_z");
        assert_eq!(v["significant"], false);
        assert_eq!(v["difference"], 0.0);
        assert_eq!(v["p_value"], 1.0);
    }
}
