//! Bit decompositions and comparisons of bit vectors with constants.
//!
//! A comparison `x ≤ c` with a constant `c` costs one constraint per maximal run of zeros
//! in `c` (about a quarter of its bits), using the bits already allocated for `x`:
//! for a run of zeros `Z` of `c`, let `D` be the number of positions above `Z` where `c`
//! has a one and `x` has a zero; enforce `D · w = Σ_{j∈Z} x_j` with a witness `w`. If `x`
//! agrees with `c` on every one above `Z` (`D = 0`) then `x` must be zero on `Z`; otherwise
//! `w = Σ x_j / D` satisfies it. Going down from the top bit, the first position where `x`
//! exceeds `c` (a one of `x` on a zero of `c`, with `x = c` above) is caught by the run
//! that contains it; if `x ≤ c` no run ever sees `D = 0` with a one of `x` in it.
//! `D` and the sums are at most the bit length, so nothing wraps around the modulus.

use ark_ff::{AdditiveGroup, Field, PrimeField, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use num_bigint::BigUint;

use crate::Fr;

/// Allocates `n` bits `b_i` (one booleanity constraint each) holding the little-endian
/// bits of `value` (computed only when proving), and returns them with
/// `Σ b_i·2^i` as a single linear combination. Nothing ties the bits to `value`: the caller
/// enforces the recomposition. `n` constraints.
pub(super) fn alloc_bits(
    cs: &ConstraintSystemRef<Fr>,
    value: impl FnOnce() -> Result<BigUint, SynthesisError>,
    n: usize,
) -> Result<(Vec<Boolean<Fr>>, FpVar<Fr>), SynthesisError> {
    let value = if cs.is_in_setup_mode() { None } else { Some(value()?) };
    let bits = (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                value.as_ref().map(|v| v.bit(i as u64)).ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut power = Fr::ONE;
    let mut terms = Vec::with_capacity(n);
    for b in &bits {
        terms.push((power, b.variable()));
        power.double_in_place();
    }
    let sum_value = value.map(|v| Fr::from_le_bytes_mod_order(&v.to_bytes_le()));
    let sum = cs.new_lc(|| LinearCombination(terms))?;
    Ok((bits, FpVar::Var(AllocatedFp::new(sum_value, sum, cs.clone()))))
}

/// The value of a boolean, as 0 or 1.
fn bit_value(b: &Boolean<Fr>) -> Result<u64, SynthesisError> {
    Ok(u64::from(b.value()?))
}

/// Enforces `Σ bits_i·2^i ≤ c` as integers (`bits` little-endian and boolean, `c` below
/// `2^bits.len()`). One constraint per maximal run of zeros of `c` in `bits.len()` bits.
/// `complemented` reads every bit as `1 − b` (used by [`enforce_ge_constant`]).
fn enforce_le_constant_inner(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    c: &BigUint,
    complemented: bool,
) -> Result<(), SynthesisError> {
    assert!(c.bits() <= bits.len() as u64, "constant wider than the bit vector");
    // The literal for position j as (constant, coefficient of b_j): b or 1 − b.
    let (lit_const, lit_coeff) = if complemented { (Fr::ONE, -Fr::ONE) } else { (Fr::zero(), Fr::ONE) };
    let lit_value = |b: &Boolean<Fr>| -> Result<u64, SynthesisError> {
        let v = bit_value(b)?;
        Ok(if complemented { 1 - v } else { v })
    };
    // Positions (from the top) where c has a one, seen so far.
    let mut ones: Vec<usize> = Vec::new();
    let mut j = bits.len();
    while j > 0 {
        j -= 1;
        if c.bit(j as u64) {
            ones.push(j);
            continue;
        }
        // A maximal run of zeros of c: positions run_lo..=j.
        let mut run_lo = j;
        while run_lo > 0 && !c.bit(run_lo as u64 - 1) {
            run_lo -= 1;
        }
        // D = Σ_{ones above} (1 − lit) = |ones|·(1 − lit_const) − lit_coeff·Σ b
        let mut d =
            LinearCombination(vec![(Fr::from(ones.len() as u64) * (Fr::ONE - lit_const), Variable::One)]);
        d.0.extend(ones.iter().map(|&k| (-lit_coeff, bits[k].variable())));
        // Σ_{run} lit = |run|·lit_const + lit_coeff·Σ b
        let mut run = LinearCombination(vec![(Fr::from((j - run_lo + 1) as u64) * lit_const, Variable::One)]);
        run.0.extend((run_lo..=j).map(|k| (lit_coeff, bits[k].variable())));
        let w = cs.new_witness_variable(|| {
            let mismatches: u64 =
                ones.iter().map(|&k| lit_value(&bits[k]).map(|v| 1 - v)).sum::<Result<_, _>>()?;
            let in_run: u64 = (run_lo..=j).map(|k| lit_value(&bits[k])).sum::<Result<_, _>>()?;
            Ok(Fr::from(mismatches).inverse().map_or(Fr::zero(), |inv| inv * Fr::from(in_run)))
        })?;
        // D · w = Σ_{j ∈ run} x_j
        cs.enforce_r1cs_constraint(|| d, || w.into(), || run)?;
        j = run_lo;
    }
    Ok(())
}

/// Enforces `Σ bits_i·2^i ≤ c`. One constraint per maximal run of zeros of `c`.
pub(super) fn enforce_le_constant(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    c: &BigUint,
) -> Result<(), SynthesisError> {
    enforce_le_constant_inner(cs, bits, c, false)
}

/// Enforces `Σ bits_i·2^i ≥ c`, as `Σ (1 − b_i)·2^i ≤ 2^n − 1 − c`. One constraint per
/// maximal run of ones of `c`.
pub(super) fn enforce_ge_constant(
    cs: &ConstraintSystemRef<Fr>,
    bits: &[Boolean<Fr>],
    c: &BigUint,
) -> Result<(), SynthesisError> {
    let all_ones = (BigUint::from(1u8) << bits.len()) - 1u8;
    enforce_le_constant_inner(cs, bits, &(all_ones - c), true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::ConstraintSystem;

    /// Every 6-bit value against every 6-bit constant, both directions.
    #[test]
    fn comparisons_with_constants_are_exact() {
        const N: usize = 6;
        for c in 0u64..1 << N {
            for x in 0u64..1 << N {
                for ge in [false, true] {
                    let cs = ConstraintSystem::<Fr>::new_ref();
                    let (bits, sum) = alloc_bits(&cs, || Ok(BigUint::from(x)), N).unwrap();
                    assert_eq!(sum.value().unwrap(), Fr::from(x));
                    let c_big = BigUint::from(c);
                    if ge {
                        enforce_ge_constant(&cs, &bits, &c_big).unwrap();
                    } else {
                        enforce_le_constant(&cs, &bits, &c_big).unwrap();
                    }
                    let expected = if ge { x >= c } else { x <= c };
                    assert_eq!(cs.is_satisfied().unwrap(), expected, "x = {x}, c = {c}, ge = {ge}");
                }
            }
        }
    }

    #[test]
    fn comparison_costs_one_constraint_per_run() {
        // 0b1100_1010 has three runs of zeros (and three of ones) in 8 bits.
        for (ge, expected) in [(false, 3), (true, 3)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let (bits, _) = alloc_bits(&cs, || Ok(BigUint::from(0b1100_1010u8)), 8).unwrap();
            let before = cs.num_constraints();
            let c = BigUint::from(0b1100_1010u8);
            if ge {
                enforce_ge_constant(&cs, &bits, &c).unwrap();
            } else {
                enforce_le_constant(&cs, &bits, &c).unwrap();
            }
            assert_eq!(cs.num_constraints() - before, expected);
            assert!(cs.is_satisfied().unwrap());
        }
    }
}
