//! The CX theme taxonomy: its file format (TOML, embedded default or user file), the
//! compiled term matcher, and theme hits with evidence spans and clause-level sentiment.

use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

use crate::rules::{TokenScores, local_score};
use crate::tokenize::{Token, TokenKind};
use crate::types::{Lang, SentimentLabel, Span, ThemeHit};

/// Local compound score beyond which a theme mention counts as polar.
const THEME_POLAR: f32 = 0.15;

/// A taxonomy file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("cannot read taxonomy {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid taxonomy: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("invalid taxonomy: {0}")]
    Invalid(String),
}

/// One theme as written in the file.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeDef {
    pub id: String,
    pub label: Labels,
    #[serde(default)]
    pub de: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// German and English labels.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    pub de: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    version: u32,
    #[serde(rename = "theme", default)]
    themes: Vec<ThemeDef>,
}

/// One part of a term pattern.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Infix(String),
}

impl Part {
    fn parse(s: &str) -> Option<Part> {
        let lead = s.starts_with('*');
        let trail = s.ends_with('*') && s.len() > 1;
        let core = s.trim_matches('*').to_lowercase();
        if core.is_empty() {
            return None;
        }
        Some(match (lead, trail) {
            (false, false) => Part::Exact(core),
            (false, true) => Part::Prefix(core),
            (true, false) => Part::Suffix(core),
            (true, true) => Part::Infix(core),
        })
    }

    fn matches(&self, w: &str) -> bool {
        match self {
            Part::Exact(p) => w == p,
            Part::Prefix(p) => w.starts_with(p.as_str()),
            Part::Suffix(p) => w.ends_with(p.as_str()),
            Part::Infix(p) => w.contains(p.as_str()),
        }
    }
}

/// A compiled term: one or more parts matched against consecutive words.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    parts: Vec<Part>,
}

impl Pattern {
    fn parse(s: &str) -> Result<Pattern, String> {
        let parts: Vec<Part> = s
            .split_whitespace()
            .map(|p| Part::parse(p).ok_or_else(|| format!("empty pattern part in {s:?}")))
            .collect::<Result<_, _>>()?;
        if parts.is_empty() {
            return Err("empty pattern".to_string());
        }
        Ok(Pattern { parts })
    }

    /// Matches at word position `i` of `words`; returns the number of words matched.
    fn match_at(&self, words: &[&str], i: usize) -> Option<usize> {
        let n = self.parts.len();
        let slice = words.get(i..i + n)?;
        self.parts
            .iter()
            .zip(slice)
            .all(|(p, w)| p.matches(w))
            .then_some(n)
    }
}

#[derive(Debug, Clone)]
struct CompiledTheme {
    def: ThemeDef,
    exclude: Vec<Pattern>,
}

/// Length (in chars) of the keys of the prefix and suffix indexes.
const KEY: usize = 3;

/// Patterns indexed by what their first part needs of a word, so each word is checked
/// against a handful of candidates instead of every pattern.
#[derive(Debug, Clone, Default)]
struct Index {
    patterns: Vec<(usize, Pattern)>,
    exact: HashMap<String, Vec<usize>>,
    prefix: HashMap<String, Vec<usize>>,
    suffix: HashMap<String, Vec<usize>>,
    scan: Vec<usize>,
}

impl Index {
    fn add(&mut self, theme: usize, p: Pattern) {
        let id = self.patterns.len();
        match p.parts.first() {
            Some(Part::Exact(w)) => self.exact.entry(w.clone()).or_default().push(id),
            Some(Part::Prefix(w)) if w.chars().count() >= KEY => self
                .prefix
                .entry(w.chars().take(KEY).collect())
                .or_default()
                .push(id),
            Some(Part::Suffix(w)) if w.chars().count() >= KEY => {
                self.suffix.entry(last_chars(w, KEY)).or_default().push(id)
            }
            _ => self.scan.push(id),
        }
        self.patterns.push((theme, p));
    }

