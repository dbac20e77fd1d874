//! Sentiment lexicons: parsing the `term<TAB>valence` files, lookup of words, inflected
//! forms (through the Snowball stemmer), German compounds and multi-word phrases.

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashMap;

use crate::types::Lang;

/// A malformed lexicon line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("lexicon line {line}: {message}")]
pub struct LexiconError {
    pub line: usize,
    pub message: String,
}

/// Parses `term<TAB>valence` lines; `#` starts a comment line; blank lines are skipped.
/// Terms are lower-cased; valences must be finite and within [-5, 5].
pub fn parse_lexicon(text: &str) -> Result<Vec<(String, f32)>, LexiconError> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: &str| LexiconError {
            line: n + 1,
            message: message.to_string(),
        };
        let mut cols = line.split('\t');
        let term = cols.next().map(str::trim).unwrap_or_default();
        let value = cols
            .next()
            .map(str::trim)
            .ok_or_else(|| err("expected term<TAB>valence"))?;
        if term.is_empty() {
            return Err(err("empty term"));
        }
        let v: f32 = value.parse().map_err(|_| err("valence is not a number"))?;
        if !v.is_finite() || !(-5.0..=5.0).contains(&v) {
            return Err(err("valence must be within [-5, 5]"));
        }
        out.push((term.to_lowercase(), v));
    }
    Ok(out)
}

/// One language's lexicon.
pub struct Lexicon {
    lang: Lang,
    words: HashMap<String, f32>,
    stems: HashMap<String, f32>,
    /// First token → phrases starting with it (longest first).
    phrases: HashMap<String, Vec<(Vec<String>, f32)>>,
    stemmer: Stemmer,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("lang", &self.lang)
            .field("words", &self.words.len())
            .field("phrases", &self.phrases.len())
            .finish()
    }
}

/// A phrase found at a token position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhraseMatch {
    pub len: usize,
    pub valence: f32,
}

impl Lexicon {
    /// Builds a lexicon from entries; later entries override earlier ones.
    pub fn new(lang: Lang, entries: impl IntoIterator<Item = (String, f32)>) -> Self {
        let stemmer = Stemmer::create(match lang {
            Lang::De => Algorithm::German,
            _ => Algorithm::English,
        });
        let mut lex = Lexicon {
            lang,
            words: HashMap::new(),
            stems: HashMap::new(),
            phrases: HashMap::new(),
            stemmer,
        };
        lex.add(entries);
        lex
    }

    /// Adds or overrides entries.
    pub fn add(&mut self, entries: impl IntoIterator<Item = (String, f32)>) {
        for (term, v) in entries {
            self.insert(term, v);
        }
        for list in self.phrases.values_mut() {
            list.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        }
    }

