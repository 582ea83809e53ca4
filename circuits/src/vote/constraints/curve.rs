//! Baby Jubjub arithmetic with the complete twisted Edwards formulas (iden3's model,
//! `a·x² + y² = 1 + d·x²·y²`), for the vote circuit, where points come from anyone (ephemeral
//! keys, signatures, new keys) and a bad point must give a `false` bit, never an unsatisfiable
//! system.
//!
//! Every formula here is complete for points **on the curve** (`a` is a square and `d` is not,
//! so no denominator vanishes); callers pass only points on the curve: an input that may be off
//! it is first replaced by `B8` ([`check_point`]).
//!
//! Costs: [`add`] 6 constraints (3 with a constant operand), [`double`] 5,
//! [`scalar_mul`] 13 per bit, [`fixed_base_mul`] about 10 per 3 bits, [`check_point`] 46.

use std::sync::OnceLock;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::SynthesisError;

use crate::babyjubjub::constraints::PointVar;
use crate::babyjubjub::{Point, ScalarField, BASE8, COEFF_A, COEFF_D, GENERATOR};
use crate::lc::linear_combination;
use crate::Fr;

/// `num / den` as a new witness with `out · den = num` (one constraint); a constant when both
/// are constants. `den` must be non-zero (the complete formulas guarantee it on the curve).
fn div(num: &FpVar<Fr>, den: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    if let (FpVar::Constant(n), FpVar::Constant(d)) = (num, den) {
        return d.inverse().map(|i| FpVar::Constant(*n * i)).ok_or(SynthesisError::DivisionByZero);
    }
    let cs = num.cs().or(den.cs());
    let out = FpVar::new_witness(cs, || {
        let d = den.value()?;
        Ok(num.value()? * d.inverse().unwrap_or(Fr::ZERO))
    })?;
    // out · den = num
    out.mul_equals(den, num)?;
    Ok(out)
}

/// A constant point.
pub fn constant(p: &Point) -> PointVar {
    PointVar::new(FpVar::Constant(p.x), FpVar::Constant(p.y))
}

/// `p + q` (circomlib's `BabyAdd`): `β = x₁y₂`, `γ = y₁x₂`, `δ = (−a·x₁ + y₁)(x₂ + y₂)`,
/// `τ = βγ`, `x₃ = (β + γ)/(1 + dτ)`, `y₃ = (δ + aβ − γ)/(1 − dτ)`. 6 constraints.
pub fn add(p: &PointVar, q: &PointVar) -> Result<PointVar, SynthesisError> {
    let beta = &p.x * &q.y;
    let gamma = &p.y * &q.x;
    let delta = (&p.y - &p.x * COEFF_A) * (&q.x + &q.y);
    let tau = &beta * &gamma;
    let x = div(&(&beta + &gamma), &(FpVar::one() + &tau * COEFF_D))?;
    let y = div(&(delta + &beta * COEFF_A - &gamma), &(FpVar::one() - &tau * COEFF_D))?;
    Ok(PointVar::new(x, y))
}

/// `2·p`: `x₃ = 2xy/(a·x² + y²)`, `y₃ = (y² − a·x²)/(2 − a·x² − y²)` (on the curve the
/// denominators are `1 ± d·x²y²`). 5 constraints.
pub fn double(p: &PointVar) -> Result<PointVar, SynthesisError> {
    let xy = &p.x * &p.y;
    let xx = p.x.square()?;
    let yy = p.y.square()?;
    let axx = &xx * COEFF_A;
    let x = div(&xy.double()?, &(&axx + &yy))?;
    let y = div(&(&yy - &axx), &(FpVar::constant(Fr::from(2u64)) - &axx - &yy))?;
    Ok(PointVar::new(x, y))
}

/// `cond ? a : b`, 2 constraints.
pub fn select(cond: &Boolean<Fr>, a: &PointVar, b: &PointVar) -> Result<PointVar, SynthesisError> {
    Ok(PointVar::new(
        FpVar::conditionally_select(cond, &a.x, &b.x)?,
        FpVar::conditionally_select(cond, &a.y, &b.y)?,
    ))
}

