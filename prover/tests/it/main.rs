//! Integration tests of `ccr-prover`, one binary (reth style): the library end to end, the key
//! files, interop with snarkjs and the EVM calldata layout (checked by running the pinned JS
//! tools in `tools/js`), and the command line.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure with its location

mod cached_prover;
mod ceremony;
mod cli;
mod common;
mod eligibility;
mod key_files;
mod prove_verify;
mod rollup_batch;
mod snarkjs;
mod solidity;
mod vote;
