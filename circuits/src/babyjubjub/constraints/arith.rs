//! Point arithmetic in R1CS: complete Edwards doubling for the cofactor, then incomplete
//! affine Montgomery formulas (`v² = u³ + A·u² + u`, `A = 168698`, `B = 1`) for the
//! scalar multiplications, as circomlib's `montgomery.circom`.
//!
//! Every value a formula defines is a fresh witness pinned by exactly one constraint, so
//! linear combinations never grow from step to step. The Montgomery formulas are
//! *incomplete*: each documents which inputs make it exceptional, and the callers in
//! [`super`] argue why those cannot occur (or guard against them).

use ark_ff::{AdditiveGroup, Field, Zero};
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use super::super::{COEFF_A, COEFF_D, MONT_A};
use super::PointVar;
use crate::Fr;

/// An affine point of the Montgomery form, `(u, v)`. The identity has no such form.
#[derive(Clone, Debug)]
pub(super) struct MontVar {
    pub(super) u: FpVar<Fr>,
    pub(super) v: FpVar<Fr>,
}

/// `n / d`, or zero when `d = 0` (a witness for an input that will not satisfy the system).
fn div_or_zero(n: Fr, d: Fr) -> Fr {
    d.inverse().map_or(Fr::zero(), |inv| n * inv)
}

/// A fresh witness computed from the values of its inputs (not computed in setup mode).
pub(super) fn witness(
    cs: &ConstraintSystemRef<Fr>,
    f: impl FnOnce() -> Result<Fr, SynthesisError>,
) -> Result<FpVar<Fr>, SynthesisError> {
    use ark_r1cs_std::alloc::AllocVar;
    FpVar::new_witness(cs.clone(), f)
}

/// Enforces `a · b = c`: one constraint, none when two factors are constant. Unlike
/// `mul_equals`, three constants that disagree are an error, not silently accepted.
pub(super) fn enforce_mul(a: &FpVar<Fr>, b: &FpVar<Fr>, c: &FpVar<Fr>) -> Result<(), SynthesisError> {
    match (a, b, c) {
        (FpVar::Constant(a), FpVar::Constant(b), FpVar::Constant(c)) => {
            if *a * b == *c {
                Ok(())
            } else {
                Err(SynthesisError::Unsatisfiable)
            }
        }
        _ => a.mul_equals(b, c),
    }
}

/// Enforces `a ≠ 0` with a witnessed inverse: `a · a⁻¹ = 1`. One constraint.
pub(super) fn enforce_nonzero(cs: &ConstraintSystemRef<Fr>, a: &FpVar<Fr>) -> Result<(), SynthesisError> {
    let inv = witness(cs, || Ok(a.value()?.inverse().unwrap_or(Fr::zero())))?;
    enforce_mul(a, &inv, &FpVar::one())
}

/// Enforces that `p` is on iden3's curve and returns `(x², y²)`. Three constraints:
/// `x·x = x²`, `y·y = y²`, `(d·x²)·y² = a·x² + y² − 1`.
pub(super) fn enforce_on_curve(p: &PointVar) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let xx = p.x.square()?;
    let yy = p.y.square()?;
    // (d·x²)·(y²) = a·x² + y² − 1
    enforce_mul(&(&xx * COEFF_D), &yy, &(&xx * COEFF_A + &yy - Fr::ONE))?;
    Ok((xx, yy))
}

