//! Quadratic voting with private votes and a proven tally, after MACI v2
//! (privacy-scaling-explorations): the native specification.
//!
//! A bank opens a [`Poll`]: a number of options, a deadline, equal voice credits per member
//! and the coordinator's public key. A member votes by a [`Message`]: a [`Command`] (option,
//! weight, nonce, new key, poll, salt) signed with the member's key and encrypted to the
//! coordinator ([`cipher::ecdh`] with a fresh ephemeral key, [`cipher::poseidon_encrypt`]).
//! L1 accepts messages until the deadline and keeps their hash chain ([`chain_hash`]).
//! After the deadline the coordinator runs [`process`]: messages in reverse order of
//! submission, each applied if valid and ignored otherwise, then the per-option sums of votes
//! and of voice credits (votes²), committed by [`results_commitment`].
//!
//! Layers (MACI's one-way dependency): [`cipher`] (ECDH, Poseidon encryption) →
//! [`command`], [`message`] (domain objects) → [`tally`] (the processing rules).

pub mod cipher;
pub mod command;
pub mod constraints;
pub mod message;
pub mod tally;
pub mod tally_witness;
pub mod trees;
pub mod witness;

pub use cipher::{ecdh, poseidon_decrypt, poseidon_encrypt, CipherError};
pub use command::{Command, CommandError};
pub use message::{chain_hash, Message, MessageError, EMPTY_CHAIN};
pub use tally::{
    process, results_commitment, Ballot, OptionResult, Outcome, ProcessError, Processed, Rejection,
    SubmittedMessage, Tally, VoterState, MAX_OPTIONS,
};

use crate::babyjubjub::Point;

/// A poll, as the bank opens it on L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Poll {
    /// The poll's identifier, below `2⁵⁰` (it is packed into commands).
    pub id: u64,
    /// The number of options; a vote is for an option in `0..options`.
    pub options: u32,
    /// The last second (unix time) at which L1 accepts a message.
    pub deadline: u64,
    /// The voice credits each member starts with; `w` votes on an option cost `w²`.
    pub voice_credits: u64,
    /// The coordinator's public key, to which messages are encrypted.
    pub coordinator: Point,
}

impl Poll {
    /// A member's starting state in this poll: their key and the poll's voice credits.
    pub fn voter(&self, pubkey: Point) -> VoterState {
        VoterState { pubkey, voice_credits: self.voice_credits }
    }

    /// Whether L1 accepts a message submitted at `time` (unix seconds): until the deadline, inclusive.
    pub fn accepts_at(&self, time: u64) -> bool {
        time <= self.deadline
    }
}
