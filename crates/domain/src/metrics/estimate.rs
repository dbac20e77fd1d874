use serde::Serialize;

use super::stats::{Z95, t975};
use super::summary::{Moments, NpsCounts, at_least, n as scale_n};
use super::{Histogram, MetricKind};

/// Below this many answers a number is flagged as a small sample (DESIGN.md).
pub const SMALL_SAMPLE: u64 = 30;

/// A metric's value with its sample size and 95 % confidence interval, all on the user scale and
/// unrounded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub kind: MetricKind,
    /// NPS −100..100; CSAT % satisfied 0..100; CES mean 1..7.
    pub value: f64,
    pub n: u64,
    /// `(low, high)`, always within the kind's value range and always containing `value`.
    pub ci95: (f64, f64),
    /// `n < SMALL_SAMPLE`.
    pub small_sample: bool,
    pub breakdown: Breakdown,
}

/// The per-kind detail behind an estimate. Serialized untagged: the estimate's `kind` already
/// says which variant it is, so the JSON is just the fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Breakdown {
    /// Promoters score 9–10, passives 7–8, detractors 0–6.
    Nps {
        promoters: u64,
        passives: u64,
        detractors: u64,
    },
    /// `satisfied` counts scores 4–5; `mean` is the mean score on 1..5.
    Csat { satisfied: u64, mean: f64 },
    /// `mean` on 1..7 (same as the estimate's value); `easy` counts scores 5–7 and `easy_share`
    /// is their share in percent.
    Ces {
        mean: f64,
        easy: u64,
        easy_share: f64,
    },
}

/// The estimate for a histogram of `kind`, or `None` when it holds no answers.
///
/// Only buckets on the kind's scale are counted. The intervals (DESIGN.md "Metric definitions"):
///
/// - **NPS**: `NPS ± 1.96·100·sqrt((p + d − (p − d)²)/n)`, clipped to [−100, 100].
/// - **CSAT**: the Wilson score interval for the top-2-box share, z = 1.96, in percent. Unlike
///   the Wald interval it stays inside [0, 100] and is not degenerate at 0 % or 100 %.
/// - **CES**: `mean ± t(0.975, n−1)·s/√n` with the exact t quantile, clipped to the scale [1, 7].
///   With fewer than two answers there is no sample variance, so the interval is the whole
///   scale, (1, 7): the data say nothing yet about where the mean lies.
pub fn estimate(kind: MetricKind, h: &Histogram) -> Option<Estimate> {
    let n = scale_n(kind, h);
    if n == 0 {
        return None;
    }
    let (value, ci95, breakdown) = match kind {
        MetricKind::Nps => nps(h),
        MetricKind::Csat => csat(h, n)?,
        MetricKind::Ces => ces(h)?,
    };
    Some(Estimate {
        kind,
        value,
        n,
        ci95,
        small_sample: n < SMALL_SAMPLE,
        breakdown,
    })
}

fn nps(h: &Histogram) -> (f64, (f64, f64), Breakdown) {
    let c = NpsCounts::of(h);
    let value = c.value();
    let half = Z95 * 100.0 * (c.unit_variance() / c.n() as f64).sqrt();
    let ci = clip((value - half, value + half), (-100.0, 100.0));
    let breakdown = Breakdown::Nps {
        promoters: c.promoters,
        passives: c.passives,
        detractors: c.detractors,
    };
    (value, ci, breakdown)
}

fn csat(h: &Histogram, n: u64) -> Option<(f64, (f64, f64), Breakdown)> {
    let satisfied = at_least(MetricKind::Csat, h, 4);
    let m = Moments::of(MetricKind::Csat, h)?;
    let share = satisfied as f64 / n as f64;
    let (lo, hi) = wilson(share, n as f64);
    // At 0 % and 100 % the exact bound equals the share; rounding can land it a hair on the
    // wrong side, so pin the interval to contain the share.
    let ci = (100.0 * lo.min(share), 100.0 * hi.max(share));
    let breakdown = Breakdown::Csat {
        satisfied,
        mean: m.mean,
    };
    Some((100.0 * share, ci, breakdown))
}

/// Wilson score interval for a proportion `p` out of `n`, as shares in [0, 1]:
/// `(p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)`.
pub(crate) fn wilson(p: f64, n: f64) -> (f64, f64) {
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    clip((centre - half, centre + half), (0.0, 1.0))
}

