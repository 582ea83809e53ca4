//! End-to-end tests of the whole rollup: real JSON-RPC on loopback, real RocksDB, real
//! contracts on a real EVM (embedded revm, and anvil), real Groth16 proofs at test size
//! (depth 8, 4 slots per batch).

mod common;
mod crash;
mod credit;
mod escape;
mod liveness;
mod poll;
mod scenario;
mod tour;
