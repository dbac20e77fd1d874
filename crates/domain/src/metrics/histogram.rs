use serde::{Deserialize, Serialize};

use super::MetricKind;

/// A score outside its metric's answer scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("score {score} is outside the {kind} scale {min}..={max}", min = kind.scale().0, max = kind.scale().1)]
pub struct ScoreOutOfRange {
    pub kind: MetricKind,
    pub score: i64,
}

/// Sufficient statistics for one metric: the number of answers per score.
///
/// Bucket `i` holds the count of score `min + i`, where `min` is the kind's scale minimum. Eleven
/// buckets cover every kind (NPS has the widest scale, 0–10); the buckets above a kind's scale stay
/// zero when the histogram is filled through [`Histogram::add`]. The histogram does not record its
/// kind — the caller keeps that next to it — which keeps it a plain array to store and merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Histogram {
    pub buckets: [u64; 11],
}

impl Histogram {
    /// Counts one answer. The histogram is unchanged when the score is off the kind's scale.
    pub fn add(&mut self, kind: MetricKind, score: i64) -> Result<(), ScoreOutOfRange> {
        let (min, max) = kind.scale();
        let slot = score
            .checked_sub(min)
            .filter(|_| score <= max)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.buckets.get_mut(i))
            .ok_or(ScoreOutOfRange { kind, score })?;
        *slot += 1;
        Ok(())
    }

    /// Adds another histogram's counts to this one (both must be of the same kind).
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
    }

    /// Removes `other`'s counts (a part of this histogram), never going below zero.
    pub fn subtract(&mut self, other: &Histogram) {
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine = mine.saturating_sub(theirs);
        }
    }

    /// The number of answers counted.
    pub fn n(&self) -> u64 {
        self.buckets.iter().sum()
    }

    /// Builds a histogram from raw scores; fails on the first score off the kind's scale.
    pub fn from_scores(
        kind: MetricKind,
        scores: impl IntoIterator<Item = i64>,
    ) -> Result<Histogram, ScoreOutOfRange> {
        let mut h = Histogram::default();
        for score in scores {
            h.add(kind, score)?;
        }
        Ok(h)
    }

    /// `(score, count)` for every score on the kind's scale, lowest first (zero counts included),
    /// e.g. for a distribution chart. Buckets beyond the kind's scale are not visited.
    pub fn counts(&self, kind: MetricKind) -> impl Iterator<Item = (i64, u64)> + '_ {
        let (min, max) = kind.scale();
        (min..=max).zip(self.buckets.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_places_scores_relative_to_the_scale_minimum() {
        let mut h = Histogram::default();
        h.add(MetricKind::Nps, 0).expect("in range");
        h.add(MetricKind::Nps, 10).expect("in range");
        assert_eq!(h.buckets[0], 1);
        assert_eq!(h.buckets[10], 1);

        let h = Histogram::from_scores(MetricKind::Csat, [1, 5, 5]).expect("in range");
        assert_eq!(h.buckets[0], 1);
        assert_eq!(h.buckets[4], 2);
        assert_eq!(h.n(), 3);
    }

    #[test]
    fn add_rejects_scores_off_the_scale_without_changing_the_histogram() {
        for (kind, bad) in [
            (MetricKind::Nps, -1),
            (MetricKind::Nps, 11),
            (MetricKind::Csat, 0),
            (MetricKind::Csat, 6),
            (MetricKind::Ces, 0),
            (MetricKind::Ces, 8),
            (MetricKind::Ces, i64::MIN),
            (MetricKind::Ces, i64::MAX),
        ] {
            let mut h = Histogram::default();
            assert_eq!(h.add(kind, bad), Err(ScoreOutOfRange { kind, score: bad }));
            assert_eq!(h, Histogram::default());
        }
        assert_eq!(
            Histogram::from_scores(MetricKind::Csat, [5, 4, 9, 3]),
            Err(ScoreOutOfRange {
                kind: MetricKind::Csat,
                score: 9
            })
        );
    }

    #[test]
    fn error_message_names_the_scale() {
        let e = ScoreOutOfRange {
            kind: MetricKind::Ces,
            score: 9,
        };
        assert_eq!(e.to_string(), "score 9 is outside the ces scale 1..=7");
    }

    #[test]
    fn counts_walks_the_scale() {
        let h = Histogram::from_scores(MetricKind::Csat, [2, 2, 5]).expect("in range");
        let c: Vec<_> = h.counts(MetricKind::Csat).collect();
        assert_eq!(c, vec![(1, 0), (2, 2), (3, 0), (4, 0), (5, 1)]);
    }

    #[test]
    fn serde_is_a_plain_bucket_array() {
        let h = Histogram::from_scores(MetricKind::Nps, [10]).expect("in range");
        let json = serde_json::to_string(&h).expect("serialize");
        assert_eq!(json, r#"{"buckets":[0,0,0,0,0,0,0,0,0,0,1]}"#);
        let back: Histogram = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, h);
    }
}
