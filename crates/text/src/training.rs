//! Training the linear sentiment model from labelled examples, on top of the rule
//! features of an [`Analyzer`] (so the model learns how far to trust the lexicon).

use crate::analyzer::Analyzer;
use crate::eval::readers::Example;
use crate::features::Features;
use crate::model::{Model, TrainOptions};

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
