//! The rule-based sentiment scorer (VADER's approach, extended for German): lexicon
//! valences per token, changed by negation, intensifiers and downtoners, capitals, contrast
//! conjunctions, exclamation marks and irony markers; clause scores for theme sentiment.

use std::collections::HashMap;

use crate::lexicon::{Lexicon, LexiconError, parse_lexicon};
use crate::modifiers::{booster, is_contrast, is_irony_marker, is_negator, is_post_filler};
use crate::tokenize::{Token, TokenKind};
use crate::types::Lang;

/// VADER's normalisation constant: `sum / sqrt(sum² + ALPHA)`.
const ALPHA: f32 = 15.0;
const CAPS_BOOST: f32 = 0.733;
const EXCLAIM_BOOST: f32 = 0.292;
const QUESTION_BOOST: f32 = 0.18;
const NEGATE_POSITIVE: f32 = -0.75;
const NEGATE_NEGATIVE: f32 = -0.5;
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Texts up to this many words are judged on their full sum (see [`RuleScore::damped`]).
const LENGTH_UNIT: f32 = 20.0;

/// The German, English and emoji lexicons.
#[derive(Debug)]
pub struct Lexicons {
    pub de: Lexicon,
    pub en: Lexicon,
    pub emoji: HashMap<String, f32>,
}

impl Lexicons {
    /// The lexicons shipped in the crate.
    pub fn embedded() -> Result<Self, LexiconError> {
        let de = parse_lexicon(include_str!("../resources/lexicon/de.tsv"))?;
        let mut en = parse_lexicon(include_str!("../resources/lexicon/en_vader.tsv"))?;
        en.extend(parse_lexicon(include_str!(
            "../resources/lexicon/en_cx.tsv"
        ))?);
        // The emoji file holds emoticons whose case matters (":D" vs ":d"), so it is read raw.
        let emoji = include_str!("../resources/lexicon/emoji.tsv")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (k, v) = l.split_once('\t')?;
                Some((k.to_string(), v.trim().parse::<f32>().ok()?))
            })
            .collect();
        Ok(Lexicons {
            de: Lexicon::new(Lang::De, de),
            en: Lexicon::new(Lang::En, en),
            emoji,
        })
    }

    /// Adds user entries (e.g. from a model directory) to one language.
    pub fn extend(&mut self, lang: Lang, entries: Vec<(String, f32)>) {
        match lang {
            Lang::En => self.en.add(entries),
            _ => self.de.add(entries),
        }
    }

    fn lexes(&self, lang: Lang) -> [Option<&Lexicon>; 2] {
        match lang {
            Lang::De => [Some(&self.de), None],
            Lang::En => [Some(&self.en), None],
            Lang::Other => [Some(&self.en), Some(&self.de)],
        }
    }
}

/// Per-token valences after all token-level rules.
#[derive(Debug, Clone)]
pub struct TokenScores {
    pub valence: Vec<f32>,
    /// Token index → index of the clause it belongs to.
    pub clause: Vec<usize>,
    /// Token index → index of its sentence.
    pub sentence: Vec<usize>,
    /// Tokens that were negated.
    pub negated: Vec<bool>,
    pub irony: bool,
    pub exclaims: u32,
    pub questions: u32,
}

/// Document-level rule result.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RuleScore {
    /// Weighted sum of valences (VADER scale).
    pub sum: f32,
    /// `sum` normalised to [-1, 1].
    pub compound: f32,
    pub pos: f32,
    pub neg: f32,
    pub hits: u32,
    pub negations: u32,
    pub irony: bool,
    pub words: u32,
    /// `compound` of the sum damped by text length (`sum / sqrt(words / 20)` beyond 20 words):
    /// long texts need more evidence to count as polar.
    pub damped: f32,
}

fn is_wordish(t: &Token) -> bool {
    matches!(t.kind, TokenKind::Word | TokenKind::Hashtag)
}

fn is_boundary(t: &Token) -> bool {
    matches!(
        t.kind,
        TokenKind::SentenceEnd | TokenKind::Exclaim | TokenKind::Comma | TokenKind::Url
    )
}

