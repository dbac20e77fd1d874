//! The public result types of an analysis. They serialise to the JSON the CLI and API emit.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language the engine knows. Everything that is neither German nor English is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    De,
    En,
    Other,
}

impl Lang {
    /// The ISO 639-1 code (`"other"` for [`Lang::Other`]).
    pub fn code(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
            Lang::Other => "other",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Returned when a language code is not `de`, `en` or `other`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: expected de, en or other")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "de" | "deu" | "ger" | "german" | "deutsch" => Ok(Lang::De),
            "en" | "eng" | "english" | "englisch" => Ok(Lang::En),
            "other" => Ok(Lang::Other),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

/// The detected language with a confidence in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LanguageGuess {
    pub lang: Lang,
    pub confidence: f64,
}

/// Three-way polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
}

impl SentimentLabel {
    /// All labels in class-index order (negative, neutral, positive).
    pub const ALL: [SentimentLabel; 3] = [
        SentimentLabel::Negative,
        SentimentLabel::Neutral,
        SentimentLabel::Positive,
    ];

    /// Index 0, 1, 2 in [`SentimentLabel::ALL`].
    pub fn index(self) -> usize {
        match self {
            SentimentLabel::Negative => 0,
            SentimentLabel::Neutral => 1,
            SentimentLabel::Positive => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Negative => "negative",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Positive => "positive",
        }
    }
}

impl fmt::Display for SentimentLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returned when a label is not negative, neutral or positive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sentiment label {0:?}: expected negative, neutral or positive")]
pub struct UnknownLabel(pub String);

impl FromStr for SentimentLabel {
    type Err = UnknownLabel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "negative" | "neg" | "-1" => Ok(SentimentLabel::Negative),
            "neutral" | "neu" | "0" => Ok(SentimentLabel::Neutral),
            "positive" | "pos" | "1" | "+1" => Ok(SentimentLabel::Positive),
            _ => Err(UnknownLabel(s.to_string())),
        }
    }
}

/// Document-level sentiment: a label, a score in [-1, 1] (negative to positive) and the
/// engine's confidence in the label, in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    pub label: SentimentLabel,
    pub score: f64,
    pub confidence: f64,
}

impl Sentiment {
    /// The sentiment of a text with nothing to judge.
    pub const NEUTRAL_EMPTY: Sentiment = Sentiment {
        label: SentimentLabel::Neutral,
        score: 0.0,
        confidence: 0.5,
    };
}

/// A byte range `[start, end)` in the analysed text, always on `char` boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// One theme found in a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeHit {
    /// Stable id from the taxonomy, e.g. `billing`.
    pub id: String,
    /// Label in the text's language (German for German texts, English otherwise).
    pub label: String,
    /// Sentiment of the clauses that mention the theme.
    pub sentiment: SentimentLabel,
    /// Where the theme is mentioned.
    pub evidence: Vec<Span>,
}

/// Everything the engine says about one text.
///
/// JSON form (the CLI and API contract): `{"language":"de","language_confidence":0.97,
/// "sentiment":{...},"themes":[...]}` — the language is the bare code so filters can match it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "AnalysisJson", from = "AnalysisJson")]
pub struct Analysis {
    pub language: LanguageGuess,
    pub sentiment: Sentiment,
    pub themes: Vec<ThemeHit>,
}

#[derive(Serialize, Deserialize)]
struct AnalysisJson {
    language: Lang,
    #[serde(default = "one")]
    language_confidence: f64,
    sentiment: Sentiment,
    #[serde(default)]
    themes: Vec<ThemeHit>,
}

fn one() -> f64 {
    1.0
}

impl From<Analysis> for AnalysisJson {
    fn from(a: Analysis) -> Self {
        AnalysisJson {
            language: a.language.lang,
            language_confidence: a.language.confidence,
            sentiment: a.sentiment,
            themes: a.themes,
        }
    }
}

impl From<AnalysisJson> for Analysis {
    fn from(j: AnalysisJson) -> Self {
        Analysis {
            language: LanguageGuess {
                lang: j.language,
                confidence: j.language_confidence,
            },
            sentiment: j.sentiment,
            themes: j.themes,
        }
    }
}
