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

use std::fmt;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField};
use blake_hash::{Blake512, Digest};

use super::{Point, ScalarField, BASE8};
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
pub fn verify_poseidon(msg: Fr, sig: &Signature, pubkey: &Point) -> Result<(), EddsaError> {
    if !pubkey.is_on_curve() {
        return Err(EddsaError::NotOnCurve(PointRole::PublicKey));
    }
    if !sig.r8.is_on_curve() {
        return Err(EddsaError::NotOnCurve(PointRole::R8));
    }
    if sig.s.into_bigint() >= ScalarField::MODULUS {
        return Err(EddsaError::NonCanonicalS);
    }
    let t = pubkey.mul_by_cofactor();
    if t.is_zero() {
        return Err(EddsaError::SmallOrder(PointRole::PublicKey));
    }
    if sig.r8.mul_by_cofactor().is_zero() {
        return Err(EddsaError::SmallOrder(PointRole::R8));
    }
    if !sig.r8.is_in_correct_subgroup_assuming_on_curve() {
        return Err(EddsaError::NotInSubgroup(PointRole::R8));
    }
    let h = challenge(&sig.r8, pubkey, msg);
    let left = BASE8.mul_bigint(sig.s.into_bigint());
    let right = t.mul_bigint(h.into_bigint()) + sig.r8;
    if left != right {
        return Err(EddsaError::BadSignature);
    }
    Ok(())
}
