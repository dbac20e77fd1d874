//! Turning the rule score and the model's class probabilities into one [`Sentiment`].

use crate::model::Blend;
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

/// Model probabilities (negative, neutral, positive) combined with the rule score. The
/// model is trained on other text than customer feedback (tweets, reviews); the hand-written
/// CX lexicon keeps weight through `blend.rules`.
pub fn from_model(rule: &RuleScore, p: [f32; 3], blend: Blend) -> Sentiment {
    let c = rule.damped;
    let z = [
        blend.model * p[0].max(1e-6).ln() - blend.rules * c,
        blend.model * p[1].max(1e-6).ln(),
        blend.model * p[2].max(1e-6).ln() + blend.rules * c,
    ];
    let m = z.iter().fold(f32::NEG_INFINITY, |a, b| a.max(*b));
    let e = z.map(|x| (x - m).exp());
    let s: f32 = e.iter().sum();
    let p = if s > 0.0 && s.is_finite() {
        e.map(|x| x / s)
    } else {
        [0.0, 1.0, 0.0]
    };
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

/// Two decimals are all the precision the figures carry; f64 keeps the JSON clean.
pub(crate) fn round2(x: f32) -> f64 {
    if x.is_finite() {
        (f64::from(x) * 100.0).round() / 100.0
    } else {
        0.0
    }
}
