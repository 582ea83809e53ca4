//! Integration tests of the service benchmarks, at test size (depth 8, small batches): they
//! check what the benchmarks count and verify, never how fast anything was.

mod rpc;
mod settle;
