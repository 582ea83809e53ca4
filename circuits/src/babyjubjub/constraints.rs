//! R1CS verifier of EdDSA-Poseidon signatures over Baby Jubjub, accepting what
//! [`super::eddsa::verify_poseidon`] accepts: circomlib's `EdDSAPoseidonVerifier` (same
//! equation, `S < l`, small-order keys rejected) plus on-curve checks that it leaves out.
//!
//! Relation of [`verify_poseidon_gadget`], for public key `A`, signature `(R8, S)` and
//! message `M` (all field elements of [`Fr`]):
//! - `A` and `R8` are on the curve, `R8.x ≠ 0`;
//! - `8·A` is not the identity (small-order keys are rejected);
//! - `S < l` (strict: the malleated `S + l` is rejected);
//! - with `h = Poseidon(R8.x, R8.y, A.x, A.y, M)` as its canonical integer:
//!   `S·B8 = R8 + h·(8·A)`.
//!
//! The chip, step by step (constraint counts in parentheses, 3,078 in all):
//! 1. `A` on the curve (3), `T = 8·A` by complete Edwards doublings (13), `T` to Montgomery
//!    form (2); the identity has no Montgomery form, so this also rejects small-order `A`.
//! 2. `R8` on the curve (3), `R8.x ≠ 0` (1), to Montgomery form (2).
//! 3. `S` as 251 bits (251), recomposed (1), `S ≤ l − 1` (60) (module `bits`).
//! 4. `h` = Poseidon (321); `e' = h + SHIFT` as 254 bits (254), recomposed (1), bounded on
//!    both sides (128) (module `variable_base` says why `h` is shifted).
//! 5. `S·B8` with constant 3-bit windows (499) (module `fixed_base`).
//! 6. `h·T` by a signed double-and-add ladder (1535) (module `variable_base`).
//! 7. `S·B8 = R8 + h·T` by one guarded chord (4).
//!
//! Completeness: the Montgomery formulas are incomplete; the submodules show that an
//! exceptional input either cannot occur or makes the system unsatisfiable, never free.
//! The unsatisfiable cases need `S = 0`, `h` in a set of a few hundred values, or
//! `R8 = h·8A` (a fixed point of Poseidon): no honest signature meets them except with
//! probability below `2^-245`, and finding one on purpose means inverting Poseidon.

mod arith;
mod bits;
mod fixed_base;
mod variable_base;

use std::borrow::Borrow;
use std::sync::OnceLock;

use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_r1cs_std::alloc::{AllocVar, AllocationMode};
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};
use num_bigint::BigUint;

use self::arith::{
    edwards_to_montgomery, enforce_mul, enforce_nonzero, enforce_on_curve, times_cofactor, witness, MontVar,
};
use self::bits::{alloc_bits, enforce_ge_constant, enforce_le_constant};
use self::fixed_base::{scalar_mul_base8, S_BITS};
use self::variable_base::{scalar_mul_variable, shift, shift_fr, E_BITS};
use super::eddsa::{verify_poseidon, PrivateKey, Signature};
use super::{Point, ScalarField, MONT_A};
use crate::poseidon;
use crate::Fr;

/// A Baby Jubjub point in circuit, in iden3's coordinates. Allocation does not constrain
/// it to the curve: the verifier checks what it needs.
#[derive(Clone, Debug)]
pub struct PointVar {
    /// `x` coordinate.
    pub x: FpVar<Fr>,
    /// `y` coordinate.
    pub y: FpVar<Fr>,
}

impl PointVar {
    /// The point with these coordinates.
    pub fn new(x: FpVar<Fr>, y: FpVar<Fr>) -> Self {
        Self { x, y }
    }
}

impl GR1CSVar<Fr> for PointVar {
    type Value = Point;

    fn cs(&self) -> ConstraintSystemRef<Fr> {
        self.x.cs().or(self.y.cs())
    }

    fn value(&self) -> Result<Point, SynthesisError> {
        Ok(Point::new_unchecked(self.x.value()?, self.y.value()?))
    }
}

impl AllocVar<Point, Fr> for PointVar {
    /// Allocates both coordinates in `mode`; no constraints.
    fn new_variable<T: Borrow<Point>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = f().map(|p| *p.borrow());
        let x = FpVar::new_variable(cs.clone(), || value.map(|p| p.x), mode)?;
        let y = FpVar::new_variable(cs, || value.map(|p| p.y), mode)?;
        Ok(Self { x, y })
    }
}

/// An EdDSA signature `(R8, S)` in circuit. `S` is any field element until verified.
#[derive(Clone, Debug)]
pub struct SignatureVar {
    /// The nonce point.
    pub r8: PointVar,
    /// The response.
    pub s: FpVar<Fr>,
}

impl AllocVar<Signature, Fr> for SignatureVar {
    /// Allocates `R8.x`, `R8.y` and `S` in `mode`; no constraints.
    fn new_variable<T: Borrow<Signature>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = f().map(|s| *s.borrow());
        let r8 = PointVar::new_variable(cs.clone(), || value.map(|s| s.r8), mode)?;
        let s = FpVar::new_variable(cs, || value.map(|s| s.s), mode)?;
        Ok(Self { r8, s })
    }
}

