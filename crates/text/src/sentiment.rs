//! Turning the rule score and the model's class probabilities into one [`Sentiment`].

use crate::rules::RuleScore;
use crate::types::{Sentiment, SentimentLabel};

/// Compound score beyond which the rules alone call a text polar.
pub const RULE_THRESHOLD: f32 = 0.2;

/// Rules only (no model loaded).
pub fn from_rules(rule: &RuleScore) -> Sentiment {
    let c = rule.compound;
    let label = if c >= RULE_THRESHOLD {
        SentimentLabel::Positive
    } else if c <= -RULE_THRESHOLD {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    };
    let confidence = if label == SentimentLabel::Neutral {
        1.0 - c.abs() / RULE_THRESHOLD * 0.5
    } else {
        0.5 + 0.5 * c.abs()
    };
    Sentiment {
        label,
        score: round2(c),
        confidence: round2(confidence.clamp(0.0, 1.0)),
    }
}

/// Model probabilities (negative, neutral, positive) with the rule compound for the score.
pub fn from_model(rule: &RuleScore, p: [f32; 3]) -> Sentiment {
    let mut best = 1;
    for k in 0..3 {
        if p[k] > p[best] {
            best = k;
        }
    }
    let label = SentimentLabel::ALL[best];
    let score = (0.5 * (p[2] - p[0]) + 0.5 * rule.compound).clamp(-1.0, 1.0);
    Sentiment {
        label,
        score: round2(score),
        confidence: round2(p[best].clamp(0.0, 1.0)),
    }
}

fn round2(x: f32) -> f32 {
    if x.is_finite() {
        (x * 100.0).round() / 100.0
    } else {
        0.0
    }
}
