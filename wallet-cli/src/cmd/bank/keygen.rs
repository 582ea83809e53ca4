//! `bank keygen`: the INSECURE development setup of a policy's eligibility circuit.

use std::path::{Path, PathBuf};

use ccr_prover::eligibility::{dev_setup_eligibility, eligibility_circuit_name};
use clap::Args;
use rand::RngCore;
use serde_json::json;

use crate::cli::Output;
use crate::credit::{load_policy, PK_FILE, VK_FILE};
use crate::error::WalletError;

/// `bank keygen`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet bank keygen --policy credit-policy/policies/german.json --state-depth 24 --out-dir keys/\n\
    Writes DIR/eligibility.pk (members prove with it) and DIR/eligibility.vk (lenders verify with it).\n\
    The keys come from a single-party setup: whoever ran it can forge proofs. Production keys\n\
    come from a multi-party ceremony."
)]
pub struct KeygenArgs {
    /// The bank's policy file.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// Depth of the rollup's state tree (the network's; 24 in production).
    #[arg(long, value_name = "N", default_value_t = ccr_circuits::merkle::PRODUCTION_DEPTH)]
    pub state_depth: usize,
    /// Directory for the key files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

impl KeygenArgs {
    /// Makes the keys from a fresh random seed and writes them ([`PK_FILE`], [`VK_FILE`]).
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a bad policy or an unwritable directory.
    pub fn run(self) -> Result<Output, WalletError> {
        let Self { policy, state_depth, out_dir } = self;
        let policy = load_policy(&policy)?;
        let params = policy.circuit_params().map_err(|e| WalletError::Config(e.to_string()))?;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let keys = dev_setup_eligibility(&params, state_depth, seed)
            .map_err(|e| WalletError::Config(format!("setup: {e}")))?;
        std::fs::create_dir_all(&out_dir).map_err(|e| WalletError::io(&out_dir, e))?;
        let name = eligibility_circuit_name(params.hash, state_depth);
        let (pk, vk) = keys.into_key_files(name.clone());
        let (pk_path, vk_path) = (out_dir.join(PK_FILE), out_dir.join(VK_FILE));
        let save = |r: Result<(), ccr_prover::ProverError>, p: &Path| {
            r.map_err(|e| WalletError::Config(format!("writing {}: {e}", p.display())))
        };
        save(pk.save(&pk_path), &pk_path)?;
        save(vk.save(&vk_path), &vk_path)?;
        let vk_hash = vk.key_hash().map_err(|e| WalletError::Config(e.to_string()))?;
        Ok(Output {
            text: format!(
                "INSECURE DEVELOPMENT KEYS: a single-party setup, whoever ran it can forge proofs;\n\
                 production keys come from a multi-party ceremony.\n\
                 circuit {name}\nproving key   {} (members prove with it)\nverifying key {} (lenders verify with it; hash {vk_hash})",
                pk_path.display(),
                vk_path.display()
            ),
            json: json!({
                "insecureDevSetup": true,
                "circuit": name,
                "provingKey": pk_path.display().to_string(),
                "verifyingKey": vk_path.display().to_string(),
                "vkHash": vk_hash,
            }),
        })
    }
}
