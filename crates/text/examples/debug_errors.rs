//! Development aid: prints misclassified examples of a dataset with their rule score.
//! `cargo run -p touchpoint-text --release --example debug_errors -- FORMAT PATH [N] [--rules-only]`

use std::path::PathBuf;

use touchpoint_text::Analyzer;
use touchpoint_text::eval::{EvalFormat, readers};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(format), Some(path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: debug_errors FORMAT PATH [N] [--rules-only]");
        std::process::exit(2);
    };
    let format: EvalFormat = format.parse().unwrap_or(EvalFormat::Labeled);
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(30);
    let Ok(a) = Analyzer::new() else { return };
    let a = if args.iter().any(|s| s == "--rules-only") {
        a.without_model()
    } else {
        a
    };
    let Ok(ds) = readers::read_file(format, &PathBuf::from(path)) else {
        return;
    };
    let mut by_len = std::collections::BTreeMap::new();
    let mut shown = 0;
    for e in &ds.examples {
        let s = a.sentiment(&e.text);
        let r = a.rule_score(&e.text, None);
        let bucket = match r.words {
            0..=10 => 10,
            11..=25 => 25,
            26..=60 => 60,
            _ => 1000,
        };
        let ent = by_len.entry(bucket).or_insert((0, 0));
        ent.0 += 1;
        if s.label == e.label {
            ent.1 += 1;
        }
        if s.label != e.label && shown < n {
            shown += 1;
            let t: String = e.text.chars().take(160).collect();
            println!(
                "gold={} pred={} c={:.2} pos={:.1} neg={:.1} w={} | {}",
                e.label, s.label, r.compound, r.pos, r.neg, r.words, t
            );
        }
    }
    for (b, (n, ok)) in by_len {
        println!("words<={b}: n={n} acc={:.3}", ok as f64 / n as f64);
    }
}