/// `2·p` for `p` on the curve, given `x²` and `y²`: `x' = 2xy/(a·x² + y²)`,
/// `y' = (y² − a·x²)/(2 − a·x² − y²)`. Three constraints.
///
/// Complete: on the curve the denominators equal `1 ± d·x²y²`, never zero because `d` is
/// not a square; so `x'`, `y'` are determined and `2·p` is on the curve. Exact for every
/// point, the small-order ones included.
pub(super) fn double_edwards(
    cs: &ConstraintSystemRef<Fr>,
    p: &PointVar,
    xx: &FpVar<Fr>,
    yy: &FpVar<Fr>,
) -> Result<PointVar, SynthesisError> {
    let xy = &p.x * &p.y;
    let den_x = xx * COEFF_A + yy;
    let den_y = FpVar::constant(Fr::from(2u64)) - xx * COEFF_A - yy;
    let x = witness(cs, || Ok(div_or_zero(xy.value()?.double(), den_x.value()?)))?;
    // x' · (a·x² + y²) = 2·x·y
    enforce_mul(&x, &den_x, &xy.double()?)?;
    let num_y = yy - xx * COEFF_A;
    let y = witness(cs, || Ok(div_or_zero(num_y.value()?, den_y.value()?)))?;
    // y' · (2 − a·x² − y²) = y² − a·x²
    enforce_mul(&y, &den_y, &num_y)?;
    Ok(PointVar { x, y })
}

/// `8·p` for `p` on the curve (three complete doublings), given `x²`, `y²` of `p`.
/// 13 constraints. The result lies in the subgroup of order `l`.
pub(super) fn times_cofactor(
    cs: &ConstraintSystemRef<Fr>,
    p: &PointVar,
    xx: &FpVar<Fr>,
    yy: &FpVar<Fr>,
) -> Result<PointVar, SynthesisError> {
    let p2 = double_edwards(cs, p, xx, yy)?;
    let p4 = double_edwards(cs, &p2, &p2.x.square()?, &p2.y.square()?)?;
    double_edwards(cs, &p4, &p4.x.square()?, &p4.y.square()?)
}

/// The Montgomery form of an Edwards point: `u = (1 + y)/(1 − y)`, `v = u/x`.
/// Two constraints: `u·(1 − y) = 1 + y`, `v·x = u`.
///
/// Determined when `y ≠ 1` and `x ≠ 0`. For a curve point with `x = 0` (the identity
/// `(0, 1)` or the point of order two `(0, −1)`): `(0, 1)` makes the first constraint
/// `0 = 2`, unsatisfiable; `(0, −1)` gives `u = 0` and leaves `v` free, so callers must
/// exclude it (it is never the image of a point of odd order).
pub(super) fn edwards_to_montgomery(
    cs: &ConstraintSystemRef<Fr>,
    p: &PointVar,
) -> Result<MontVar, SynthesisError> {
    let one_minus_y = FpVar::one() - &p.y;
    let one_plus_y = FpVar::one() + &p.y;
    let u = witness(cs, || Ok(div_or_zero(one_plus_y.value()?, one_minus_y.value()?)))?;
    // u · (1 − y) = 1 + y
    enforce_mul(&u, &one_minus_y, &one_plus_y)?;
    let v = witness(cs, || Ok(div_or_zero(u.value()?, p.x.value()?)))?;
    // v · x = u
    enforce_mul(&v, &p.x, &u)?;
    Ok(MontVar { u, v })
}

/// The point `(u, v)` with `u = λ² − A − u₁ − u₂` and `v = λ·(u₁ − u) − v₁`: the third
/// intersection of the line of slope `λ` through `(u₁, v₁)`, negated. Two constraints.
fn chord_output(
    cs: &ConstraintSystemRef<Fr>,
    lambda: &FpVar<Fr>,
    p1: &MontVar,
    u2: &FpVar<Fr>,
) -> Result<MontVar, SynthesisError> {
    let u = witness(cs, || Ok(lambda.value()?.square() - MONT_A - p1.u.value()? - u2.value()?))?;
    // λ · λ = u + A + u₁ + u₂
    enforce_mul(lambda, lambda, &(&u + MONT_A + &p1.u + u2))?;
    let v = witness(cs, || Ok(lambda.value()? * (p1.u.value()? - u.value()?) - p1.v.value()?))?;
    // λ · (u₁ − u) = v + v₁
    enforce_mul(lambda, &(&p1.u - &u), &(&v + &p1.v))?;
    Ok(MontVar { u, v })
}

