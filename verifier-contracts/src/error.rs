//! Error types, one per layer; each wraps the layer below with `#[from]`.

use alloy_primitives::Bytes;

/// Errors of [`crate::solidity_verifier`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeneratorError {
    /// The contract name is not a Solidity identifier.
    #[error("`{0}` is not a Solidity identifier")]
    ContractName(String),
    /// The notice holds control characters other than newlines.
    #[error("the notice may hold printable text and newlines only")]
    Notice,
    /// The verifying key has no `IC₀`.
    #[error("the verifying key has no gamma_abc_g1 point")]
    NoPublicInputs,
}

/// Errors of reading a compiled artifact.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// Not the JSON layout of `tools/js/build-contracts.js`.
    #[error("artifact {name}: {source}")]
    Json {
        /// Which artifact.
        name: String,
        /// Why.
        source: serde_json::Error,
    },
    /// An artifact without code (an interface or an abstract contract).
    #[error("artifact {0} has no bytecode")]
    NoBytecode(String),
    /// The compiler output has no contract of that name.
    #[error("no contract {0} in the compiler output")]
    Missing(String),
}

/// Errors of compiling Solidity with the pinned solc-js ([`crate::solc`]).
#[derive(Debug, thiserror::Error)]
pub enum SolcError {
    /// `node` could not be started or fed.
    #[error("cannot run `node {script}` (needs Node.js >= 18 and `npm ci --prefix tools/js`): {source}")]
    Spawn {
        /// The build script.
        script: String,
        /// Why.
        source: std::io::Error,
    },
    /// The compiler rejected the sources (or warned: warnings fail the build).
    #[error("solc failed ({status}):\n{stderr}")]
    Failed {
        /// Exit status of `node`.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The compiler's output is not what the build script prints.
    #[error("unexpected output of the build script: {0}")]
    Output(#[from] serde_json::Error),
    /// A compiled contract is unusable.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
}

/// Errors of the in-process EVM ([`crate::evm::Evm`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvmError {
    /// The call reverted; `output` is the revert data (an ABI-encoded error).
    #[error("reverted after {gas_used} gas with 0x{}", alloy_primitives::hex::encode(output))]
    Revert {
        /// Revert data.
        output: Bytes,
        /// Gas used by the transaction.
        gas_used: u64,
    },
    /// The call halted exceptionally (out of gas, invalid opcode, ...).
    #[error("halted after {gas_used} gas: {reason}")]
    Halt {
        /// Why, as revm describes it.
        reason: String,
        /// Gas used (all of the limit).
        gas_used: u64,
    },
    /// revm refused the transaction (bad nonce, insufficient balance, ...).
    #[error("invalid transaction: {0}")]
    Invalid(String),
    /// A contract creation succeeded without returning an address.
    #[error("contract creation returned no address")]
    NoAddress,
    /// Return data that does not decode as the called function's outputs.
    #[error("undecodable return data: {0}")]
    Decode(#[from] alloy_sol_types::Error),
}

impl EvmError {
    /// The revert data, when the call reverted.
    pub fn revert_data(&self) -> Option<&[u8]> {
        match self {
            Self::Revert { output, .. } => Some(output),
            _ => None,
        }
    }
}

/// Errors of deploying and driving the rollup contracts ([`crate::rollup`]).
#[derive(Debug, thiserror::Error)]
pub enum RollupError {
    /// The EVM call failed (a revert carries the contract's error; see
    /// [`RollupError::contract_error`]).
    #[error(transparent)]
    Evm(#[from] EvmError),
    /// An embedded or compiled artifact is unusable.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A value does not fit the field or the type it stands for.
    #[error("{what} out of range: {value}")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value, in decimal.
        value: String,
    },
    /// An event log that does not decode.
    #[error("undecodable event log: {0}")]
    Log(alloy_sol_types::Error),
}
