//! Feature extraction for the linear sentiment model: hashed word unigrams and bigrams
//! (negation-marked), character 4-grams, emoji, plus dense features from the rule scorer.

use crate::modifiers::{is_contrast, is_negator};
use crate::rules::{RuleScore, TokenScores};
use crate::tokenize::{Token, TokenKind};
use crate::types::Lang;

/// Number of dense features: rule scores and subjectivity cues. (Separate German copies of
/// them were tried and made SB10k dev worse, so both languages share one calibration.)
pub const DENSE: usize = 16;

const PERSONAL: &[&str] = &[
    "ich", "mir", "mich", "mein", "meine", "meinen", "meinem", "meiner", "wir", "uns", "unser",
    "unsere", "du", "dich", "dir", "dein", "deine", "euch", "euer", "eure", "i", "me", "my",
    "mine", "we", "us", "our", "you", "your", "i'm", "i've", "we're",
];

fn flag(b: bool) -> f32 {
    if b { 1.0 } else { 0.0 }
}

/// Sparse hashed features (bucket, value) and the dense rule features.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    pub hashed: Vec<(u32, f32)>,
    pub dense: [f32; DENSE],
}

/// FNV-1a, stable across platforms and releases (the model files depend on it).
fn fnv1a(prefix: u8, parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let mut eat = |b: u8| {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    };
    eat(prefix);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            eat(b' ');
        }
        for b in p.bytes() {
            eat(b);
        }
    }
    h
}

/// Extracts features; `bits` is the log2 of the number of hash buckets.
pub fn extract(
    tokens: &[Token],
    ts: &TokenScores,
    rule: &RuleScore,
    lang: Lang,
    bits: u32,
) -> Features {
    let mask = (1u32 << bits) - 1;
    let mut keys: Vec<u32> = Vec::with_capacity(tokens.len() * 8);
    let mut prev: Option<String> = None;
    let mut negating = false;
    for t in tokens {
        let word: Option<String> = match t.kind {
            TokenKind::Word | TokenKind::Hashtag => {
                if t.lower.chars().count() > 40 {
                    None
                } else {
                    Some(t.lower.clone())
                }
            }
            TokenKind::Number => Some("<num>".to_string()),
            TokenKind::Emoji | TokenKind::Emoticon => {
                keys.push(fnv1a(b'e', &[&t.lower]));
                None
            }
            TokenKind::Exclaim => {
                keys.push(fnv1a(
                    b'p',
                    &[if t.lower.len() > 1 { "!!" } else { &t.lower }],
                ));
                negating = false;
                prev = None;
                None
            }
            TokenKind::SentenceEnd | TokenKind::Comma => {
                negating = false;
                prev = None;
                None
            }
            TokenKind::Mention => Some("<user>".to_string()),
            TokenKind::Url => Some("<url>".to_string()),
        };
        let Some(w) = word else { continue };
        if is_contrast(lang, &w) {
            negating = false;
        }
        let tag = if negating { b'n' } else { b'w' };
        keys.push(fnv1a(tag, &[&w]));
        if let Some(p) = &prev {
            keys.push(fnv1a(b'b', &[p, &w]));
        }
        if matches!(t.kind, TokenKind::Word | TokenKind::Hashtag) && w.len() >= 4 {
            let padded: Vec<char> = std::iter::once(' ')
                .chain(w.chars())
                .chain(std::iter::once(' '))
                .collect();
            let mut buf = String::with_capacity(16);
            for win in padded.windows(4) {
                buf.clear();
                buf.extend(win.iter());
                keys.push(fnv1a(b'c', &[&buf]));
            }
        }
        if is_negator(lang, &w) {
            negating = true;
        }
        prev = Some(w);
    }
    // Presence, not counts: a pasted text repeated 500 times must not become 20 times as sure.
    keys.sort_unstable();
    keys.dedup();
    let norm = if keys.is_empty() {
        0.0
    } else {
        1.0 / (keys.len() as f32).sqrt()
    };
    let hashed = keys.into_iter().map(|k| (k & mask, norm)).collect();
    let words = rule.words as f32;
    let dense = [
        rule.compound,
        (rule.pos / 3.0).tanh(),
        (rule.neg / 3.0).tanh(),
        if rule.hits > 0 { 1.0 } else { 0.0 },
        if rule.irony { 1.0 } else { 0.0 },
        (rule.negations as f32).tanh(),
        if ts.exclaims > 0 { 1.0 } else { 0.0 },
        if ts.questions > 0 { 1.0 } else { 0.0 },
        (1.0 + words).ln() / 5.0,
        1.0,
        // Subjectivity cues: feedback speaks in the first and second person; news shares
        // links and numbers. They let the model tell an opinion from a report.
        flag(tokens.iter().any(|t| t.kind == TokenKind::Url)),
        flag(
            tokens
                .iter()
                .any(|t| t.kind == TokenKind::Word && PERSONAL.contains(&t.lower.as_str())),
        ),
        tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Number)
            .count() as f32
            / (1.0 + words),
        flag(
            tokens
                .iter()
                .any(|t| t.kind == TokenKind::Exclaim && t.lower.contains('?')),
        ),
        flag(
            tokens
                .iter()
                .any(|t| matches!(t.kind, TokenKind::Emoji | TokenKind::Emoticon)),
        ),
        rule.damped,
    ];
    Features { hashed, dense }
}
