//! The sequencer of the community credit rollup: a JSON-RPC API, a bounded mempool validated
//! against the pending state, a batcher, RocksDB storage rebuilt by replay at start-up, a
//! proof pipeline, and Prometheus metrics. The state transition it runs is
//! `ccr_circuits::state::RollupState::apply`, the specification the circuit is tested against.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The batcher task: seal on size or timeout.
pub mod batcher;
/// Command-line options of the binary.
pub mod cli;
/// Credit flows per bank, for the metrics.
pub mod credit_flows;
/// The embedded L1 with the contracts deployed (one-machine setup).
pub mod embedded;
/// The sequencer's error enum and its mapping to error codes.
pub mod error;
/// Remote provers: the job API, its leases, the worker.
pub mod fleet;
/// Liveness of the node's tasks (`/healthz`, `/readyz`).
pub mod health;
/// Community health: the network's configuration, signed indicator reports, scores, the fund.
pub mod health_reports;
/// Start-up checks and replay of the log.
pub mod invariants;
/// Interfaces to L1 (deposit watcher, settlement): traits only.
pub mod l1;
/// The L1 traits on the rollup contract (alloy client).
pub mod l1_client;
/// Logging set-up of the binaries.
pub mod logging;
/// The mempool and the pending state.
pub mod mempool;
/// Prometheus metrics.
pub mod metrics;
/// A running node: core, API, tasks, shutdown.
pub mod node;
/// The proof pipeline and key loading.
pub mod prover;
/// Stored records and their encodings.
pub mod records;
/// The JSON-RPC server.
pub mod rpc;
/// The sequencer core.
pub mod sequencer;
/// RocksDB storage.
pub mod store;
/// The vote relay's limits (per poll, per encryption key, global).
pub mod vote_relay;

pub use crate::error::SequencerError;
pub use crate::node::{L1Config, Node, NodeConfig, NodeError};
pub use crate::prover::{BatchKeys, BatchVerifier};
pub use crate::sequencer::{Sequencer, SequencerConfig};
/// The JSON-RPC API and the wire formats live in `ccr-rpc-api`, which clients use without the
/// node; re-exported under their old paths.
pub use ccr_rpc_api::{api, wire};
pub use ccr_rpc_api::{CcrApiClient, CcrApiServer, ErrorCode};
