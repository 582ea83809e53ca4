//! The network file: where a deployment's sequencer, L1 node and rollup contract are, written
//! by the devnet (or an operator) and read by `--network FILE` (env `CCR_NETWORK`).
//!
//! ```json
//! {
//!   "sequencerRpc": "http://127.0.0.1:8645",
//!   "l1Rpc": "http://127.0.0.1:8546",
//!   "rollup": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
//!   "l1ChainId": 31337,
//!   "params": { "depth": 8, "batchSize": 4 },
//!   "verifyingKey": "keys/batch.vk",
//!   "poll": { "address": "0x…", "stateDepth": 3, "voteDepth": 1, "batchSize": 4, "tallyBatchSize": 8 },
//!   "asset": { "symbol": "ETH", "decimals": 18, "unit": "1000000000" }
//! }
//! ```
//!
//! A relative `verifyingKey` is relative to the network file's directory; `poll` (optional)
//! names the poll contract and the sizes its verifiers were made for; `asset` (optional: read
//! from L1 when absent) how amounts are written ([`crate::amount::Asset`]).

use std::path::{Path, PathBuf};

use alloy_primitives::Address;
use ccr_circuits::state::{Domain, RollupParams};
use serde::{Deserialize, Serialize};

use crate::error::WalletError;
use crate::fsutil::write_private_atomic;

/// The rollup's parameters as the network file spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct NetworkParams {
    /// Depth of the account tree.
    pub depth: usize,
    /// Slots per batch.
    #[serde(alias = "batch_size")]
    pub batch_size: usize,
}

impl NetworkParams {
    /// The checked parameters of the deployment `domain`.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a depth outside `1..=24` or a zero batch size.
    pub fn rollup_params(&self, domain: Domain) -> Result<RollupParams, WalletError> {
        RollupParams::new(self.depth, self.batch_size, domain)
            .map_err(|e| WalletError::Config(format!("network file params: {e}")))
    }
}

impl From<RollupParams> for NetworkParams {
    fn from(p: RollupParams) -> Self {
        Self { depth: p.depth, batch_size: p.batch_size }
    }
}

/// A deployment, as the devnet writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkFile {
    /// The sequencer's JSON-RPC URL.
    #[serde(alias = "sequencer_rpc")]
    pub sequencer_rpc: String,
    /// The L1 node's Ethereum JSON-RPC URL.
    #[serde(alias = "l1_rpc")]
    pub l1_rpc: String,
    /// The rollup contract.
    pub rollup: Address,
    /// The L1 chain id.
    #[serde(alias = "l1_chain_id")]
    pub l1_chain_id: u64,
    /// Tree depth and batch size.
    pub params: NetworkParams,
    /// The batch circuit's verifying key (a `ccr-prover` key file, a proving key file, or a
    /// snarkjs `verification_key.json`); relative to the network file's directory.
    #[serde(alias = "verifying_key")]
    pub verifying_key: PathBuf,
    /// The L1 block the rollup was deployed in (where log scans start); 0 if unknown.
    #[serde(default)]
    #[serde(alias = "deploy_block")]
    pub deploy_block: u64,
    /// The poll contract (bank votes), if the deployment has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll: Option<PollNetwork>,
    /// The rollup's asset (symbol, decimals, base units per L2 unit): how `--amount` is read
    /// and balances are printed. Read from L1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<crate::amount::Asset>,
}

/// The network file's `poll` section: the poll contract and its circuits' sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "camelCase")]
pub struct PollNetwork {
    /// The poll contract.
    pub address: Address,
    /// Depth of the state and ballot trees (up to `2^state_depth` voters).
    #[serde(alias = "state_depth")]
    pub state_depth: usize,
    /// Depth of a ballot's votes tree (up to `2^vote_depth` options).
    #[serde(alias = "vote_depth")]
    pub vote_depth: usize,
    /// Messages per processing proof.
    #[serde(alias = "batch_size")]
    pub batch_size: usize,
    /// Ballots per tally proof.
    #[serde(alias = "tally_batch_size")]
    pub tally_batch_size: usize,
}

