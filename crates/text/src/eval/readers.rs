//! Readers for the labelled evaluation sets in `shared/data` and for the plain
//! `text<TAB>label` training format.

use serde::Serialize;
use std::path::Path;

use crate::types::SentimentLabel;

/// The file format of an evaluation set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvalFormat {
    /// GermEval 2017 `dev.tsv`: header, then `id, text, relevance, sentiment, aspects`.
    Germeval,
    /// SB10k split files: `tweet_id, label, text, lemmas, …`.
    Sb10k,
    /// PotTS split files, as SB10k; the `mixed` label is skipped.
    Potts,
    /// VADER ground truth `id, mean valence (-4..4), text`. Three classes by valence:
    /// `> 0.5` positive, `< -0.5` negative, otherwise neutral.
    VaderSnippets,
    /// `text<TAB>label` (negative/neutral/positive), the training format.
    Labeled,
}

/// Valence above which a VADER snippet is positive (below the negation of it: negative).
pub const VADER_NEUTRAL_BAND: f64 = 0.5;

impl std::str::FromStr for EvalFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "germeval" => Ok(EvalFormat::Germeval),
            "sb10k" => Ok(EvalFormat::Sb10k),
            "potts" => Ok(EvalFormat::Potts),
            "vader-snippets" | "vader" => Ok(EvalFormat::VaderSnippets),
            "labeled" | "tsv" => Ok(EvalFormat::Labeled),
            other => Err(format!(
                "unknown format {other:?}: expected germeval, sb10k, potts, vader-snippets or labeled"
            )),
        }
    }
}

impl std::fmt::Display for EvalFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EvalFormat::Germeval => "germeval",
            EvalFormat::Sb10k => "sb10k",
            EvalFormat::Potts => "potts",
            EvalFormat::VaderSnippets => "vader-snippets",
            EvalFormat::Labeled => "labeled",
        })
    }
}

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub text: String,
    pub label: SentimentLabel,
}

/// The examples of a file and how many lines were skipped (unlabelled, `mixed`, malformed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub examples: Vec<Example>,
    pub skipped: usize,
}

/// Reading an evaluation file failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} holds no labelled examples in the {format} format")]
    Empty { path: String, format: EvalFormat },
}

/// Reads `path` in `format`.
pub fn read_file(format: EvalFormat, path: &Path) -> Result<Dataset, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let ds = parse(format, &text);
    if ds.examples.is_empty() {
        return Err(ReadError::Empty {
            path: path.display().to_string(),
            format,
        });
    }
    Ok(ds)
}

/// Parses file contents in `format`. Never fails: malformed lines are counted as skipped.
pub fn parse(format: EvalFormat, text: &str) -> Dataset {
    let mut ds = Dataset::default();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let parsed = match format {
            EvalFormat::Germeval => {
                if n == 0 && line.starts_with("id\t") {
                    continue;
                }
                germeval_line(line)
            }
            EvalFormat::Sb10k | EvalFormat::Potts => tweet_line(line),
            EvalFormat::VaderSnippets => vader_line(line),
            EvalFormat::Labeled => labeled_line(line),
        };
        match parsed {
            Some(ex) => ds.examples.push(ex),
            None => ds.skipped += 1,
        }
    }
    ds
}

fn germeval_line(line: &str) -> Option<Example> {
    // The text may itself hold tabs: take id from the left and the three labels from the right.
    let mut right = line.rsplitn(4, '\t');
    let _aspects = right.next()?;
    let sentiment = right.next()?;
    let _relevance = right.next()?;
    let id_text = right.next()?;
    let (_, text) = id_text.split_once('\t')?;
    Some(Example {
        text: text.to_string(),
        label: sentiment.parse().ok()?,
    })
}

fn tweet_line(line: &str) -> Option<Example> {
    let mut cols = line.split('\t');
    let _id = cols.next()?;
    let label = cols.next()?.parse().ok()?;
    let text = cols.next()?.to_string();
    Some(Example { text, label })
}

fn vader_line(line: &str) -> Option<Example> {
    let mut cols = line.splitn(3, '\t');
    let _id = cols.next()?;
    let valence: f64 = cols.next()?.trim().parse().ok()?;
    let text = cols.next()?.to_string();
    Some(Example {
        text,
        label: vader_class(valence),
    })
}

/// The three classes of a VADER human valence.
pub fn vader_class(valence: f64) -> SentimentLabel {
    if valence > VADER_NEUTRAL_BAND {
        SentimentLabel::Positive
    } else if valence < -VADER_NEUTRAL_BAND {
        SentimentLabel::Negative
    } else {
        SentimentLabel::Neutral
    }
}

fn labeled_line(line: &str) -> Option<Example> {
    let (text, label) = line.rsplit_once('\t')?;
    Some(Example {
        text: text.to_string(),
        label: label.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_format() {
        let g = parse(
            EvalFormat::Germeval,
            "id\ttext\trelevance\tsentiment\taspects\nx\tZug\tzu spät\ttrue\tnegative\tZugfahrt#Haupt:negative\ny\tok\tfalse\tneutral\t\n",
        );
        assert_eq!(g.examples.len(), 2);
        assert_eq!(g.examples[0].text, "Zug\tzu spät");
        assert_eq!(g.examples[0].label, SentimentLabel::Negative);
        let t = parse(
            EvalFormat::Potts,
            "1\tmixed\tja nein\tx\n2\tpositive\tsuper\tx\n",
        );
        assert_eq!((t.examples.len(), t.skipped), (1, 1));
        let v = parse(
            EvalFormat::VaderSnippets,
            "1_1\t-0.9\tbad.\n1_2\t0.2\tok\n1_3\t2.5\tgreat\n",
        );
        let labels: Vec<_> = v.examples.iter().map(|e| e.label).collect();
        assert_eq!(
            labels,
            vec![
                SentimentLabel::Negative,
                SentimentLabel::Neutral,
                SentimentLabel::Positive
            ]
        );
        let l = parse(
            EvalFormat::Labeled,
            "sehr gut\tpositive\nkaputt\tNEGATIVE\nnolabel\n",
        );
        assert_eq!((l.examples.len(), l.skipped), (2, 1));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            for f in [EvalFormat::Germeval, EvalFormat::Sb10k, EvalFormat::Potts, EvalFormat::VaderSnippets, EvalFormat::Labeled] {
                let ds = parse(f, &s);
                prop_assert!(ds.examples.len() + ds.skipped <= s.lines().count());
            }
        }
    }
}
