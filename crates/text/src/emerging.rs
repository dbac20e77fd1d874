//! Emerging themes: negative comments that no taxonomy theme covers, grouped around the
//! terms they share, so a CX manager can promote a group into the taxonomy.

use rust_stemmers::{Algorithm, Stemmer};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

use crate::analyzer::Analyzer;
use crate::tokenize::{TokenKind, tokenize};
use crate::types::{Analysis, Lang, SentimentLabel};

/// A group of uncovered negative comments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateTheme {
    /// The most characteristic terms, most telling first (surface forms, lower case).
    pub top_terms: Vec<String>,
    /// Up to `EmergingOptions::examples` comment texts.
    pub examples: Vec<String>,
    /// Number of comments in the group.
    pub size: usize,
    /// Indices of the group's comments in the input.
    pub members: Vec<usize>,
}

/// Tuning of [`emerging_themes`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergingOptions {
    /// Smallest group worth showing.
    pub min_size: usize,
    pub max_candidates: usize,
    pub examples: usize,
    pub top_terms: usize,
    /// Terms in more than this share of the uncovered comments are too generic to seed a group.
    pub max_share: f32,
}

impl Default for EmergingOptions {
    fn default() -> Self {
        EmergingOptions {
            min_size: 3,
            max_candidates: 10,
            examples: 3,
            top_terms: 5,
            max_share: 0.5,
        }
    }
}

const STOPWORDS: &[&str] = &[
    // German
    "der",
    "die",
    "das",
    "den",
    "dem",
    "des",
    "ein",
    "eine",
    "einen",
    "einem",
    "einer",
    "eines",
    "und",
    "oder",
    "aber",
    "ist",
    "sind",
    "war",
    "waren",
    "wird",
    "wurde",
    "wurden",
    "hat",
    "habe",
    "haben",
    "hatte",
    "hatten",
    "ich",
    "mir",
    "mich",
    "mein",
    "meine",
    "meinen",
    "meinem",
    "du",
    "sie",
    "ihr",
    "ihre",
    "ihnen",
    "wir",
    "uns",
    "unser",
    "unsere",
    "es",
    "man",
    "mit",
    "von",
    "vom",
    "zu",
    "zum",
    "zur",
    "auf",
    "aus",
    "bei",
    "für",
    "nach",
    "über",
    "unter",
    "vor",
    "durch",
    "gegen",
    "ohne",
    "um",
    "an",
    "am",
    "im",
    "in",
    "ins",
    "als",
    "wie",
    "wenn",
    "dass",
    "weil",
    "noch",
    "schon",
    "auch",
    "nur",
    "sehr",
    "mal",
    "nicht",
    "kein",
    "keine",
    "keinen",
    "nichts",
    "immer",
    "wieder",
    "jetzt",
    "heute",
    "dann",
    "doch",
    "denn",
    "so",
    "da",
    "hier",
    "dort",
    "was",
    "wer",
    "wo",
    "warum",
    "kann",
    "können",
    "konnte",
    "muss",
    "müssen",
    "musste",
    "soll",
    "sollte",
    "will",
    "wollte",
    "würde",
    "gibt",
    "gab",
    "geht",
    "ging",
    "mehr",
    "viel",
    "viele",
    "einfach",
    "bitte",
    "danke",
    "leider",
    "seit",
    "bis",
    "diese",
    "dieser",
    "dieses",
    "diesem",
    "jeden",
    "jede",
    "alle",
    "alles",
    "etwas",
    "sich",
    "sein",
    "seine",
    "wieso",
    "weshalb",
    "ja",
    "nein",
    "ob",
    "selbst",
    "wirklich",
    "total",
    "ganz",
    "gar",
    "eigentlich",
    // English
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "i",
    "me",
    "my",
    "you",
    "your",
    "he",
    "she",
    "it",
    "its",
    "we",
    "our",
    "they",
    "them",
    "their",
    "this",
    "that",
    "these",
    "those",
    "to",
    "of",
    "in",
    "on",
    "at",
    "for",
    "with",
    "from",
    "by",
    "about",
    "as",
    "into",
    "than",
    "then",
    "so",
    "not",
    "no",
    "never",
    "very",
    "too",
    "just",
    "also",
    "again",
    "still",
    "all",
    "any",
    "some",
    "can",
    "could",
    "would",
    "should",
    "will",
    "did",
    "does",
    "do",
    "don't",
    "didn't",
    "there",
    "here",
    "what",
    "when",
    "why",
    "how",
    "who",
    "which",
    "get",
    "got",
    "one",
    "even",
    "really",
    "only",
    "after",
    "before",
];