    fn candidates<'a>(&'a self, word: &str) -> impl Iterator<Item = &'a (usize, Pattern)> + 'a {
        let first: String = word.chars().take(KEY).collect();
        let last = last_chars(word, KEY);
        let pick = |m: &'a HashMap<String, Vec<usize>>, k: &str| {
            m.get(k).map(Vec::as_slice).unwrap_or(&[])
        };
        pick(&self.exact, word)
            .iter()
            .chain(pick(&self.prefix, &first))
            .chain(pick(&self.suffix, &last))
            .chain(&self.scan)
            .filter_map(|&id| self.patterns.get(id))
    }
}

fn last_chars(w: &str, n: usize) -> String {
    let count = w.chars().count();
    w.chars().skip(count.saturating_sub(n)).collect()
}

/// The compiled taxonomy.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    themes: Vec<CompiledTheme>,
    index: Index,
}

impl Taxonomy {
    /// The taxonomy shipped in the crate.
    pub fn embedded() -> Result<Taxonomy, TaxonomyError> {
        Taxonomy::from_toml(DEFAULT_TAXONOMY)
    }

    /// Reads a taxonomy file.
    pub fn from_file(path: &Path) -> Result<Taxonomy, TaxonomyError> {
        let text = std::fs::read_to_string(path).map_err(|source| TaxonomyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Taxonomy::from_toml(&text)
    }

    /// Parses and compiles TOML text.
    pub fn from_toml(text: &str) -> Result<Taxonomy, TaxonomyError> {
        let file: TaxonomyFile = toml::from_str(text)?;
        if file.version != 1 {
            return Err(TaxonomyError::Invalid(format!(
                "unsupported version {}",
                file.version
            )));
        }
        Taxonomy::from_defs(file.themes)
    }

    /// Compiles theme definitions.
    pub fn from_defs(defs: Vec<ThemeDef>) -> Result<Taxonomy, TaxonomyError> {
        let mut themes = Vec::with_capacity(defs.len());
        let mut index = Index::default();
        let mut seen = std::collections::HashSet::new();
        for (k, def) in defs.into_iter().enumerate() {
            let bad = |m: String| TaxonomyError::Invalid(format!("theme {:?}: {m}", def.id));
            if def.id.trim().is_empty() || !seen.insert(def.id.clone()) {
                return Err(bad("id is empty or used twice".into()));
            }
            for term in def.de.iter().chain(&def.en) {
                index.add(k, Pattern::parse(term).map_err(bad)?);
            }
            let exclude = def
                .exclude
                .iter()
                .map(|t| Pattern::parse(t).map_err(bad))
                .collect::<Result<_, _>>()?;
            themes.push(CompiledTheme { def, exclude });
        }
        Ok(Taxonomy { themes, index })
    }

    /// The theme definitions, in file order.
    pub fn themes(&self) -> impl Iterator<Item = &ThemeDef> {
        self.themes.iter().map(|t| &t.def)
    }

    /// The label of theme `id` in `lang`.
    pub fn label(&self, id: &str, lang: Lang) -> Option<&str> {
        self.themes
            .iter()
            .find(|t| t.def.id == id)
            .map(|t| label_in(&t.def, lang))
    }

    /// Finds the themes in a tokenised, scored text.
    pub fn find(&self, tokens: &[Token], scores: &TokenScores, lang: Lang) -> Vec<ThemeHit> {
        // Word tokens only, with their index in `tokens`.
        let idx: Vec<usize> = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                matches!(t.kind, TokenKind::Word | TokenKind::Hashtag) && t.lower.len() <= 64
            })
            .map(|(i, _)| i)
            .collect();
        let words: Vec<&str> = idx.iter().map(|&i| tokens[i].lower.as_str()).collect();
        // theme → list of (first word, word count)
        let mut found: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.themes.len()];
        for (wi, w) in words.iter().enumerate() {
            for (k, p) in self.index.candidates(w) {
                if let Some(len) = p.match_at(&words, wi)
                    && let Some(list) = found.get_mut(*k)
                {
                    list.push((wi, len));
                }
            }
        }
        let mut hits = Vec::new();
        for (k, mut spans) in found.into_iter().enumerate() {
            if spans.is_empty() {
                continue;
            }
            let theme = &self.themes[k];
            if !theme.exclude.is_empty() {
                let words = &words;
                let excluded: Vec<(usize, usize)> = (0..words.len())
                    .flat_map(|wi| {
                        theme
                            .exclude
                            .iter()
                            .filter_map(move |p| p.match_at(words, wi).map(|l| (wi, l)))
                    })
                    .collect();
                spans.retain(|(s, l)| !excluded.iter().any(|(es, el)| *s < es + el && *es < s + l));
            }
            // Longest first at each start, then drop spans inside an earlier one ("on hold" ⊃ "hold").
            spans.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            let mut end = 0;
            spans.retain(|(s, l)| {
                let keep = *s >= end;
                end = end.max(s + l);
                keep
            });
            if spans.is_empty() {
                continue;
            }
            let mut total = 0.0f32;
            let evidence: Vec<Span> = spans
                .iter()
                .map(|&(s, l)| {
                    let first = idx[s];
                    let last = idx[s + l - 1];
                    total += local_score(scores, first);
                    Span {
                        start: tokens[first].start,
                        end: tokens[last].end,
                    }
                })
                .collect();
            let mean = total / spans.len() as f32;
            let sentiment = if mean >= THEME_POLAR {
                SentimentLabel::Positive
            } else if mean <= -THEME_POLAR {
                SentimentLabel::Negative
            } else {
                SentimentLabel::Neutral
            };
            hits.push(ThemeHit {
                id: theme.def.id.clone(),
                label: label_in(&theme.def, lang).to_string(),
                sentiment,
                evidence,
            });
        }
        // In order of first mention.
        hits.sort_by_key(|h| h.evidence.first().map_or(usize::MAX, |e| e.start));
        hits
    }
}

