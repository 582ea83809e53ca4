//! Groth16 verification, with the number of public inputs checked.
//!
//! arkworks' `prepare_inputs` zips the inputs with the key's `gamma_abc_g1` and ignores any
//! surplus on either side: too few inputs would be verified as if the missing ones were 0.
//! Here a count that differs from the key's is an error.

use ark_bn254::{Bn254, Fr};
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, VerifyingKey};

pub use ark_groth16::prepare_verifying_key;

use crate::error::ProverError;

/// Verifies `proof` for `public_inputs` (in circuit order, without the constant 1) under `vk`.
///
/// Returns `Ok(false)` for a well-formed proof that does not verify. To verify many proofs
/// under one key, prepare it once with [`prepare_verifying_key`] and call [`verify_prepared`].
///
/// # Errors
///
/// [`ProverError::PublicInputCount`] if `public_inputs` does not have the length `vk` expects.
pub fn verify(
    vk: &VerifyingKey<Bn254>,
    public_inputs: &[Fr],
    proof: &Proof<Bn254>,
) -> Result<bool, ProverError> {
    verify_prepared(&prepare_verifying_key(vk), public_inputs, proof)
}

/// As [`verify`], with a verifying key prepared by [`prepare_verifying_key`].
///
/// # Errors
///
/// As [`verify`].
pub fn verify_prepared(
    pvk: &PreparedVerifyingKey<Bn254>,
    public_inputs: &[Fr],
    proof: &Proof<Bn254>,
) -> Result<bool, ProverError> {
    let expected = pvk.vk.gamma_abc_g1.len().saturating_sub(1);
    if public_inputs.len() != expected {
        return Err(ProverError::PublicInputCount { got: public_inputs.len(), expected });
    }
    Ok(Groth16::<Bn254>::verify_proof(pvk, proof, public_inputs)?)
}
