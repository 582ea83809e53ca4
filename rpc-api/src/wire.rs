//! Wire formats of transactions: the 80-byte signed-transaction encoding, its JSON form, and
//! the hex helpers of the API.
//!
//! # Signed transaction, 80 bytes (hex on the API)
//!
//! | bytes  | field                                                                  |
//! |--------|------------------------------------------------------------------------|
//! | 0..12  | the 12-byte data-availability slot ([`EncodedSlot`](ccr_circuits::state::encoding::EncodedSlot)): kind, from, to, amount |
//! | 12..16 | nonce, big-endian                                                      |
//! | 16..48 | `R8`, circomlibjs `packPoint`                                          |
//! | 48..80 | `S`, 32 bytes little-endian (bytes 16..80 are circomlibjs `packSignature`) |
//!
//! The transaction hash is `SHA-256` of these 80 bytes. Decoding is strict: the slot must be
//! canonical, the kind a transfer, a repayment or an exit, `R8` a canonical point encoding and `S` below
//! the field modulus; anything else is [`WireError`](crate::wire::WireError) (JSON-RPC code `-32602`).

use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField};
use ccr_circuits::babyjubjub::eddsa::Signature;
use ccr_circuits::babyjubjub::{pack_point, unpack_point, UnpackError};
use ccr_circuits::state::amount::{AmountError, Float40};
use ccr_circuits::state::encoding::{DecodeError, EncodedSlot, SLOT_BYTES};
use ccr_circuits::state::tx::{SignedTx, TxKind};
use sha2::{Digest, Sha256};

/// Length of a signed transaction on the wire.
pub const SIGNED_TX_BYTES: usize = SLOT_BYTES + 4 + 64;

/// Why bytes or JSON do not describe a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not hexadecimal.
    #[error("invalid hex: {0}")]
    Hex(String),
    /// Wrong number of bytes.
    #[error("{what} must be {expected} bytes, got {got}")]
    Length {
        /// What was being decoded.
        what: &'static str,
        /// Bytes required.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// The 12-byte slot is malformed or non-canonical.
    #[error("transaction slot: {0}")]
    Slot(#[from] DecodeError),
    /// A kind other than transfer, repayment or exit (deposits come from L1 only; credits and
    /// upkeeps have their own methods).
    #[error("only transfers, repayments and exits are signed transactions, got {0:?}")]
    Kind(TxKind),
    /// A kind name the JSON form does not know.
    #[error("unknown transaction kind {0:?} (expected \"transfer\", \"repay\" or \"exit\")")]
    KindName(String),
    /// An exit naming a recipient.
    #[error("an exit has no recipient (to must be 0, got {0})")]
    ExitRecipient(u32),
    /// An account index above 24 bits.
    #[error("account index {0} does not fit 24 bits")]
    Index(u32),
    /// The amount has no exact 40-bit encoding.
    #[error(transparent)]
    Amount(#[from] AmountError),
    /// `R8` is not a canonical point encoding.
    #[error("signature R8: {0}")]
    Point(#[from] UnpackError),
    /// `S` is not below the field modulus.
    #[error("signature S is not a canonical field element")]
    NonCanonicalS,
    /// A decimal or hexadecimal number that does not parse.
    #[error("invalid number {0:?}")]
    Number(String),
}

/// The 80 bytes of a signed transaction.
pub fn encode_signed(tx: &SignedTx) -> [u8; SIGNED_TX_BYTES] {
    let mut out = [0u8; SIGNED_TX_BYTES];
    let slot = EncodedSlot { kind: tx.kind, from: tx.from, to: tx.to, amount: tx.amount };
    out[..SLOT_BYTES].copy_from_slice(&slot.to_bytes());
    out[SLOT_BYTES..SLOT_BYTES + 4].copy_from_slice(&tx.nonce.to_be_bytes());
    out[SLOT_BYTES + 4..].copy_from_slice(&pack_signature(&tx.signature));
    out
}

/// Parses the 80 bytes of a signed transaction (see the [module docs](self)).
pub fn decode_signed(bytes: &[u8]) -> Result<SignedTx, WireError> {
    if bytes.len() != SIGNED_TX_BYTES {
        return Err(WireError::Length {
            what: "a signed transaction",
            expected: SIGNED_TX_BYTES,
            got: bytes.len(),
        });
    }
    let mut slot_bytes = [0u8; SLOT_BYTES];
    slot_bytes.copy_from_slice(&bytes[..SLOT_BYTES]);
    let slot = EncodedSlot::from_bytes(0, &slot_bytes)?;
    if !matches!(slot.kind, TxKind::Transfer | TxKind::Repay | TxKind::Exit) {
        return Err(WireError::Kind(slot.kind));
    }
    let mut nonce = [0u8; 4];
    nonce.copy_from_slice(&bytes[SLOT_BYTES..SLOT_BYTES + 4]);
    let signature = unpack_signature(&bytes[SLOT_BYTES + 4..])?;
    Ok(SignedTx {
        kind: slot.kind,
        from: slot.from,
        to: slot.to,
        amount: slot.amount,
        nonce: u32::from_be_bytes(nonce),
        signature,
    })
}

/// `SHA-256` of the wire encoding: the transaction's identifier on the API.
pub fn signed_tx_hash(tx: &SignedTx) -> [u8; 32] {
    Sha256::digest(encode_signed(tx)).into()
}

/// circomlibjs `packSignature`: packed `R8` then `S` little-endian.
pub fn pack_signature(sig: &Signature) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&pack_point(&sig.r8));
    out[32..].copy_from_slice(&sig.s.into_bigint().to_bytes_le());
    out
}

/// The inverse of [`pack_signature`], strict about canonical encodings.
pub fn unpack_signature(bytes: &[u8]) -> Result<Signature, WireError> {
    if bytes.len() != 64 {
        return Err(WireError::Length { what: "a packed signature", expected: 64, got: bytes.len() });
    }
    let mut r8 = [0u8; 32];
    r8.copy_from_slice(&bytes[..32]);
    let r8 = unpack_point(&r8)?;
    let s = fr_from_le_canonical(&bytes[32..]).ok_or(WireError::NonCanonicalS)?;
    Ok(Signature { r8, s })
}

/// A field element from 32 little-endian bytes, `None` unless below the modulus
/// ([`ccr_circuits::field`]: the one parser).
fn fr_from_le_canonical(bytes: &[u8]) -> Option<Fr> {
    (bytes.len() == 32).then(|| ccr_circuits::field::from_le_bytes(bytes).ok()).flatten()
}

/// A field element from 32 big-endian bytes (the EVM's `uint256`), `None` unless canonical
/// ([`ccr_circuits::field`]: the one parser).
pub fn fr_from_be_canonical(bytes: &[u8]) -> Option<Fr> {
    (bytes.len() == 32).then(|| ccr_circuits::field::from_be_bytes(bytes).ok()).flatten()
}

/// `0x`-prefixed lowercase hex.
pub fn to_hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Parses hex with or without `0x`.
pub fn from_hex(s: &str) -> Result<Vec<u8>, WireError> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    hex::decode(digits).map_err(|e| WireError::Hex(e.to_string()))
}