fn label_in(def: &ThemeDef, lang: Lang) -> &str {
    match lang {
        Lang::De => &def.label.de,
        _ => &def.label.en,
    }
}

/// The default taxonomy file, as shipped.
pub const DEFAULT_TAXONOMY: &str = include_str!("../resources/taxonomy.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_taxonomy_has_the_required_themes() {
        let t = Taxonomy::embedded().expect("default taxonomy compiles");
        let ids: Vec<&str> = t.themes().map(|d| d.id.as_str()).collect();
        for id in [
            "billing",
            "delivery",
            "waiting_time",
            "staff_friendliness",
            "staff_competence",
            "product_quality",
            "price_value",
            "app_website",
            "contact_options",
            "processing_speed",
            "information_communication",
        ] {
            assert!(ids.contains(&id), "missing {id}");
        }
        assert_eq!(t.label("billing", Lang::De), Some("Rechnung & Abrechnung"));
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in proptest::prelude::any::<String>()) {
            let _ = Taxonomy::from_toml(&s);
        }

        #[test]
        fn pattern_parts_never_panic(s in "[a-zäöü* -]{0,30}") {
            let file = format!("version = 1\n[[theme]]\nid = 'x'\nlabel = {{ de = 'x', en = 'x' }}\nde = [{s:?}]\n");
            if let Ok(t) = Taxonomy::from_toml(&file) {
                let text = "Die Rechnung kam zu spät";
                let p = crate::Analyzer::shared().parse(text, Some(Lang::De));
                let _ = t.find(&p.tokens, &p.scores, Lang::De);
            }
        }
    }

    #[test]
    fn invalid_files_are_errors() {
        assert!(Taxonomy::from_toml("version = 2").is_err());
        assert!(
            Taxonomy::from_toml("version = 1\n[[theme]]\nid='a'\nlabel={de='a',en='a'}\nde=['*']")
                .is_err()
        );
        assert!(Taxonomy::from_toml("version = 1\n[[theme]]\nid='a'\nlabel={de='a',en='a'}\n[[theme]]\nid='a'\nlabel={de='a',en='a'}").is_err());
        assert!(
            Taxonomy::from_toml("version = 1\n[[theme]]\nid='a'\nlabel={de='a',en='a'}\nunknown=1")
                .is_err()
        );
        assert!(Taxonomy::from_toml("not toml [").is_err());
    }
}
