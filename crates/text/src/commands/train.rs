//! `touchpoint text train --input labeled.tsv --out DIR`.

use serde::Serialize;
use std::fmt;
use std::path::Path;

use crate::analyzer::Analyzer;
use crate::eval::metrics::Metrics;
use crate::eval::readers::{self, EvalFormat, ReadError};
use crate::model::{Blend, ModelError, TrainOptions};

/// Blends the train command tries on the held-out share: model only, and more rule weight.
const BLENDS: [Blend; 4] = [
    Blend {
        model: 1.0,
        rules: 0.0,
    },
    Blend {
        model: 1.0,
        rules: 1.0,
    },
    Blend {
        model: 0.5,
        rules: 2.0,
    },
    Blend {
        model: 0.25,
        rules: 2.0,
    },
];
use crate::training;

/// Settings of the train command.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainCommandOptions {
    pub model: TrainOptions,
    /// Share of examples held out to report quality before the final model is trained on
    /// everything (0 disables the hold-out report).
    pub holdout: f32,
}

impl Default for TrainCommandOptions {
    fn default() -> Self {
        TrainCommandOptions {
            model: TrainOptions::default(),
            holdout: 0.1,
        }
    }
}

/// What training did.
#[derive(Debug, Clone, Serialize)]
pub struct TrainSummary {
    pub examples: usize,
    pub skipped_lines: usize,
    /// Examples per class: negative, neutral, positive.
    pub class_counts: [usize; 3],
    /// Quality on the held-out share, of a model trained on the rest.
    pub holdout: Option<Metrics>,
    /// The model/rule blend chosen on the held-out share (the default without one).
    pub blend: Blend,
    pub out_dir: String,
}

impl fmt::Display for TrainSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "trained on {} examples (negative {}, neutral {}, positive {}; {} lines skipped)",
            self.examples,
            self.class_counts[0],
            self.class_counts[1],
            self.class_counts[2],
            self.skipped_lines
        )?;
        if let Some(m) = &self.holdout {
            writeln!(
                f,
                "held-out check (blend: model {}, rules {}):",
                self.blend.model, self.blend.rules
            )?;
            write!(f, "{m}")?;
        }
        writeln!(f, "model written to {}", self.out_dir)
    }
}

/// Training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("cannot build the base analyzer: {0}")]
    Base(String),
    #[error("need at least 10 labelled examples, found {0}")]
    TooFew(usize),
}

/// Reads `text<TAB>label` lines from `input` (labels negative/neutral/positive), trains a
/// model, and writes `model.json` + `weights.bin` into `out_dir`, loadable with
/// [`Analyzer::from_dir`].
pub fn train(
    input: &Path,
    out_dir: &Path,
    options: &TrainCommandOptions,
) -> Result<TrainSummary, TrainError> {
    let data = readers::read_file(EvalFormat::Labeled, input)?;
    if data.examples.len() < 10 {
        return Err(TrainError::TooFew(data.examples.len()));
    }
    let base = Analyzer::rules_only().map_err(|e| TrainError::Base(e.to_string()))?;
    let mut class_counts = [0usize; 3];
    for e in &data.examples {
        class_counts[e.label.index()] += 1;
    }
    let mut blend = Blend::default();
    let holdout = if options.holdout > 0.0 && options.holdout < 1.0 {
        // Every k-th example, so the split is deterministic and keeps the file's mix.
        let k = (1.0 / options.holdout).round().max(2.0) as usize;
        let (test, train): (Vec<_>, Vec<_>) = data
            .examples
            .iter()
            .cloned()
            .enumerate()
            .partition(|(i, _)| i % k == 0);
        let train: Vec<_> = train.into_iter().map(|(_, e)| e).collect();
        let test: Vec<_> = test.into_iter().map(|(_, e)| e).collect();
        let m = training::train(&base, &train, &options.model, "holdout");
        // In-domain data may deserve more trust in the model than the default blend gives.
        let mut best: Option<(f64, Blend, Metrics)> = None;
        for candidate in BLENDS {
            let mut m = m.clone();
            m.meta.blend = candidate;
            let a = Analyzer::rules_only()
                .map_err(|e| TrainError::Base(e.to_string()))?
                .with_model(m);
            let texts: Vec<&str> = test.iter().map(|e| e.text.as_str()).collect();
            let mut metrics = Metrics::default();
            for (e, r) in test.iter().zip(a.analyze_batch(&texts)) {
                metrics.add(e.label, r.sentiment.label);
            }
            let score = metrics.macro_f1();
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                best = Some((score, candidate, metrics));
            }
        }
        best.map(|(_, b, m)| {
            blend = b;
            m
        })
    } else {
        None
    };
    let mut model = training::train(
        &base,
        &data.examples,
        &options.model,
        &format!("{}", input.display()),
    );
    model.meta.blend = blend;
    model.save(out_dir)?;
    Ok(TrainSummary {
        examples: data.examples.len(),
        skipped_lines: data.skipped,
        class_counts,
        holdout,
        blend,
        out_dir: out_dir.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trains_saves_and_loads() {
        let dir = std::env::temp_dir().join(format!("tp-train-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let input = dir.join("labeled.tsv");
        let mut tsv = String::new();
        for i in 0..30 {
            tsv.push_str(&format!("Der Zugbegleiter war großartig {i}\tpositive\n"));
            tsv.push_str(&format!("Paket kam nie an {i}\tnegative\n"));
            tsv.push_str(&format!("Ich habe eine Frage zum Tarif {i}\tneutral\n"));
        }
        tsv.push_str("broken line without label\n");
        std::fs::write(&input, tsv).expect("write input");
        let out = dir.join("model");
        let opts = TrainCommandOptions {
            model: TrainOptions {
                bits: 12,
                epochs: 4,
                ..TrainOptions::default()
            },
            holdout: 0.2,
        };
        let s = train(&input, &out, &opts).expect("train");
        assert_eq!(s.examples, 90);
        assert_eq!(s.skipped_lines, 1);
        assert!(s.holdout.as_ref().is_some_and(|m| m.micro_f1() > 0.9));
        std::fs::write(
            out.join(crate::analyzer::TAXONOMY_FILE),
            "version = 1\n[[theme]]\nid = 'tariff'\nlabel = { de = 'Tarif', en = 'Tariff' }\nde = ['tarif*']\n",
        )
        .expect("write taxonomy");
        std::fs::write(
            out.join(crate::analyzer::LEXICON_DE_FILE),
            "zugbegleiterglück\t3\n",
        )
        .expect("write lexicon");
        let a = Analyzer::from_dir(&out).expect("load");
        let r = a.analyze("Frage zum Tarif");
        assert_eq!(r.themes.len(), 1);
        assert_eq!(r.themes[0].id, "tariff");
        assert!(a.rule_score("zugbegleiterglück", Some(crate::Lang::De)).pos > 0.0);
        assert_eq!(
            a.sentiment("Ich habe eine Frage zum Tarif").label,
            crate::SentimentLabel::Neutral
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_input_is_an_error() {
        let r = train(
            Path::new("/nonexistent/x.tsv"),
            Path::new("/tmp/never"),
            &TrainCommandOptions::default(),
        );
        assert!(matches!(r, Err(TrainError::Read(_))));
    }
}
