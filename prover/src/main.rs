//! `ccr-prover`: check Groth16 proofs of the community credit rollup, export them for snarkjs
//! and Solidity, print verifying-key hashes. All logic lives in the `ccr_prover` library.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cli.command.run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(cmd::EXIT_ERROR)
        }
    }
}