fn ces(h: &Histogram) -> Option<(f64, (f64, f64), Breakdown)> {
    let m = Moments::of(MetricKind::Ces, h)?;
    let (min, max) = MetricKind::Ces.scale();
    let scale = (min as f64, max as f64);
    let ci = match m.sample_variance() {
        Some(var) => {
            let half = t975((m.n - 1) as f64)? * (var / m.n as f64).sqrt();
            clip((m.mean - half, m.mean + half), scale)
        }
        None => scale,
    };
    let easy = at_least(MetricKind::Ces, h, 5);
    let breakdown = Breakdown::Ces {
        mean: m.mean,
        easy,
        easy_share: 100.0 * easy as f64 / m.n as f64,
    };
    Some((m.mean, ci, breakdown))
}

pub(super) fn clip((lo, hi): (f64, f64), (min, max): (f64, f64)) -> (f64, f64) {
    (lo.clamp(min, max), hi.clamp(min, max))
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
    fn empty_histogram_has_no_estimate() {
        for k in MetricKind::ALL {
            assert_eq!(estimate(k, &Histogram::default()), None);
        }
    }

    #[test]
    fn nps_half_promoters_fifth_detractors_of_200() {
        // p = 0.5, d = 0.2: NPS = 100·0.3 = 30.
        // var = p + d − (p − d)² = 0.7 − 0.09 = 0.61; half = 196·sqrt(0.61/200) = 10.8245.
        let h = hist(
            MetricKind::Nps,
            &[(10, 60), (9, 40), (8, 30), (7, 30), (6, 20), (0, 20)],
        );
        let e = estimate(MetricKind::Nps, &h).expect("n > 0");
        assert_eq!(e.n, 200);
        assert!(!e.small_sample);
        assert_close(e.value, 30.0, 1e-12);
        assert_close(e.ci95.0, 30.0 - 10.8, 0.05);
        assert_close(e.ci95.1, 30.0 + 10.8, 0.05);
        assert_close(e.ci95.1 - e.value, 10.824_453_796_843_5, 1e-9);
        assert_eq!(
            e.breakdown,
            Breakdown::Nps {
                promoters: 100,
                passives: 60,
                detractors: 40
            }
        );
    }

    #[test]
    fn nps_interval_is_clipped_to_the_scale() {
        // 9 promoters, 1 detractor: NPS 80, var = 1 − 0.64 = 0.36, half = 196·sqrt(0.036) = 37.19.
        let h = hist(MetricKind::Nps, &[(10, 9), (3, 1)]);
        let e = estimate(MetricKind::Nps, &h).expect("n > 0");
        assert_close(e.value, 80.0, 1e-12);
        assert_close(e.ci95.0, 80.0 - 37.188_385_28, 1e-6);
        assert_eq!(e.ci95.1, 100.0);
        assert!(e.small_sample);

        // All promoters: no variance, a point interval at 100.
        let e = estimate(MetricKind::Nps, &hist(MetricKind::Nps, &[(9, 3)])).expect("n > 0");
        assert_eq!((e.value, e.ci95), (100.0, (100.0, 100.0)));
    }

    #[test]
    fn csat_wilson_eight_of_ten() {
        // 8 of 10 satisfied (five 5s, three 4s), plus one 3 and one 1.
        // p = 0.8, z² = 3.8416, z²/n = 0.38416, denominator 1.38416.
        // centre = (0.8 + 0.19208)/1.38416 = 0.716738
        // half   = 1.96/1.38416 · sqrt(0.8·0.2/10 + 3.8416/400) = 1.416021 · sqrt(0.025604)
        //        = 1.416021 · 0.160012 = 0.226581
        // → (0.490157, 0.943319), i.e. 49.02 % .. 94.33 %. Mean = (25 + 12 + 3 + 1)/10 = 4.1.
        let h = hist(MetricKind::Csat, &[(5, 5), (4, 3), (3, 1), (1, 1)]);
        let e = estimate(MetricKind::Csat, &h).expect("n > 0");
        assert_close(e.value, 80.0, 1e-12);
        assert_close(e.ci95.0, 49.015_684_672_072_3, 1e-9);
        assert_close(e.ci95.1, 94.331_905_201_930_7, 1e-9);
        match e.breakdown {
            Breakdown::Csat { satisfied, mean } => {
                assert_eq!(satisfied, 8);
                assert_close(mean, 4.1, 1e-12);
            }
            other => panic!("wrong breakdown {other:?}"),
        }
    }

    #[test]
    fn csat_at_the_edges_still_has_an_interval_containing_the_value() {
        // All satisfied, n = 5: upper bound 100, lower bound n/(n + z²) = 5/8.8416 = 56.55 %.
        let e = estimate(MetricKind::Csat, &hist(MetricKind::Csat, &[(5, 5)])).expect("n > 0");
        assert_eq!(e.value, 100.0);
        assert_eq!(e.ci95.1, 100.0);
        assert_close(e.ci95.0, 100.0 * 5.0 / 8.8416, 1e-9);

        // None satisfied, n = 5: the mirror image.
        let e = estimate(MetricKind::Csat, &hist(MetricKind::Csat, &[(2, 5)])).expect("n > 0");
        assert_eq!(e.value, 0.0);
        assert_eq!(e.ci95.0, 0.0);
        assert_close(e.ci95.1, 100.0 * 3.8416 / 8.8416, 1e-9);
    }

    #[test]
    fn ces_t_interval_three_to_seven() {
        // Scores 3, 4, 5, 6, 7: mean 5, s² = (4 + 1 + 0 + 1 + 4)/4 = 2.5, s = 1.5811.
        // t(0.975, 4) = 2.7764; half = 2.7764 · 1.5811/√5 = 1.9632.
        let h = hist(MetricKind::Ces, &[(3, 1), (4, 1), (5, 1), (6, 1), (7, 1)]);
        let e = estimate(MetricKind::Ces, &h).expect("n > 0");
        assert_close(e.value, 5.0, 1e-12);
        assert_close(e.ci95.0, 5.0 - 1.963, 0.0005);
        assert_close(e.ci95.1, 5.0 + 1.963_243_161_477_6, 1e-9);
        match e.breakdown {
            Breakdown::Ces {
                mean,
                easy,
                easy_share,
            } => {
                assert_close(mean, 5.0, 1e-12);
                assert_eq!(easy, 3);
                assert_close(easy_share, 60.0, 1e-12);
            }
            other => panic!("wrong breakdown {other:?}"),
        }
    }

    #[test]
    fn ces_single_answer_gets_the_whole_scale() {
        let e = estimate(MetricKind::Ces, &hist(MetricKind::Ces, &[(6, 1)])).expect("n > 0");
        assert_eq!(e.value, 6.0);
        assert_eq!(e.ci95, (1.0, 7.0));
        assert!(e.small_sample);
    }

    #[test]
    fn ces_wide_interval_is_clipped_and_constant_answers_give_a_point() {
        // 1 and 7: mean 4, s = √18, t(0.975, 1) = 12.706 → ±38.1, clipped to the scale.
        let e = estimate(MetricKind::Ces, &hist(MetricKind::Ces, &[(1, 1), (7, 1)])).expect("n");
        assert_eq!(e.ci95, (1.0, 7.0));
        let e = estimate(MetricKind::Ces, &hist(MetricKind::Ces, &[(6, 3)])).expect("n");
        assert_eq!((e.value, e.ci95), (6.0, (6.0, 6.0)));
    }

    #[test]
    fn ces_large_sample_uses_an_accurate_t_quantile() {
        // Five million 1s and five million 7s: mean 4, s² = 9·10⁷/(10⁷ − 1), df = 9 999 999.
        // t(0.975, 9 999 999) = 1.9599642217672 (the raw statrs quantile is off by 0.13 here).
        let mut h = Histogram::default();
        h.buckets[0] = 5_000_000;
        h.buckets[6] = 5_000_000;
        let e = estimate(MetricKind::Ces, &h).expect("n");
        let s = (9e7_f64 / 9_999_999.0).sqrt();
        let half = 1.959_964_221_767_2 * s / 1e7_f64.sqrt();
        assert_close(e.ci95.1 - 4.0, half, 1e-12);
    }

    #[test]
    fn small_sample_threshold_is_thirty() {
        let e = estimate(MetricKind::Csat, &hist(MetricKind::Csat, &[(4, 29)])).expect("n");
        assert!(e.small_sample);
        let e = estimate(MetricKind::Csat, &hist(MetricKind::Csat, &[(4, 30)])).expect("n");
        assert!(!e.small_sample);
    }

    #[test]
    fn buckets_off_the_kind_scale_are_ignored() {
        let mut h = hist(MetricKind::Csat, &[(5, 2), (1, 2)]);
        h.buckets[9] = 100; // score 10 would be meaningless for CSAT
        let e = estimate(MetricKind::Csat, &h).expect("n");
        assert_eq!(e.n, 4);
        assert_close(e.value, 50.0, 1e-12);
    }

    #[test]
    fn json_shape() {
        let e = estimate(MetricKind::Nps, &hist(MetricKind::Nps, &[(10, 1), (0, 1)])).expect("n");
        let v = serde_json::to_value(&e).expect("serialize");
        assert_eq!(v["kind"], "nps");
        assert_eq!(v["n"], 2);
        assert_eq!(v["small_sample"], true);
        assert!(v["ci95"].is_array());
        assert_eq!(
            v["breakdown"],
            serde_json::json!({"promoters": 1, "passives": 0, "detractors": 1})
        );
    }
}
