//! `bank register`: register the wallet's account as a community bank pool on L1.

use std::path::PathBuf;

use ccr_prover::eligibility::{network_shape_index, NETWORK_SHAPES};
use clap::Args;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::credit::{load_policy, read_json, RegistryFile};
use crate::error::WalletError;

/// `bank register`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet bank register --policy german.json --registry registry.json\n\
    The wallet's account becomes the pool (its L1 address must own the account: the one that\n\
    created it). Registering again replaces the policy. L1 records the policy's hash and shape:\n\
    credits then need eligibility proofs under the rollup's key of that shape (one for every\n\
    bank: no bank makes or holds a key), for this policy and registry."
)]
pub struct RegisterArgs {
    /// The bank's policy file.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The bank's attester registry (`bank registry`).
    #[arg(long, value_name = "FILE")]
    pub registry: PathBuf,
}

impl RegisterArgs {
    /// Checks that the policy fits a shape the rollup has a key for and registers the pool
    /// from the wallet's L1 account.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a policy of a shape the network has no key for or a bad
    /// file; the keystore's and L1's errors.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let Self { policy, registry } = self;
        let policy = load_policy(&policy)?;
        let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
        let shape = network_shape_index(params.shape).ok_or_else(|| {
            WalletError::Config(format!(
                "the policy's shape ({}) has no eligibility key on this network (shapes: {}): \
                 train it for the production shape",
                params.shape,
                NETWORK_SHAPES.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
            ))
        })?;
        let registry: RegistryFile =
            read_json(&registry, "an attester registry", "write it with `ccr-wallet bank registry`")?;
        let root = registry.registry()?.root();
        let keys = s.keys()?;
        let pool = s.account_index()?;
        let l1 = s.l1(&keys).await?;
        let hash = params.hash();
        let tx = l1.client.register_bank(pool, shape, hash, root).await.map_err(|e| l1.err(e))?;
        let text = format!(
            "account {pool} is a community bank on L1 (tx {:#x}, block {}, gas {})\npolicy hash {hash}\n\
             shape {shape} ({})\nregistry root {root}",
            tx.hash, tx.block, tx.gas_used, params.shape,
        );
        Ok(Output::new(
            text,
            json!({
                "pool": pool,
                "l1Tx": format!("{:#x}", tx.hash),
                "gasUsed": tx.gas_used,
                "policyHash": hash.to_string(),
                "shape": shape,
                "registryRoot": root.to_string(),
            }),
        ))
    }
}
