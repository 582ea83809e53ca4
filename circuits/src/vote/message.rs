//! A vote message: a signed command encrypted to the poll's coordinator, and the hash chain
//! that L1 keeps of the messages it accepts.

use std::fmt;

use ark_ff::AdditiveGroup;

use super::cipher::{ecdh, is_valid_public_key, poseidon_decrypt, poseidon_encrypt, CipherError};
use super::command::{Command, CommandError, PLAINTEXT_LEN};
use crate::babyjubjub::eddsa::{PrivateKey, Signature};
use crate::babyjubjub::Point;
use crate::poseidon;
use crate::Fr;

/// Field elements of a message's ciphertext: `⌈7/3⌉·3 + 1 = 10` (MACI's `MESSAGE_DATA_LENGTH`).
pub const MESSAGE_LEN: usize = 10;

/// The cipher nonce of every message: each message has its own ephemeral key, so its shared
/// key is used once (MACI encrypts with nonce 0 too).
pub const MESSAGE_NONCE: u128 = 0;

/// The chain of no message.
pub const EMPTY_CHAIN: Fr = Fr::ZERO;

/// A vote message as published on L1: the ciphertext of a signed [`Command`] under
/// `ecdh(ephemeral, coordinator)`, and the ephemeral public key.
///
/// Only the coordinator can decrypt it; anyone can chain it ([`chain_hash`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Message {
    /// `poseidon_encrypt(command.plaintext(signature), ecdh(ephemeral, coordinator), 0)`.
    pub data: [Fr; MESSAGE_LEN],
    /// The ephemeral public key the coordinator combines with its key.
    pub enc_pubkey: Point,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Message(hash {})", self.hash())
    }
}

/// Why the coordinator cannot read a message.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// The ephemeral key is off the curve, outside the prime-order subgroup or the identity.
    #[error("the message's ephemeral public key is not a point of the prime-order subgroup")]
    InvalidEphemeralKey,
    /// The ciphertext does not decrypt under the shared key.
    #[error("the message does not decrypt: {0}")]
    Cipher(#[from] CipherError),
    /// It decrypts to a malformed command.
    #[error("the message decrypts to a malformed command: {0}")]
    Command(#[from] CommandError),
}

impl Message {
    /// Encrypts a signed command to `coordinator` under a fresh `ephemeral` key (draw it with
    /// [`PrivateKey::random`]; never reuse it).
    pub fn encrypt(
        command: &Command,
        signature: &Signature,
        ephemeral: &PrivateKey,
        coordinator: &Point,
    ) -> Result<Self, CommandError> {
        let shared = ecdh(ephemeral, coordinator);
        let ciphertext =
            poseidon_encrypt(&command.plaintext(signature)?, &[shared.x, shared.y], MESSAGE_NONCE);
        let mut data = [Fr::ZERO; MESSAGE_LEN];
        data.copy_from_slice(&ciphertext);
        Ok(Self { data, enc_pubkey: ephemeral.public_key() })
    }

    /// Signs `command` with the voter's key and encrypts it, as [`Message::encrypt`].
    pub fn sign_and_encrypt(
        command: &Command,
        voter: &PrivateKey,
        ephemeral: &PrivateKey,
        coordinator: &Point,
    ) -> Result<Self, CommandError> {
        Self::encrypt(command, &command.sign(voter)?, ephemeral, coordinator)
    }

    /// The coordinator's reading: the command and its (unverified) signature.
    pub fn decrypt(&self, coordinator: &PrivateKey) -> Result<(Command, Signature), MessageError> {
        if !is_valid_public_key(&self.enc_pubkey) {
            return Err(MessageError::InvalidEphemeralKey);
        }
        let shared = ecdh(coordinator, &self.enc_pubkey);
        let plain = poseidon_decrypt(&self.data, &[shared.x, shared.y], MESSAGE_NONCE, PLAINTEXT_LEN)?;
        let mut fields = [Fr::ZERO; PLAINTEXT_LEN];
        fields.copy_from_slice(&plain);
        Ok(Command::from_plaintext(&fields)?)
    }

    /// MACI v2's `MessageHasher`:
    /// `Poseidon([Poseidon(data[0..5]), Poseidon(data[5..10]), enc_pubkey.x, enc_pubkey.y])`.
    pub fn hash(&self) -> Fr {
        let d = &self.data;
        let left = poseidon::hash_n(&[d[0], d[1], d[2], d[3], d[4]]);
        let right = poseidon::hash_n(&[d[5], d[6], d[7], d[8], d[9]]);
        poseidon::hash_n(&[left, right, self.enc_pubkey.x, self.enc_pubkey.y])
    }
}

/// One link of the message chain: `Poseidon([chain, message.hash()])`, from [`EMPTY_CHAIN`].
///
/// The poll contract keeps this chain of the messages it accepts (those before the deadline),
/// in submission order; the tally proof opens it.
pub fn chain_hash(chain: Fr, message: &Message) -> Fr {
    poseidon::hash2(chain, message.hash())
}