/// Scores every token.
pub fn score_tokens(tokens: &[Token], lang: Lang, lex: &Lexicons) -> TokenScores {
    let n = tokens.len();
    let mut valence = vec![0.0f32; n];
    let mut consumed = vec![false; n];
    let mut negated = vec![false; n];
    let lexes = lex.lexes(lang);
    let all_caps = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .all(|t| t.shouted);

    // Phrases first: they override their words ("nie wieder", "zu wünschen übrig").
    let mut i = 0;
    while i < n {
        if is_wordish(&tokens[i]) {
            let end = (i + 6).min(n);
            let run = tokens[i..end].iter().take_while(|t| is_wordish(t)).count();
            let words: Vec<&str> = tokens[i..i + run]
                .iter()
                .map(|t| t.lower.as_str())
                .collect();
            if let Some(m) = lexes.iter().flatten().find_map(|l| l.phrase_at(&words)) {
                valence[i] = m.valence;
                for c in consumed.iter_mut().skip(i).take(m.len) {
                    *c = true;
                }
                i += m.len;
                continue;
            }
        }
        i += 1;
    }
    // German separable verbs split by the clause: "Der Zug fällt heute aus".
    if lang != Lang::En {
        separable_verbs(tokens, &mut valence, &mut consumed);
    }
    let phrase_start: Vec<bool> = (0..n).map(|i| consumed[i] && valence[i] != 0.0).collect();

    for i in 0..n {
        let t = &tokens[i];
        let base = if phrase_start[i] {
            valence[i]
        } else if consumed[i] {
            continue;
        } else {
            match t.kind {
                TokenKind::Word | TokenKind::Hashtag => lexes
                    .iter()
                    .flatten()
                    .find_map(|l| l.lookup(&t.lower))
                    .unwrap_or(0.0),
                TokenKind::Emoji | TokenKind::Emoticon => {
                    valence[i] = lex.emoji.get(&t.lower).copied().unwrap_or(0.0);
                    continue;
                }
                _ => continue,
            }
        };
        if base == 0.0 || !is_wordish(t) || is_non_evaluative(tokens, i) {
            valence[i] = if is_non_evaluative(tokens, i) {
                0.0
            } else {
                base
            };
            continue;
        }
        let mut v = base;
        if t.shouted && !all_caps {
            v += CAPS_BOOST * v.signum();
        }
        // Look back within the clause: boosters (2 words) and negators (3 words).
        let mut neg = false;
        let mut seen = 0;
        let mut j = i;
        while j > 0 && seen < 3 {
            j -= 1;
            let p = &tokens[j];
            if is_boundary(p) || (is_wordish(p) && is_contrast(lang, &p.lower)) {
                break;
            }
            if !is_wordish(p) {
                continue;
            }
            seen += 1;
            if consumed[j] {
                continue;
            }
            if seen <= 2
                && let Some(b) = booster(lang, &p.lower)
            {
                v *= 1.0 + b * if p.shouted { 1.5 } else { 1.0 };
            }
            if is_negator(lang, &p.lower)
                && !next_is(tokens, j, "nur")
                && !next_is(tokens, j, "only")
            {
                neg = !neg;
            }
        }
        // German post-verbal negation: "funktioniert nicht", "gefällt mir nicht".
        if !neg && lang != Lang::En {
            let mut k = i + 1;
            let mut fillers = 0;
            while k < n && fillers <= 2 && is_wordish(&tokens[k]) {
                let w = tokens[k].lower.as_str();
                if matches!(w, "nicht" | "nie" | "niemals") && !next_is(tokens, k, "nur") {
                    neg = true;
                    break;
                }
                if !is_post_filler(w) {
                    break;
                }
                fillers += 1;
                k += 1;
            }
        }
        if neg {
            v *= if v > 0.0 {
                NEGATE_POSITIVE
            } else {
                NEGATE_NEGATIVE
            };
            negated[i] = true;
        }
        valence[i] = v;
    }

    // Sentences and clauses.
    let mut sentence = vec![0usize; n];
    let mut clause = vec![0usize; n];
    let (mut s, mut c) = (0usize, 0usize);
    let mut words_in_clause = 0usize;
    for i in 0..n {
        let t = &tokens[i];
        let split_on_and = is_wordish(t)
            && matches!(t.lower.as_str(), "und" | "and" | "sowie" | "oder" | "or")
            && words_in_clause >= 2
            && tokens[i + 1..]
                .iter()
                .take_while(|x| !is_boundary(x))
                .filter(|x| is_wordish(x))
                .count()
                >= 2;
        if (is_wordish(t) && is_contrast(lang, &t.lower)) || split_on_and {
            c += 1;
            words_in_clause = 0;
        }
        sentence[i] = s;
        clause[i] = c;
        if is_wordish(t) {
            words_in_clause += 1;
        }
        match t.kind {
            TokenKind::SentenceEnd | TokenKind::Exclaim | TokenKind::Url => {
                s += 1;
                c += 1;
                words_in_clause = 0;
            }
            TokenKind::Comma => {
                c += 1;
                words_in_clause = 0;
            }
            _ => {}
        }
    }

    let irony = tokens.iter().any(|t| {
        (t.kind == TokenKind::Hashtag && is_irony_marker(&t.lower))
            || (t.kind == TokenKind::Emoji && t.lower == "🙄")
    });
    let exclaims = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Exclaim)
        .map(|t| t.lower.chars().filter(|c| *c == '!').count() as u32)
        .sum();
    let questions = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Exclaim)
        .map(|t| t.lower.chars().filter(|c| *c == '?').count() as u32)
        .filter(|q| *q >= 2)
        .sum();
    TokenScores {
        valence,
        clause,
        sentence,
        negated,
        irony,
        exclaims,
        questions,
    }
}

