//! [`Analyzer`]: the engine's entry point. Built once (embedded resources, or a model
//! directory), then shared between threads; `analyze` takes `&self` and allocates only
//! per call.

use std::path::Path;
use std::sync::OnceLock;

use crate::features;
use crate::lang;
use crate::lexicon::{LexiconError, parse_lexicon};
use crate::model::{Model, ModelError};
use crate::rules::{self, Lexicons, RuleScore, TokenScores};
use crate::sentiment;
use crate::taxonomy::{Taxonomy, TaxonomyError};
use crate::tokenize::{Token, tokenize};
use crate::types::{Analysis, Lang, LanguageGuess, Sentiment};

/// Texts longer than this are analysed on their first `MAX_BYTES` bytes (cut on a char
/// boundary): a 100,000-character paste still gets a defined, fast answer.
pub const MAX_BYTES: usize = 20_000;

/// File names looked up in a model directory besides the model itself.
pub const TAXONOMY_FILE: &str = "taxonomy.toml";
pub const LEXICON_DE_FILE: &str = "lexicon_de.tsv";
pub const LEXICON_EN_FILE: &str = "lexicon_en.tsv";

/// Building an analyzer failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Taxonomy(#[from] TaxonomyError),
    #[error("{path}: {source}")]
    Lexicon {
        path: String,
        #[source]
        source: LexiconError,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The text analytics engine. `Send + Sync`: build one and share it (e.g. in an `Arc`).
#[derive(Debug)]
pub struct Analyzer {
    lexicons: Lexicons,
    model: Option<Model>,
    taxonomy: Taxonomy,
    hint: Option<Lang>,
}

/// Intermediate results shared by sentiment and themes.
pub(crate) struct Parsed {
    pub tokens: Vec<Token>,
    pub lang: LanguageGuess,
    pub scores: TokenScores,
    pub rule: RuleScore,
}

impl Analyzer {
    /// The engine with the embedded lexicons, default model and default taxonomy.
    pub fn new() -> Result<Self, LoadError> {
        Ok(Analyzer::rules_only()?.with_model(crate::default_model()?))
    }

    /// The embedded lexicons and taxonomy without any model: the base for training.
    pub fn rules_only() -> Result<Self, LoadError> {
        let lexicons = Lexicons::embedded().map_err(|source| LoadError::Lexicon {
            path: "embedded lexicon".into(),
            source,
        })?;
        Ok(Analyzer {
            lexicons,
            model: None,
            taxonomy: Taxonomy::embedded()?,
            hint: None,
        })
    }

    /// The embedded engine, built once per process.
    pub fn shared() -> &'static Analyzer {
        static SHARED: OnceLock<Analyzer> = OnceLock::new();
        #[allow(clippy::expect_used)]
        SHARED.get_or_init(|| {
            Analyzer::new().expect("embedded resources are valid (checked by tests)")
        })
    }

    /// The embedded engine with the model, and optionally taxonomy and lexicon additions,
    /// from a directory written by `train` (`model.json`, `weights.bin`, and if present
    /// `taxonomy.toml`, `lexicon_de.tsv`, `lexicon_en.tsv`).
    pub fn from_dir(dir: &Path) -> Result<Self, LoadError> {
        let mut a = Analyzer::rules_only()?;
        a.model = Some(Model::load(dir)?);
        let tax = dir.join(TAXONOMY_FILE);
        if tax.exists() {
            a.taxonomy = Taxonomy::from_file(&tax)?;
        }
        for (file, lang) in [(LEXICON_DE_FILE, Lang::De), (LEXICON_EN_FILE, Lang::En)] {
            let p = dir.join(file);
            if p.exists() {
                let text = std::fs::read_to_string(&p).map_err(|source| LoadError::Io {
                    path: p.display().to_string(),
                    source,
                })?;
                let entries = parse_lexicon(&text).map_err(|source| LoadError::Lexicon {
                    path: p.display().to_string(),
                    source,
                })?;
                a.lexicons.extend(lang, entries);
            }
        }
        Ok(a)
    }

    /// Replaces the sentiment model.
    pub fn with_model(mut self, model: Model) -> Self {
        self.model = Some(model);
        self
    }

    /// Uses the rules only (no linear model).
    pub fn without_model(mut self) -> Self {
        self.model = None;
        self
    }

    /// Replaces the taxonomy.
    pub fn with_taxonomy(mut self, taxonomy: Taxonomy) -> Self {
        self.taxonomy = taxonomy;
        self
    }

    /// Loads a taxonomy file (TOML) and uses it.
    pub fn with_taxonomy_file(self, path: &Path) -> Result<Self, LoadError> {
        Ok(self.with_taxonomy(Taxonomy::from_file(path)?))
    }

    /// Forces the language of every text (`--lang`); `None` detects it.
    pub fn with_hint(mut self, lang: Option<Lang>) -> Self {
        self.hint = lang;
        self
    }

    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    pub fn model(&self) -> Option<&Model> {
        self.model.as_ref()
    }

    /// Analyses one text. Never panics; empty input gives a neutral result with no themes.
    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_with(text, self.hint)
    }

    /// Analyses one text with a forced language (`Some`) or detection (`None`).
    pub fn analyze_with(&self, text: &str, lang: Option<Lang>) -> Analysis {
        let text = truncate(text, MAX_BYTES);
        let p = self.parse(text, lang);
        let sentiment = self.sentiment_of(&p);
        let themes = self.taxonomy.find(&p.tokens, &p.scores, p.lang.lang);
        Analysis {
            language: p.lang,
            sentiment,
            themes,
        }
    }

    /// Analyses many texts, in order, on all cores for large batches.
    pub fn analyze_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Analysis> {
        self.analyze_batch_with(texts, self.hint)
    }

    /// [`Analyzer::analyze_batch`] with a forced language.
    pub fn analyze_batch_with<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        lang: Option<Lang>,
    ) -> Vec<Analysis> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if threads <= 1 || texts.len() < 64 {
            return texts
                .iter()
                .map(|t| self.analyze_with(t.as_ref(), lang))
                .collect();
        }
        let chunk = texts.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = texts
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .map(|t| self.analyze_with(t.as_ref(), lang))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(texts.len());
            for (h, part) in handles.into_iter().zip(texts.chunks(chunk)) {
                match h.join() {
                    Ok(v) => out.extend(v),
                    // A panicking worker is a bug; redo its part on this thread rather than lose it.
                    Err(_) => out.extend(part.iter().map(|t| self.analyze_with(t.as_ref(), lang))),
                }
            }
            out
        })
    }

    /// Only the sentiment (used by the evaluation harness).
    pub fn sentiment(&self, text: &str) -> Sentiment {
        let text = truncate(text, MAX_BYTES);
        let p = self.parse(text, self.hint);
        self.sentiment_of(&p)
    }

    /// The rule score alone (diagnostics and baselines).
    pub fn rule_score(&self, text: &str, lang: Option<Lang>) -> RuleScore {
        self.parse(truncate(text, MAX_BYTES), lang).rule
    }

    /// Whether `word` (lower case) carries sentiment in `lang`'s lexicon.
    pub fn is_sentiment_word(&self, word: &str, lang: Lang) -> bool {
        let lex = match lang {
            Lang::En => &self.lexicons.en,
            _ => &self.lexicons.de,
        };
        lex.lookup(word).is_some_and(|v| v != 0.0)
    }

    /// The model's class probabilities (negative, neutral, positive), if a model is loaded.
    pub fn probabilities(&self, text: &str, lang: Option<Lang>) -> Option<[f32; 3]> {
        let m = self.model.as_ref()?;
        let p = self.parse(truncate(text, MAX_BYTES), lang);
        Some(m.predict(&features::extract(
            &p.tokens,
            &p.scores,
            &p.rule,
            p.lang.lang,
            m.bits(),
        )))
    }

    /// Model features of a text (for training).
    pub fn features(&self, text: &str, lang: Option<Lang>, bits: u32) -> features::Features {
        let p = self.parse(truncate(text, MAX_BYTES), lang);
        features::extract(&p.tokens, &p.scores, &p.rule, p.lang.lang, bits)
    }

    pub(crate) fn parse(&self, text: &str, lang: Option<Lang>) -> Parsed {
        let tokens = tokenize(text);
        let guess = match lang {
            Some(l) => LanguageGuess {
                lang: l,
                confidence: 1.0,
            },
            None => lang::detect(text, &tokens),
        };
        let scores = rules::score_tokens(&tokens, guess.lang, &self.lexicons);
        let rule = rules::document_score(&tokens, guess.lang, &scores);
        Parsed {
            tokens,
            lang: guess,
            scores,
            rule,
        }
    }

    fn sentiment_of(&self, p: &Parsed) -> Sentiment {
        if p.rule.words == 0 && p.rule.hits == 0 {
            return Sentiment::NEUTRAL_EMPTY;
        }
        match &self.model {
            Some(m) => {
                let f = features::extract(&p.tokens, &p.scores, &p.rule, p.lang.lang, m.bits());
                sentiment::from_model(&p.rule, m.predict(&f), m.meta.blend)
            }
            None => sentiment::from_rules(&p.rule),
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