/// `p + q` by the chord rule, `λ = (v_q − v_p)/(u_q − u_p)`. Three constraints, four with
/// `guard`.
///
/// Exceptional when `u_p = u_q`: for `q = −p` the first constraint reads `0 = v_q − v_p ≠ 0`
/// (unsatisfiable: completeness fails, soundness does not); for `q = p` it reads `0 = 0` and
/// leaves `λ`, hence the sum, free: a soundness hole. Callers either prove `q ≠ p` or set
/// `guard`, which adds `(u_q − u_p)·inv = 1` and makes both cases unsatisfiable.
pub(super) fn add_montgomery(
    cs: &ConstraintSystemRef<Fr>,
    p: &MontVar,
    q: &MontVar,
    guard: bool,
) -> Result<MontVar, SynthesisError> {
    let du = &q.u - &p.u;
    let dv = &q.v - &p.v;
    let lambda = witness(cs, || Ok(div_or_zero(dv.value()?, du.value()?)))?;
    // λ · (u_q − u_p) = v_q − v_p
    enforce_mul(&lambda, &du, &dv)?;
    if guard {
        enforce_nonzero(cs, &du)?;
    }
    chord_output(cs, &lambda, p, &q.u)
}

/// `2·p` by the tangent rule, `λ = (3u² + 2A·u + 1)/(2v)`. Four constraints.
///
/// Exceptional only when `v = 0` (a point of order two), never the case for the points of
/// odd order it is used on.
pub(super) fn double_montgomery(
    cs: &ConstraintSystemRef<Fr>,
    p: &MontVar,
) -> Result<MontVar, SynthesisError> {
    let uu = p.u.square()?;
    let num = &uu * Fr::from(3u64) + &p.u * MONT_A.double() + Fr::ONE;
    let den = p.v.double()?;
    let lambda = witness(cs, || Ok(div_or_zero(num.value()?, den.value()?)))?;
    // λ · 2v = 3u² + 2A·u + 1
    enforce_mul(&lambda, &den, &num)?;
    chord_output(cs, &lambda, p, &p.u)
}

/// `2·q + p` computed as `(q + p) + q` without the intermediate `v` (Eisenträger, Lauter
/// and Montgomery's trick). Five constraints, six with `guard`:
/// `λ₁ = (v_p − v_q)/(u_p − u_q)`, `u_r = λ₁² − A − u_q − u_p`,
/// `λ₂ = −λ₁ − 2v_q/(u_r − u_q)` (the slope through `r = q + p` and `q`), then the chord
/// output of `λ₂` through `q`.
///
/// Exceptional cases: `u_p = u_q` (as in [`add_montgomery`]; `guard` applies to it) and
/// `u_r = u_q`, i.e. `q + p = ±q`; then `(λ₁ + λ₂)·0 = 2v_q` is unsatisfiable because
/// `v_q ≠ 0` for a point of odd order: completeness fails there, soundness never does.
pub(super) fn double_and_add_montgomery(
    cs: &ConstraintSystemRef<Fr>,
    q: &MontVar,
    p: &MontVar,
    guard: bool,
) -> Result<MontVar, SynthesisError> {
    let du = &p.u - &q.u;
    let dv = &p.v - &q.v;
    let lambda1 = witness(cs, || Ok(div_or_zero(dv.value()?, du.value()?)))?;
    // λ₁ · (u_p − u_q) = v_p − v_q
    enforce_mul(&lambda1, &du, &dv)?;
    if guard {
        enforce_nonzero(cs, &du)?;
    }
    let u_r = witness(cs, || Ok(lambda1.value()?.square() - MONT_A - q.u.value()? - p.u.value()?))?;
    // λ₁ · λ₁ = u_r + A + u_q + u_p
    enforce_mul(&lambda1, &lambda1, &(&u_r + MONT_A + &q.u + &p.u))?;
    let lambda2 = witness(cs, || {
        let (l1, uq, vq) = (lambda1.value()?, q.u.value()?, q.v.value()?);
        Ok(div_or_zero(vq.double(), uq - u_r.value()?) - l1)
    })?;
    // (λ₁ + λ₂) · (u_q − u_r) = 2·v_q
    enforce_mul(&(&lambda1 + &lambda2), &(&q.u - &u_r), &q.v.double()?)?;
    chord_output(cs, &lambda2, q, &u_r)
}
