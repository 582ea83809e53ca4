//! `bank register`: register the wallet's account as a community bank pool on L1.

use std::path::PathBuf;

use ccr_prover::VerifyingKeyFile;
use clap::Args;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::credit::{load_policy, read_json, RegistryFile};
use crate::error::WalletError;

/// `bank register`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet bank register --policy german.json --vk keys/eligibility.vk --registry registry.json\n\
    The wallet's account becomes the pool (its L1 address must own the account: the one that\n\
    created it). Registering again replaces the policy and key. Credits then need eligibility\n\
    proofs under this key, for this policy and registry."
)]
pub struct RegisterArgs {
    /// The bank's policy file.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The policy's eligibility verifying key (`bank keygen`).
    #[arg(long, value_name = "FILE")]
    pub vk: PathBuf,
    /// The bank's attester registry (`bank registry`).
    #[arg(long, value_name = "FILE")]
    pub registry: PathBuf,
}

impl RegisterArgs {
    /// Checks that the key is the policy's and registers the pool from the wallet's L1 account.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a key of another policy or a bad file; the keystore's and
    /// L1's errors.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let Self { policy, vk, registry } = self;
        let policy = load_policy(&policy)?;
        let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
        let vk_file = VerifyingKeyFile::load(&vk)
            .map_err(|e| WalletError::VerifyingKey { path: vk.clone(), reason: e.to_string() })?;
        let expected = format!("-policy-{}", params.hash);
        if !vk_file.metadata.circuit_name.ends_with(&expected) {
            return Err(WalletError::Config(format!(
                "the verifying key is for `{}`, not for this policy (hash {}): run `bank keygen` for it",
                vk_file.metadata.circuit_name, params.hash
            )));
        }
        let registry: RegistryFile =
            read_json(&registry, "an attester registry", "write it with `ccr-wallet bank registry`")?;
        let root = registry.registry()?.root();
        let keys = s.keys()?;
        let pool = s.account_index()?;
        let l1 = s.l1(&keys).await?;
        let tx =
            l1.client.register_bank(pool, &vk_file.key, params.hash, root).await.map_err(|e| l1.err(e))?;
        let text = format!(
            "account {pool} is a community bank on L1 (tx {:#x}, block {}, gas {})\npolicy hash {}\nregistry root {}{}",
            tx.hash,
            tx.block,
            tx.gas_used,
            params.hash,
            root,
            if vk_file.metadata.insecure_dev_setup {
                "\nWARNING: the eligibility key comes from an insecure development setup"
            } else {
                ""
            }
        );
        Ok(Output::new(
            text,
            json!({
                "pool": pool,
                "l1Tx": format!("{:#x}", tx.hash),
                "gasUsed": tx.gas_used,
                "policyHash": params.hash.to_string(),
                "registryRoot": root.to_string(),
                "insecureDevSetup": vk_file.metadata.insecure_dev_setup,
            }),
        ))
    }
}
