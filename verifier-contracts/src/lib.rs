//! The rollup's L1 side: Solidity sources, their committed artifacts, typed bindings, and an
//! in-process EVM to run them.
//!
//! - [`solidity_verifier`] generates the Groth16 verifier of a verifying key (constants in the
//!   style of snarkjs's verifier); `src/Groth16Verifier.sol` is its output for
//!   [`COMMITTED_VERIFIER_KEY`].
//! - `src/Rollup.sol`: state roots, the Poseidon queue (deposits and forced exits), batch
//!   settlement against the SHA-256 commitment, exits and withdrawals in ETH or one ERC-20, and
//!   the escape hatch (exit mode, exits with a Merkle proof, deposit refunds);
//!   `src/TestToken.sol`: an ERC-20 for tests and development chains.
//! - [`artifacts`]: what `node tools/js/build-contracts.js` compiled, embedded.
//! - [`bindings`]: alloy `sol!` types of every call, event and error.
//! - `src/Poll.sol`: quadratic-voting polls of the banks, whose passed proposals
//!   `Rollup.executeProposal` adopts as a bank's parameters ([`rollup::BankProposal`]).
//! - `src/SolidarityFund.sol`: the network fund's epoch tables (issue 11), each settled once
//!   with a proof of the epoch circuit against the stored registry root, parameters' hash and
//!   fund balance, or lapsed ([`fund`]).
//! - `evm` (the `evm` feature, on by default): revm in memory; [`rollup`] and [`poll`] drive the
//!   contracts on it. Without the feature the crate is bindings, calldata helpers, artifacts and
//!   the generator: what an L1 client (the wallet) needs, with no EVM compiled in.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The committed compiler artifacts, embedded.
pub mod artifacts;
/// Many Groth16 proofs of one key checked with one pairing call (`BatchVerifier.sol`).
pub mod batch_verify;
/// Typed bindings (alloy `sol!`).
pub mod bindings;
/// Verifiers for the insecure development keys, and the key of the committed verifier.
pub mod dev;
/// Error types, one per layer.
pub mod error;
/// An in-process EVM on revm (feature `evm`).
#[cfg(feature = "evm")]
pub mod evm;
/// The solidarity fund's proven epoch tables on L1 (`SolidarityFund.sol`) driven on an
/// [`evm::Evm`].
pub mod fund;
/// Solidity source of a Groth16 verifier for a verifying key.
pub mod generator;
/// Quadratic-voting polls on L1 (`Poll.sol`) driven on an [`evm::Evm`].
pub mod poll;
/// The rollup contracts driven on an [`evm::Evm`].
pub mod rollup;
/// Compiling Solidity at run time with the pinned solc-js.
pub mod solc;

#[cfg(feature = "evm")]
pub use crate::evm::{Evm, Receipt};
pub use crate::{
    artifacts::Artifact,
    dev::{DevKey, DevKeyError, COMMITTED_VERIFIER_KEY},
    error::{ArtifactError, EvmError, GeneratorError, RollupError, SolcError},
    generator::{solidity_verifier, SOLC_VERSION},
    rollup::{BankProposal, BatchSubmission, DeployConfig, RollupContracts},
};
