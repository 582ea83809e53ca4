//! Statements of the community credit rollup.
//!
//! Every primitive is a native implementation (the specification, run by the sequencer
//! and the wallet) beside an R1CS gadget (what the prover proves), tested against each
//! other: values equal and constraints satisfied.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod babyjubjub;
pub mod batch;
pub mod credit;
pub mod field;
pub mod health;
pub mod lc;
pub mod merkle;
pub mod poseidon;
pub mod range;
pub mod state;
pub mod vote;

/// The scalar field of BN254, in which every statement of the rollup is written.
pub use ark_bn254::Fr;
