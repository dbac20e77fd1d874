//! # touchpoint-text — text analytics for customer feedback
//!
//! `&str` in, structured insight out: language (de / en / other), sentiment (label, score,
//! confidence), CX themes with evidence spans and their own sentiment, emerging themes
//! among uncovered negative comments, and recurring small problems over time.
//!
//! **What belongs here:** pure, CPU-bound analysis; its embedded resources (lexicons,
//! default model, default taxonomy — each with its licence in `resources/ATTRIBUTION.md`);
//! the evaluation harness; the functions behind `touchpoint text analyze|eval|train`
//! ([`commands`]). **What must not:** storage, HTTP, async runtimes, clocks, network, or
//! anything derived from non-commercial data (GermEval is used for evaluation only).
//!
//! ```
//! let a = touchpoint_text::Analyzer::shared();
//! let r = a.analyze("Der Service war super, aber die Rechnung ist unverständlich");
//! assert_eq!(r.language.lang, touchpoint_text::Lang::De);
//! let billing = r.themes.iter().find(|t| t.id == "billing").map(|t| t.sentiment);
//! assert_eq!(billing, Some(touchpoint_text::SentimentLabel::Negative));
//! ```
//!
//! [`Analyzer`] is `Send + Sync`; build it once (≈ tens of ms) and share it.

pub mod analyzer;
pub mod commands;
pub mod emerging;
pub mod eval;
pub mod features;
pub mod lang;
pub mod lexicon;
pub mod model;
pub mod modifiers;
pub mod recurring;
pub mod rules;
pub mod sentiment;
pub mod taxonomy;
pub mod tokenize;
pub mod training;
pub mod types;

pub use analyzer::{Analyzer, LoadError};
pub use emerging::{CandidateTheme, EmergingOptions, emerging_themes};
pub use model::{Model, ModelError, TrainOptions};
pub use recurring::{
    PeriodCount, RecurrencePattern, RecurringIssue, RecurringOptions, ThemeSeries, rank_recurring,
};
pub use taxonomy::{Taxonomy, TaxonomyError};
pub use types::*;

/// Analyses one text with the shared embedded engine ([`Analyzer::shared`]).
pub fn analyze(text: &str) -> Analysis {
    Analyzer::shared().analyze(text)
}

/// Analyses many texts, in order, with the shared embedded engine.
pub fn analyze_batch<S: AsRef<str> + Sync>(texts: &[S]) -> Vec<Analysis> {
    Analyzer::shared().analyze_batch(texts)
}

/// The shipped default model (see `examples/train_default.rs` for how it is built).
pub fn default_model() -> Result<model::Model, model::ModelError> {
    model::Model::from_bytes(
        include_bytes!("../resources/model/model.json"),
        include_bytes!("../resources/model/weights.bin"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn analyzer_is_send_and_sync() {
        assert_send_sync::<Analyzer>();
    }

    #[test]
    fn theme_level_sentiment_follows_the_clause() {
        let r = analyze("Der Service war super, aber die Rechnung ist unverständlich");
        let get = |id: &str| r.themes.iter().find(|t| t.id == id).map(|t| t.sentiment);
        assert_eq!(get("billing"), Some(SentimentLabel::Negative), "{r:?}");
        assert_eq!(
            get("staff_friendliness"),
            Some(SentimentLabel::Positive),
            "{r:?}"
        );
        let billing = r
            .themes
            .iter()
            .find(|t| t.id == "billing")
            .map(|t| t.label.as_str());
        assert_eq!(billing, Some("Rechnung & Abrechnung"));
        let r = analyze("The staff were friendly but the invoice was wrong again");
        let get = |id: &str| r.themes.iter().find(|t| t.id == id).map(|t| t.sentiment);
        assert_eq!(
            get("staff_friendliness"),
            Some(SentimentLabel::Positive),
            "{r:?}"
        );
        assert_eq!(get("billing"), Some(SentimentLabel::Negative), "{r:?}");
    }

    #[test]
    fn evidence_points_into_the_text() {
        let text = "Lieferung kam drei Tage zu spät 😡";
        let r = analyze(text);
        let d = r
            .themes
            .iter()
            .find(|t| t.id == "delivery")
            .expect("delivery found");
        assert_eq!(&text[d.evidence[0].start..d.evidence[0].end], "Lieferung");
        assert_eq!(r.sentiment.label, SentimentLabel::Negative);
    }

    #[test]
    fn json_shape() {
        let r = analyze("Die Rechnung ist falsch");
        let v = serde_json::to_value(&r).expect("serialises");
        assert_eq!(v["language"], "de");
        assert_eq!(v["sentiment"]["label"], "negative");
        assert!(v["sentiment"]["score"].as_f64().is_some_and(|s| s < 0.0));
        assert_eq!(v["themes"][0]["id"], "billing");
        let back: Analysis = serde_json::from_value(v).expect("deserialises");
        assert_eq!(back.themes, r.themes);
    }

    #[test]
    fn bad_input_has_defined_results() {
        for text in [
            "",
            "   \n\t ",
            "😀😀😀",
            "🤬🤬",
            "\u{0}\u{1}\u{7f}",
            "!!!???",
        ] {
            let r = analyze(text);
            assert!((-1.0..=1.0).contains(&r.sentiment.score));
        }
        assert_eq!(analyze("").sentiment.label, SentimentLabel::Neutral);
        assert_eq!(analyze("").language.lang, Lang::Other);
        assert_eq!(analyze("😀😀😀").sentiment.label, SentimentLabel::Positive);
        let long = "Die Lieferung war schlecht. ".repeat(4000);
        let r = analyze(&long);
        assert_eq!(r.sentiment.label, SentimentLabel::Negative);
        let junk: String = (0..100_000u32)
            .map(|i| char::from_u32(0x20 + (i * 7919) % 0x2000).unwrap_or('x'))
            .collect();
        let _ = analyze(&junk);
        let one_word = "a".repeat(100_000);
        let _ = analyze(&one_word);
    }

    #[test]
    fn mixed_language_texts_use_both_theme_lists() {
        let r = analyze("Die Lieferung war schnell, but the invoice was wrong");
        assert!(matches!(r.language.lang, Lang::De | Lang::En | Lang::Other));
        let ids: Vec<&str> = r.themes.iter().map(|t| t.id.as_str()).collect();
        assert!(
            ids.contains(&"delivery") && ids.contains(&"billing"),
            "{ids:?}"
        );
    }

    #[test]
    fn hint_forces_language() {
        let a = Analyzer::new().expect("embedded").with_hint(Some(Lang::En));
        assert_eq!(a.analyze("Die Rechnung").language.lang, Lang::En);
        assert_eq!(a.analyze("Die Rechnung").language.confidence, 1.0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn analyze_never_panics_and_stays_in_range(s in any::<String>()) {
            let r = analyze(&s);
            prop_assert!((-1.0..=1.0).contains(&r.sentiment.score));
            prop_assert!((0.0..=1.0).contains(&r.sentiment.confidence));
            prop_assert!((0.0..=1.0).contains(&r.language.confidence));
            for t in &r.themes {
                for e in &t.evidence {
                    prop_assert!(e.start < e.end && e.end <= s.len());
                    prop_assert!(s.is_char_boundary(e.start) && s.is_char_boundary(e.end));
                }
            }
        }
    }
}
