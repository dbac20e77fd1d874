//! Theme detection measured against GermEval 2017's aspect categories, for the categories
//! that map onto default themes. Document level: does the text carry the aspect, does the
//! engine find one of the mapped themes. (Evaluation only; nothing of GermEval is shipped.)

use serde::Serialize;
use std::fmt;
use std::path::Path;

use crate::analyzer::Analyzer;
use crate::eval::readers::ReadError;

/// GermEval category → default theme ids that stand for it.
pub const GERMEVAL_MAPPING: &[(&str, &[&str])] = &[
    ("DB_App_und_Website", &["app_website"]),
    ("Informationen", &["information_communication"]),
    (
        "Service_und_Kundenbetreuung",
        &["staff_friendliness", "staff_competence", "contact_options"],
    ),
    ("Ticketkauf", &["price_value", "billing"]),
    ("Sonstige_Unregelmässigkeiten", &["waiting_time"]),
];

/// Precision and recall of one mapped category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeScore {
    pub category: String,
    pub themes: Vec<String>,
    pub support: usize,
    pub found: usize,
    pub correct: usize,
}

impl ThemeScore {
    pub fn precision(&self) -> f64 {
        ratio(self.correct, self.found)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.correct, self.support)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Per-category theme detection quality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeReport {
    pub documents: usize,
    pub scores: Vec<ThemeScore>,
}

impl fmt::Display for ThemeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "themes vs GermEval aspect categories ({} documents)",
            self.documents
        )?;
        writeln!(
            f,
            "  category                      themes                                   precision recall   F1  support"
        )?;
        for s in &self.scores {
            writeln!(
                f,
                "  {:<29} {:<40} {:>9.3} {:>6.3} {:>5.3} {:>7}",
                s.category,
                s.themes.join("+"),
                s.precision(),
                s.recall(),
                s.f1(),
                s.support
            )?;
        }
        Ok(())
    }
}

/// Reads GermEval `dev.tsv` (with its aspect column) and scores theme detection.
pub fn evaluate_germeval_themes(
    analyzer: &Analyzer,
    path: &Path,
) -> Result<ThemeReport, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let mut docs: Vec<(String, Vec<String>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if n == 0 && line.starts_with("id\t") {
            continue;
        }
        let mut right = line.rsplitn(4, '\t');
        let (Some(aspects), Some(_), Some(_), Some(id_text)) =
            (right.next(), right.next(), right.next(), right.next())
        else {
            continue;
        };
        let Some((_, t)) = id_text.split_once('\t') else {
            continue;
        };
        let cats = aspects
            .split_whitespace()
            .filter_map(|a| a.split('#').next())
            .map(str::to_string)
            .collect();
        docs.push((t.to_string(), cats));
    }
    let texts: Vec<&str> = docs.iter().map(|(t, _)| t.as_str()).collect();
    let analyses = analyzer.analyze_batch(&texts);
    let scores = GERMEVAL_MAPPING
        .iter()
        .map(|(cat, themes)| {
            let mut s = ThemeScore {
                category: (*cat).to_string(),
                themes: themes.iter().map(|t| (*t).to_string()).collect(),
                support: 0,
                found: 0,
                correct: 0,
            };
            for ((_, cats), a) in docs.iter().zip(&analyses) {
                let gold = cats.iter().any(|c| c == cat);
                let found = a.themes.iter().any(|h| themes.contains(&h.id.as_str()));
                s.support += usize::from(gold);
                s.found += usize::from(found);
                s.correct += usize::from(gold && found);
            }
            s
        })
        .collect();
    Ok(ThemeReport {
        documents: docs.len(),
        scores,
    })
}
