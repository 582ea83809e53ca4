//! Baby Jubjub, the twisted Edwards curve of the circom ecosystem, over BN254's scalar field.
//!
//! We use iden3's model, the one circomlib and circomlibjs use (EIP-2494):
//! `a·x² + y² = 1 + d·x²·y²` with `a = 168700`, `d = 168696`. The group has order `8·l`
//! with `l` = [`ScalarField`]'s modulus (251 bits); [`BASE8`] generates the subgroup of
//! order `l`. Coordinates are elements of [`Fr`], so the curve lives inside our circuits.
//!
//! [`BabyJubjubConfig`] gives arkworks' group arithmetic on this model directly.
//! `ark-ed-on-bn254` describes the same curve in a rescaled model (`a' = 1`,
//! `d' = d/a`); [`to_ark`] and [`from_ark`] are the isomorphism `x' = x·√a`, `y' = y`, with
//! the fixed root [`SQRT_A`].
//!
//! [`eddsa`] signs and verifies as circomlibjs; [`constraints`] verifies in R1CS.

pub mod constraints;
pub mod eddsa;

use ark_ec::twisted_edwards::{Affine, MontCurveConfig, Projective, TECurveConfig};
use ark_ec::CurveConfig;
use ark_ed_on_bn254::EdwardsAffine;
use ark_ff::{AdditiveGroup, BigInteger, Field, MontFp, PrimeField};

pub use crate::Fr;

/// The scalar field of the prime-order subgroup: integers modulo
/// `l = 2736030358979909402780800718157159386076813972158567259200215660948447373041`.
pub type ScalarField = ark_ed_on_bn254::Fr;

/// A point of Baby Jubjub in iden3's coordinates (affine; `(0, 1)` is the identity).
pub type Point = Affine<BabyJubjubConfig>;

/// A point of Baby Jubjub in projective coordinates, for arithmetic.
pub type PointProjective = Projective<BabyJubjubConfig>;

/// arkworks parameters of Baby Jubjub in iden3's model (`a = 168700`, `d = 168696`).
///
/// Its Montgomery form is `v² = u³ + 168698·u² + u` (`A = 2(a+d)/(a-d)`, `B = 4/(a-d) = 1`),
/// reached by `u = (1+y)/(1-y)`, `v = u/x`; the gadgets compute in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BabyJubjubConfig;

impl CurveConfig for BabyJubjubConfig {
    type BaseField = Fr;
    type ScalarField = ScalarField;

    const COFACTOR: &'static [u64] = &[8];

    /// `8⁻¹ mod l`.
    const COFACTOR_INV: ScalarField =
        MontFp!("2394026564107420727433200628387514462817212225638746351800188703329891451411");
}

impl TECurveConfig for BabyJubjubConfig {
    const COEFF_A: Fr = MontFp!("168700");
    const COEFF_D: Fr = MontFp!("168696");
    /// [`BASE8`], the generator of the prime-order subgroup.
    const GENERATOR: Point = BASE8;

    type MontCurveConfig = BabyJubjubConfig;
}

impl MontCurveConfig for BabyJubjubConfig {
    const COEFF_A: Fr = MontFp!("168698");
    const COEFF_B: Fr = MontFp!("1");

    type TECurveConfig = BabyJubjubConfig;
}

/// `a = 168700` of iden3's model.
pub const COEFF_A: Fr = <BabyJubjubConfig as TECurveConfig>::COEFF_A;

/// `d = 168696` of iden3's model.
pub const COEFF_D: Fr = <BabyJubjubConfig as TECurveConfig>::COEFF_D;

/// `A = 168698` of the Montgomery form `v² = u³ + A·u² + u`.
pub const MONT_A: Fr = <BabyJubjubConfig as MontCurveConfig>::COEFF_A;

/// circomlib's `Base8`: the generator of the subgroup of order `l`, `8·`[`GENERATOR`].
pub const BASE8: Point = Point::new_unchecked(
    MontFp!("5299619240641551281634865583518297030282874472190772894086521144482721001553"),
    MontFp!("16950150798460657717958625567821834550301663161624707787222815936182638968203"),
);

