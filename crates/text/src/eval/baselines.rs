//! Baselines the system is compared with: the majority class, and the plain lexicon
//! (VADER's lexicon for English, ours for German) without any rule: the sum of word
//! valences, normalised as VADER does, with VADER's ±0.05 thresholds.

use crate::eval::readers::Example;
use crate::lexicon::{Lexicon, parse_lexicon};
use crate::rules::normalize;
use crate::tokenize::{TokenKind, tokenize};
use crate::types::{Lang, SentimentLabel};

/// The most frequent gold label.
pub fn majority(examples: &[Example]) -> SentimentLabel {
    let mut counts = [0usize; 3];
    for e in examples {
        counts[e.label.index()] += 1;
    }
    let mut best = 1;
    for k in 0..3 {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    SentimentLabel::ALL[best]
}

/// A bag-of-words lexicon classifier: no negation, no intensifiers, no compounds.
#[derive(Debug)]
pub struct PlainLexicon {
    lex: Lexicon,
}

impl PlainLexicon {
    /// The plain VADER lexicon (English).
    pub fn vader() -> Self {
        let entries =
            parse_lexicon(include_str!("../../resources/lexicon/en_vader.tsv")).unwrap_or_default();
        PlainLexicon {
            lex: Lexicon::new(Lang::En, entries),
        }
    }

    /// Our German lexicon used the same plain way.
    pub fn german() -> Self {
        let entries =
            parse_lexicon(include_str!("../../resources/lexicon/de.tsv")).unwrap_or_default();
        PlainLexicon {
            lex: Lexicon::new(Lang::De, entries),
        }
    }

    pub fn classify(&self, text: &str) -> SentimentLabel {
        let sum: f32 = tokenize(text)
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    TokenKind::Word | TokenKind::Hashtag | TokenKind::Emoticon
                )
            })
            .filter_map(|t| self.lex.word(&t.lower))
            .sum();
        let c = normalize(sum);
        if c >= 0.05 {
            SentimentLabel::Positive
        } else if c <= -0.05 {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        }
    }
}