/// Separable verbs whose particle closes the clause, with their valence.
const SEPARABLE: &[(&[&str], &str, f32)] = &[
    (&["fällt", "fiel", "fallen", "fielen"], "aus", -1.6),
    (&["kommt", "kam", "kommen", "kamen"], "an", 0.0),
    (&["bleibt", "blieb", "bleiben"], "liegen", -1.4),
    (&["bleibt", "blieb", "bleiben"], "stehen", -1.0),
];

fn separable_verbs(tokens: &[Token], valence: &mut [f32], consumed: &mut [bool]) {
    for i in 0..tokens.len() {
        if consumed[i] || !is_wordish(&tokens[i]) {
            continue;
        }
        for (verbs, particle, v) in SEPARABLE {
            if *v == 0.0 || !verbs.contains(&tokens[i].lower.as_str()) {
                continue;
            }
            // The particle within 6 words, right before a clause boundary or the end.
            let found = (i + 1..tokens.len().min(i + 8))
                .take_while(|&j| !is_boundary(&tokens[j]))
                .find(|&j| {
                    tokens[j].lower == *particle
                        && tokens
                            .get(j + 1)
                            .is_none_or(|t| is_boundary(t) || !is_wordish(t))
                });
            if let Some(j) = found {
                let negated = tokens[i + 1..j]
                    .iter()
                    .any(|t| is_negator(Lang::De, &t.lower));
                valence[i] = if negated { v * NEGATE_NEGATIVE } else { *v };
                consumed[i] = true;
                consumed[j] = true;
            }
        }
    }
}

/// Uses of polar words that evaluate nothing: "gut 300 Fahrgäste" (about), and the
/// salutation "Liebe Frau Müller" / "Liebes Team" at the start of a sentence.
fn is_non_evaluative(tokens: &[Token], i: usize) -> bool {
    let t = &tokens[i];
    let next = tokens.get(i + 1);
    match t.lower.as_str() {
        "gut" => next.is_some_and(|n| n.kind == TokenKind::Number),
        "liebe" | "lieber" | "liebes" | "dear" => {
            let starts = i == 0
                || matches!(
                    tokens[i - 1].kind,
                    TokenKind::SentenceEnd | TokenKind::Exclaim
                );
            starts
                && next.is_some_and(|n| {
                    matches!(
                        n.kind,
                        TokenKind::Word | TokenKind::Mention | TokenKind::Hashtag
                    )
                })
        }
        _ => false,
    }
}

fn next_is(tokens: &[Token], j: usize, word: &str) -> bool {
    tokens.get(j + 1).is_some_and(|t| t.lower == word)
}

/// Combines token scores into the document score: contrast weighting per sentence,
/// punctuation emphasis, irony.
pub fn document_score(tokens: &[Token], lang: Lang, ts: &TokenScores) -> RuleScore {
    let n = tokens.len();
    let mut weights = vec![1.0f32; n];
    let mut start = 0;
    while start < n {
        let s = ts.sentence[start];
        let end = (start..n).find(|&i| ts.sentence[i] != s).unwrap_or(n);
        if let Some(c) = (start..end)
            .rev()
            .find(|&i| is_wordish(&tokens[i]) && is_contrast(lang, &tokens[i].lower) && i > start)
        {
            for w in weights.iter_mut().take(c).skip(start) {
                *w = BEFORE_CONTRAST;
            }
            for w in weights.iter_mut().take(end).skip(c + 1) {
                *w = AFTER_CONTRAST;
            }
        }
        start = end;
    }
    let mut out = RuleScore {
        irony: ts.irony,
        ..RuleScore::default()
    };
    for i in 0..n {
        let v = ts.valence[i] * weights[i];
        if v > 0.0 {
            out.pos += v;
        } else {
            out.neg -= v;
        }
        if v != 0.0 {
            out.hits += 1;
        }
        if ts.negated[i] {
            out.negations += 1;
        }
        if is_wordish(&tokens[i]) {
            out.words += 1;
        }
    }
    let mut sum = out.pos - out.neg;
    if sum != 0.0 {
        let emph = EXCLAIM_BOOST * ts.exclaims.min(4) as f32
            + (QUESTION_BOOST * ts.questions as f32).min(0.96);
        sum += emph * sum.signum();
    }
    if ts.irony && sum > 0.0 {
        sum = -sum;
    }
    out.sum = sum;
    out.compound = normalize(sum);
    out.damped = normalize(sum / (out.words as f32 / LENGTH_UNIT).max(1.0).sqrt());
    out
}

