//! EdDSA over Baby Jubjub with a Poseidon challenge, exactly as circomlibjs's `eddsa`
//! (`prv2pub`, `signPoseidon`, `verifyPoseidon`), the signatures of MACI, Semaphore and
//! Polygon ID.
//!
//! With `H = BLAKE-512` (the SHA-3 finalist, as the npm `blake-hash`):
//! - `h1 = H(private key)`, pruned (`h1[0] &= 0xF8`, `h1[31] &= 0x7F`, `h1[31] |= 0x40`);
//!   `s = LE(h1[0..32])`, a multiple of 8; public key `A = (s >> 3)·B8`.
//! - `r = LE(H(h1[32..64] ‖ LE32(msg))) mod l`, `R8 = r·B8`,
//!   `h = Poseidon(R8.x, R8.y, A.x, A.y, msg)`, `S = (r + h·s) mod l`.
//! - Verification: `S·B8 = R8 + (8·h)·A`, with `S < l` (no malleability).
//!
//! # Fast verification
//!
//! [`verify_poseidon`] makes every check it always made, in the same order and with the same
//! error for every input, but computes the group part in one pass:
//!
//! - **One double-scalar multiplication.** It checks `S·B8 + h·(−8·A) = R8` with Straus's
//!   interleaving (the doublings shared by both scalars), each scalar in width-`w` NAF: `S`
//!   against a table of the odd multiples `B8, 3·B8, …, 127·B8` built once (a `OnceLock`),
//!   `h` against the odd multiples of `−8·A` up to `15·(−8·A)` computed per call.
//! - **The a = −1 model, extended coordinates.** The arithmetic runs on the isomorphic curve
//!   `−u² + y² = 1 + d'·u²·y²` (`u = x·√(−a)`, `d' = −d/a`), whose addition and doubling
//!   (Hisil–Wong–Carter–Dawson, 2008) skip the multiplication by `a`; doublings that are not
//!   followed by an addition skip the `T` coordinate. The formulas are complete there (`−1`
//!   is a square and `d'` is not), so no case is special, and the result is compared with
//!   `R8` projectively, without an inversion. The small-order checks (`8·P = O`) use the same
//!   doublings.
//! - **The subgroup check of `R8` only on failure.** `B8` generates the subgroup `G` of order
//!   `l`, and `8·A ∈ G` for every point `A` of the curve (the group has order `8·l` with `l`
//!   a prime other than 2, so `8·A` has order dividing `l`). An `R8` that satisfies the
//!   equation is `S·B8 − 8h·A ∈ G`: the check cannot fail on an accepted signature. It runs
//!   (the full multiplication by `l`) only when the equation fails, to report
//!   [`EddsaError::NotInSubgroup`] rather than [`EddsaError::BadSignature`] exactly where the
//!   check-by-check order would.
//!
//! Measured with `ccr-benches native --depth 24 --txs 2000` (release, on the 2-core
//! development machine, with other builds running: figures vary by ±15 %): 378 µs a
//! verification before (three arkworks double-and-add multiplications, `S·B8`, `h·(8·A)` and
//! the subgroup check, plus the Poseidon challenge) and 88.6 µs after, of which the
//! challenge, Poseidon(5) of [`crate::poseidon`], is about 26 µs.

use std::fmt;
use std::sync::OnceLock;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, PrimeField, Zero};
use blake_hash::{Blake512, Digest};

use super::{Point, ScalarField, BASE8, COEFF_A, COEFF_D};
use crate::poseidon;
use crate::Fr;

/// A Baby Jubjub EdDSA private key: 32 bytes, as circomlibjs's (any bytes are valid).
///
/// Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct PrivateKey([u8; 32]);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PrivateKey {
    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh key from a cryptographic random number generator.
    pub fn random<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The secret bytes, for storage in a wallet. Handle with care.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The public key, as [`prv2pub`].
    pub fn public_key(&self) -> Point {
        prv2pub(self)
    }

    /// The secret scalar `a = (s >> 3) mod l` with `public_key() = a·B8`: what a circuit
    /// proves knowledge of (see [`super::constraints::enforce_public_key`]). Handle with care.
    pub fn secret_scalar(&self) -> ScalarField {
        let s = secret_scalar(&pruned_digest(self));
        ScalarField::from_le_bytes_mod_order(&(s >> 3u32).to_bytes_le())
    }

    /// Signs `msg`, as [`sign_poseidon`].
    pub fn sign_poseidon(&self, msg: Fr) -> Signature {
        sign_poseidon(self, msg)
    }
}