/// `(Σ bᵢ·2ⁱ)·p` for little-endian `bits`, by double-and-add from the top bit, for `p` on the
/// curve. 13 constraints per bit.
pub fn scalar_mul(p: &PointVar, bits: &[Boolean<Fr>]) -> Result<PointVar, SynthesisError> {
    let mut acc = constant(&Point::zero());
    for bit in bits.iter().rev() {
        acc = double(&acc)?;
        let sum = add(&acc, p)?;
        acc = select(bit, &sum, &acc)?;
    }
    Ok(acc)
}

/// The coefficients of the multilinear polynomial in three bits taking the values `f[k]` at
/// `k = b₀ + 2b₁ + 4b₂`: for the monomials `1, b₀, b₁, b₂, b₀b₁, b₀b₂, b₁b₂, b₀b₁b₂`.
fn multilinear(f: &[Fr; 8]) -> [Fr; 8] {
    [
        f[0],
        f[1] - f[0],
        f[2] - f[0],
        f[4] - f[0],
        f[3] - f[1] - f[2] + f[0],
        f[5] - f[4] - f[1] + f[0],
        f[6] - f[4] - f[2] + f[0],
        f[7] - f[6] - f[5] - f[3] + f[4] + f[2] + f[1] - f[0],
    ]
}

/// The point `table[b₀ + 2b₁ + 4b₂]` of a constant table: 4 constraints (the bit products).
fn lookup8(bits: &[Boolean<Fr>; 3], table: &[Point; 8]) -> Result<PointVar, SynthesisError> {
    let [b0, b1, b2] = bits;
    let b01 = b0 & b1;
    let monomials = [
        FpVar::from(b0.clone()),
        FpVar::from(b1.clone()),
        FpVar::from(b2.clone()),
        FpVar::from(b01.clone()),
        FpVar::from(b0 & b2),
        FpVar::from(b1 & b2),
        FpVar::from(&b01 & b2),
    ];
    let coord = |f: fn(&Point) -> Fr| {
        let values: [Fr; 8] = std::array::from_fn(|k| f(&table[k]));
        let c = multilinear(&values);
        linear_combination(c[1..].iter().copied().zip(monomials.iter().cloned()), c[0])
    };
    Ok(PointVar::new(coord(|p| p.x), coord(|p| p.y)))
}

/// `(Σ bᵢ·2ⁱ)·B8` by 3-bit windows over constant tables: about 10 constraints per window.
pub fn fixed_base_mul(bits: &[Boolean<Fr>]) -> Result<PointVar, SynthesisError> {
    let mut acc: Option<PointVar> = None;
    let mut base = BASE8.into_group();
    for window in bits.chunks(3) {
        let w: [Boolean<Fr>; 3] = std::array::from_fn(|i| window.get(i).cloned().unwrap_or(Boolean::FALSE));
        let table: [Point; 8] = std::array::from_fn(|k| (base * ScalarField::from(k as u64)).into_affine());
        let term = lookup8(&w, &table)?;
        acc = Some(match acc {
            None => term,
            Some(a) => add(&a, &term)?,
        });
        for _ in 0..3 {
            base.double_in_place();
        }
    }
    Ok(acc.unwrap_or_else(|| constant(&Point::zero())))
}

/// The eight points of order dividing 8, `k·T₈` for `k = 0..8` with `T₈ = l·G` of order 8.
pub fn torsion8() -> &'static [Point; 8] {
    static TABLE: OnceLock<[Point; 8]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let t8 = GENERATOR.mul_bigint(ScalarField::MODULUS);
        std::array::from_fn(|k| (t8 * ScalarField::from(k as u64)).into_affine())
    })
}

/// For `p` on the curve: `(k, q)` with `p = 8·q + k·T₈` ([`torsion8`]). The group is
/// `ℤ/8 × ℤ/l`, so `k` is unique (`k = 0` exactly when `p` is in the subgroup of order `l`);
/// `q` is one of eight.
pub fn decompose(p: &Point) -> (usize, Point) {
    let l = ScalarField::MODULUS;
    // m = l⁻¹ mod 8 (l is odd): the torsion part of p is m·(l·p).
    let l_mod_8 = l.as_ref()[0] % 8;
    let m = (1u64..8).step_by(2).find(|m| (m * l_mod_8) % 8 == 1).unwrap_or(1);
    let torsion = (p.mul_bigint(l) * ScalarField::from(m)).into_affine();
    let k = torsion8().iter().position(|t| *t == torsion).unwrap_or(0);
    let prime_part = (p.into_group() - torsion).into_affine();
    // 8·q = prime_part: q = 8⁻¹ mod l times it (prime_part has order dividing l).
    let inv8 = ScalarField::from(8u64).inverse().unwrap_or(ScalarField::ZERO);
    (k, (prime_part * inv8).into_affine())
}

