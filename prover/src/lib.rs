//! Groth16 over BN254 for the community credit rollup: setup, key files, proving,
//! verification, and export to snarkjs JSON and EVM calldata.
//!
//! Generic over any `ConstraintSynthesizer<Fr>`:
//!
//! ```no_run
//! # fn demo<C: ark_relations::gr1cs::ConstraintSynthesizer<ccr_prover::Fr> + Clone>(
//! #     circuit: C, public_inputs: &[ccr_prover::Fr],
//! # ) -> Result<(), ccr_prover::ProverError> {
//! use ccr_prover::{dev_setup, prove, verify};
//! let keys = dev_setup(circuit.clone(), [0; 32])?; // INSECURE: development only
//! let proof = prove(&keys.pk, circuit.clone(), &mut rand::rngs::OsRng)?;
//! assert!(verify(&keys.vk, public_inputs, &proof)?);
//!
//! // A process that proves many statements of one circuit synthesizes its constraint
//! // matrices once, then only each statement's witness:
//! let prover = ccr_prover::Prover::new(keys.pk, circuit.clone())?;
//! let proof = prover.prove(circuit, &mut rand::rngs::OsRng)?;
//! assert!(verify(&keys.vk, public_inputs, &proof)?);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Crash-safe file writes (temp file, fsync, rename).
pub mod atomic;
/// Setup and proving for the rollup's batch circuit.
pub mod batch;
/// Proof bundles on disk (`proof.bin` + `public.json`) and reading verifier inputs by content.
pub mod bundle;
/// Multi-party setup with snarkjs: `.r1cs` export, `.zkey` import, transcripts, a test-size
/// ceremony.
pub mod ceremony;
/// Groth16 for the eligibility circuit: keys per policy, proving after the native check, the
/// portable proof file.
pub mod eligibility;
/// Error types, one per layer.
pub mod error;
/// Export to snarkjs JSON and Solidity calldata, and import from snarkjs JSON.
pub mod export;
/// The solidarity fund's epoch proof.
pub mod health;
/// Key files: header (magic, version, circuit, provenance flag, SHA-256) and arkworks payload.
pub mod keys;
/// A circuit's R1CS matrices, synthesized once per key.
pub mod matrices;
/// Proving over cached matrices (witness-only synthesis), with the witness checked first.
pub mod prove;
/// Key generation: the deterministic, insecure development setup.
pub mod setup;
/// Verification, with the public-input count checked.
pub mod verify;
/// The poll coordinator's prover: development keys of the voting circuits and every proof of a
/// closed poll.
pub mod vote;

pub use ark_bn254::{Bn254, Fr};
pub use ark_groth16::{PreparedVerifyingKey, Proof, ProvingKey, VerifyingKey};

pub use crate::{
    bundle::{load_proof, load_public_inputs, load_verifying_key, LoadedVerifyingKey, ProofBundle},
    error::{CeremonyError, KeyFileError, ProverError, SnarkjsError},
    keys::{key_hash, KeyFile, KeyHeader, KeyKind, KeyMetadata, ProvingKeyFile, VerifyingKeyFile},
    matrices::ConstraintMatrices,
    prove::{
        proof_from_bytes, proof_to_bytes, prove, prove_with_matrices, prove_with_public_inputs, ProofTimings,
        Prover, Qap, PROOF_BYTES,
    },
    setup::{dev_setup, Keypair},
    verify::{prepare_verifying_key, verify, verify_prepared},
};
