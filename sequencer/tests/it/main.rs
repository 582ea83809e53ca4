//! Integration tests of the sequencer: real RocksDB in temporary directories, real JSON-RPC
//! over 127.0.0.1 on ephemeral ports, one development keypair shared by the proving tests.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure with its location

mod bank_files;
mod common;
mod crash;
mod credit_metrics;
mod e2e;
mod errors;
mod fleet;
mod fund_moves;
mod health_reports;
mod keys_and_l1;
mod probes;
mod settle;
mod startup;
mod tls;
mod votes;
