//! Integration tests of the service benchmarks, at test size (depth 8, small batches): they
//! check what the benchmarks count and verify, never how fast anything was (and the vote
//! benchmark's batch and report, the fund's one-bank epoch proof).

mod health;
mod restart;
mod rpc;
mod settle;
mod vote;
