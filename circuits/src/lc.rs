//! One linear combination from many terms, the way every gadget here should build sums.
//!
//! Summing `FpVar`s one `+` at a time nests a new symbolic linear combination per term, which
//! arkworks then inlines term by term; this builds a single one, with constants folded.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};

/// `Σ cᵢ·xᵢ + constant` as one linear combination (no constraint).
pub fn linear_combination(terms: impl IntoIterator<Item = (Fr, FpVar<Fr>)>, constant: Fr) -> FpVar<Fr> {
    let mut acc = constant;
    let mut coeffs = Vec::new();
    let mut vars = Vec::new();
    for (c, x) in terms {
        match x {
            FpVar::Constant(v) => acc += c * v,
            FpVar::Var(v) => {
                coeffs.push(c);
                vars.push(v);
            }
        }
    }
    match AllocatedFp::linear_combination(coeffs, &vars) {
        Some(v) => FpVar::Var(v) + acc,
        None => FpVar::Constant(acc),
    }
}