impl PollNetwork {
    /// The processing circuit's shape.
    pub fn vote_params(&self) -> ccr_circuits::vote::trees::VoteParams {
        ccr_circuits::vote::trees::VoteParams {
            state_depth: self.state_depth,
            vote_depth: self.vote_depth,
            batch_size: self.batch_size,
        }
    }

    /// The tally circuit's shape.
    pub fn tally_params(&self) -> ccr_circuits::vote::tally_witness::TallyParams {
        ccr_circuits::vote::tally_witness::TallyParams {
            state_depth: self.state_depth,
            vote_depth: self.vote_depth,
            batch_size: self.tally_batch_size,
        }
    }
}

impl NetworkFile {
    /// Reads a network file; a relative `verifyingKey` is resolved against its directory.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] naming the file, for a missing or malformed file.
    pub fn load(path: &Path) -> Result<Self, WalletError> {
        let bytes = std::fs::read(path).map_err(|e| {
            WalletError::Config(format!(
                "cannot read the network file {}: {e} (the devnet writes it; or pass --rpc/--l1-rpc/--rollup)",
                path.display()
            ))
        })?;
        let mut file: Self = serde_json::from_slice(&bytes)
            .map_err(|e| WalletError::Config(format!("network file {}: {e}", path.display())))?;
        if file.verifying_key.is_relative() {
            file.verifying_key = crate::fsutil::parent_dir(path).join(&file.verifying_key);
        }
        Ok(file)
    }

    /// Writes the file crash-safely (pretty JSON).
    ///
    /// # Errors
    ///
    /// [`WalletError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), WalletError> {
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|e| WalletError::Config(format!("serializing the network file: {e}")))?;
        json.push(b'\n');
        write_private_atomic(path, &json).map_err(|(p, e)| WalletError::io(&p, e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use super::*;

    /// Keys are camelCase, as in every JSON the project writes and its RPC; a file written with
    /// the earlier snake_case keys still reads the same.
    #[test]
    fn keys_are_camel_case_and_snake_case_files_still_read() {
        let file = NetworkFile {
            sequencer_rpc: "http://127.0.0.1:8645".into(),
            l1_rpc: "http://127.0.0.1:8546".into(),
            rollup: Address::repeat_byte(0x11),
            l1_chain_id: 31_337,
            params: NetworkParams { depth: 8, batch_size: 4 },
            verifying_key: "batch.vk".into(),
            deploy_block: 3,
            poll: Some(PollNetwork {
                address: Address::repeat_byte(0x22),
                state_depth: 3,
                vote_depth: 1,
                batch_size: 4,
                tally_batch_size: 8,
            }),
            asset: None,
        };
        let json = serde_json::to_string(&file).unwrap();
        for key in [
            "sequencerRpc",
            "l1Rpc",
            "l1ChainId",
            "batchSize",
            "verifyingKey",
            "deployBlock",
            "tallyBatchSize",
        ] {
            assert!(json.contains(&format!("\"{key}\":")), "{key} missing from {json}");
        }
        assert!(!json.contains('_'), "no snake_case key in {json}");
        let snake = r#"{"sequencer_rpc":"http://127.0.0.1:8645","l1_rpc":"http://127.0.0.1:8546",
            "rollup":"0x1111111111111111111111111111111111111111","l1_chain_id":31337,
            "params":{"depth":8,"batch_size":4},"verifying_key":"batch.vk","deploy_block":3,
            "poll":{"address":"0x2222222222222222222222222222222222222222","state_depth":3,
            "vote_depth":1,"batch_size":4,"tally_batch_size":8}}"#;
        assert_eq!(serde_json::from_str::<NetworkFile>(snake).unwrap(), file);
    }
}
