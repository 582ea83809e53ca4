//! Integration tests of the credit assessment policy.

mod auc;
mod cli;
mod common;
mod eligibility;
mod hash;
mod schema;
mod scoring;
mod training;
