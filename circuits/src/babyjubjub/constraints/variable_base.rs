//! Variable-base scalar multiplication `h·T` for the challenge `h < p` and a point `T` of
//! prime order `l`, in Montgomery form: a double-and-add ladder over signed digits,
//! 6 constraints per bit (circomlib's `EscalarMulAny` spends about 9).
//!
//! **Scalar encoding.** The ladder adds `±T` at every step, so its multiplier is always
//! odd and grows from a start of `3` (no early step can meet `±T`). To use it for any `h`
//! we decompose, instead of `h`, the integer `e = h + K` with `K = 12·l`
//! (`K·T = O`, so `e·T = h·T`): [`SHIFT`]` = K − 2^254`, and `e' = e − 2^254` is given as
//! 254 bits with `SHIFT ≤ e' ≤ SHIFT + p − 1`. Those bounds make `e' − SHIFT` the canonical
//! integer of `h` (a strict decomposition) and fix bit 254 of `e` to 1.
//!
//! **Ladder.** Start at `acc = 3·T`; for `i = 253 … 1`, `acc ← 2·acc + d_i·T` with
//! `d_i = 2·e'_i − 1`. After step `j` the multiplier is `k_j = 3·2^j + Σ d·2^…`, an odd
//! integer in `[2^(j+1) + 1, 2^(j+2) − 1]`; at the end `k = e − e'_0 + 1`, and a final
//! conditional subtraction of `T` (when `e'_0 = 0`) gives `e·T = h·T`.
//!
//! **Exceptional cases.** A step's first addition leaves its slope free only if
//! `k_j ≡ d (mod l)`; since `3 ≤ k_j < 2^(j+2)`, that needs `2^(j+2) > l − 1`, i.e. the last
//! four steps (`j ≥ 249`), which carry a guard (`u_T − u_acc ≠ 0`, 1 constraint each). Every
//! other exceptional case (a sum equal to the identity, or `2·k_j + d ≡ 0`) makes the system
//! unsatisfiable rather than free. All of them fix the top ~250 bits of `e'` to one of a
//! few dozen patterns, so `h` must fall in a set of a few hundred values out of `p ≈ 2^254`:
//! an honest signature hits one with probability below `2^-245`.

use ark_ff::{Field, PrimeField};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use num_bigint::BigUint;

use super::arith::{add_montgomery, double_and_add_montgomery, double_montgomery, MontVar};
use crate::babyjubjub::ScalarField;
use crate::Fr;

/// Bits of `e' = h + K − 2^254`.
pub(super) const E_BITS: usize = 254;

/// `SHIFT = 12·l − 2^254`, with `2^254 ≤ 12·l` and `12·l + p ≤ 2^255`.
pub(super) fn shift() -> BigUint {
    BigUint::from(ScalarField::MODULUS) * 12u8 - (BigUint::from(1u8) << E_BITS)
}

/// `SHIFT` as a field element.
pub(super) fn shift_fr() -> Fr {
    Fr::from_le_bytes_mod_order(&shift().to_bytes_le())
}

/// `h·T` from the [`E_BITS`] little-endian bits of `e' = h + SHIFT`, which the caller
/// bounds as described above. `T` must be a point of order `l`.
/// `7 + 253·6 + 4 + 6 = 1535` constraints.
pub(super) fn scalar_mul_variable(
    cs: &ConstraintSystemRef<Fr>,
    t: &MontVar,
    e_bits: &[Boolean<Fr>],
) -> Result<MontVar, SynthesisError> {
    assert_eq!(e_bits.len(), E_BITS, "e' must be given as {E_BITS} bits");
    // 3·T = 2·T + T; 2·T ≠ ±T since T has order l > 3.
    let mut acc = add_montgomery(cs, &double_montgomery(cs, t)?, t, false)?;
    for i in (1..E_BITS).rev() {
        let step = E_BITS - 1 - i;
        // d·v_T with d = 2·e'_i − 1 ∈ {−1, 1}: one constraint.
        let d = FpVar::from(e_bits[i].clone()).double()? - Fr::ONE;
        let addend = MontVar { u: t.u.clone(), v: &d * &t.v };
        acc = double_and_add_montgomery(cs, &acc, &addend, step >= 249)?;
    }
    // acc = (e − e'_0 + 1)·T; subtract T when e'_0 = 0. Guarded: acc = −T would free the slope.
    let minus_t = MontVar { u: t.u.clone(), v: t.v.negate()? };
    let lowered = add_montgomery(cs, &acc, &minus_t, true)?;
    let e0 = &e_bits[0];
    Ok(MontVar {
        u: FpVar::conditionally_select(e0, &acc.u, &lowered.u)?,
        v: FpVar::conditionally_select(e0, &acc.v, &lowered.v)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_fixes_the_top_bit_and_fits() {
        let p = BigUint::from(Fr::MODULUS);
        let l = BigUint::from(ScalarField::MODULUS);
        let k = shift() + (BigUint::from(1u8) << E_BITS);
        assert_eq!(&k % &l, BigUint::from(0u8));
        // e' = h + SHIFT fits in E_BITS bits for every h < p.
        assert!(shift() + &p - 1u8 < BigUint::from(1u8) << E_BITS);
    }

    #[test]
    fn guards_cover_every_step_that_can_wrap() {
        // Step j's multiplier is below 2^(j+2); it can be ≡ ±1 mod l only if 2^(j+2) > l − 1.
        let l = BigUint::from(ScalarField::MODULUS);
        for step in 0..E_BITS - 1 {
            let k_max = (BigUint::from(1u8) << (step + 2)) - 1u8;
            if step < 249 {
                assert!(k_max < &l - 1u8, "step {step} can meet ±T but is not guarded");
            }
        }
        assert!(BigUint::from(1u8) << 250 < l);
    }
}
