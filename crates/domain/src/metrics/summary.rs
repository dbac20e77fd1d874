//! Per-kind summaries of a histogram, shared by estimates and comparisons.
//!
//! Only buckets on the kind's scale are read: a histogram filled through `Histogram::add` has
//! nothing elsewhere, and one built by hand with stray counts must not shift the results.

use super::{Histogram, MetricKind};

/// NPS groups: promoters 9–10, passives 7–8, detractors 0–6.
#[derive(Debug, Clone, Copy)]
pub(super) struct NpsCounts {
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
}

impl NpsCounts {
    pub fn of(h: &Histogram) -> Self {
        let mut c = NpsCounts {
            promoters: 0,
            passives: 0,
            detractors: 0,
        };
        for (score, count) in h.counts(MetricKind::Nps) {
            match score {
                9..=10 => c.promoters += count,
                7..=8 => c.passives += count,
                _ => c.detractors += count,
            }
        }
        c
    }

    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// `(p, d)`: the promoter and detractor shares. Callers ensure `n > 0`.
    fn shares(&self) -> (f64, f64) {
        let n = self.n() as f64;
        (self.promoters as f64 / n, self.detractors as f64 / n)
    }

    /// NPS on the user scale, −100..100.
    pub fn value(&self) -> f64 {
        let (p, d) = self.shares();
        100.0 * (p - d)
    }

    /// Variance of one response scored +1 / 0 / −1: `p + d − (p − d)²`. Multiply by 100² / n for
    /// the variance of the NPS itself.
    pub fn unit_variance(&self) -> f64 {
        let (p, d) = self.shares();
        // Never negative in exact arithmetic; the clamp only absorbs rounding.
        (p + d - (p - d).powi(2)).max(0.0)
    }
}

/// Number of answers on the kind's scale.
pub(super) fn n(kind: MetricKind, h: &Histogram) -> u64 {
    h.counts(kind).map(|(_, c)| c).sum()
}

/// Number of answers scoring `threshold` or more.
pub(super) fn at_least(kind: MetricKind, h: &Histogram, threshold: i64) -> u64 {
    h.counts(kind)
        .filter(|&(score, _)| score >= threshold)
        .map(|(_, c)| c)
        .sum()
}

/// Mean and sum of squared deviations, computed in two passes over the buckets (exact sums of
/// integers first, so no catastrophic cancellation as in `Σx² − n·mean²`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Moments {
    pub n: u64,
    pub mean: f64,
    sum_sq_dev: f64,
}

impl Moments {
    /// `None` when there are no answers.
    pub fn of(kind: MetricKind, h: &Histogram) -> Option<Self> {
        let n = n(kind, h);
        if n == 0 {
            return None;
        }
        let sum: f64 = h.counts(kind).map(|(s, c)| s as f64 * c as f64).sum();
        let mean = sum / n as f64;
        let sum_sq_dev = h
            .counts(kind)
            .map(|(s, c)| c as f64 * (s as f64 - mean).powi(2))
            .sum();
        Some(Moments {
            n,
            mean,
            sum_sq_dev,
        })
    }

    /// The sample variance (n − 1 denominator); `None` below two answers.
    pub fn sample_variance(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.sum_sq_dev / (self.n - 1) as f64)
    }
}
