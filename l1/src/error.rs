//! Errors: [`L1Error`], what the client (and the start-up of a development node, in
//! `ccr-dev-chain`) returns.

use alloy_primitives::{hex, Address, Bytes, B256};
use ccr_verifier_contracts::bindings::Poll::PollErrors;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;

/// Errors of the L1 client and of starting the embedded node.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// anvil is missing, did not start or does not answer.
    #[error("anvil: {0}")]
    Anvil(String),
    /// The embedded node could not listen.
    #[error("cannot start the embedded L1 on {addr}: {source}")]
    Listen {
        /// Address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The URL of the L1 node does not parse.
    #[error("invalid L1 RPC URL `{url}`: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// TLS set-up: a certificate file, or the HTTP client.
    #[error("TLS: {0}")]
    Tls(String),
    /// The signing key is not a secp256k1 private key.
    #[error("invalid L1 signing key: {0}")]
    Key(String),
    /// The rollup contract refused the call with one of its custom errors.
    #[error("the rollup contract refused: {name} ({error:?})")]
    Contract {
        /// Name of the custom error (e.g. `NothingToWithdraw`).
        name: &'static str,
        /// The decoded error with its arguments.
        error: RollupErrors,
    },
    /// The poll contract refused the call with one of its custom errors.
    #[error("the poll contract refused: {name} ({error:?})")]
    PollContract {
        /// Name of the custom error (e.g. `VotingClosed`).
        name: &'static str,
        /// The decoded error with its arguments (boxed: some carry several words).
        error: Box<PollErrors>,
    },
    /// A call reverted with data that is not one of the contract's errors (another contract's,
    /// a `require` string, a panic, or nothing).
    #[error("reverted with 0x{}", hex::encode(data))]
    Reverted {
        /// Revert data.
        data: Bytes,
    },
    /// The transaction was included but failed (status 0).
    #[error("transaction {hash} failed in block {block} after {gas_used} gas")]
    Failed {
        /// Transaction hash.
        hash: B256,
        /// Block it was included in.
        block: u64,
        /// Gas it used.
        gas_used: u64,
    },
    /// The node refused the request or could not be reached.
    #[error("L1 RPC: {0}")]
    Rpc(String),
    /// A deployment, an artifact or the rollup parameters are unusable.
    #[error("deployment: {0}")]
    Deploy(String),
    /// A batch verifier of the insecure development key (the committed `Groth16Verifier`, or a
    /// key file flagged `insecure_dev_setup`) on a chain that is not a development chain:
    /// refused, nothing deployed.
    #[error(
        "refusing to deploy a batch verifier of the INSECURE development key on chain {chain_id}: its \
         seed is public, so anyone can forge batch proofs and take every deposit. Development chains \
         only (chain ids {dev:?}); deploy a verifier of a setup ceremony's key, or opt in explicitly \
         (--insecure-dev-keys) on a test network whose rollup will never hold value",
        dev = crate::client::DEV_CHAIN_IDS
    )]
    InsecureDevKey {
        /// The chain id the node reported.
        chain_id: u64,
    },
    /// The node answered something inconsistent (a missing transaction, a malformed log, a gap
    /// in the queue, ...).
    #[error("unexpected L1 data: {0}")]
    Data(String),
    /// A transaction that created no contract, where one was expected.
    #[error("transaction {0} created no contract")]
    NoContract(B256),
    /// The rollup address holds no contract (wrong address, or another chain).
    #[error("no rollup at {0}: the address has no code")]
    NoRollup(Address),
}

impl L1Error {
    /// The rollup's custom error, when the contract refused with one.
    pub fn contract_error(&self) -> Option<&RollupErrors> {
        match self {
            Self::Contract { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The poll contract's custom error, when it refused with one.
    pub fn poll_error(&self) -> Option<&PollErrors> {
        match self {
            Self::PollContract { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }

    /// The name of the contract's custom error (the rollup's or the poll contract's), when the
    /// contract refused with one.
    pub fn contract_error_name(&self) -> Option<&'static str> {
        match self {
            Self::Contract { name, .. } | Self::PollContract { name, .. } => Some(name),
            _ => None,
        }
    }
}
