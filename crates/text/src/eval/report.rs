//! Running the analyzer over a dataset and reporting it beside the baselines.

use serde::Serialize;
use std::fmt;

use crate::analyzer::Analyzer;
use crate::eval::baselines::{PlainLexicon, majority};
use crate::eval::metrics::Metrics;
use crate::eval::readers::{Dataset, EvalFormat};

/// Result of one evaluation run.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub format: EvalFormat,
    pub source: String,
    pub skipped: usize,
    pub system: Metrics,
    /// Baselines by name: `majority (<label>)`, `plain lexicon`.
    pub baselines: Vec<(String, Metrics)>,
}

impl EvalReport {
    pub fn micro_f1(&self) -> f64 {
        self.system.micro_f1()
    }
    pub fn macro_f1(&self) -> f64 {
        self.system.macro_f1()
    }
    pub fn baseline(&self, prefix: &str) -> Option<&Metrics> {
        self.baselines
            .iter()
            .find(|(n, _)| n.starts_with(prefix))
            .map(|(_, m)| m)
    }
}

/// Evaluates `analyzer` on `data`.
pub fn evaluate(
    analyzer: &Analyzer,
    format: EvalFormat,
    source: &str,
    data: &Dataset,
) -> EvalReport {
    let texts: Vec<&str> = data.examples.iter().map(|e| e.text.as_str()).collect();
    let predicted = analyzer.analyze_batch(&texts);
    let mut system = Metrics::default();
    for (e, a) in data.examples.iter().zip(&predicted) {
        system.add(e.label, a.sentiment.label);
    }
    let maj = majority(&data.examples);
    let mut m_maj = Metrics::default();
    let plain = match format {
        EvalFormat::VaderSnippets => Some(("plain VADER lexicon", PlainLexicon::vader())),
        EvalFormat::Germeval | EvalFormat::Sb10k | EvalFormat::Potts => {
            Some(("plain lexicon (Touchpoint German)", PlainLexicon::german()))
        }
        EvalFormat::Labeled => None,
    };
    let mut m_plain = Metrics::default();
    for e in &data.examples {
        m_maj.add(e.label, maj);
        if let Some((_, p)) = &plain {
            m_plain.add(e.label, p.classify(&e.text));
        }
    }
    let mut baselines = vec![(format!("majority ({})", maj.as_str()), m_maj)];
    if let Some((name, _)) = plain {
        baselines.push((name.to_string(), m_plain));
    }
    EvalReport {
        format,
        source: source.to_string(),
        skipped: data.skipped,
        system,
        baselines,
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} — {} (skipped lines: {})",
            self.format, self.source, self.skipped
        )?;
        writeln!(f, "Touchpoint:")?;
        write!(f, "{}", self.system)?;
        for (name, m) in &self.baselines {
            writeln!(
                f,
                "baseline {name}: micro-F1 = {:.3}   macro-F1 = {:.3}",
                m.micro_f1(),
                m.macro_f1()
            )?;
        }
        Ok(())
    }
}
