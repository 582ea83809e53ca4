//! Integration tests of the credit assessment policy.

mod auc;
mod cli;
mod committed;
mod common;
mod eligibility;
mod hash;
mod schema;
mod scoring;
mod training;
