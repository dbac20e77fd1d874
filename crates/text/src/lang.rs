//! Language identification for German, English and everything else.
//!
//! Feedback is short: one line, a tweet, three words. Trigram models (whatlang) are weak
//! there, so a vote of very frequent function words and German-only letters decides first;
//! whatlang decides when the function words do not.

use crate::sentiment::round2;
use crate::tokenize::{Token, TokenKind};
use crate::types::{Lang, LanguageGuess};

const DE_WORDS: &[&str] = &[
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "ich",
    "ein",
    "eine",
    "einen",
    "mit",
    "auf",
    "für",
    "sich",
    "dem",
    "den",
    "des",
    "von",
    "zu",
    "war",
    "wir",
    "sie",
    "es",
    "auch",
    "noch",
    "wie",
    "aber",
    "nur",
    "bei",
    "kein",
    "keine",
    "sehr",
    "schon",
    "mir",
    "mich",
    "bin",
    "sind",
    "hat",
    "habe",
    "haben",
    "wird",
    "wurde",
    "nach",
    "aus",
    "um",
    "immer",
    "wieder",
    "leider",
    "danke",
    "gut",
    "toll",
    "super",
    "schlecht",
    "bitte",
    "jetzt",
    "heute",
    "mal",
    "oder",
    "dass",
    "als",
    "wenn",
    "doch",
    "ja",
    "nein",
    "gibt",
    "man",
    "kann",
    "keinen",
    "ganz",
    "über",
    "zum",
    "zur",
    "im",
    "vom",
    "am",
    "diese",
    "dieser",
    "mein",
    "meine",
    "meinen",
    "ihr",
    "ihre",
    "uns",
    "euch",
    "seit",
    "wo",
    "was",
    "warum",
    "weil",
    "durch",
    "ohne",
    "gar",
    "nichts",
    "alles",
    "viel",
    "endlich",
    "einfach",
    "schnell",
    "freundlich",
    "zug",
    "bahn",
];

const EN_WORDS: &[&str] = &[
    "the",
    "and",
    "is",
    "not",
    "it",
    "to",
    "of",
    "a",
    "an",
    "in",
    "for",
    "that",
    "this",
    "was",
    "with",
    "my",
    "you",
    "i",
    "on",
    "are",
    "be",
    "have",
    "has",
    "had",
    "but",
    "they",
    "at",
    "or",
    "very",
    "no",
    "so",
    "just",
    "your",
    "me",
    "we",
    "our",
    "can",
    "will",
    "would",
    "do",
    "does",
    "did",
    "don't",
    "didn't",
    "what",
    "when",
    "why",
    "how",
    "there",
    "their",
    "been",
    "from",
    "great",
    "good",
    "bad",
    "thanks",
    "thank",
    "please",
    "love",
    "really",
    "too",
    "all",
    "after",
    "again",
    "never",
    "still",
    "any",
    "some",
    "get",
    "got",
    "it's",
    "i'm",
    "its",
    "were",
    "which",
    "by",
    "about",
    "customer",
    "service",
    "order",
    "poor",
    "excellent",
    "terrible",
    "awful",
];

/// Words spelt the same in both lists carry no vote ("so", "in", "was"…).
fn vote(word: &str) -> (f32, f32) {
    let de = DE_WORDS.contains(&word);
    let en = EN_WORDS.contains(&word);
    match (de, en) {
        (true, false) => (1.0, 0.0),
        (false, true) => (0.0, 1.0),
        _ => (0.0, 0.0),
    }
}

/// Guesses the language from the text and its tokens.
pub fn detect(text: &str, tokens: &[Token]) -> LanguageGuess {
    let mut de = 0.0f32;
    let mut en = 0.0f32;
    let mut words = 0usize;
    for t in tokens
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::Hashtag))
    {
        words += 1;
        let (d, e) = vote(&t.lower);
        de += d;
        en += e;
        if t.lower.chars().any(|c| matches!(c, 'ä' | 'ö' | 'ü' | 'ß')) {
            de += 0.7;
        }
    }
    if words == 0 {
        return LanguageGuess {
            lang: Lang::Other,
            confidence: 0.0,
        };
    }
    let total = de + en;
    let words_f = words as f32;
    // Function words decide when they are many and one-sided.
    if total >= 2.0 && (de.max(en) / total) >= 0.75 {
        let lang = if de > en { Lang::De } else { Lang::En };
        let coverage = (total / words_f).min(1.0);
        let confidence = (0.6 + 0.4 * (de.max(en) / total) * (0.5 + coverage)).min(0.99);
        return LanguageGuess {
            lang,
            confidence: round2(confidence),
        };
    }
    let wl = whatlang::detect(text);
    match wl {
        Some(info) => {
            let lang = match info.lang() {
                whatlang::Lang::Deu => Lang::De,
                whatlang::Lang::Eng => Lang::En,
                _ => Lang::Other,
            };
            let mut confidence = info.confidence() as f32;
            // One function word agreeing with whatlang settles a short text.
            let agrees = (lang == Lang::De && de > en) || (lang == Lang::En && en > de);
            let disagrees = (lang == Lang::De && en > de) || (lang == Lang::En && de > en);
            if agrees {
                confidence = confidence.max(0.7);
            }
            if lang == Lang::Other && total >= 1.0 {
                // Short texts with a German or English function word but a foreign trigram profile.
                let l = if de > en {
                    Lang::De
                } else if en > de {
                    Lang::En
                } else {
                    Lang::Other
                };
                if l != Lang::Other && !info.is_reliable() {
                    return LanguageGuess {
                        lang: l,
                        confidence: 0.5,
                    };
                }
            }
            if disagrees && !info.is_reliable() {
                let l = if de > en { Lang::De } else { Lang::En };
                return LanguageGuess {
                    lang: l,
                    confidence: 0.5,
                };
            }
            LanguageGuess {
                lang,
                confidence: round2(confidence.clamp(0.0, 1.0)),
            }
        }
        None => {
            let lang = if de > en {
                Lang::De
            } else if en > de {
                Lang::En
            } else {
                Lang::Other
            };
            LanguageGuess {
                lang,
                confidence: 0.3,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn lang(t: &str) -> Lang {
        detect(t, &tokenize(t)).lang
    }

    #[test]
    fn short_german_and_english() {
        assert_eq!(
            lang("Der Service war super, aber die Rechnung ist unverständlich"),
            Lang::De
        );
        assert_eq!(lang("nicht gut"), Lang::De);
        assert_eq!(lang("Lieferung zu spät"), Lang::De);
        assert_eq!(lang("not helpful at all"), Lang::En);
        assert_eq!(lang("The delivery was late and the driver rude"), Lang::En);
        assert_eq!(lang("Größenangabe stimmt überhaupt nicht"), Lang::De);
    }

    #[test]
    fn other_languages_and_nothing() {
        assert_eq!(
            lang("Le service était vraiment très mauvais et le livreur impoli"),
            Lang::Other
        );
        assert_eq!(
            lang("El servicio fue muy malo y la entrega llegó tarde"),
            Lang::Other
        );
        assert_eq!(lang("😀😀"), Lang::Other);
        assert_eq!(lang(""), Lang::Other);
    }
}