/// `a·x² + y² = 1 + d·x²·y²` as a bit, and `x²`, `y²`. 5 constraints.
pub fn is_on_curve(p: &PointVar) -> Result<Boolean<Fr>, SynthesisError> {
    let xx = p.x.square()?;
    let yy = p.y.square()?;
    let lhs = &xx * COEFF_A + &yy;
    let rhs = &xx * &yy * COEFF_D + Fr::ONE;
    lhs.is_eq(&rhs)
}

/// A point anyone may have chosen, checked as [`crate::vote::cipher::is_valid_public_key`]
/// checks it.
#[derive(Clone, Debug)]
pub struct CheckedPoint {
    /// The point is on the curve.
    pub on_curve: Boolean<Fr>,
    /// On the curve, in the subgroup of order `l`, not the identity.
    pub valid: Boolean<Fr>,
    /// The point if it is on the curve, else `B8`: safe for the complete formulas.
    pub point: PointVar,
}

/// Checks `p`: on the curve (5), replaced by `B8` if not (2); then `p' = 8·q + T` with `q` a
/// witness on the curve (3), three doublings (15), `T = k·T₈` looked up by three witness bits
/// (3 + 4), one addition (6) and the equality (2); `k = 0` (2) and `x ≠ 0` (2; the identity is
/// the only point of the subgroup with `x = 0`) make it valid (2). 46 constraints.
///
/// Sound: `k` is unique for a point of the curve, so the prover cannot claim a valid point
/// invalid or the reverse.
pub fn check_point(p: &PointVar) -> Result<CheckedPoint, SynthesisError> {
    let on_curve = is_on_curve(p)?;
    let point = select(&on_curve, p, &constant(&BASE8))?;
    let cs = point.x.cs().or(point.y.cs());
    let aux = point.value().ok().map(|v| decompose(&v));
    let mut k_bits = Vec::with_capacity(3);
    for i in 0..3 {
        k_bits.push(Boolean::new_witness(cs.clone(), || {
            aux.map(|(k, _)| (k >> i) & 1 == 1).ok_or(SynthesisError::AssignmentMissing)
        })?);
    }
    let k_bits: [Boolean<Fr>; 3] = [k_bits[0].clone(), k_bits[1].clone(), k_bits[2].clone()];
    let q = PointVar::new(
        FpVar::new_witness(cs.clone(), || aux.map(|(_, q)| q.x).ok_or(SynthesisError::AssignmentMissing))?,
        FpVar::new_witness(cs.clone(), || aux.map(|(_, q)| q.y).ok_or(SynthesisError::AssignmentMissing))?,
    );
    // q on the curve: a·x² + y² = 1 + d·x²·y²
    let qxx = q.x.square()?;
    let qyy = q.y.square()?;
    (&qxx * COEFF_D).mul_equals(&qyy, &(&qxx * COEFF_A + &qyy - Fr::ONE))?;
    let eight_q = double(&double(&double(&q)?)?)?;
    let torsion = lookup8(&k_bits, torsion8())?;
    let sum = add(&eight_q, &torsion)?;
    // p' = 8·q + k·T₈
    sum.x.enforce_equal(&point.x)?;
    sum.y.enforce_equal(&point.y)?;
    let in_subgroup = !Boolean::kary_or(&k_bits)?;
    let not_identity = point.x.is_neq(&FpVar::zero())?;
    let valid = Boolean::kary_and(&[on_curve.clone(), in_subgroup, not_identity])?;
    Ok(CheckedPoint { on_curve, valid, point })
}

/// The little-endian bits of a field element's canonical integer, strictly (the decomposition
/// is unique). About 2·254 constraints.
pub fn strict_bits(x: &FpVar<Fr>) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    use ark_r1cs_std::convert::ToBitsGadget;
    x.to_bits_le()
}
