//! The rollup's development L1, apart from the L1 client (`ccr-l1`) that reaches any chain:
//!
//! - [`node`]: the embedded L1, the revm chain of `ccr-verifier-contracts` behind an Ethereum
//!   JSON-RPC server (chain id 31337, anvil's development accounts, automine), for the tests and
//!   the one-machine setup;
//! - [`anvil`]: Foundry's anvil as a child process, the "any Ethereum node" of the tests and of
//!   `ccr-devnet --anvil`.
//!
//! Neither is for value: both fund anvil's public development keys ([`ccr_l1::DEV_KEYS`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// anvil as a child process (tests, `ccr-devnet --anvil`).
pub mod anvil;
/// What the embedded node answers when it refuses a request.
pub mod error;
/// The embedded L1 node.
pub mod node;

pub use crate::error::NodeError;
