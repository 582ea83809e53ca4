//! Integration tests of the wallet: keystore files, the command line, and the operations
//! against a real sequencer node on 127.0.0.1.
#![allow(clippy::unwrap_used)] // tests: a panic is a failure with its location

mod bank_files;
mod cli;
mod common;
mod credit;
mod deploy;
mod fund_audit;
mod health;
mod health_rpc;
mod help_examples;
mod keystore;
mod l1;
mod sequencer;
mod snapshots;
mod vote;