/// An EdDSA-Poseidon signature `(R8, S)`.
///
/// `S` is kept as a field element of [`Fr`] (where circuits see it), not reduced modulo `l`,
/// so that a malleated `S + l` can be represented and rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The nonce point `r·B8`.
    pub r8: Point,
    /// The response `r + h·s mod l`, as an integer in `[0, l)` for a valid signature.
    pub s: Fr,
}

/// Which input of [`verify_poseidon`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointRole {
    /// The signer's public key `A`.
    PublicKey,
    /// The signature's nonce point `R8`.
    R8,
}

impl fmt::Display for PointRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PointRole::PublicKey => "public key",
            PointRole::R8 => "R8",
        })
    }
}

/// Why [`verify_poseidon`] rejected a signature.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum EddsaError {
    /// The point does not satisfy `a·x² + y² = 1 + d·x²·y²`.
    #[error("{0} is not on the Baby Jubjub curve")]
    NotOnCurve(PointRole),
    /// `8·P` is the identity: for the public key this would let anyone sign; for `R8` the
    /// circuit cannot represent it (circomlibjs checks neither).
    #[error("{0} has small order (8·P is the identity)")]
    SmallOrder(PointRole),
    /// `R8` has a component outside the subgroup of order `l`, so no `S` can satisfy the
    /// equation. (A public key with such a component is accepted, as by circomlib: only
    /// `8·A` enters the equation.)
    #[error("{0} is not in the prime-order subgroup")]
    NotInSubgroup(PointRole),
    /// `S ≥ l`: a malleated form of some `S mod l`; circomlibjs rejects it too.
    #[error("S is not below the subgroup order l")]
    NonCanonicalS,
    /// `S·B8 ≠ R8 + 8·h·A`.
    #[error("the signature does not verify: S·B8 ≠ R8 + 8·h·A")]
    BadSignature,
}

/// `BLAKE-512(prv)`, pruned as circomlibjs's `pruneBuffer`.
fn pruned_digest(prv: &PrivateKey) -> [u8; 64] {
    let mut h = [0u8; 64];
    h.copy_from_slice(&Blake512::digest(prv.0.as_slice()));
    h[0] &= 0xF8;
    h[31] &= 0x7F;
    h[31] |= 0x40;
    h
}

/// The secret scalar `s = LE(h1[0..32])` (a multiple of 8, below `2^255`) as an integer.
fn secret_scalar(h1: &[u8; 64]) -> num_bigint::BigUint {
    num_bigint::BigUint::from_bytes_le(&h1[..32])
}

/// An integer as little-endian 64-bit limbs, for `mul_bigint`.
fn limbs(n: &num_bigint::BigUint) -> Vec<u64> {
    n.to_u64_digits()
}

/// circomlibjs's `prv2pub`: `A = (s >> 3)·B8`, a point of order `l`.
pub fn prv2pub(prv: &PrivateKey) -> Point {
    let s = secret_scalar(&pruned_digest(prv));
    BASE8.mul_bigint(limbs(&(s >> 3u32))).into_affine()
}

/// The challenge `h = Poseidon(R8.x, R8.y, A.x, A.y, msg)`.
pub fn challenge(r8: &Point, pubkey: &Point, msg: Fr) -> Fr {
    poseidon::hash_n(&[r8.x, r8.y, pubkey.x, pubkey.y, msg])
}

