//! The subcommands of `ccr-prover`, one file each, and the options they share.

mod ceremony;
mod demo;
mod export;
mod verify;
mod vk_hash;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use ccr_prover::{load_proof, load_public_inputs, load_verifying_key, Bn254, Fr, LoadedVerifyingKey, Proof};
use clap::{Args, Parser, Subcommand};

/// Exit code of a valid proof and of every other success.
pub const EXIT_OK: u8 = 0;
/// Exit code of a well-formed proof that does not verify.
pub const EXIT_INVALID: u8 = 1;
/// Exit code of any error: unreadable or malformed file, wrong number of public inputs, bad
/// arguments.
pub const EXIT_ERROR: u8 = 2;

const AFTER_HELP: &str = "\
FILE FORMATS
  Verifying key   a ccr key file (binary, starts with the magic bytes CCRG16KF; header:
                  format version, key kind, insecure_dev_setup flag, circuit name,
                  SHA-256 of the key, checked on load), verifying or proving (whose
                  verifying key is used), or a snarkjs verification_key.json.
  Proof bundle    proof.bin:   the Groth16 proof, arkworks compressed, exactly 128 bytes
                               (A in G1: 32, B in G2: 64, C in G1: 32);
                  public.json: the public inputs in circuit order, a JSON array of decimal
                               strings (the same file as snarkjs's public.json).
                  A snarkjs proof.json is accepted wherever proof.bin is.

EXIT CODES
  0  success (verify: the proof is valid)
  1  verify / export: the proof is well formed but INVALID
  2  error: unreadable or malformed input, wrong number of public inputs, bad arguments";

/// Check Groth16 (BN254) proofs of the community credit rollup, export them for snarkjs and
/// Solidity verifiers, and print verifying-key hashes.
#[derive(Debug, Parser)]
#[command(name = "ccr-prover", version, after_long_help = AFTER_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify a proof against a verifying key (exit 0 valid, 1 invalid, 2 error).
    ///
    /// Accepts our files (key file, proof.bin) and snarkjs's (verification_key.json,
    /// proof.json) in any mix. Prints `valid` or `INVALID` and the verifying-key hash, to
    /// compare with a published one, and a warning on stderr when the key comes from an
    /// insecure development setup.
    #[command(after_long_help = AFTER_HELP)]
    Verify(verify::VerifyArgs),
    /// Verify a proof, then write it as snarkjs JSON (and Solidity calldata) into a directory.
    ///
    /// Writes verification_key.json, proof.json and public.json, so that `snarkjs groth16
    /// verify verification_key.json public.json proof.json` checks the proof. With --solidity
    /// also calldata.txt, exactly what `snarkjs zkey export soliditycalldata` prints (the
    /// arguments of verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[N] input), G2
    /// coordinates imaginary part first as the EIP-197 precompile wants), and calldata.hex,
    /// the same arguments ABI-encoded as one 0x hex string (32-byte big-endian words
    /// concatenated; no 4-byte function selector). An invalid proof is not exported (exit 1).
    #[command(after_long_help = AFTER_HELP)]
    Export(export::ExportArgs),
    /// Print the SHA-256 hash of a verifying key, the value pinned in snapshots.
    ///
    /// The hash is that of the key's arkworks compressed serialization, so a verifying key
    /// file, the same key as snarkjs verification_key.json, and the verifying key inside a
    /// proving key file all give the same hash.
    #[command(name = "vk-hash", after_long_help = AFTER_HELP)]
    VkHash(vk_hash::VkHashArgs),
    /// Run the whole pipeline on one machine: members deposit and sign transfers, a batch is
    /// built by the state-transition code, keys are generated (INSECURE development setup),
    /// the batch is proven and verified, and everything is written for snarkjs and Solidity.
    Demo(demo::DemoArgs),
    /// A multi-party trusted setup with snarkjs: export a circuit's .r1cs, check each
    /// contribution, import the final .zkey as key files with its transcript.
    ///
    /// The contributions themselves are snarkjs's (`snarkjs zkey contribute`): the tool every
    /// circom ceremony's contributors already trust. See `ccr-prover ceremony r1cs --help` for
    /// the whole flow.
    Ceremony(ceremony::CeremonyArgs),
}

impl Command {
    /// Runs the subcommand; returns the process exit code.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            Self::Verify(args) => verify::run(args),
            Self::Export(args) => export::run(args),
            Self::VkHash(args) => vk_hash::run(args),
            Self::Demo(args) => demo::run(args),
            Self::Ceremony(args) => ceremony::run(args),
        }
    }
}

/// The three inputs of a verification, shared by `verify` and `export`.
#[derive(Debug, Args)]
pub struct ProofInputs {
    /// Verifying key: a ccr verifying (or proving) key file, or a snarkjs verification_key.json.
    #[arg(long, value_name = "FILE")]
    pub vk: PathBuf,
    /// Proof: a 128-byte proof.bin or a snarkjs proof.json.
    #[arg(long, value_name = "FILE")]
    pub proof: PathBuf,
    /// Public inputs: public.json, a JSON array of decimal strings in circuit order.
    #[arg(long, value_name = "FILE")]
    pub public: PathBuf,
}

/// [`ProofInputs`] read and parsed.
pub struct Loaded {
    pub vk: LoadedVerifyingKey,
    pub proof: Proof<Bn254>,
    pub public_inputs: Vec<Fr>,
}

impl ProofInputs {
    /// Reads the three files, warning on stderr about an insecure development key.
    pub fn load(&self) -> anyhow::Result<Loaded> {
        let vk = load_verifying_key(&self.vk)
            .with_context(|| format!("reading verifying key {}", self.vk.display()))?;
        warn_if_insecure(&vk);
        let proof =
            load_proof(&self.proof).with_context(|| format!("reading proof {}", self.proof.display()))?;
        let public_inputs = load_public_inputs(&self.public)
            .with_context(|| format!("reading public inputs {}", self.public.display()))?;
        Ok(Loaded { vk, proof, public_inputs })
    }
}

/// Prints the insecure-setup warning on stderr when the key file carries the flag.
pub fn warn_if_insecure(vk: &LoadedVerifyingKey) {
    if vk.insecure_dev_setup == Some(true) {
        eprintln!(
            "WARNING: this verifying key comes from an INSECURE development setup \
             (insecure_dev_setup = true): whoever knows its seed can forge proofs. \
             A valid proof under it proves nothing."
        );
    }
}