/// A field element as `0x` + 64 hex digits, big-endian (as a Solidity `uint256`).
pub fn fr_to_hex(x: &Fr) -> String {
    to_hex(&ccr_circuits::batch::fr_to_be_bytes(x))
}

/// Builds a signed transaction from the fields of the JSON form.
pub fn signed_from_fields(
    kind: &str,
    from: u32,
    to: u32,
    amount: u64,
    nonce: u32,
    signature_hex: &str,
) -> Result<SignedTx, WireError> {
    let kind = match kind {
        "transfer" => TxKind::Transfer,
        "repay" => TxKind::Repay,
        "exit" => TxKind::Exit,
        other => return Err(WireError::KindName(other.to_owned())),
    };
    for index in [from, to] {
        if index >= 1 << ccr_circuits::state::tx::INDEX_BITS {
            return Err(WireError::Index(index));
        }
    }
    if kind == TxKind::Exit && to != 0 {
        return Err(WireError::ExitRecipient(to));
    }
    let amount = Float40::encode(amount)?;
    let signature = unpack_signature(&from_hex(signature_hex)?)?;
    Ok(SignedTx { kind, from, to, amount, nonce, signature })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use ccr_circuits::babyjubjub::eddsa::PrivateKey;
    use ccr_circuits::state::tx::UnsignedTx;

    use super::*;

    fn sample() -> SignedTx {
        let key = PrivateKey::from_bytes([7; 32]);
        let u = UnsignedTx::transfer(3, 9, 1234, 5).unwrap();
        u.with_signature(key.sign_poseidon(u.message(&ccr_circuits::state::Domain::NONE)))
    }

    #[test]
    fn signed_tx_round_trips() {
        let tx = sample();
        let bytes = encode_signed(&tx);
        assert_eq!(decode_signed(&bytes).unwrap(), tx);
    }

    #[test]
    fn non_canonical_s_is_rejected() {
        let mut bytes = encode_signed(&sample());
        bytes[SLOT_BYTES + 4 + 32..].copy_from_slice(&[0xff; 32]);
        assert_eq!(decode_signed(&bytes), Err(WireError::NonCanonicalS));
    }

    #[test]
    fn deposit_kind_is_rejected() {
        let mut bytes = encode_signed(&sample());
        bytes[0] = TxKind::Deposit as u8;
        // A deposit slot must have from = 0 and no amount: non-canonical before the kind check.
        assert!(matches!(decode_signed(&bytes), Err(WireError::Slot(_))));
    }
}
