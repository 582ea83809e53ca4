//! The banks' credit assessment policy: a logistic regression trained on a lender's CSV (read
//! through a schema), quantized to an integer model the eligibility circuit can evaluate (int8
//! weights, integer inputs, integer bias and tier thresholds on the logit, no sigmoid), with
//! tiers, terms and purpose weights, sealed by a Poseidon policy hash.
//!
//! The integer scorer here ([`policy::Policy::decide`]) is the native twin of the circuit.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auc;
pub mod data;
pub mod hash;
pub mod policy;
pub mod report;
pub mod schema;
pub mod train;

/// The committed German credit policy (trained with seed 0 by `ccr-policy train`), the
/// policy the wallet's examples, the devnet and the benchmarks load.
pub fn german_policy_file() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies/german.json")
}

/// The German credit data (UCI Statlog, CSV with a header, the `bad` label last) the German
/// policy was trained on.
pub fn german_data_file() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/german_credit.csv")
}

/// The committed German credit policy's JSON, built into the binary (for programs that run
/// away from the source tree, like the devnet).
pub const GERMAN_POLICY_JSON: &str = include_str!("../policies/german.json");

/// The German credit data's CSV, built into the binary.
pub const GERMAN_DATA_CSV: &str = include_str!("../data/german_credit.csv");

/// The committed German credit policy, from [`GERMAN_POLICY_JSON`].
///
/// # Errors
///
/// Only if the committed file is broken (a test loads it).
pub fn german_policy() -> Result<Policy, policy::PolicyError> {
    Policy::from_json(GERMAN_POLICY_JSON, "the built-in German policy")
}

pub use data::Table;
pub use policy::{Decision, Policy, Purpose};
pub use schema::Schema;
pub use train::{train, TrainConfig};
