//! [`NodeError`]: what the embedded node answers over JSON-RPC, with its code.

use alloy_primitives::{hex, Bytes};
use jsonrpsee::types::ErrorObjectOwned;

/// JSON-RPC error code of a reverted call (geth and anvil: code 3, revert data in `data`).
pub const CODE_REVERTED: i32 = 3;
/// JSON-RPC error code of a transaction or state request the node refuses.
pub const CODE_SERVER: i32 = -32000;
/// JSON-RPC error code of malformed parameters.
pub const CODE_INVALID_PARAMS: i32 = -32602;
/// JSON-RPC error code of a method the node does not serve.
pub const CODE_METHOD_NOT_FOUND: i32 = -32601;

/// Why the embedded node refused a request; [`NodeError::code`] is its JSON-RPC code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NodeError {
    /// The call reverted; `data` is the revert data (an ABI-encoded error).
    #[error("execution reverted")]
    Reverted {
        /// Revert data.
        data: Bytes,
    },
    /// The call halted exceptionally (out of gas, invalid opcode, ...).
    #[error("execution halted: {0}")]
    Halted(String),
    /// The EVM refused the transaction (nonce, chain id, balance, gas limit, ...).
    #[error("invalid transaction: {0}")]
    InvalidTransaction(String),
    /// Malformed parameters (an undecodable transaction, an unsupported transaction type, ...).
    #[error("invalid parameters: {0}")]
    InvalidParams(String),
    /// A state query at a block other than the latest: the node keeps only the latest state.
    #[error(
        "the embedded L1 keeps only the latest state (block {latest}); state at block {requested} \
         is not available: query `latest`"
    )]
    HistoricalState {
        /// Block asked for.
        requested: String,
        /// The latest block.
        latest: u64,
    },
    /// A block that is not mined yet.
    #[error("block {requested} is not mined yet (latest is {latest})")]
    FutureBlock {
        /// Block asked for.
        requested: u64,
        /// The latest block.
        latest: u64,
    },
    /// The chain's thread is gone (a panic in an earlier request): restart the node.
    #[error("the embedded L1's chain thread stopped (a panic in an earlier request?): restart the node")]
    Stopped,
}

impl NodeError {
    /// The JSON-RPC error code.
    pub fn code(&self) -> i32 {
        match self {
            Self::Reverted { .. } => CODE_REVERTED,
            Self::InvalidParams(_) => CODE_INVALID_PARAMS,
            Self::Halted(_)
            | Self::InvalidTransaction(_)
            | Self::HistoricalState { .. }
            | Self::FutureBlock { .. }
            | Self::Stopped => CODE_SERVER,
        }
    }
}

impl From<NodeError> for ErrorObjectOwned {
    fn from(e: NodeError) -> Self {
        match &e {
            NodeError::Reverted { data } => {
                ErrorObjectOwned::owned(e.code(), e.to_string(), Some(format!("0x{}", hex::encode(data))))
            }
            _ => ErrorObjectOwned::owned(e.code(), e.to_string(), None::<()>),
        }
    }
}