    fn insert(&mut self, term: String, v: f32) {
        let parts: Vec<String> = crate::tokenize::tokenize(&term)
            .into_iter()
            .map(|t| t.lower)
            .filter(|s| !s.is_empty())
            .collect();
        if parts.len() > 1 {
            if let Some(first) = parts.first().cloned() {
                let list = self.phrases.entry(first).or_default();
                list.retain(|(p, _)| *p != parts);
                list.push((parts, v));
            }
            return;
        }
        let stem = self.stem_key(&term);
        self.stems.insert(stem, v);
        self.words.insert(term, v);
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn len(&self) -> usize {
        self.words.len() + self.phrases.values().map(Vec::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The longest phrase starting at `words[0]`.
    pub fn phrase_at(&self, words: &[&str]) -> Option<PhraseMatch> {
        let first = words.first()?;
        let list = self.phrases.get(*first)?;
        list.iter()
            .find(|(p, _)| p.len() <= words.len() && p.iter().zip(words).all(|(a, b)| a == b))
            .map(|(p, v)| PhraseMatch {
                len: p.len(),
                valence: *v,
            })
    }

    /// Exact or stemmed lookup of a single word.
    pub fn word(&self, w: &str) -> Option<f32> {
        if let Some(v) = self.words.get(w) {
            return Some(*v);
        }
        if w.chars().count() < 4 {
            return None;
        }
        let key = self.stem_key(w);
        if key.chars().count() < 4 {
            return None;
        }
        self.stems.get(&key).copied()
    }

    /// The stem used as lookup key. German Snowball folds umlauts ("schön" and "schon"
    /// both become "schon"), which would make the very common "schon" positive; spelling
    /// umlauts out first keeps such pairs apart.
    fn stem_key(&self, w: &str) -> String {
        if self.lang == Lang::De && w.contains(['ä', 'ö', 'ü']) {
            let spelled = w.replace('ä', "ae").replace('ö', "oe").replace('ü', "ue");
            return self.stemmer.stem(&spelled).into_owned();
        }
        self.stemmer.stem(w).into_owned()
    }

    /// Lookup with the morphology rules: exact, stem, German `un-` negation, German
    /// compounds (head decides; a polar modifier counts when the head is neutral), and the
    /// `-frei`/`-los` suffixes that turn a problem into its absence.
    pub fn lookup(&self, w: &str) -> Option<f32> {
        if let Some(v) = self.word(w) {
            return Some(v);
        }
        if self.lang != Lang::De {
            return None;
        }
        // Hyphenated compounds: the parts.
        if w.contains('-') {
            let parts: Vec<&str> = w.split('-').filter(|p| !p.is_empty()).collect();
            if let Some(last) = parts.last()
                && let Some(v) = self.lookup(last)
            {
                return Some(v);
            }
            // Other parts count only when long enough not to be a name ("Nett-Werk").
            return parts
                .iter()
                .filter(|p| p.chars().count() >= 6)
                .filter_map(|p| self.word(p))
                .next()
                .map(|v| v * 0.8);
        }
        let n = w.chars().count();
        if !(6..=40).contains(&n) {
            return None;
        }
        if let Some(rest) = w.strip_prefix("un")
            && let Some(v) = self.word(rest)
            && v > 0.5
        {
            return Some(-0.8 * v);
        }
        // "-frei"/"-los": a problem's absence is good ("störungsfrei"), a virtue's is bad ("hilflos").
        for suffix in ["frei", "los", "losigkeit"] {
            if let Some(stem) = w.strip_suffix(suffix)
                && stem.chars().count() >= 4
                && let Some(v) = self.modifier_part(stem)
            {
                return Some(if v < 0.0 { 1.4 } else { -1.8 });
            }
        }
        self.compound(w)
    }

    /// Lookup of a compound part without running the stemmer: parts are mostly base forms,
    /// and compound splitting tries many of them per word.
    fn part(&self, w: &str) -> Option<f32> {
        self.words.get(w).or_else(|| self.stems.get(w)).copied()
    }

    fn modifier_part(&self, stem: &str) -> Option<f32> {
        if let Some(v) = self.part(stem) {
            return Some(v);
        }
        for link in ["s", "es", "n", "en", "e"] {
            if let Some(s) = stem.strip_suffix(link)
                && s.chars().count() >= 4
                && let Some(v) = self.part(s)
            {
                return Some(v);
            }
        }
        None
    }

    fn compound(&self, w: &str) -> Option<f32> {
        let idx: Vec<usize> = w.char_indices().map(|(i, _)| i).collect();
        // Head: the longest known suffix of at least 4 chars with at least 3 chars before it.
        let mut head = None;
        for (k, &i) in idx.iter().enumerate() {
            if k < 3 || idx.len() - k < 4 {
                continue;
            }
            if let Some(v) = self.part(&w[i..]) {
                head = Some((i, v));
                break;
            }
        }
        // Modifier: the longest known prefix of at least 6 chars (linking s/n/en/e stripped)
        // before a head of at least 4; shorter ones are too often names ("Sauerland").
        let mut modifier = None;
        for (k, &i) in idx.iter().enumerate().rev() {
            if k < 6 || idx.len() - k < 4 {
                continue;
            }
            if let Some(v) = self.modifier_part(&w[..i]) {
                modifier = Some(v);
                break;
            }
        }
        match (head, modifier) {
            (Some((_, h)), Some(m)) if h.signum() == m.signum() => {
                Some(if m.abs() > h.abs() { m } else { h })
            }
            (Some((_, h)), _) => Some(h),
            (None, Some(m)) => Some(m * 0.8),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn de() -> Lexicon {
        let entries =
            parse_lexicon(include_str!("../resources/lexicon/de.tsv")).expect("lexicon parses");
        Lexicon::new(Lang::De, entries)
    }

    #[test]
    fn parses_comments_and_rejects_junk() {
        let ok = parse_lexicon("# c\n\ngut\t1.5\nSehr Gut\t2\n").expect("parses");
        assert_eq!(
            ok,
            vec![("gut".to_string(), 1.5), ("sehr gut".to_string(), 2.0)]
        );
        assert!(parse_lexicon("gut\n").is_err());
        assert!(parse_lexicon("gut\tx\n").is_err());
        assert!(parse_lexicon("gut\t99\n").is_err());
        assert!(parse_lexicon("gut\tNaN\n").is_err());
    }

    #[test]
    fn inflection_and_compounds() {
        let l = de();
        assert!(l.lookup("schlechten").is_some_and(|v| v < 0.0));
        assert!(l.lookup("freundlichen").is_some_and(|v| v > 0.0));
        assert!(l.lookup("servicewüste").is_some_and(|v| v < 0.0));
        assert!(l.lookup("warteschleifenmusik").is_some_and(|v| v < 0.0));
        assert!(l.lookup("verspätungsorgie").is_some_and(|v| v < 0.0));
        assert!(l.lookup("fehlerfrei").is_some_and(|v| v > 0.0));
        assert!(l.lookup("störungsfrei").is_some_and(|v| v > 0.0));
        assert!(l.lookup("unpraktisch").is_none());
        assert!(l.lookup("kundenservice").is_none());
        for function_word in ["schon", "sich", "laut", "voll", "fur", "uber"] {
            assert_eq!(l.lookup(function_word), None, "{function_word}");
        }
        assert!(l.lookup("schönen").is_some_and(|v| v > 0.0));
        for name in ["sauerland", "nett-werk", "gefahren"] {
            assert!(l.lookup(name).is_none_or(|v| v == 0.0), "{name}");
        }
        assert!(l.phrase_at(&["nie", "wieder", "x"]).is_some());
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in any::<String>()) {
            let _ = parse_lexicon(&s);
        }

        #[test]
        fn lookup_never_panics(s in "\\PC{0,40}") {
            let l = de();
            let _ = l.lookup(&s.to_lowercase());
        }
    }
}
