use std::fmt;

use serde::{Deserialize, Serialize};

/// The three survey metrics with a fixed answer scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Net Promoter Score, answers 0–10.
    Nps,
    /// Customer satisfaction, answers 1–5.
    Csat,
    /// Customer effort score, answers 1–7 (7 = very easy).
    Ces,
}

impl MetricKind {
    /// Every kind, in a stable order.
    pub const ALL: [MetricKind; 3] = [MetricKind::Nps, MetricKind::Csat, MetricKind::Ces];

    /// The inclusive answer scale `(min, max)`.
    pub fn scale(self) -> (i64, i64) {
        match self {
            MetricKind::Nps => (0, 10),
            MetricKind::Csat => (1, 5),
            MetricKind::Ces => (1, 7),
        }
    }

    /// The stable lowercase name, as used in URLs, JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Nps => "nps",
            MetricKind::Csat => "csat",
            MetricKind::Ces => "ces",
        }
    }

    /// The inverse of [`MetricKind::as_str`]; exact, lowercase only.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::MetricKind;

    #[test]
    fn scales() {
        assert_eq!(MetricKind::Nps.scale(), (0, 10));
        assert_eq!(MetricKind::Csat.scale(), (1, 5));
        assert_eq!(MetricKind::Ces.scale(), (1, 7));
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for k in MetricKind::ALL {
            assert_eq!(MetricKind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
            let json = serde_json::to_string(&k).expect("serialize");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            let back: MetricKind = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, k);
        }
        assert_eq!(MetricKind::parse("NPS"), None);
        assert_eq!(MetricKind::parse(""), None);
        assert_eq!(MetricKind::parse("csi"), None);
    }
}
