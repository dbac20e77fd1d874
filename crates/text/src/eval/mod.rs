//! The evaluation harness: dataset readers, metrics, baselines and the report.

pub mod baselines;
pub mod metrics;
pub mod readers;
pub mod report;
pub mod themes;

pub use metrics::{ClassScores, Metrics};
pub use readers::{Dataset, EvalFormat, Example, ReadError};
pub use report::{EvalReport, evaluate};