/// Enforces that `sig` is a valid EdDSA-Poseidon signature of `msg` under `pubkey`: the
/// relation in the [module documentation](self), the one circomlib's
/// `EdDSAPoseidonVerifier` enforces with `enabled = 1`, plus on-curve checks of `A` and
/// `R8`.
///
/// Cost: 3,078 constraints (circomlib: about 4,200). Inputs may be constants, instance or
/// witness variables; if all are constants nothing is allocated and an invalid signature
/// is an [`SynthesisError::Unsatisfiable`] error.
pub fn verify_poseidon_gadget(
    msg: &FpVar<Fr>,
    sig: &SignatureVar,
    pubkey: &PointVar,
) -> Result<(), SynthesisError> {
    let inputs = [msg, &sig.s, &sig.r8.x, &sig.r8.y, &pubkey.x, &pubkey.y];
    let cs = inputs.iter().fold(ConstraintSystemRef::None, |cs, v| cs.or(v.cs()));
    if cs.is_none() {
        let point = |p: &PointVar| p.value();
        let signature = Signature { r8: point(&sig.r8)?, s: sig.s.value()? };
        return verify_poseidon(msg.value()?, &signature, &point(pubkey)?)
            .map_err(|_| SynthesisError::Unsatisfiable);
    }
    // Constants become constant linear combinations, so every step below sees variables.
    let lift = |v: &FpVar<Fr>| -> Result<FpVar<Fr>, SynthesisError> {
        match v {
            FpVar::Constant(c) => Ok(FpVar::Var(AllocatedFp::new_constant(cs.clone(), c)?)),
            FpVar::Var(_) => Ok(v.clone()),
        }
    };
    let pubkey = PointVar::new(lift(&pubkey.x)?, lift(&pubkey.y)?);
    let r8 = PointVar::new(lift(&sig.r8.x)?, lift(&sig.r8.y)?);
    enforce_verify(&cs, &lift(msg)?, &r8, &lift(&sig.s)?, &pubkey)
}

/// [`verify_poseidon_gadget`] when `enabled` is true; nothing when it is false (any
/// values satisfy, `A = (0, 0)` included), as circomlib's `enabled` input.
///
/// When `enabled` is a variable, the inputs are replaced by a fixed valid signature
/// (`enabled ? input : dummy`, one constraint each) before the unconditional check, so that
/// no formula ever sees junk. Cost: 3,084 constraints; none for a constant `false`.
pub fn verify_poseidon_gadget_if(
    enabled: &Boolean<Fr>,
    msg: &FpVar<Fr>,
    sig: &SignatureVar,
    pubkey: &PointVar,
) -> Result<(), SynthesisError> {
    match enabled {
        Boolean::Constant(false) => return Ok(()),
        Boolean::Constant(true) => return verify_poseidon_gadget(msg, sig, pubkey),
        Boolean::Var(_) => {}
    }
    let (dummy_key, dummy_sig, dummy_msg) = dummy();
    let pick = |v: &FpVar<Fr>, d: Fr| FpVar::conditionally_select(enabled, v, &FpVar::Constant(d));
    verify_poseidon_gadget(
        &pick(msg, *dummy_msg)?,
        &SignatureVar {
            r8: PointVar::new(pick(&sig.r8.x, dummy_sig.r8.x)?, pick(&sig.r8.y, dummy_sig.r8.y)?),
            s: pick(&sig.s, dummy_sig.s)?,
        },
        &PointVar::new(pick(&pubkey.x, dummy_key.x)?, pick(&pubkey.y, dummy_key.y)?),
    )
}

/// Enforces `pubkey = a·B8` with `0 < a < l`: knowledge of the key's secret scalar
/// ([`super::eddsa::PrivateKey::secret_scalar`]), cheaper than a signature.
///
/// `a` as 251 bits (251), recomposed (1), `a ≤ l − 1` (60), `a·B8` by fixed-base windows
/// (499), `pubkey` to Montgomery form (2) and equal to it (2): 815 constraints. The scalar is
/// canonical (one `a` per key), so values derived from it (a nullifier) are unique per key.
/// Unsatisfiable for `a = 0`; `pubkey` with `x = 0` never equals `a·B8` (module `arith`).
pub fn enforce_public_key(scalar: &FpVar<Fr>, pubkey: &PointVar) -> Result<(), SynthesisError> {
    let cs = scalar.cs().or(pubkey.cs());
    if cs.is_none() {
        let a =
            ScalarField::from_bigint(scalar.value()?.into_bigint()).ok_or(SynthesisError::Unsatisfiable)?;
        let expected: Point = (super::BASE8 * a).into();
        return if pubkey.value()? == expected { Ok(()) } else { Err(SynthesisError::Unsatisfiable) };
    }
    let l = BigUint::from(ScalarField::MODULUS);
    let (bits, sum) = alloc_bits(&cs, || Ok(BigUint::from(scalar.value()?.into_bigint())), S_BITS)?;
    // Σ a_i·2^i = a (no wrap-around: 2^251 < p)
    sum.enforce_equal(scalar)?;
    enforce_le_constant(&cs, &bits, &(l - 1u8))?;
    let product = scalar_mul_base8(&cs, &bits)?;
    let lift = |v: &FpVar<Fr>| -> Result<FpVar<Fr>, SynthesisError> {
        match v {
            FpVar::Constant(c) => Ok(FpVar::Var(AllocatedFp::new_constant(cs.clone(), c)?)),
            FpVar::Var(_) => Ok(v.clone()),
        }
    };
    let key = edwards_to_montgomery(&cs, &PointVar::new(lift(&pubkey.x)?, lift(&pubkey.y)?))?;
    // (u, v) of pubkey = (u, v) of a·B8; the Edwards–Montgomery map is injective.
    product.u.enforce_equal(&key.u)?;
    product.v.enforce_equal(&key.v)
}

