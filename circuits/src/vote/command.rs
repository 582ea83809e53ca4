//! A voter's command: what a vote message carries, as maci-domainobjs v2's `PCommand`.

use std::fmt;

use ark_ff::{BigInteger, PrimeField};

use crate::babyjubjub::eddsa::{PrivateKey, Signature};
use crate::babyjubjub::Point;
use crate::poseidon;
use crate::Fr;

/// Width in bits of each part of the packed command.
pub const PART_BITS: u32 = 50;

/// Number of field elements of a signed command's plaintext: packed, new key (2), salt,
/// signature (`R8.x`, `R8.y`, `S`).
pub const PLAINTEXT_LEN: usize = 7;

/// A vote command, signed by the voter's current key.
///
/// It sets the ballot's weight for one option (replacing the previous weight of that option),
/// the voter's key for the messages processed after it (`new_pubkey`: the current key to keep
/// it), and is valid only with the ballot's next nonce.
///
/// Packed as MACI v2 packs it, `stateIndex | voteOption << 50 | newVoteWeight << 100 |
/// nonce << 150 | pollId << 200`, each part below `2⁵⁰` ([`PART_BITS`]); hashed as
/// `Poseidon([packed, new_pubkey.x, new_pubkey.y, salt])` ([`Command::hash`]).
///
/// A command is the voter's secret: its `Debug` output shows only the index, nonce and poll.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Command {
    /// The voter's index in the poll's voter list.
    pub state_index: u64,
    /// The voter's key from this command on.
    pub new_pubkey: Point,
    /// The option voted for, below the poll's number of options.
    pub vote_option: u64,
    /// The new weight (votes) on that option; it costs `weight²` voice credits.
    pub new_vote_weight: u64,
    /// The ballot's nonce after this command (its current nonce plus one).
    pub nonce: u64,
    /// The poll this command is for.
    pub poll_id: u64,
    /// A random salt, so that equal commands hash differently.
    pub salt: Fr,
}

/// Why a command cannot be packed or unpacked.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum CommandError {
    /// A part does not fit its 50 bits.
    #[error("the command's {part} is {value}, which does not fit in {PART_BITS} bits")]
    PartTooWide {
        /// Which part.
        part: &'static str,
        /// Its value.
        value: u64,
    },
    /// A packed command has bits at or above `5·50 = 250`.
    #[error("a packed command must be below 2^250")]
    PackedTooWide,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("state_index", &self.state_index)
            .field("nonce", &self.nonce)
            .field("poll_id", &self.poll_id)
            .finish_non_exhaustive()
    }
}

fn part(name: &'static str, value: u64) -> Result<u64, CommandError> {
    if value >> PART_BITS != 0 {
        return Err(CommandError::PartTooWide { part: name, value });
    }
    Ok(value)
}

impl Command {
    /// The five parts in packing order, each checked to fit [`PART_BITS`].
    fn parts(&self) -> Result<[u64; 5], CommandError> {
        Ok([
            part("state index", self.state_index)?,
            part("vote option", self.vote_option)?,
            part("vote weight", self.new_vote_weight)?,
            part("nonce", self.nonce)?,
            part("poll id", self.poll_id)?,
        ])
    }

    /// `stateIndex + voteOption·2⁵⁰ + newVoteWeight·2¹⁰⁰ + nonce·2¹⁵⁰ + pollId·2²⁰⁰`.
    pub fn packed(&self) -> Result<Fr, CommandError> {
        let mut n = num_bigint::BigUint::default();
        for (i, p) in self.parts()?.iter().enumerate() {
            n += num_bigint::BigUint::from(*p) << (PART_BITS as usize * i);
        }
        Ok(Fr::from_le_bytes_mod_order(&n.to_bytes_le()))
    }

    /// The parts of a packed command and the other plaintext fields, as a command.
    pub fn unpack(packed: Fr, new_pubkey: Point, salt: Fr) -> Result<Self, CommandError> {
        let bits = packed.into_bigint().to_bits_le();
        if bits[5 * PART_BITS as usize..].iter().any(|b| *b) {
            return Err(CommandError::PackedTooWide);
        }
        let get = |i: usize| {
            bits[i * PART_BITS as usize..(i + 1) * PART_BITS as usize]
                .iter()
                .rev()
                .fold(0u64, |acc, b| (acc << 1) | u64::from(*b))
        };
        Ok(Self {
            state_index: get(0),
            new_pubkey,
            vote_option: get(1),
            new_vote_weight: get(2),
            nonce: get(3),
            poll_id: get(4),
            salt,
        })
    }

    /// The signed hash `Poseidon([packed, new_pubkey.x, new_pubkey.y, salt])` (MACI's `hash4`).
    pub fn hash(&self) -> Result<Fr, CommandError> {
        Ok(poseidon::hash_n(&[self.packed()?, self.new_pubkey.x, self.new_pubkey.y, self.salt]))
    }

    /// The voter's EdDSA-Poseidon signature of [`Command::hash`].
    pub fn sign(&self, voter: &PrivateKey) -> Result<Signature, CommandError> {
        Ok(voter.sign_poseidon(self.hash()?))
    }

    /// The plaintext of a message: `[packed, new_pubkey.x, new_pubkey.y, salt, R8.x, R8.y, S]`.
    pub fn plaintext(&self, signature: &Signature) -> Result<[Fr; PLAINTEXT_LEN], CommandError> {
        let r8 = signature.r8;
        Ok([self.packed()?, self.new_pubkey.x, self.new_pubkey.y, self.salt, r8.x, r8.y, signature.s])
    }

    /// The inverse of [`Command::plaintext`].
    pub fn from_plaintext(plain: &[Fr; PLAINTEXT_LEN]) -> Result<(Self, Signature), CommandError> {
        let command = Self::unpack(plain[0], Point::new_unchecked(plain[1], plain[2]), plain[3])?;
        let signature = Signature { r8: Point::new_unchecked(plain[4], plain[5]), s: plain[6] };
        Ok((command, signature))
    }
}
