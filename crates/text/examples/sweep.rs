//! Development aid: how rules and model combine on a dataset.
//! `cargo run -p touchpoint-text --release --example sweep -- FORMAT PATH`
use std::path::PathBuf;
use touchpoint_text::eval::{EvalFormat, Metrics, readers};
use touchpoint_text::{Analyzer, SentimentLabel};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let format: EvalFormat = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(EvalFormat::Labeled);
    let Ok(ds) = readers::read_file(
        format,
        &PathBuf::from(args.get(2).cloned().unwrap_or_default()),
    ) else {
        return;
    };
    let Ok(a) = Analyzer::new() else { return };
    let rows: Vec<(SentimentLabel, f32, u32, [f32; 3])> = ds
        .examples
        .iter()
        .map(|e| {
            let r = a.rule_score(&e.text, None);
            let p = a.probabilities(&e.text, None).unwrap_or([0.0, 1.0, 0.0]);
            (e.label, r.sum, r.words, p)
        })
        .collect();
    for norm in [0.0f32, 10.0, 20.0] {
        for t in [0.2f32, 0.3, 0.4, 0.5, 0.6] {
            let mut m = Metrics::default();
            for (g, sum, words, _) in &rows {
                let s = if norm > 0.0 {
                    sum / (*words as f32 / norm).max(1.0).sqrt()
                } else {
                    *sum
                };
                let c = s / (s * s + 15.0).sqrt();
                let l = if c >= t {
                    SentimentLabel::Positive
                } else if c <= -t {
                    SentimentLabel::Negative
                } else {
                    SentimentLabel::Neutral
                };
                m.add(*g, l);
            }
            println!(
                "rules norm={norm} t={t}: micro={:.3} macro={:.3}",
                m.micro_f1(),
                m.macro_f1()
            );
        }
    }
    for w in [0.0f32, 1.0, 2.0, 3.0, 4.0] {
        for nb in [0.0f32, 0.5, 1.0] {
            let mut m = Metrics::default();
            for (g, sum, words, p) in &rows {
                let s = sum / (*words as f32 / 20.0).max(1.0).sqrt();
                let c = s / (s * s + 15.0).sqrt();
                let z = [p[0].ln() - w * c, p[1].ln() + nb, p[2].ln() + w * c];
                let mut best = 1;
                for k in 0..3 {
                    if z[k] > z[best] {
                        best = k;
                    }
                }
                m.add(*g, SentimentLabel::ALL[best]);
            }
            println!(
                "mix w={w} neutral_bias={nb}: micro={:.3} macro={:.3}",
                m.micro_f1(),
                m.macro_f1()
            );
        }
    }
}