/// The valid signature a disabled slot verifies instead of its inputs.
fn dummy() -> &'static (Point, Signature, Fr) {
    static DUMMY: OnceLock<(Point, Signature, Fr)> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let key = PrivateKey::from_bytes(*b"ccr: disabled eddsa slot dummy!!");
        let msg = Fr::ZERO;
        (key.public_key(), key.sign_poseidon(msg), msg)
    })
}

/// The verifier on variable inputs (see the module documentation for each step).
fn enforce_verify(
    cs: &ConstraintSystemRef<Fr>,
    msg: &FpVar<Fr>,
    r8: &PointVar,
    s: &FpVar<Fr>,
    pubkey: &PointVar,
) -> Result<(), SynthesisError> {
    // 1. A on the curve; T = 8·A, of order l unless A has small order, in which case T is
    //    the identity and has no Montgomery form: the conversion is unsatisfiable.
    let (xx, yy) = enforce_on_curve(pubkey)?;
    let t = edwards_to_montgomery(cs, &times_cofactor(cs, pubkey, &xx, &yy)?)?;

    // 2. R8 on the curve and not (0, ±1), so that its Montgomery form is determined.
    let _squares = enforce_on_curve(r8)?;
    enforce_nonzero(cs, &r8.x)?;
    let r8_mont = edwards_to_montgomery(cs, r8)?;

    // 3. S < l, as bits (they drive the fixed-base multiplication).
    let l = BigUint::from(ScalarField::MODULUS);
    let (s_bits, s_sum) = alloc_bits(cs, || Ok(BigUint::from(s.value()?.into_bigint())), S_BITS)?;
    // Σ s_i·2^i = S (no wrap-around: 2^251 < p)
    s_sum.enforce_equal(s)?;
    enforce_le_constant(cs, &s_bits, &(l - 1u8))?;

    // 4. h, decomposed strictly as e' = h + SHIFT.
    let h = poseidon::constraints::hash(&[
        r8.x.clone(),
        r8.y.clone(),
        pubkey.x.clone(),
        pubkey.y.clone(),
        msg.clone(),
    ])?;
    let (e_bits, e_sum) = alloc_bits(cs, || Ok(BigUint::from(h.value()?.into_bigint()) + shift()), E_BITS)?;
    // Σ e'_i·2^i = h + SHIFT (mod p); the bounds below make it an integer equality.
    e_sum.enforce_equal(&(&h + shift_fr()))?;
    enforce_ge_constant(cs, &e_bits, &shift())?;
    enforce_le_constant(cs, &e_bits, &(shift() + BigUint::from(Fr::MODULUS) - 1u8))?;

    // 5-6. Both scalar multiplications.
    let f = scalar_mul_base8(cs, &s_bits)?;
    let w = scalar_mul_variable(cs, &t, &e_bits)?;

    // 7. S·B8 = R8 + h·T.
    enforce_chord(cs, &r8_mont, &w, &f)
}

/// Enforces `f = p + q` by the chord rule with a guard: `λ·(u_q − u_p) = v_q − v_p`,
/// `(u_q − u_p)·inv = 1`, `λ² = u_f + A + u_p + u_q`, `λ·(u_p − u_f) = v_f + v_p`.
/// Four constraints. The guard excludes `q = ±p` (`q = p` would leave `λ` free).
fn enforce_chord(
    cs: &ConstraintSystemRef<Fr>,
    p: &MontVar,
    q: &MontVar,
    f: &MontVar,
) -> Result<(), SynthesisError> {
    let du = &q.u - &p.u;
    let dv = &q.v - &p.v;
    let lambda = witness(cs, || Ok(dv.value()? * du.value()?.inverse().unwrap_or(Fr::ZERO)))?;
    // λ · (u_q − u_p) = v_q − v_p
    enforce_mul(&lambda, &du, &dv)?;
    enforce_nonzero(cs, &du)?;
    // λ · λ = u_f + A + u_p + u_q
    enforce_mul(&lambda, &lambda, &(&f.u + MONT_A + &p.u + &q.u))?;
    // λ · (u_p − u_f) = v_f + v_p
    enforce_mul(&lambda, &(&p.u - &f.u), &(&f.v + &p.v))
}
