//! Integration tests on revm executing the real artifacts (one test binary): the generated
//! verifier with real proofs of `ccr-prover`, the rollup contract against the Rust
//! specification, the full deposit-prove-settle-withdraw flow in ETH and in an ERC-20, forced
//! exits and the escape hatch, and gas by batch size.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure with its location

mod artifacts;
mod batch_verify;
mod ceremony;
mod common;
mod credit;
mod deposits;
mod epochs;
mod escape;
mod flow;
mod fund_members;
mod fund_moves;
mod gas;
mod governance;
mod liveness;
mod poll;
mod poll_e2e;
mod primitives;
mod solidarity_fund;
mod token;
mod verifier;
