//! The deployment a signature is valid for: L1's chain id and the rollup contract's address.

use ark_bn254::Fr;
use ark_ff::PrimeField;
use sha2::{Digest, Sha256};

/// Bits of the domain separator: it sits above the 128 bits of a packed transaction in the
/// signed message, which must stay below the field's order (2²⁵³ < r).
pub const DOMAIN_BITS: u32 = 125;

/// One deployment of the rollup: the chain id of its L1 and the address of its `Rollup`
/// contract. Every signed transaction binds it ([`Domain::separator`]), so a signature made
/// for a testnet, or for a second rollup on the same chain, is never valid on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Domain {
    /// L1's chain id (EIP-155).
    pub chain_id: u64,
    /// The `Rollup` contract's address.
    pub rollup: [u8; 20],
}

impl Domain {
    /// No deployment: for parameters that only fix a circuit's shape (keys, verifiers and
    /// constraint counts do not depend on the domain, a witness of every batch).
    pub const NONE: Self = Self { chain_id: 0, rollup: [0; 20] };

    /// The domain of the rollup at `rollup` on chain `chain_id`.
    pub fn new(chain_id: u64, rollup: [u8; 20]) -> Self {
        Self { chain_id, rollup }
    }

    /// The separator, `uint256(sha256(abi.encode(chainId, rollup))) >> 131` (below 2¹²⁵): the
    /// `Rollup` contract's `domain()`, a word of every batch commitment, and the top part of
    /// every signed message. 125 bits leave a second-preimage search of 2¹²⁵ to anyone who would
    /// deploy a rollup whose signatures replay on this one.
    pub fn separator(&self) -> Fr {
        let mut word = [0u8; 64];
        word[24..32].copy_from_slice(&self.chain_id.to_be_bytes());
        word[44..64].copy_from_slice(&self.rollup);
        let digest = Sha256::digest(word);
        let mut shifted = [0u8; 32];
        // >> 131 = >> 128 (16 bytes) then >> 3.
        let high = &digest[..16];
        let mut carry = 0u8;
        for (i, b) in high.iter().enumerate() {
            shifted[16 + i] = (b >> 3) | carry;
            carry = b << 5;
        }
        Fr::from_be_bytes_mod_order(&shifted)
    }
}
