//! R1CS gadget for circomlib's Poseidon.
//!
//! Relation: `out = Poseidon(inputs)` with the constants of [`super::parameters`].
//! The output is a canonical field element (it is a field element).
//!
//! Cost: 3 constraints per S-box applied to a non-constant value (x², x⁴, x⁵); the
//! linear layers are free. With `t = n + 1` this is `3·(R_F·t + R_P)` minus 3 for the
//! capacity element of the first round, which is a constant: 240 constraints for two
//! inputs, as circomlib's `Poseidon(2)`.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;

use super::{parameters, PoseidonError};
use crate::lc::linear_combination;

/// `x⁵`, free when `x` is a constant, else three constraints.
fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    // x2 = x·x, x4 = x2·x2, x5 = x4·x
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(&x4 * x)
}

/// In-circuit Poseidon of `inputs`, equal to [`super::hash`] on the same values.
pub fn hash(inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    // An arity outside 1..=MAX_INPUTS is a wiring error of the calling circuit.
    parameters(inputs.len()).map_err(|_: PoseidonError| SynthesisError::ArityMismatch)?;
    // The hash is the first output of the permutation of [0, inputs…] (the 0 is a constant:
    // its round-constant additions fold into the linear layer, no constraint).
    let mut state = Vec::with_capacity(inputs.len() + 1);
    state.push(FpVar::Constant(Fr::from(0u64)));
    state.extend(inputs.iter().cloned());
    Ok(permute(&state)?.swap_remove(0))
}

/// Two-to-one hash used by the Merkle tree.
pub fn hash2(left: &FpVar<Fr>, right: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash(&[left.clone(), right.clone()])
}

/// In-circuit permutation of a whole state (width 2 to `MAX_INPUTS + 1`), equal to
/// [`super::permute`] on the same values: what the Poseidon sponge of the vote cipher needs.
///
/// Relation: `out = Poseidon-permutation(state)` with circomlib's constants for that width.
/// Cost: 3 constraints per S-box applied to a non-constant value: `3·(R_F·t + R_P)` for a
/// state of `t` variables (264 for `t = 4`).
pub fn permute(state: &[FpVar<Fr>]) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    // A width outside 2..=MAX_INPUTS+1 is a wiring error of the calling circuit.
    let n = state.len().checked_sub(1).ok_or(SynthesisError::ArityMismatch)?;
    let params = parameters(n).map_err(|_: PoseidonError| SynthesisError::ArityMismatch)?;
    let t = params.width;
    let half = params.full_rounds / 2;
    let rounds = params.full_rounds + params.partial_rounds;
    let mut state = state.to_vec();
    for r in 0..rounds {
        let ark = &params.ark[r * t..(r + 1) * t];
        let full = r < half || r >= half + params.partial_rounds;
        let mut after_sbox = Vec::with_capacity(t);
        for (i, s) in state.iter().enumerate() {
            let x = s + ark[i];
            after_sbox.push(if full || i == 0 { sbox(&x)? } else { x });
        }
        // each row Σ_j m_ij·s_j is one linear combination
        state = params
            .mds
            .iter()
            .map(|row| {
                linear_combination(row.iter().copied().zip(after_sbox.iter().cloned()), Fr::from(0u64))
            })
            .collect();
    }
    Ok(state)
}
