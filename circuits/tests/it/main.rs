//! Integration tests of the circuits crate, one binary (reth's layout).
#![allow(missing_docs)]
#![allow(clippy::unwrap_used)]

mod batch;
mod common;
mod credit;
mod differential;
mod eddsa;
mod fund;
mod fund_circuit;
mod fund_slot;
mod health;
mod loan;
mod merkle;
mod poseidon;
mod range;
mod replay;
mod state;
mod vote;
mod vote_common;
mod vote_process;
mod vote_tally;
