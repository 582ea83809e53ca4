//! Range checks and bounded comparisons for small (≤ 64-bit) integers.
//!
//! A comparison of two values already known to be below `2ⁿ` costs one `n`-bit range
//! check (`n + 1` constraints): about 65 for 64-bit amounts, against ~1,900 for a
//! comparison of arbitrary field elements.

use ark_bn254::Fr;
use ark_ff::Field;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;

/// Bits of a 64-bit amount (balances, loan amounts, transfer amounts).
pub const AMOUNT_BITS: usize = 64;

/// Enforces `x < 2ⁿ` and returns its `n` little-endian bits.
///
/// Cost: `n + 1` constraints (`n` booleanity, one recomposition). `n` must be below the
/// field's bit size (254), which the assertion guards.
pub fn enforce_bits(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    // x = Σ bᵢ·2ⁱ with every bᵢ ∈ {0,1}, and n < 254 so the sum cannot wrap.
    let (bits, _rest) = x.to_bits_le_with_top_bits_zero(n)?;
    Ok(bits)
}

/// Enforces `a ≤ b`, for `a, b` already known to be below `2ⁿ`.
///
/// Cost: `n + 1` constraints. Sound only under that precondition: then `b − a` is below
/// `2ⁿ` exactly when `a ≤ b` (otherwise it wraps to about the field's size).
pub fn enforce_le(a: &FpVar<Fr>, b: &FpVar<Fr>, n: usize) -> Result<(), SynthesisError> {
    enforce_bits(&(b - a), n).map(|_| ())
}

/// Returns the bit `a ≤ b`, for `a, b` already known to be below `2ⁿ`.
///
/// Cost: `n + 2` constraints: `b − a + 2ⁿ` lies in `[0, 2ⁿ⁺¹)` and its top bit is set
/// exactly when `a ≤ b`.
pub fn is_le(a: &FpVar<Fr>, b: &FpVar<Fr>, n: usize) -> Result<Boolean<Fr>, SynthesisError> {
    let shifted = b - a + FpVar::constant(Fr::from(2u64).pow([n as u64]));
    let bits = enforce_bits(&shifted, n + 1)?;
    Ok(bits[n].clone())
}
