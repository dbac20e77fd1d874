//! Rebuilds the shipped default model in `resources/model/` from licence-clean data only:
//! the SB10k training split (labels CC BY 4.0; only the weights derived from them are
//! shipped, never the tweets) and the VADER movie-review, NYT and tweet snippets (MIT).
//! The Amazon snippets are kept out: they are the English evaluation set. Nothing from
//! GermEval (CC BY-NC) is used.
//!
//! `cargo run -p touchpoint-text --release --example train_default [-- OUT_DIR]`

use std::path::PathBuf;

use touchpoint_text::Analyzer;
use touchpoint_text::eval::{EvalFormat, readers};
use touchpoint_text::model::TrainOptions;
use touchpoint_text::training;

fn main() {
    let root = std::env::var_os("TOUCHPOINT_EVAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("resources/model"));
    let mut examples = Vec::new();
    for (format, rel) in [
        (EvalFormat::Sb10k, "sb10k/train.tsv"),
        (
            EvalFormat::VaderSnippets,
            "vader/movieReviewSnippets_GroundTruth.txt",
        ),
        (
            EvalFormat::VaderSnippets,
            "vader/nytEditorialSnippets_GroundTruth.txt",
        ),
        (EvalFormat::VaderSnippets, "vader/tweets_GroundTruth.txt"),
    ] {
        match readers::read_file(format, &root.join(rel)) {
            Ok(ds) => {
                eprintln!("{rel}: {} examples", ds.examples.len());
                examples.extend(ds.examples);
            }
            Err(e) => {
                eprintln!("cannot read {rel}: {e}");
                std::process::exit(1);
            }
        }
    }
    let base = match Analyzer::rules_only() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let options = TrainOptions::default();
    let model = training::train(
        &base,
        &examples,
        &options,
        "SB10k train split labels (CC BY 4.0) + VADER movie/NYT/tweet snippets (MIT); see resources/ATTRIBUTION.md",
    );
    if let Err(e) = model.save(&out) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    eprintln!("saved to {} ({} examples)", out.display(), examples.len());
}
