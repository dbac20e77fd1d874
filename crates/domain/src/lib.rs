//! Touchpoint's domain: the product's rules and nothing else.
//!
//! What belongs here: typed ids, surveys and answer validation, metric definitions and their
//! statistics, time periods. What must not: IO of any kind (no tokio, no sqlx, no axum), and no
//! clock reads — callers pass "now" in, so every rule is testable with fixed inputs.

pub mod access;
pub mod answers;
pub mod customer;
pub mod event;
pub mod ids;
pub mod journey;
pub mod language;
pub mod metrics;
pub mod paths;
pub mod period;
pub mod permissions;
pub mod report;
pub mod response;
pub mod retention;
pub mod roles;
pub mod segment;
pub mod survey;
#[cfg(test)]
mod test_support;
pub mod totp;
pub mod touchpoint;
pub mod validation;

pub use access::{Access, Resource, Resources, TokenGrant, TokenScope};
pub use answers::{AnswerValue, Answers};
pub use customer::{
    AttributeDefinition, AttributeType, AttributeValue, BatchReport, CustomerDraft, LineError,
    UnknownCustomers, ValidCustomer,
};
pub use ids::*;
pub use language::Language;
pub use period::Interval;
pub use permissions::{DepartmentScope, Permission};
pub use response::{NewResponse, ResponseDraft};
pub use roles::Role;
pub use survey::{Question, QuestionKind, SurveyDefinition};
pub use validation::FieldError;
