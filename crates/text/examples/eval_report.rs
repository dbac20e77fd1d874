//! Prints the evaluation report on every development set in `TOUCHPOINT_EVAL_DATA`
//! (default `../../../shared/data` relative to this crate, i.e. `shared/data` beside the repo).
//!
//! `cargo run -p touchpoint-text --release --example eval_report [-- --rules-only]`

use std::path::PathBuf;

use touchpoint_text::eval::{EvalFormat, evaluate, readers};
use touchpoint_text::model::{Blend, TrainOptions};
use touchpoint_text::{Analyzer, Lang, training};

fn main() {
    let root = std::env::var_os("TOUCHPOINT_EVAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let rules_only = std::env::args().any(|a| a == "--rules-only");
    let analyzer = match Analyzer::new() {
        Ok(a) if rules_only => a.without_model(),
        Ok(a) => a,
        Err(e) => {
            eprintln!("cannot build the analyzer: {e}");
            std::process::exit(1);
        }
    };
    let sets = [
        (EvalFormat::Germeval, "germeval2017-dev/dev.tsv"),
        (EvalFormat::Sb10k, "sb10k/dev.tsv"),
        (EvalFormat::Potts, "potts/dev.tsv"),
        (
            EvalFormat::VaderSnippets,
            "vader/amazonReviewSnippets_GroundTruth.txt",
        ),
    ];
    for (format, rel) in sets {
        let path = root.join(rel);
        match readers::read_file(format, &path) {
            Ok(ds) => {
                println!("{}", evaluate(&analyzer, format, rel, &ds));
                // Every set is monolingual: how often is the language detected right?
                let texts: Vec<&str> = ds.examples.iter().map(|e| e.text.as_str()).collect();
                let expected = if format == EvalFormat::VaderSnippets {
                    Lang::En
                } else {
                    Lang::De
                };
                let hits = analyzer
                    .analyze_batch(&texts)
                    .iter()
                    .filter(|a| a.language.lang == expected)
                    .count();
                println!(
                    "language detected as {expected}: {hits} of {} ({:.1} %)\n",
                    texts.len(),
                    100.0 * hits as f64 / texts.len().max(1) as f64
                );
            }
            Err(e) => println!("skipped {rel}: {e}"),
        }
    }
    match touchpoint_text::eval::themes::evaluate_germeval_themes(
        &analyzer,
        &root.join("germeval2017-dev/dev.tsv"),
    ) {
        Ok(r) => println!("{r}"),
        Err(e) => println!("skipped theme evaluation: {e}"),
    }
    if std::env::args().any(|a| a == "--cv") {
        // Retraining on the set itself, 5-fold cross-validated: what `touchpoint text train`
        // achieves with a company's own labelled comments. Nothing of this is shipped.
        for (format, rel) in sets.iter().take(3) {
            let Ok(ds) = readers::read_file(*format, &root.join(rel)) else {
                continue;
            };
            for blend in [
                Blend {
                    model: 1.0,
                    rules: 0.0,
                },
                Blend::default(),
            ] {
                if let Some(m) =
                    training::cross_validate(&ds.examples, 5, &TrainOptions::default(), blend)
                {
                    println!(
                        "{format} — {rel}: retrained on the set itself, 5-fold cross-validation, blend model {} / rules {}\n{m}",
                        blend.model, blend.rules
                    );
                }
            }
        }
    }
}
