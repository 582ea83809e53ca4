//! `ccr-prover vk-hash`.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use ccr_prover::{key_hash, load_verifying_key};
use clap::Args;

use super::{warn_if_insecure, EXIT_OK};

/// Arguments of `ccr-prover vk-hash`.
#[derive(Debug, Args)]
pub struct VkHashArgs {
    /// A verifying key file, a proving key file, or a snarkjs verification_key.json.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print one JSON object (hash, circuit name, insecure_dev_setup) instead of the hash.
    #[arg(long)]
    json: bool,
}

pub fn run(args: VkHashArgs) -> anyhow::Result<ExitCode> {
    let vk = load_verifying_key(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    warn_if_insecure(&vk);
    let hash = key_hash(&vk.vk)?;
    if args.json {
        let out = serde_json::json!({
            "vkHash": hash,
            "circuit": vk.circuit_name,
            "insecureDevSetup": vk.insecure_dev_setup,
        });
        println!("{out}");
    } else {
        println!("{hash}");
    }
    Ok(ExitCode::from(EXIT_OK))
}
