//! `touchpoint text eval --format … PATH`.

use std::path::Path;

use crate::analyzer::Analyzer;
use crate::eval::{EvalFormat, EvalReport, ReadError, evaluate, readers};

/// Evaluation could not run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Reads `path` in `format`, runs `analyzer` on it and compares with the baselines.
/// The report's `Display` is the CLI output; it is also `Serialize` for `--json`.
pub fn eval(format: EvalFormat, path: &Path, analyzer: &Analyzer) -> Result<EvalReport, EvalError> {
    let data = readers::read_file(format, path)?;
    Ok(evaluate(
        analyzer,
        format,
        &path.display().to_string(),
        &data,
    ))
}
