//! The key agreement and the cipher of vote messages, as MACI v2 uses them.
//!
//! - [`ecdh`]: maci-crypto's `genEcdhSharedKey`, `pk · a` with `a` the key's secret scalar.
//! - [`poseidon_encrypt`] / [`poseidon_decrypt`]: `@zk-kit/poseidon-cipher` 0.3.2
//!   (`poseidonEncrypt` / `poseidonDecrypt`), the Poseidon sponge of Khovratovich's
//!   "Encryption with Poseidon" on the width-4 permutation [`crate::poseidon::permute`]:
//!   state `(0, k₀, k₁, nonce + len·2¹²⁸)`; per block of three, permute, add the block to
//!   `state[1..4]` and release it; a last permutation releases `state[1]`, the authentication tag.

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, Field, PrimeField};

use crate::babyjubjub::eddsa::PrivateKey;
use crate::babyjubjub::Point;
use crate::poseidon;
use crate::Fr;

/// Why [`poseidon_decrypt`] refused a ciphertext.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum CipherError {
    /// The ciphertext's length does not match the plaintext length given.
    #[error("a ciphertext of a {plaintext}-element plaintext has {expected} elements, got {got}")]
    Length {
        /// Plaintext length asked for.
        plaintext: usize,
        /// `⌈plaintext/3⌉·3 + 1`.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// A padding element of the last block decrypted to a non-zero value.
    #[error("the padding of the last block is not zero: wrong key, nonce or length")]
    Padding,
    /// The last element (the authentication tag) does not match: the key, nonce or length is
    /// wrong or the ciphertext was altered.
    #[error("the authentication tag does not match: wrong key, nonce or length, or a tampered ciphertext")]
    Authentication,
}

/// The shared key of `sk` and `pk`: `pk · a`, with `a = (s >> 3) mod l` the secret scalar of
/// circomlibjs's `prv2pub` ([`PrivateKey::secret_scalar`]).
///
/// maci-crypto's `genEcdhSharedKey` multiplies by the unreduced `s >> 3`; the two agree on every
/// point of the prime-order subgroup (every public key `prv2pub` makes), which is why
/// [`super::Message::decrypt`] refuses ephemeral keys outside it.
/// `ecdh(a, B) = ecdh(b, A)` for `A = a.public_key()`, `B = b.public_key()`.
pub fn ecdh(sk: &PrivateKey, pk: &Point) -> Point {
    pk.mul_bigint(sk.secret_scalar().into_bigint()).into_affine()
}

/// `⌈plaintext_len / 3⌉·3 + 1`, the length of a ciphertext.
pub fn ciphertext_len(plaintext_len: usize) -> usize {
    plaintext_len.div_ceil(3) * 3 + 1
}

/// The initial state `(0, k₀, k₁, nonce + len·2¹²⁸)`.
fn initial_state(key: &[Fr; 2], nonce: u128, len: usize) -> [Fr; 4] {
    let two_128 = Fr::from(u128::MAX) + Fr::ONE;
    [Fr::ZERO, key[0], key[1], Fr::from(nonce) + Fr::from(len as u64) * two_128]
}

fn permute(state: &mut [Fr; 4]) {
    // Width 4 is within circomlib's table.
    poseidon::permute(state).unwrap_or_else(|e| unreachable!("width 4 is supported: {e}"));
}

/// `poseidonEncrypt(plaintext, key, nonce)`: the ciphertext, of [`ciphertext_len`] elements.
///
/// The key is the shared point's coordinates `(x, y)` ([`ecdh`]). A nonce below `2¹²⁸` (the
/// package's bound) is guaranteed by its type. A (key, nonce) pair must never encrypt twice.
pub fn poseidon_encrypt(plaintext: &[Fr], key: &[Fr; 2], nonce: u128) -> Vec<Fr> {
    let mut state = initial_state(key, nonce, plaintext.len());
    let mut out = Vec::with_capacity(ciphertext_len(plaintext.len()));
    for block in plaintext.chunks(3) {
        permute(&mut state);
        for (i, cell) in state[1..].iter_mut().enumerate() {
            // The last block is padded with zeros.
            *cell += block.get(i).copied().unwrap_or(Fr::ZERO);
            out.push(*cell);
        }
    }
    permute(&mut state);
    out.push(state[1]);
    out
}

/// `poseidonDecrypt(ciphertext, key, nonce, length)`: the plaintext, after checking the
/// authentication tag.
///
/// Stricter than the package in one place: the padding of the last block must decrypt to zero
/// for every length (the package checks it only for `length > 3`).
pub fn poseidon_decrypt(
    ciphertext: &[Fr],
    key: &[Fr; 2],
    nonce: u128,
    length: usize,
) -> Result<Vec<Fr>, CipherError> {
    let expected = ciphertext_len(length);
    if ciphertext.len() != expected {
        return Err(CipherError::Length { plaintext: length, expected, got: ciphertext.len() });
    }
    let mut state = initial_state(key, nonce, length);
    let mut plain = Vec::with_capacity(expected - 1);
    for block in ciphertext[..expected - 1].chunks(3) {
        permute(&mut state);
        for (cell, c) in state[1..].iter_mut().zip(block) {
            plain.push(*c - *cell);
            *cell = *c;
        }
    }
    if plain[length..].iter().any(|p| *p != Fr::ZERO) {
        return Err(CipherError::Padding);
    }
    permute(&mut state);
    if ciphertext[expected - 1] != state[1] {
        return Err(CipherError::Authentication);
    }
    plain.truncate(length);
    Ok(plain)
}

/// Whether `p` can serve as the other side of [`ecdh`] exactly as maci-crypto computes it: on
/// the curve, in the prime-order subgroup, and not the identity.
pub fn is_valid_public_key(p: &Point) -> bool {
    p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve() && !p.is_zero()
}