/// circomlib's `Generator`, of order `8·l` (the whole group).
pub const GENERATOR: Point = Point::new_unchecked(
    MontFp!("995203441582195749578291179787384436505546430278305826713579947235728471134"),
    MontFp!("5472060717959818805561601436314318772137091100104008585924551046643952123905"),
);

/// The square root of `a = 168700` used by [`to_ark`]: the smaller of the two, as an
/// integer in `[0, p)`.
pub const SQRT_A: Fr =
    MontFp!("7214280148105020021932206872019688659210616427216992810330019057549499971851");

/// The point of `ark-ed-on-bn254` (model `x'² + y² = 1 + (d/a)·x'²·y²`) equal to `p`:
/// `(x·√a, y)`. A group isomorphism; it keeps subgroups and orders.
pub fn to_ark(p: &Point) -> EdwardsAffine {
    EdwardsAffine::new_unchecked(p.x * SQRT_A, p.y)
}

/// The inverse of [`to_ark`]: `(x'/√a, y)`.
pub fn from_ark(q: &EdwardsAffine) -> Point {
    // SQRT_A is a non-zero constant.
    let inv = SQRT_A.inverse().unwrap_or_else(|| unreachable!("√a is not zero"));
    Point::new_unchecked(q.x * inv, q.y)
}

/// `(p - 1) / 2`: coordinates above it are "negative" in circomlibjs's packing.
fn half_modulus() -> <Fr as PrimeField>::BigInt {
    Fr::MODULUS_MINUS_ONE_DIV_TWO
}

/// circomlibjs's `packPoint`: `y` in 32 little-endian bytes, with the top bit set when
/// `x > (p - 1)/2`.
pub fn pack_point(p: &Point) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&p.y.into_bigint().to_bytes_le());
    if p.x.into_bigint() > half_modulus() {
        out[31] |= 0x80;
    }
    out
}

/// Errors from [`unpack_point`].
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum UnpackError {
    /// The 255-bit `y` is not below the field modulus.
    #[error("packed y is not a canonical field element")]
    NonCanonicalY,
    /// No curve point has this `y`.
    #[error("no Baby Jubjub point has this y")]
    NotOnCurve,
    /// The sign bit is set but `x = 0` (circomlibjs would accept this second encoding).
    #[error("sign bit set for x = 0: non-canonical encoding")]
    NonCanonicalSign,
}

/// circomlibjs's `unpackPoint`, the inverse of [`pack_point`]: `x² = (1 - y²)/(a - d·y²)`,
/// `x` the root at most `(p - 1)/2`, negated when the top bit is set.
///
/// Stricter than circomlibjs in two places, so that every point has exactly one encoding:
/// `y ≥ p` and a sign bit on `x = 0` are rejected.
pub fn unpack_point(bytes: &[u8; 32]) -> Result<Point, UnpackError> {
    let mut y_bytes = *bytes;
    let negative = y_bytes[31] & 0x80 != 0;
    y_bytes[31] &= 0x7f;
    let y_int = <Fr as PrimeField>::BigInt::try_from(num_bigint::BigUint::from_bytes_le(&y_bytes))
        .map_err(|_| UnpackError::NonCanonicalY)?;
    let y = Fr::from_bigint(y_int).ok_or(UnpackError::NonCanonicalY)?;
    let y2 = y.square();
    let x2 = (Fr::ONE - y2) * (COEFF_A - COEFF_D * y2).inverse().ok_or(UnpackError::NotOnCurve)?;
    let mut x = x2.sqrt().ok_or(UnpackError::NotOnCurve)?;
    if x.into_bigint() > half_modulus() {
        x = -x;
    }
    if negative {
        if x == Fr::ZERO {
            return Err(UnpackError::NonCanonicalSign);
        }
        x = -x;
    }
    Ok(Point::new_unchecked(x, y))
}