/// VADER's squashing of a valence sum into [-1, 1].
pub fn normalize(sum: f32) -> f32 {
    let c = sum / (sum * sum + ALPHA).sqrt();
    if c.is_finite() {
        c.clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

/// The sentiment around token `at`: its clause; when the clause holds no sentiment, its
/// sentence weighted by distance. Returns a compound-like score in [-1, 1].
pub fn local_score(ts: &TokenScores, at: usize) -> f32 {
    let Some(&clause) = ts.clause.get(at) else {
        return 0.0;
    };
    let clause_sum: f32 = ts
        .clause
        .iter()
        .zip(&ts.valence)
        .filter(|(c, _)| **c == clause)
        .map(|(_, v)| *v)
        .sum();
    if clause_sum.abs() > 0.05 {
        return normalize(clause_sum);
    }
    let sentence = ts.sentence[at];
    let near: f32 = ts
        .sentence
        .iter()
        .enumerate()
        .filter(|(_, s)| **s == sentence)
        .map(|(i, _)| ts.valence[i] / (1.0 + i.abs_diff(at) as f32))
        .sum();
    normalize(near * 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::tokenize;

    fn score(text: &str, lang: Lang) -> f32 {
        let lex = Lexicons::embedded().expect("lexicons");
        let toks = tokenize(text);
        let ts = score_tokens(&toks, lang, &lex);
        document_score(&toks, lang, &ts).compound
    }

    #[test]
    fn german_negation_and_compounds() {
        assert!(score("Das Essen war gut", Lang::De) > 0.2);
        assert!(score("Das Essen war nicht gut", Lang::De) < -0.2);
        assert!(score("nicht schlecht", Lang::De) > 0.0);
        assert!(score("kein Problem", Lang::De) > 0.0);
        assert!(score("Die App funktioniert nicht", Lang::De) < 0.0);
        assert!(score("Was für eine Servicewüste", Lang::De) < 0.0);
        assert!(score("Diese Warteschleifenmusik", Lang::De) < 0.0);
        assert!(score("Verspätungsorgie heute", Lang::De) < 0.0);
        assert!(score("Die Hotline ist kaum erreichbar", Lang::De) < 0.0);
        assert!(score("Der Zug fällt heute schon wieder aus", Lang::De) < -0.3);
        assert!(score("Der Zug fällt heute nicht aus", Lang::De) > 0.0);
        assert!(score("kaum Wartezeit", Lang::De) > 0.0);
        assert!(score("hardly helpful", Lang::En) < 0.0);
    }

    #[test]
    fn intensifiers_downtoners_contrast_and_punctuation() {
        let base = score("Der Service war gut", Lang::De);
        assert!(score("Der Service war sehr gut", Lang::De) > base);
        assert!(score("Der Service war etwas gut", Lang::De) < base);
        assert!(score("Der Service war gut!!!", Lang::De) > base);
        assert!(
            score(
                "Der Service war gut, aber die Rechnung ist unverständlich und falsch",
                Lang::De
            ) < 0.0
        );
        assert!(
            score(
                "The staff was nice but the delivery was a disaster",
                Lang::En
            ) < 0.0
        );
        assert!(score("not helpful", Lang::En) < 0.0);
        assert!(score("a bit slow", Lang::En) > score("slow", Lang::En));
    }

    #[test]
    fn emoji_emoticons_and_irony() {
        assert!(score("Lieferung heute 😍", Lang::De) > 0.0);
        assert!(score("Lieferung heute :-(", Lang::De) < 0.0);
        assert!(score("Na toll, wieder kein Zug", Lang::De) < 0.0);
        assert!(score("Super gemacht #ironie", Lang::De) < 0.0);
        assert!(score("Danke für nichts", Lang::De) < 0.0);
    }
}
