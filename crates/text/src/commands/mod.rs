//! The functions behind `touchpoint text analyze | eval | train`. The CLI crate owns the
//! argument parsing and calls these; they take readers, writers and paths and never exit.

mod analyze;
mod eval;
mod train;

pub use analyze::{BATCH, analyze_stream};
pub use eval::{EvalError, eval};
pub use train::{TrainCommandOptions, TrainError, TrainSummary, train};

pub use crate::eval::{EvalFormat, EvalReport};
