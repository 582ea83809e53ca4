//! The compact data-availability encoding of a batch: 12 bytes per slot.
//!
//! | bytes  | field                                   |
//! |--------|-----------------------------------------|
//! | 0      | kind: 0 noop, 1 deposit, 2 transfer, 3 exit, 4 forced exit, 5 credit, 6 loan terms, 7 repay, 8 accrue, 9 writedown, 10 fund move, 11 fund shortfall |
//! | 1..4   | `from`, 24-bit big-endian (0 for noop and deposit; the account debited, or the borrower of a loan slot; a fund move's payer) |
//! | 4..7   | `to`, 24-bit big-endian (0 for noop, exit and forced exit; the account credited for a deposit; the bank pool of a loan slot; `rate_bps + term·2¹⁶` for loan terms; a fund move's recipient) |
//! | 7..12  | amount as [`Float40`], big-endian (0 for noop, deposit, accrue and writedown; for a forced exit the *effective* amount; the tier's maximum for loan terms; a fund move's amount, non-zero, also when short) |
//!
//! Deposits carry no amount or key here: they are already on L1 in the queue, and the
//! batch commits to the queue hash it consumed. A forced exit carries the amount actually
//! paid (the request's, or 0 when the balance could not cover it), which L1 credits. Signatures and nonces are not
//! published either: the proof attests to them, and nonces follow from replay. A
//! transfer costs 12 bytes of calldata (Hermez: 14 bytes).

use super::amount::{AmountError, Float40};
use super::tx::{TxKind, INDEX_BITS};

/// Bytes per slot.
pub const SLOT_BYTES: usize = 12;

/// One decoded slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodedSlot {
    /// Kind of the slot.
    pub kind: TxKind,
    /// Sender index.
    pub from: u32,
    /// Recipient index.
    pub to: u32,
    /// Amount.
    pub amount: Float40,
}

/// Errors of decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Data length is not a multiple of [`SLOT_BYTES`].
    #[error("transaction data is {0} bytes, not a multiple of {SLOT_BYTES}")]
    Length(usize),
    /// Unknown kind byte.
    #[error("slot {slot}: unknown transaction kind {byte}")]
    Kind {
        /// Slot number.
        slot: usize,
        /// The byte found.
        byte: u8,
    },
    /// A field that must be zero for this kind is not.
    #[error("slot {slot}: non-canonical encoding of a {kind:?} slot")]
    NonCanonical {
        /// Slot number.
        slot: usize,
        /// Kind of the slot.
        kind: TxKind,
    },
    /// The amount field is invalid.
    #[error("slot {slot}: {source}")]
    Amount {
        /// Slot number.
        slot: usize,
        /// Why.
        source: AmountError,
    },
}

impl EncodedSlot {
    /// The empty slot.
    pub const NOOP: Self = Self { kind: TxKind::Noop, from: 0, to: 0, amount: Float40::ZERO };

    /// The 12 bytes of this slot.
    pub fn to_bytes(&self) -> [u8; SLOT_BYTES] {
        let mut out = [0u8; SLOT_BYTES];
        out[0] = self.kind as u8;
        out[1..4].copy_from_slice(&self.from.to_be_bytes()[1..]);
        out[4..7].copy_from_slice(&self.to.to_be_bytes()[1..]);
        out[7..12].copy_from_slice(&self.amount.raw().to_be_bytes()[3..]);
        out
    }

    /// Parses one slot, rejecting non-canonical encodings (every zero field zero).
    pub fn from_bytes(slot: usize, b: &[u8; SLOT_BYTES]) -> Result<Self, DecodeError> {
        let kind = TxKind::from_byte(b[0]).ok_or(DecodeError::Kind { slot, byte: b[0] })?;
        let from = u32::from_be_bytes([0, b[1], b[2], b[3]]);
        let to = u32::from_be_bytes([0, b[4], b[5], b[6]]);
        let raw = u64::from_be_bytes([0, 0, 0, b[7], b[8], b[9], b[10], b[11]]);
        let amount = Float40::from_raw(raw).map_err(|source| DecodeError::Amount { slot, source })?;
        let value = amount.decode().map_err(|source| DecodeError::Amount { slot, source })?;
        let canonical = match kind {
            TxKind::Noop => from == 0 && to == 0 && raw == 0,
            TxKind::Deposit => from == 0 && raw == 0,
            TxKind::Exit | TxKind::ForcedExit => to == 0,
            TxKind::Transfer | TxKind::Credit | TxKind::LoanTerms | TxKind::Repay => true,
            TxKind::Accrue | TxKind::Writedown => raw == 0,
            // a fund move moves something: L1 never queues an empty one
            TxKind::FundMove | TxKind::FundShortfall => value != 0,
        };
        if !canonical {
            return Err(DecodeError::NonCanonical { slot, kind });
        }
        debug_assert!(from < 1 << INDEX_BITS && to < 1 << INDEX_BITS);
        Ok(Self { kind, from, to, amount })
    }
}

/// Decodes a batch's transaction data.
pub fn decode(data: &[u8]) -> Result<Vec<EncodedSlot>, DecodeError> {
    if !data.len().is_multiple_of(SLOT_BYTES) {
        return Err(DecodeError::Length(data.len()));
    }
    data.chunks_exact(SLOT_BYTES)
        .enumerate()
        .map(|(i, c)| {
            let mut b = [0u8; SLOT_BYTES];
            b.copy_from_slice(c);
            EncodedSlot::from_bytes(i, &b)
        })
        .collect()
}
