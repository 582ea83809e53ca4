//! `Float40`: the compact amount encoding of the data-availability layout.
//!
//! Forty bits, `exponent (5 bits) ‖ mantissa (35 bits)`, value `mantissa · 10^exponent`
//! (Hermez's Float40). Every amount below 2³⁵ (34 billion units) is exact with exponent
//! 0; larger amounts must be a multiple of a power of ten. Values must stay below 2⁶⁴.

/// Bits of the mantissa.
pub const MANTISSA_BITS: u32 = 35;
/// Bits of the (base-10) exponent.
pub const EXPONENT_BITS: u32 = 5;

/// Errors of the amount encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The amount has no exact `Float40` encoding.
    #[error("amount {0} cannot be encoded exactly as mantissa(35 bits)·10^exponent; round it to fewer significant digits")]
    NotRepresentable(u64),
    /// An encoding whose value is 2⁶⁴ or more.
    #[error("encoded amount 0x{0:010x} exceeds 64 bits")]
    Overflow(u64),
    /// More than 40 bits given as an encoding.
    #[error("0x{0:x} is not a 40-bit encoding")]
    NotForty(u64),
}

/// An amount in its 40-bit encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Float40(u64);

impl Float40 {
    /// The encoding of zero.
    pub const ZERO: Self = Self(0);

    /// Encodes `amount` exactly, with the smallest exponent that fits.
    pub fn encode(amount: u64) -> Result<Self, AmountError> {
        let mut m = amount;
        for e in 0..(1u64 << EXPONENT_BITS) {
            if m < (1u64 << MANTISSA_BITS) {
                return Ok(Self((e << MANTISSA_BITS) | m));
            }
            if !m.is_multiple_of(10) {
                break;
            }
            m /= 10;
        }
        Err(AmountError::NotRepresentable(amount))
    }

    /// Wraps a raw 40-bit encoding.
    pub fn from_raw(raw: u64) -> Result<Self, AmountError> {
        if raw >> (MANTISSA_BITS + EXPONENT_BITS) != 0 {
            return Err(AmountError::NotForty(raw));
        }
        Ok(Self(raw))
    }

    /// The raw 40-bit encoding.
    pub fn raw(self) -> u64 {
        self.0
    }

    /// The exponent field.
    pub fn exponent(self) -> u32 {
        (self.0 >> MANTISSA_BITS) as u32
    }

    /// The mantissa field.
    pub fn mantissa(self) -> u64 {
        self.0 & ((1u64 << MANTISSA_BITS) - 1)
    }

    /// The amount encoded.
    pub fn decode(self) -> Result<u64, AmountError> {
        10u64
            .checked_pow(self.exponent())
            .and_then(|p| p.checked_mul(self.mantissa()))
            .ok_or(AmountError::Overflow(self.0))
            .or_else(|e| if self.mantissa() == 0 { Ok(0) } else { Err(e) })
    }
}
