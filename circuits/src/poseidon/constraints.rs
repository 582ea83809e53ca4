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
    let params = parameters(inputs.len()).map_err(|_: PoseidonError| SynthesisError::ArityMismatch)?;
    let t = params.width;
    let half = params.full_rounds / 2;
    let rounds = params.full_rounds + params.partial_rounds;

    let mut state: Vec<FpVar<Fr>> = Vec::with_capacity(t);
    state.push(FpVar::Constant(Fr::from(0u64)));
    state.extend(inputs.iter().cloned());

    for r in 0..rounds {
        // Round constants are folded into the next linear layer when the value is linear.
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
    Ok(state.swap_remove(0))
}

/// Two-to-one hash used by the Merkle tree.
pub fn hash2(left: &FpVar<Fr>, right: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash(&[left.clone(), right.clone()])
}
