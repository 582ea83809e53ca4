//! EdDSA-Poseidon verification as a bit: what [`crate::babyjubjub::eddsa::verify_poseidon`]
//! answers, for signatures anyone may have forged. Unlike
//! [`crate::babyjubjub::constraints::verify_poseidon_gadget`], which enforces validity with
//! incomplete Montgomery formulas, every input gives a satisfiable system and the bit is
//! determined by the inputs (no witness choice can flip it): the complete Edwards formulas of
//! [`super::curve`], and unique bit decompositions.
//!
//! Relation: `ok = 1` iff `A` is on the curve and `8·A ≠ O`, `R8` is on the curve, in the
//! subgroup of order `l` and not the identity, `S < l`, and `S·B8 = R8 + h·(8·A)` with
//! `h = Poseidon(R8.x, R8.y, A.x, A.y, M)` as its canonical integer.
//!
//! Cost: 6,075 constraints (the `h·8A` ladder, 13 per bit of `h`, is most of it).

use ark_ff::{Field, PrimeField};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;

use super::curve::{
    add, check_point, constant, double, fixed_base_mul, is_on_curve, scalar_mul, select, strict_bits,
};
use crate::babyjubjub::constraints::{PointVar, SignatureVar};
use crate::babyjubjub::{ScalarField, BASE8};
use crate::poseidon::constraints::hash as poseidon;
use crate::range::enforce_bits;
use crate::Fr;

/// Bits of `l` and of scalars below it.
const L_BITS: usize = 251;

/// Whether `sig` is a valid EdDSA-Poseidon signature of `msg` under `pubkey` (see the module).
pub fn verify_poseidon_bit(
    msg: &FpVar<Fr>,
    sig: &SignatureVar,
    pubkey: &PointVar,
) -> Result<Boolean<Fr>, SynthesisError> {
    // A: on the curve (else B8 stands in), T = 8·A, T ≠ O (x ≠ 0: T has odd order).
    let a_on = is_on_curve(pubkey)?;
    let a = select(&a_on, pubkey, &constant(&BASE8))?;
    let t = double(&double(&double(&a)?)?)?;
    let t_ok = t.x.is_neq(&FpVar::zero())?;

    // R8: on the curve, in the prime-order subgroup, not the identity.
    let r8 = check_point(&sig.r8)?;

    // S < l: S's canonical bits, the top three zero and low + 2²⁵¹ − l below 2²⁵¹.
    let s_bits = strict_bits(&sig.s)?;
    let high_zero = !Boolean::kary_or(&s_bits[L_BITS..])?;
    let low = Boolean::le_bits_to_fp(&s_bits[..L_BITS])?;
    let l = Fr::from_bigint(ScalarField::MODULUS).ok_or(SynthesisError::Unsatisfiable)?;
    let two_251 = Fr::from(2u64).pow([L_BITS as u64]);
    let shifted = low + (two_251 - l);
    let shifted_bits = enforce_bits(&shifted, L_BITS + 1)?;
    let s_ok = &high_zero & &!&shifted_bits[L_BITS];

    // h·T with h's canonical bits (another decomposition would give another point).
    let h = poseidon(&[sig.r8.x.clone(), sig.r8.y.clone(), pubkey.x.clone(), pubkey.y.clone(), msg.clone()])?;
    let h_bits = strict_bits(&h)?;
    let right = add(&r8.point, &scalar_mul(&t, &h_bits)?)?;
    let left = fixed_base_mul(&s_bits)?;
    let equal = &left.x.is_eq(&right.x)? & &left.y.is_eq(&right.y)?;

    Boolean::kary_and(&[a_on, t_ok, r8.valid, s_ok, equal])
}
