//! Training the linear sentiment model from labelled examples, on top of the rule
//! features of an [`Analyzer`] (so the model learns how far to trust the lexicon).

use crate::analyzer::Analyzer;
use crate::eval::readers::Example;
use crate::features::Features;
use crate::model::{Blend, Model, TrainOptions};

/// Trains a model on `examples`. Features come from `base` (use a rules-only analyzer, or
/// the default one: the model's own weights are not used for features).
pub fn train(
    base: &Analyzer,
    examples: &[Example],
    options: &TrainOptions,
    trained_on: &str,
) -> Model {
    let data = featurize(base, examples, options.bits);
    let mut m = Model::train(&data, options);
    m.meta.trained_on = trained_on.to_string();
    m
}

/// Features and class indices of `examples`, computed on all cores.
pub fn featurize(base: &Analyzer, examples: &[Example], bits: u32) -> Vec<(Features, usize)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = examples.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = examples
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|e| (base.features(&e.text, None, bits), e.label.index()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(examples.len());
        for (h, part) in handles.into_iter().zip(examples.chunks(chunk)) {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(_) => out.extend(
                    part.iter()
                        .map(|e| (base.features(&e.text, None, bits), e.label.index())),
                ),
            }
        }
        out
    })
}

/// k-fold cross-validation of retraining on `examples` (fold = index mod k): what
/// `touchpoint text train` achieves on a company's own labelled feedback. Each fold's model
/// is used as the analyzer uses it (blended with the rules). `None` when the embedded
/// resources cannot be loaded.
pub fn cross_validate(
    examples: &[Example],
    folds: usize,
    options: &TrainOptions,
    blend: Blend,
) -> Option<crate::eval::Metrics> {
    let base = Analyzer::rules_only().ok()?;
    let folds = folds.max(2);
    let data = featurize(&base, examples, options.bits);
    let mut metrics = crate::eval::Metrics::default();
    for k in 0..folds {
        let train: Vec<(Features, usize)> = data
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != k)
            .map(|(_, d)| d.clone())
            .collect();
        let mut model = Model::train(&train, options);
        model.meta.blend = blend;
        let analyzer = Analyzer::rules_only().ok()?.with_model(model);
        let test: Vec<&Example> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds == k)
            .map(|(_, e)| e)
            .collect();
        let texts: Vec<&str> = test.iter().map(|e| e.text.as_str()).collect();
        for (e, a) in test.iter().zip(analyzer.analyze_batch(&texts)) {
            metrics.add(e.label, a.sentiment.label);
        }
    }
    Some(metrics)
}
