//! Proofs and keys in the formats other verifiers read: snarkjs JSON and EVM calldata.

pub mod snarkjs;
pub mod solidity;

use std::path::Path;

use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use serde::Serialize;

use crate::{atomic::write_atomic, error::ProverError};

use self::{
    snarkjs::{public_inputs_to_json, SnarkjsProof, SnarkjsVerifyingKey},
    solidity::SolidityCalldata,
};

/// File name snarkjs uses for the proof.
pub const PROOF_JSON: &str = "proof.json";
/// File name snarkjs uses for the public inputs.
pub const PUBLIC_JSON: &str = "public.json";
/// File name snarkjs uses for the verifying key.
pub const VERIFICATION_KEY_JSON: &str = "verification_key.json";
/// Calldata as `snarkjs zkey export soliditycalldata` prints it.
pub const CALLDATA_TXT: &str = "calldata.txt";
/// Calldata as one `0x` hex string: the ABI encoding of the four arguments, no selector.
pub const CALLDATA_HEX: &str = "calldata.hex";

/// Writes [`VERIFICATION_KEY_JSON`], [`PROOF_JSON`] and [`PUBLIC_JSON`] into `dir` (which must
/// exist), each crash-safely, so that `snarkjs groth16 verify verification_key.json
/// public.json proof.json` checks the proof.
///
/// # Errors
///
/// [`ProverError::Io`].
pub fn write_snarkjs_files(
    dir: &Path,
    vk: &SnarkjsVerifyingKey,
    proof: &Proof<Bn254>,
    public_inputs: &[Fr],
) -> Result<(), ProverError> {
    write_json(&dir.join(VERIFICATION_KEY_JSON), vk)?;
    write_json(&dir.join(PROOF_JSON), &SnarkjsProof::from_proof(proof))?;
    write_json(&dir.join(PUBLIC_JSON), &public_inputs_to_json(public_inputs))
}

/// Writes [`CALLDATA_TXT`] and [`CALLDATA_HEX`] into `dir` (which must exist).
///
/// # Errors
///
/// [`ProverError::Io`].
pub fn write_solidity_calldata(
    dir: &Path,
    proof: &Proof<Bn254>,
    public_inputs: &[Fr],
) -> Result<SolidityCalldata, ProverError> {
    let calldata = SolidityCalldata::new(proof, public_inputs);
    let txt = format!("{}\n", calldata.to_snarkjs_string());
    write_atomic(&dir.join(CALLDATA_TXT), txt.as_bytes())?;
    let hex = format!("0x{}\n", hex::encode(calldata.abi_encode()));
    write_atomic(&dir.join(CALLDATA_HEX), hex.as_bytes())?;
    Ok(calldata)
}

/// Writes `value` as pretty JSON with a final newline, crash-safely.
pub(crate) fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), ProverError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| ProverError::io(path, e.into()))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}
