//! Three-class classification metrics: confusion matrix, per-class precision/recall/F1,
//! micro-F1 (equal to accuracy for single-label data) and macro-F1.

use serde::Serialize;
use std::fmt;

use crate::types::SentimentLabel;

/// Confusion matrix and the figures derived from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// `confusion[gold][predicted]`, classes in the order negative, neutral, positive.
    pub confusion: [[u32; 3]; 3],
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassScores {
    pub label: SentimentLabel,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u32,
}

impl Metrics {
    pub fn add(&mut self, gold: SentimentLabel, predicted: SentimentLabel) {
        self.confusion[gold.index()][predicted.index()] += 1;
    }

    pub fn total(&self) -> u32 {
        self.confusion.iter().flatten().sum()
    }

    pub fn per_class(&self) -> [ClassScores; 3] {
        SentimentLabel::ALL.map(|label| {
            let k = label.index();
            let tp = f64::from(self.confusion[k][k]);
            let predicted: u32 = (0..3).map(|g| self.confusion[g][k]).sum();
            let support: u32 = self.confusion[k].iter().sum();
            let precision = ratio(tp, f64::from(predicted));
            let recall = ratio(tp, f64::from(support));
            let f1 = ratio(2.0 * precision * recall, precision + recall);
            ClassScores {
                label,
                precision,
                recall,
                f1,
                support,
            }
        })
    }

    /// Micro-averaged F1 over the three classes (= accuracy).
    pub fn micro_f1(&self) -> f64 {
        let correct: u32 = (0..3).map(|k| self.confusion[k][k]).sum();
        ratio(f64::from(correct), f64::from(self.total()))
    }

    /// Unweighted mean of the per-class F1.
    pub fn macro_f1(&self) -> f64 {
        self.per_class().iter().map(|c| c.f1).sum::<f64>() / 3.0
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  n = {}   micro-F1 = {:.3}   macro-F1 = {:.3}",
            self.total(),
            self.micro_f1(),
            self.macro_f1()
        )?;
        writeln!(f, "  class      precision  recall     F1  support")?;
        for c in self.per_class() {
            writeln!(
                f,
                "  {:<9}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
                c.label.as_str(),
                c.precision,
                c.recall,
                c.f1,
                c.support
            )?;
        }
        writeln!(
            f,
            "  confusion (rows = gold, columns = predicted: neg neu pos)"
        )?;
        for (k, row) in self.confusion.iter().enumerate() {
            writeln!(
                f,
                "  {:<9}  {:>6} {:>6} {:>6}",
                SentimentLabel::ALL[k].as_str(),
                row[0],
                row[1],
                row[2]
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SentimentLabel::*;

    #[test]
    fn known_values() {
        let mut m = Metrics::default();
        for (g, p) in [
            (Negative, Negative),
            (Negative, Neutral),
            (Neutral, Neutral),
            (Neutral, Neutral),
            (Positive, Negative),
        ] {
            m.add(g, p);
        }
        assert_eq!(m.total(), 5);
        assert!((m.micro_f1() - 0.6).abs() < 1e-9);
        let pc = m.per_class();
        assert!((pc[0].precision - 0.5).abs() < 1e-9);
        assert!((pc[0].recall - 0.5).abs() < 1e-9);
        assert!((pc[1].precision - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(pc[2].f1, 0.0);
        assert!((m.macro_f1() - (0.5 + 0.8 + 0.0) / 3.0).abs() < 1e-9);
    }
}
