//! `ccr-prover verify`.

use std::process::ExitCode;

use ccr_prover::key_hash;
use clap::Args;

use super::{ProofInputs, EXIT_INVALID, EXIT_OK};

/// Arguments of `ccr-prover verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    inputs: ProofInputs,
    /// Print the result as one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let loaded = args.inputs.load()?;
    let valid = ccr_prover::verify(&loaded.vk.vk, &loaded.public_inputs, &loaded.proof)?;
    let vk_hash = key_hash(&loaded.vk.vk)?;
    if args.json {
        let out = serde_json::json!({
            "valid": valid,
            "vkHash": vk_hash,
            "circuit": loaded.vk.circuit_name,
            "insecureDevSetup": loaded.vk.insecure_dev_setup,
            "publicInputs": loaded.public_inputs.len(),
        });
        println!("{out}");
    } else {
        println!("{}", if valid { "valid" } else { "INVALID" });
        println!("vk hash: {vk_hash}");
    }
    Ok(ExitCode::from(if valid { EXIT_OK } else { EXIT_INVALID }))
}