/// Groups the negative comments without a theme. `comments` pairs each text with its
/// analysis (as stored); the result is ordered by group size, largest first.
pub fn emerging_themes<'a>(
    comments: impl IntoIterator<Item = (&'a str, &'a Analysis)>,
    options: &EmergingOptions,
) -> Vec<CandidateTheme> {
    let lexicons = Analyzer::shared();
    let de = Stemmer::create(Algorithm::German);
    let en = Stemmer::create(Algorithm::English);
    // (input index, text, stems)
    let mut docs: Vec<(usize, &str, Vec<String>)> = Vec::new();
    let mut surface: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    for (i, (text, a)) in comments.into_iter().enumerate() {
        if a.sentiment.label != SentimentLabel::Negative || !a.themes.is_empty() {
            continue;
        }
        let lang = a.language.lang;
        let mut stems: Vec<String> = tokenize(text)
            .into_iter()
            .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::Hashtag))
            .filter(|t| t.lower.chars().count() >= 3 && t.lower.len() <= 40)
            .filter(|t| !STOPWORDS.contains(&t.lower.as_str()))
            .filter(|t| t.lower.chars().any(char::is_alphabetic))
            .filter(|t| !lexicons.is_sentiment_word(&t.lower, lang))
            .map(|t| {
                let stem = match lang {
                    Lang::En => en.stem(&t.lower).into_owned(),
                    _ => de.stem(&t.lower).into_owned(),
                };
                *surface
                    .entry(stem.clone())
                    .or_default()
                    .entry(t.lower)
                    .or_default() += 1;
                stem
            })
            .collect();
        stems.sort_unstable();
        stems.dedup();
        docs.push((i, text, stems));
    }
    let n = docs.len();
    if n < options.min_size {
        return Vec::new();
    }
    let mut df: HashMap<&str, usize> = HashMap::new();
    for (_, _, stems) in &docs {
        for s in stems {
            *df.entry(s.as_str()).or_default() += 1;
        }
    }
    let max_df = ((n as f32) * options.max_share).max(options.min_size as f32);
    let mut seeds: Vec<(&str, usize)> = df
        .iter()
        .filter(|(_, c)| **c >= options.min_size && (**c as f32) <= max_df)
        .map(|(s, c)| (*s, *c))
        .collect();
    seeds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut assigned = vec![false; n];
    let mut out = Vec::new();
    for (seed, _) in seeds {
        if out.len() >= options.max_candidates {
            break;
        }
        let members: Vec<usize> = (0..n)
            .filter(|&d| !assigned[d] && docs[d].2.iter().any(|s| s == seed))
            .collect();
        if members.len() < options.min_size {
            continue;
        }
        // Terms over-represented in the group: in-group frequency × idf.
        let mut score: HashMap<&str, f32> = HashMap::new();
        for &d in &members {
            for s in &docs[d].2 {
                let idf =
                    ((n as f32 + 1.0) / (df.get(s.as_str()).copied().unwrap_or(1) as f32)).ln();
                *score.entry(s.as_str()).or_default() += idf;
            }
        }
        let mut terms: Vec<(&str, f32)> = score.into_iter().filter(|(_, v)| *v > 0.0).collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let mut top_terms: Vec<String> = vec![display(&surface, seed)];
        top_terms.extend(
            terms
                .iter()
                .filter(|(s, _)| *s != seed)
                .take(options.top_terms.saturating_sub(1))
                .map(|(s, _)| display(&surface, s)),
        );
        for &d in &members {
            assigned[d] = true;
        }
        out.push(CandidateTheme {
            top_terms,
            examples: members
                .iter()
                .take(options.examples)
                .map(|&d| docs[d].1.to_string())
                .collect(),
            size: members.len(),
            members: members.iter().map(|&d| docs[d].0).collect(),
        });
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.size));
    out
}

/// The most frequent surface form of a stem.
fn display(surface: &HashMap<String, BTreeMap<String, usize>>, stem: &str) -> String {
    surface
        .get(stem)
        .and_then(|m| m.iter().max_by_key(|(_, c)| **c).map(|(w, _)| w.clone()))
        .unwrap_or_else(|| stem.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_uncovered_negative_comments() {
        let a = Analyzer::shared();
        let texts = [
            "Der Parkplatz vor der Filiale ist eine Katastrophe",
            "Schon wieder kein Parkplatz gefunden, furchtbar",
            "Parkplätze viel zu eng, schlimm",
            "Das Parkhaus ist dreckig und der Parkplatz schrecklich",
            "Die Musik im Laden ist furchtbar laut und nervig",
            "Alles super, vielen Dank!",
            "Die Rechnung ist falsch und unverständlich",
        ];
        let analyses: Vec<Analysis> = texts.iter().map(|t| a.analyze(t)).collect();
        let cands = emerging_themes(
            texts.iter().copied().zip(analyses.iter()),
            &EmergingOptions::default(),
        );
        assert_eq!(cands.len(), 1, "{cands:?}");
        assert!(
            cands[0].top_terms[0].starts_with("parkplatz"),
            "{:?}",
            cands[0].top_terms
        );
        assert!(cands[0].size >= 3);
        assert!(!cands[0].members.contains(&5) && !cands[0].members.contains(&6));
    }

    #[test]
    fn nothing_to_group() {
        assert!(emerging_themes(std::iter::empty(), &EmergingOptions::default()).is_empty());
    }
}