/// circomlibjs's `signPoseidon` (deterministic: the nonce is derived from the key and `msg`).
pub fn sign_poseidon(prv: &PrivateKey, msg: Fr) -> Signature {
    let h1 = pruned_digest(prv);
    let s = secret_scalar(&h1);
    let a = BASE8.mul_bigint(limbs(&(&s >> 3u32))).into_affine();

    let mut nonce_input = [0u8; 64];
    nonce_input[..32].copy_from_slice(&h1[32..]);
    nonce_input[32..].copy_from_slice(&msg.into_bigint().to_bytes_le());
    let r = ScalarField::from_le_bytes_mod_order(&Blake512::digest(nonce_input.as_slice()));
    let r8 = (BASE8 * r).into_affine();

    let h = challenge(&r8, &a, msg);
    let h_l = ScalarField::from_le_bytes_mod_order(&h.into_bigint().to_bytes_le());
    let s_l = ScalarField::from_le_bytes_mod_order(&s.to_bytes_le());
    let big_s = r + h_l * s_l;
    Signature { r8, s: Fr::from_le_bytes_mod_order(&big_s.into_bigint().to_bytes_le()) }
}

/// circomlibjs's `verifyPoseidon`, with the checks its circuit makes explicit.
///
/// In order: both points on the curve, `S < l`, `8·A ≠ O`, `R8` of order `l`, then
/// `S·B8 = R8 + (8·h)·A`. Accepts exactly what [`super::constraints::verify_poseidon_gadget`]
/// accepts (up to the gadget's negligible exceptional cases, documented there). It rejects
/// two things circomlibjs accepts: a small-order `A` (with which anyone can sign) and an
/// `R8` of small order.
///
/// The equation is evaluated before the subgroup check of `R8`, which it implies when it
/// holds (see the module docs); the error reported for each input is the one of the order
/// above.
pub fn verify_poseidon(msg: Fr, sig: &Signature, pubkey: &Point) -> Result<(), EddsaError> {
    if !pubkey.is_on_curve() {
        return Err(EddsaError::NotOnCurve(PointRole::PublicKey));
    }
    if !sig.r8.is_on_curve() {
        return Err(EddsaError::NotOnCurve(PointRole::R8));
    }
    let s = sig.s.into_bigint();
    if s >= ScalarField::MODULUS {
        return Err(EddsaError::NonCanonicalS);
    }
    let model = Model::get();
    let t = Ext::from_affine(model.map(*pubkey)).mul8();
    if t.is_identity() {
        return Err(EddsaError::SmallOrder(PointRole::PublicKey));
    }
    let r8 = model.map(sig.r8);
    if Ext::from_affine(r8).mul8().is_identity() {
        return Err(EddsaError::SmallOrder(PointRole::R8));
    }
    let h = challenge(&sig.r8, pubkey, msg);
    if model.straus_equals(s, h.into_bigint(), &t.neg(), r8) {
        // R8 = S·B8 − 8h·A lies in the subgroup of order l: its check would have passed.
        return Ok(());
    }
    if !sig.r8.is_in_correct_subgroup_assuming_on_curve() {
        return Err(EddsaError::NotInSubgroup(PointRole::R8));
    }
    Err(EddsaError::BadSignature)
}

/// Window of the NAF of `S`: the odd multiples of `B8` below `2^(W_BASE − 1)` are tabulated.
const W_BASE: u32 = 8;

/// Window of the NAF of `h`, on the per-call table of odd multiples of `−8·A`.
const W_VAR: u32 = 5;

/// Digits of a NAF of an integer below `2^255`: at most 256, and one spare.
const NAF_LEN: usize = 257;

/// The width-`w` NAF of `k < 2^255`, least significant digit first: every non-zero digit is
/// odd and below `2^(w−1)` in absolute value, and `k = Σ dᵢ·2^i`.
fn wnaf(mut k: BigInt<4>, w: u32) -> [i8; NAF_LEN] {
    debug_assert!(k.0[3] >> 63 == 0, "NAF input below 2^255");
    let window = 1u64 << w;
    let mut digits = [0i8; NAF_LEN];
    let mut i = 0;
    while !k.is_zero() {
        if k.is_odd() {
            let m = k.0[0] & (window - 1);
            // The digit is the residue m or m − 2^w, whichever is below 2^(w−1) in size; k − digit
            // is then divisible by 2^w, so the next w − 1 digits are zero.
            let overflow = if m >= window / 2 {
                digits[i] = (m as i64 - window as i64) as i8;
                k.add_with_carry(&BigInt::from(window - m))
            } else {
                digits[i] = m as i8;
                k.sub_with_borrow(&BigInt::from(m))
            };
            debug_assert!(!overflow, "k stays below 2^256");
        }
        k.div2();
        i += 1;
    }
    digits
}

