//! `ccr-prover export`.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use ccr_prover::export::{
    snarkjs::SnarkjsVerifyingKey, write_snarkjs_files, write_solidity_calldata, CALLDATA_HEX, CALLDATA_TXT,
    PROOF_JSON, PUBLIC_JSON, VERIFICATION_KEY_JSON,
};
use clap::Args;

use super::{ProofInputs, EXIT_INVALID, EXIT_OK};

/// Arguments of `ccr-prover export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    inputs: ProofInputs,
    /// Output directory, created if missing; existing files of the same names are replaced.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Also write Solidity calldata (calldata.txt, calldata.hex).
    #[arg(long)]
    solidity: bool,
}

pub fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let loaded = args.inputs.load()?;
    if !ccr_prover::verify(&loaded.vk.vk, &loaded.public_inputs, &loaded.proof)? {
        eprintln!("the proof is INVALID: not exported");
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let vk_json = SnarkjsVerifyingKey {
        insecure_dev_setup: loaded.vk.insecure_dev_setup,
        ..SnarkjsVerifyingKey::from_vk(&loaded.vk.vk)
    };
    write_snarkjs_files(&args.out, &vk_json, &loaded.proof, &loaded.public_inputs)?;
    let mut written = vec![VERIFICATION_KEY_JSON, PROOF_JSON, PUBLIC_JSON];
    if args.solidity {
        write_solidity_calldata(&args.out, &loaded.proof, &loaded.public_inputs)?;
        written.extend([CALLDATA_TXT, CALLDATA_HEX]);
    }
    for name in written {
        println!("{}", args.out.join(name).display());
    }
    Ok(ExitCode::from(EXIT_OK))
}
