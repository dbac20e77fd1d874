//! touchpoint-text
pub mod analyzer;
pub mod commands;
pub mod eval;
pub mod features;
pub mod lang;
pub mod lexicon;
pub mod model;
pub mod modifiers;
pub mod rules;
pub mod sentiment;
pub mod taxonomy;
pub mod tokenize;
pub mod training;
pub mod types;

pub use analyzer::Analyzer;
pub use types::*;

/// The shipped default model.
pub fn default_model() -> Result<model::Model, model::ModelError> {
    model::Model::from_bytes(
        include_bytes!("../resources/model/model.json"),
        include_bytes!("../resources/model/weights.bin"),
    )
}