/// A point of the a = −1 model in extended coordinates: `u = X/Z`, `y = Y/Z`, `T = X·Y/Z`.
#[derive(Clone, Copy, Debug)]
struct Ext {
    x: Fr,
    y: Fr,
    z: Fr,
    t: Fr,
}

/// A point in projective coordinates `(X : Y : Z)`, without `T` (enough to double).
#[derive(Clone, Copy, Debug)]
struct Proj {
    x: Fr,
    y: Fr,
    z: Fr,
}

/// The result of an addition or a doubling before its last multiplications: `X = E·F`,
/// `Y = G·H`, `Z = F·G`, `T = E·H`.
#[derive(Clone, Copy, Debug)]
struct Completed {
    e: Fr,
    f: Fr,
    g: Fr,
    h: Fr,
}

/// A point ready to be added: `(Y + X, Y − X, 2·Z, 2d'·T)`.
#[derive(Clone, Copy, Debug)]
struct Cached {
    y_plus_x: Fr,
    y_minus_x: Fr,
    z2: Fr,
    t2d: Fr,
}

/// An affine point ready to be added (`Z = 1`): `(y + u, y − u, 2d'·u·y)`.
#[derive(Clone, Copy, Debug)]
struct Niels {
    y_plus_x: Fr,
    y_minus_x: Fr,
    t2d: Fr,
}

impl Completed {
    /// The projective point, without `T` (three multiplications).
    fn proj(&self) -> Proj {
        Proj { x: self.e * self.f, y: self.g * self.h, z: self.f * self.g }
    }

    /// The extended point (four multiplications).
    fn ext(&self) -> Ext {
        Ext { x: self.e * self.f, y: self.g * self.h, z: self.f * self.g, t: self.e * self.h }
    }
}

impl Proj {
    /// The identity `(0 : 1 : 1)`.
    fn identity() -> Self {
        Proj { x: Fr::zero(), y: Fr::ONE, z: Fr::ONE }
    }

    /// `2·P` (dbl-2008-hwcd with a = −1: four squarings).
    fn double(&self) -> Completed {
        let a = self.x.square();
        let b = self.y.square();
        let c = self.z.square().double();
        let e = (self.x + self.y).square() - a - b;
        let g = b - a;
        Completed { e, f: g - c, g, h: -(a + b) }
    }
}

impl Ext {
    /// The affine point `(u, y)` of the model.
    fn from_affine((u, y): (Fr, Fr)) -> Self {
        Ext { x: u, y, z: Fr::ONE, t: u * y }
    }

    /// The same point without `T`.
    fn proj(&self) -> Proj {
        Proj { x: self.x, y: self.y, z: self.z }
    }

    /// `−P = (−u, y)`.
    fn neg(&self) -> Self {
        Ext { x: -self.x, y: self.y, z: self.z, t: -self.t }
    }

    /// `8·P`, by three doublings.
    fn mul8(&self) -> Self {
        self.proj().double().proj().double().proj().double().ext()
    }

    /// Whether this is the identity `(0, 1)` (`Z` is never zero: the formulas are complete).
    fn is_identity(&self) -> bool {
        self.x.is_zero() && self.y == self.z
    }

    /// The point ready to be added, with `d2 = 2d'`.
    fn cached(&self, d2: Fr) -> Cached {
        Cached {
            y_plus_x: self.y + self.x,
            y_minus_x: self.y - self.x,
            z2: self.z.double(),
            t2d: self.t * d2,
        }
    }

    /// `P ± Q` (add-2008-hwcd-3 with a = −1), `Q` cached; `−Q` swaps `Y ± X` and negates `T`.
    fn add(&self, q: &Cached, negate: bool) -> Completed {
        let (q_plus, q_minus, qt) =
            if negate { (q.y_minus_x, q.y_plus_x, -q.t2d) } else { (q.y_plus_x, q.y_minus_x, q.t2d) };
        let a = (self.y - self.x) * q_minus;
        let b = (self.y + self.x) * q_plus;
        let c = self.t * qt;
        let d = self.z * q.z2;
        Completed { e: b - a, f: d - c, g: d + c, h: b + a }
    }

