//! The one parser of field elements from outside (command lines, JSON files, RPC, L1 words,
//! stored bytes): **canonical only**. A value at or above the modulus is refused, never reduced:
//! `r + 1` and `1` are different inputs, and accepting both would give one element two
//! spellings (a signature, a nullifier or a commitment checked under one and replayed under the
//! other).
//!
//! Text is decimal (`12345`, snarkjs's and circomlibjs's form) or `0x` hex, big-endian (`0x3039`,
//! Solidity's and our RPC's form); bytes are big-endian (uint256 words, our wire format) or
//! little-endian (arkworks' serialization).

use ark_ff::{BigInteger, PrimeField};
use num_bigint::BigUint;

/// Why a value is not a field element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Not a decimal or `0x` hex number (empty, a sign, spaces, other characters).
    #[error("{0:?} is not a number: write it in decimal or as 0x hex")]
    NotANumber(String),
    /// At or above the field's modulus.
    #[error("{0} is not below the field's modulus (values are never reduced)")]
    NotCanonical(String),
    /// More bytes than an element has.
    #[error("{0} bytes: a field element is at most 32")]
    TooLong(usize),
}

/// Parses decimal or `0x` hex text as a canonical element of `F`.
///
/// # Errors
///
/// [`FieldError::NotANumber`], [`FieldError::NotCanonical`].
pub fn parse<F: PrimeField>(s: &str) -> Result<F, FieldError> {
    let n = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            BigUint::parse_bytes(hex.as_bytes(), 16)
        }
        Some(_) => None,
        None if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            BigUint::parse_bytes(s.as_bytes(), 10)
        }
        None => None,
    }
    .ok_or_else(|| FieldError::NotANumber(s.to_owned()))?;
    from_biguint(&n).ok_or_else(|| FieldError::NotCanonical(s.to_owned()))
}

/// `n` as an element of `F`, if below the modulus.
pub fn from_biguint<F: PrimeField>(n: &BigUint) -> Option<F> {
    if *n >= F::MODULUS.into() {
        return None;
    }
    Some(F::from_le_bytes_mod_order(&n.to_bytes_le()))
}

/// Big-endian bytes (at most 32; a uint256 word, our wire format) as a canonical element.
///
/// # Errors
///
/// [`FieldError::TooLong`], [`FieldError::NotCanonical`].
pub fn from_be_bytes<F: PrimeField>(bytes: &[u8]) -> Result<F, FieldError> {
    if bytes.len() > 32 {
        return Err(FieldError::TooLong(bytes.len()));
    }
    let n = BigUint::from_bytes_be(bytes);
    from_biguint(&n).ok_or_else(|| FieldError::NotCanonical(format!("0x{n:x}")))
}

/// Little-endian bytes (at most 32; arkworks' serialization) as a canonical element.
///
/// # Errors
///
/// [`FieldError::TooLong`], [`FieldError::NotCanonical`].
pub fn from_le_bytes<F: PrimeField>(bytes: &[u8]) -> Result<F, FieldError> {
    if bytes.len() > 32 {
        return Err(FieldError::TooLong(bytes.len()));
    }
    let n = BigUint::from_bytes_le(bytes);
    from_biguint(&n).ok_or_else(|| FieldError::NotCanonical(format!("0x{n:x}")))
}

/// The canonical decimal spelling (what [`parse`] reads back).
pub fn to_decimal<F: PrimeField>(x: &F) -> String {
    let n: BigUint = x.into_bigint().into();
    n.to_string()
}

/// The 32 big-endian bytes of `x`.
pub fn to_be_bytes32<F: PrimeField>(x: &F) -> [u8; 32] {
    let b = x.into_bigint().to_bytes_be();
    let mut out = [0u8; 32];
    out[32 - b.len()..].copy_from_slice(&b);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use ark_bn254::{Fq, Fr};

    use super::*;

    const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

    #[test]
    fn decimal_and_hex_round_trip() {
        assert_eq!(parse::<Fr>("12345").unwrap(), Fr::from(12345u64));
        assert_eq!(parse::<Fr>("0x3039").unwrap(), Fr::from(12345u64));
        assert_eq!(parse::<Fr>("0").unwrap(), Fr::from(0u64));
        let x = -Fr::from(1u64);
        assert_eq!(parse::<Fr>(&to_decimal(&x)).unwrap(), x);
        assert_eq!(from_be_bytes::<Fr>(&to_be_bytes32(&x)).unwrap(), x);
        let mut le = to_be_bytes32(&x);
        le.reverse();
        assert_eq!(from_le_bytes::<Fr>(&le).unwrap(), x);
    }

    #[test]
    fn the_modulus_and_above_are_refused_not_reduced() {
        assert_eq!(parse::<Fr>(R), Err(FieldError::NotCanonical(R.to_owned())));
        // r + 1 would reduce to 1: refused.
        let r1 = (BigUint::parse_bytes(R.as_bytes(), 10).unwrap() + 1u32).to_string();
        assert!(matches!(parse::<Fr>(&r1), Err(FieldError::NotCanonical(_))));
        assert!(from_be_bytes::<Fr>(&[0xff; 32]).is_err());
        assert!(from_le_bytes::<Fr>(&[0xff; 32]).is_err());
        // r is below the base field's modulus q: a valid Fq, not a valid Fr.
        assert!(parse::<Fq>(R).is_ok());
    }

    #[test]
    fn not_numbers_are_refused() {
        for bad in ["", "0x", "-1", "+1", " 1", "1 ", "1e3", "0xg", "abc", "1.0"] {
            assert!(matches!(parse::<Fr>(bad), Err(FieldError::NotANumber(_))), "{bad:?}");
        }
        assert_eq!(from_be_bytes::<Fr>(&[0; 33]), Err(FieldError::TooLong(33)));
    }
}
