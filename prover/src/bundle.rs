//! Proof bundles on disk, and reading a verifier's inputs in either of our formats or snarkjs's.
//!
//! # Proof bundle format
//!
//! A proof bundle is two files, usually side by side in one directory:
//!
//! - `proof.bin`: the proof in arkworks compressed form, exactly [`PROOF_BYTES`] (128) bytes,
//!   no header: A (G1, 32 bytes), B (G2, 64 bytes), C (G1, 32 bytes);
//! - `public.json`: the public inputs in circuit order as a JSON array of decimal strings,
//!   the same file as snarkjs's `public.json`.
//!
//! [`load_proof`] also accepts a snarkjs `proof.json` (told apart by length: a JSON proof is
//! never 128 bytes long) and [`load_verifying_key`] a snarkjs `verification_key.json` (told
//! apart by the key-file magic bytes) or a proving key file.

use std::path::Path;

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, VerifyingKey};

use crate::{
    atomic::write_atomic,
    error::{ProverError, SnarkjsError},
    export::{
        snarkjs::{public_inputs_from_json, public_inputs_to_json, SnarkjsProof, SnarkjsVerifyingKey},
        write_json, PUBLIC_JSON,
    },
    keys::{KeyHeader, KeyKind, ProvingKeyFile, VerifyingKeyFile, MAGIC},
    prove::{proof_from_bytes, proof_to_bytes, PROOF_BYTES},
};

/// File name of the proof in a bundle.
pub const PROOF_BIN: &str = "proof.bin";

/// A proof and the public inputs it proves.
#[derive(Clone, Debug, PartialEq)]
pub struct ProofBundle {
    /// The proof.
    pub proof: Proof<Bn254>,
    /// Its public inputs, in circuit order.
    pub public_inputs: Vec<Fr>,
}

impl ProofBundle {
    /// Writes [`PROOF_BIN`] and `public.json` into `dir` (which must exist), crash-safely.
    ///
    /// # Errors
    ///
    /// [`ProverError::Io`].
    pub fn save(&self, dir: &Path) -> Result<(), ProverError> {
        write_atomic(&dir.join(PROOF_BIN), &proof_to_bytes(&self.proof)?)?;
        write_json(&dir.join(PUBLIC_JSON), &public_inputs_to_json(&self.public_inputs))
    }

    /// Reads [`PROOF_BIN`] and `public.json` from `dir`.
    ///
    /// # Errors
    ///
    /// [`ProverError::Io`], [`ProverError::ProofBytes`], [`ProverError::Snarkjs`].
    pub fn load(dir: &Path) -> Result<Self, ProverError> {
        Ok(Self {
            proof: load_proof(&dir.join(PROOF_BIN))?,
            public_inputs: load_public_inputs(&dir.join(PUBLIC_JSON))?,
        })
    }
}

/// A verifying key read by [`load_verifying_key`], with what its file says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedVerifyingKey {
    /// The key.
    pub vk: VerifyingKey<Bn254>,
    /// The circuit name, when the file is a key file.
    pub circuit_name: Option<String>,
    /// Whether it comes from an insecure development setup; `None` when the file does not
    /// say (snarkjs JSON not exported by us).
    pub insecure_dev_setup: Option<bool>,
}

/// Reads a verifying key from a verifying key file, a proving key file (the verifying key it
/// contains; see [`crate::keys`]) or a snarkjs `verification_key.json`.
///
/// # Errors
///
/// [`ProverError::Io`], [`ProverError::KeyFile`], [`ProverError::Snarkjs`].
pub fn load_verifying_key(path: &Path) -> Result<LoadedVerifyingKey, ProverError> {
    let bytes = read(path)?;
    if bytes.starts_with(&MAGIC) {
        let file = match KeyHeader::peek_kind(&bytes)? {
            KeyKind::Verifying => VerifyingKeyFile::from_bytes(&bytes)?,
            KeyKind::Proving => ProvingKeyFile::from_bytes(&bytes)?.verifying_key_file(),
        };
        return Ok(LoadedVerifyingKey {
            vk: file.key,
            circuit_name: Some(file.metadata.circuit_name),
            insecure_dev_setup: Some(file.metadata.insecure_dev_setup),
        });
    }
    let json: SnarkjsVerifyingKey = serde_json::from_slice(&bytes).map_err(SnarkjsError::from)?;
    Ok(LoadedVerifyingKey {
        vk: json.to_vk()?,
        circuit_name: None,
        insecure_dev_setup: json.insecure_dev_setup,
    })
}

/// Reads a proof from a bundle's `proof.bin` ([`PROOF_BYTES`] bytes) or a snarkjs `proof.json`.
///
/// # Errors
///
/// [`ProverError::Io`], [`ProverError::ProofBytes`], [`ProverError::Snarkjs`].
pub fn load_proof(path: &Path) -> Result<Proof<Bn254>, ProverError> {
    let bytes = read(path)?;
    if bytes.len() == PROOF_BYTES {
        return proof_from_bytes(&bytes);
    }
    let json: SnarkjsProof = serde_json::from_slice(&bytes).map_err(SnarkjsError::from)?;
    Ok(json.to_proof()?)
}

/// Reads public inputs from a `public.json` (ours or snarkjs's: the same format).
///
/// # Errors
///
/// [`ProverError::Io`], [`ProverError::Snarkjs`].
pub fn load_public_inputs(path: &Path) -> Result<Vec<Fr>, ProverError> {
    let bytes = read(path)?;
    let json: Vec<String> = serde_json::from_slice(&bytes).map_err(SnarkjsError::from)?;
    Ok(public_inputs_from_json(&json)?)
}

fn read(path: &Path) -> Result<Vec<u8>, ProverError> {
    std::fs::read(path).map_err(|e| ProverError::io(path, e))
}