    /// `P ± Q` for an affine `Q` (`Z = 1`, one multiplication less).
    fn add_niels(&self, q: &Niels, negate: bool) -> Completed {
        let (q_plus, q_minus, qt) =
            if negate { (q.y_minus_x, q.y_plus_x, -q.t2d) } else { (q.y_plus_x, q.y_minus_x, q.t2d) };
        let a = (self.y - self.x) * q_minus;
        let b = (self.y + self.x) * q_plus;
        let c = self.t * qt;
        let d = self.z.double();
        Completed { e: b - a, f: d - c, g: d + c, h: b + a }
    }
}

/// The a = −1 model of Baby Jubjub and the fixed table of `B8`, built once.
struct Model {
    /// `√(−a)`: the model's `u = x·√(−a)`.
    sqrt_neg_a: Fr,
    /// `2d'` with `d' = −d/a`.
    d2: Fr,
    /// `(2j + 1)·B8` for `j < 2^(W_BASE − 2)`, in the model.
    base8: Vec<Niels>,
}

impl Model {
    /// The model, built at first use.
    fn get() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(Model::new)
    }

    /// Derives the model's constants and tabulates the odd multiples of `B8` (64 inversions,
    /// once).
    fn new() -> Model {
        // −a = −168700 is a square (−1 and a are), and a is not zero.
        let sqrt_neg_a = (-COEFF_A).sqrt().unwrap_or_else(|| unreachable!("−a is a square in Fr"));
        let a_inv = COEFF_A.inverse().unwrap_or_else(|| unreachable!("a is not zero"));
        let d2 = (-COEFF_D * a_inv).double();
        let mut model = Model { sqrt_neg_a, d2, base8: Vec::new() };
        let b8 = Ext::from_affine(model.map(BASE8));
        let twice = b8.proj().double().ext().cached(d2);
        let mut multiple = b8;
        for _ in 0..1usize << (W_BASE - 2) {
            // Z ≠ 0: the formulas are complete.
            let z_inv = multiple.z.inverse().unwrap_or_else(|| unreachable!("Z is never zero"));
            let (u, y) = (multiple.x * z_inv, multiple.y * z_inv);
            model.base8.push(Niels { y_plus_x: y + u, y_minus_x: y - u, t2d: u * y * d2 });
            multiple = multiple.add(&twice, false).ext();
        }
        model
    }

    /// A point of iden3's model as `(u, y)` of the a = −1 model.
    fn map(&self, p: Point) -> (Fr, Fr) {
        (p.x * self.sqrt_neg_a, p.y)
    }

    /// Whether `s·B8 + h·q = r` (`s`, `h` below `2^255`; `r` affine in the model).
    fn straus_equals(&self, s: BigInt<4>, h: BigInt<4>, q: &Ext, (ru, ry): (Fr, Fr)) -> bool {
        let mut odd = [q.cached(self.d2); 1 << (W_VAR - 2)];
        let twice = q.proj().double().ext().cached(self.d2);
        let mut multiple = *q;
        for entry in odd.iter_mut().skip(1) {
            multiple = multiple.add(&twice, false).ext();
            *entry = multiple.cached(self.d2);
        }
        let (ds, dh) = (wnaf(s, W_BASE), wnaf(h, W_VAR));
        let top = (0..NAF_LEN).rev().find(|&i| ds[i] != 0 || dh[i] != 0).map_or(0, |i| i + 1);
        let mut acc = Proj::identity();
        for i in (0..top).rev() {
            let mut c = acc.double();
            if ds[i] != 0 {
                c = c.ext().add_niels(&self.base8[usize::from(ds[i].unsigned_abs() / 2)], ds[i] < 0);
            }
            if dh[i] != 0 {
                c = c.ext().add(&odd[usize::from(dh[i].unsigned_abs() / 2)], dh[i] < 0);
            }
            acc = c.proj();
        }
        acc.x == ru * acc.z && acc.y == ry * acc.z
    }
}
