//! Evaluation on the development sets in `TOUCHPOINT_EVAL_DATA` (default: `shared/data`
//! beside the repository). Each test prints a clear message and passes when the data is
//! absent, so a fresh clone's `cargo test` stays green.
//!
//! Full report: `cargo test -p touchpoint-text --release --test eval -- --nocapture`

use std::path::PathBuf;

use touchpoint_text::Analyzer;
use touchpoint_text::commands::{EvalFormat, eval};

fn data_root() -> PathBuf {
    std::env::var_os("TOUCHPOINT_EVAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

fn dataset(rel: &str) -> Option<PathBuf> {
    let p = data_root().join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!(
            "SKIPPED: {} not found (set TOUCHPOINT_EVAL_DATA to the shared/data folder to run this evaluation)",
            p.display()
        );
        None
    }
}

#[test]
fn vader_amazon_snippets_beat_the_plain_vader_lexicon() {
    let Some(path) = dataset("vader/amazonReviewSnippets_GroundTruth.txt") else {
        return;
    };
    let r = eval(EvalFormat::VaderSnippets, &path, Analyzer::shared()).expect("evaluates");
    println!("{r}");
    let vader = r.baseline("plain VADER").expect("baseline present");
    assert!(
        r.macro_f1() > vader.macro_f1() + 0.03,
        "macro-F1 {} vs VADER {}",
        r.macro_f1(),
        vader.macro_f1()
    );
    assert!(
        r.micro_f1() > vader.micro_f1() + 0.03,
        "micro-F1 {} vs VADER {}",
        r.micro_f1(),
        vader.micro_f1()
    );
}

#[test]
fn germeval_dev_beats_the_baselines_on_macro_f1() {
    let Some(path) = dataset("germeval2017-dev/dev.tsv") else {
        return;
    };
    let r = eval(EvalFormat::Germeval, &path, Analyzer::shared()).expect("evaluates");
    println!("{r}");
    let majority = r.baseline("majority").expect("baseline present");
    let plain = r.baseline("plain lexicon").expect("baseline present");
    // Regression guard at the measured level (see docs/TEXT-ANALYTICS.md); the issue's
    // targets (micro ≥ 0.78, macro ≥ 0.60) are NOT met by the shipped, licence-clean model.
    assert!(r.macro_f1() > majority.macro_f1() + 0.1);
    assert!(r.macro_f1() > plain.macro_f1());
    assert!(r.macro_f1() >= 0.40, "macro-F1 {}", r.macro_f1());
}

#[test]
fn sb10k_and_potts_dev_beat_the_baselines() {
    for (format, rel) in [
        (EvalFormat::Sb10k, "sb10k/dev.tsv"),
        (EvalFormat::Potts, "potts/dev.tsv"),
    ] {
        let Some(path) = dataset(rel) else { continue };
        let r = eval(format, &path, Analyzer::shared()).expect("evaluates");
        println!("{r}");
        for (name, m) in &r.baselines {
            assert!(
                r.macro_f1() > m.macro_f1(),
                "{rel}: macro-F1 {} not above {name} {}",
                r.macro_f1(),
                m.macro_f1()
            );
        }
    }
}
