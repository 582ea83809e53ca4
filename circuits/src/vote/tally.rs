//! The coordinator's processing of a poll's messages and the committed tally: MACI v2's
//! `Poll.processMessage` and `tallyVotes` with quadratic costs.
//!
//! Rules, in the order [`process`] applies them:
//! 1. A message submitted after the deadline is ignored (on L1 the poll contract refuses it,
//!    so it is not in the message chain either).
//! 2. The other messages are processed in **reverse order of submission** (MACI's defence
//!    against a briber who makes a voter hand over their key: the voter's last message is
//!    processed first, under the key the voter signed up with).
//! 3. A message is applied iff, in this order (the first failure is the [`Rejection`]):
//!    it decrypts to a well-formed command; its `state_index` names a voter; its signature
//!    verifies under that voter's **current** key (the sign-up key, as replaced by the messages
//!    already processed, that is by those submitted later); its nonce is the ballot's nonce
//!    plus one; it is for this poll; its option is below the poll's number of options; its new
//!    key is a point of the prime-order subgroup other than the identity; and the voter can pay:
//!    `balance + old_weight² − new_weight² ≥ 0`, with `old_weight` the ballot's weight on that option.
//!    Before a voter's first applied message (ballot nonce 0) the balance is the poll's voice
//!    credits, whatever the voter's starting state holds: a roster cannot grant a key more.
//! 4. An applied message sets the voter's key to `new_pubkey`, the ballot's weight on the option
//!    to `new_vote_weight`, the balance to `balance + old² − new²`, and increments the nonce.
//!
//! Consequences (MACI's): to change a vote, a voter sends a new message with nonce 1, which is
//! processed first; their earlier messages then need nonces 2, 3, … to count. A key change takes
//! effect for the messages processed after it, that is those submitted **before** it: earlier
//! messages signed with the replaced key are ignored, and messages submitted after the key
//! change must still be signed with the key that was current before it.
//!
//! Two checks are ours, not MACI's: the poll id of the command (so that a command cannot be
//! replayed into another poll) and the validity of the new key (so that the circuit's EdDSA
//! verification never meets an invalid point).

use std::fmt;

use ark_ff::AdditiveGroup;

use super::cipher::is_valid_public_key;
use super::command::PART_BITS;
use super::message::{chain_hash, Message, MessageError, EMPTY_CHAIN};
use super::Poll;
use crate::babyjubjub::eddsa::{verify_poseidon, PrivateKey};
use crate::babyjubjub::Point;
use crate::poseidon;
use crate::Fr;

/// Largest number of options of a poll (each ballot holds one weight per option).
pub const MAX_OPTIONS: u32 = 1 << 10;

/// A voter's state in a poll: their current key and unspent voice credits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoterState {
    /// The key that must sign the voter's next processed message.
    pub pubkey: Point,
    /// Voice credits not spent by the ballot.
    pub voice_credits: u64,
}

/// A message with the time L1 received it (unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmittedMessage {
    /// The message.
    pub message: Message,
    /// When it was submitted.
    pub submitted_at: u64,
}

/// A voter's ballot: the number of messages applied and the weight on each option.
#[derive(Clone, PartialEq, Eq)]
pub struct Ballot {
    /// Messages applied so far.
    pub nonce: u64,
    /// The weight (votes) on each option.
    pub votes: Vec<u64>,
}

impl fmt::Debug for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ballot(nonce {}, votes <redacted>)", self.nonce)
    }
}

/// Why a message was ignored.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Submitted after the poll's deadline.
    #[error("submitted at {submitted_at}, after the deadline {deadline}")]
    AfterDeadline {
        /// Submission time.
        submitted_at: u64,
        /// The poll's deadline.
        deadline: u64,
    },
    /// The coordinator cannot read it.
    #[error("unreadable: {0}")]
    Unreadable(MessageError),
    /// Its state index names no voter.
    #[error("state index {state_index} names no voter (there are {voters})")]
    UnknownVoter {
        /// The command's index.
        state_index: u64,
        /// Number of voters.
        voters: usize,
    },
    /// The signature does not verify under the voter's current key.
    #[error("the signature does not verify under the voter's current key")]
    BadSignature,
    /// The nonce is not the ballot's nonce plus one.
    #[error("nonce {got}, expected {expected}")]
    BadNonce {
        /// The ballot's nonce plus one.
        expected: u64,
        /// The command's nonce.
        got: u64,
    },
    /// The command is for another poll.
    #[error("the command is for poll {got}")]
    WrongPoll {
        /// The command's poll id.
        got: u64,
    },
    /// The option is not below the poll's number of options.
    #[error("option {option} is not below the poll's {options} options")]
    InvalidVoteOption {
        /// The command's option.
        option: u64,
        /// The poll's number of options.
        options: u32,
    },
    /// The new key is not a point of the prime-order subgroup other than the identity.
    #[error("the new public key is not a valid Baby Jubjub key")]
    InvalidNewKey,
    /// `balance + old_weight² < new_weight²`.
    #[error("the voter has {available} voice credits for this option, the new weight costs {cost}")]
    InsufficientCredits {
        /// `balance + old_weight²`.
        available: u128,
        /// `new_weight²`.
        cost: u128,
    },
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Valid: it changed the voter's key, ballot and balance.
    Applied,
    /// Invalid, for this reason: it changed nothing.
    Ignored(Rejection),
}

/// The result for one option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OptionResult {
    /// `Σ weight` over the ballots: the option's votes.
    pub votes: u128,
    /// `Σ weight²`: the voice credits spent on it.
    pub spent: u128,
}

/// The public result of a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// The poll.
    pub poll_id: u64,
    /// Per option, in order.
    pub results: Vec<OptionResult>,
    /// `Σ spent` over the options.
    pub total_spent: u128,
    /// The chain of the messages accepted before the deadline ([`chain_hash`]), as L1 holds it.
    pub message_chain: Fr,
    /// [`results_commitment`] of the results with the coordinator's salt.
    pub commitment: Fr,
}

/// Everything the coordinator learns: the public [`Tally`] and the secret witness of its proof.
///
/// `Debug` shows only the tally.
#[derive(Clone, PartialEq, Eq)]
pub struct Processed {
    /// The public result.
    pub tally: Tally,
    /// The salt of the commitment.
    pub salt: Fr,
    /// Each voter's final key and balance, by state index.
    pub voters: Vec<VoterState>,
    /// Each voter's final ballot, by state index.
    pub ballots: Vec<Ballot>,
    /// What became of each message, in submission order.
    pub outcomes: Vec<Outcome>,
}

impl fmt::Debug for Processed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Processed").field("tally", &self.tally).finish_non_exhaustive()
    }
}

/// Why a poll cannot be processed at all.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum ProcessError {
    /// The key given is not the poll's coordinator key.
    #[error(
        "this private key is not the poll's coordinator key: use the key whose public key the poll names"
    )]
    WrongCoordinatorKey,
    /// The poll id does not fit a command's 50 bits.
    #[error("poll id {0} does not fit in {PART_BITS} bits")]
    PollIdTooWide(u64),
    /// The number of options is 0 or above [`MAX_OPTIONS`].
    #[error("a poll has 1 to {MAX_OPTIONS} options, this one has {0}")]
    Options(u32),
}

/// `Poseidon([r, total_spent, salt])` with `r` the chain `r₀ = 0`,
/// `rᵢ₊₁ = Poseidon([rᵢ, votesᵢ, spentᵢ])` over the options in order: what the tally proof
/// commits to (MACI's `tallyCommitment`, one hash instead of three Merkle roots).
pub fn results_commitment(results: &[OptionResult], salt: Fr) -> Fr {
    let mut r = Fr::ZERO;
    let mut total = 0u128;
    for o in results {
        r = poseidon::hash_n(&[r, Fr::from(o.votes), Fr::from(o.spent)]);
        total += o.spent;
    }
    poseidon::hash_n(&[r, Fr::from(total), salt])
}

/// Processes a poll's messages (in submission order, with their times) over the voters' starting
/// states (indexed by `state_index`), as the module's rules say, and tallies the ballots.
pub fn process(
    poll: &Poll,
    voters: &[VoterState],
    messages: &[SubmittedMessage],
    coordinator: &PrivateKey,
    salt: Fr,
) -> Result<Processed, ProcessError> {
    if coordinator.public_key() != poll.coordinator {
        return Err(ProcessError::WrongCoordinatorKey);
    }
    if poll.id >> PART_BITS != 0 {
        return Err(ProcessError::PollIdTooWide(poll.id));
    }
    if poll.options == 0 || poll.options > MAX_OPTIONS {
        return Err(ProcessError::Options(poll.options));
    }
    let mut states = voters.to_vec();
    let empty = Ballot { nonce: 0, votes: vec![0; poll.options as usize] };
    let mut ballots = vec![empty; voters.len()];

    let mut outcomes: Vec<Option<Outcome>> = vec![None; messages.len()];
    let mut message_chain = EMPTY_CHAIN;
    for (m, outcome) in messages.iter().zip(outcomes.iter_mut()) {
        if poll.accepts_at(m.submitted_at) {
            message_chain = chain_hash(message_chain, &m.message);
        } else {
            *outcome = Some(Outcome::Ignored(Rejection::AfterDeadline {
                submitted_at: m.submitted_at,
                deadline: poll.deadline,
            }));
        }
    }
    for (m, outcome) in messages.iter().zip(outcomes.iter_mut()).rev() {
        if outcome.is_none() {
            *outcome = Some(match apply(poll, &mut states, &mut ballots, &m.message, coordinator) {
                Ok(()) => Outcome::Applied,
                Err(r) => Outcome::Ignored(r),
            });
        }
    }
    // Every message got an outcome in one of the two loops.
    let outcomes = outcomes.into_iter().map(|o| o.unwrap_or_else(|| unreachable!("outcome set"))).collect();

    let mut results = vec![OptionResult::default(); poll.options as usize];
    for ballot in &ballots {
        for (r, w) in results.iter_mut().zip(&ballot.votes) {
            r.votes += u128::from(*w);
            r.spent += u128::from(*w) * u128::from(*w);
        }
    }
    let total_spent = results.iter().map(|r| r.spent).sum();
    let commitment = results_commitment(&results, salt);
    Ok(Processed {
        tally: Tally { poll_id: poll.id, results, total_spent, message_chain, commitment },
        salt,
        voters: states,
        ballots,
        outcomes,
    })
}

/// The voice credits a voter can spend: the poll's until their first applied message (ballot
/// nonce 0), whatever their starting state holds (a roster cannot grant a key more), then their
/// state's.
pub fn spendable(poll: &Poll, state: &VoterState, ballot: &Ballot) -> u64 {
    if ballot.nonce == 0 {
        poll.voice_credits
    } else {
        state.voice_credits
    }
}

/// One message's checks and, if they pass, its effect.
fn apply(
    poll: &Poll,
    states: &mut [VoterState],
    ballots: &mut [Ballot],
    message: &Message,
    coordinator: &PrivateKey,
) -> Result<(), Rejection> {
    let (command, signature) = message.decrypt(coordinator).map_err(Rejection::Unreadable)?;
    let index = usize::try_from(command.state_index)
        .ok()
        .filter(|i| *i < states.len())
        .ok_or(Rejection::UnknownVoter { state_index: command.state_index, voters: states.len() })?;
    let state = &mut states[index];
    let ballot = &mut ballots[index];
    // The packing of a decrypted command cannot fail: its parts came from 50-bit fields.
    let hash = command.hash().map_err(|e| Rejection::Unreadable(MessageError::Command(e)))?;
    verify_poseidon(hash, &signature, &state.pubkey).map_err(|_| Rejection::BadSignature)?;
    if command.nonce != ballot.nonce + 1 {
        return Err(Rejection::BadNonce { expected: ballot.nonce + 1, got: command.nonce });
    }
    if command.poll_id != poll.id {
        return Err(Rejection::WrongPoll { got: command.poll_id });
    }
    if command.vote_option >= u64::from(poll.options) {
        return Err(Rejection::InvalidVoteOption { option: command.vote_option, options: poll.options });
    }
    if !is_valid_public_key(&command.new_pubkey) {
        return Err(Rejection::InvalidNewKey);
    }
    let option = command.vote_option as usize;
    let old = u128::from(ballot.votes[option]);
    let new = u128::from(command.new_vote_weight);
    let balance = spendable(poll, state, ballot);
    let available = u128::from(balance) + old * old;
    if available < new * new {
        return Err(Rejection::InsufficientCredits { available, cost: new * new });
    }
    // balance + old² − new² ≤ balance + old² ≤ the poll's credits, a u64 (Σ weight² + balance
    // is invariant from the first applied message on).
    state.voice_credits = u64::try_from(available - new * new)
        .unwrap_or_else(|_| unreachable!("the balance never exceeds the starting credits"));
    state.pubkey = command.new_pubkey;
    ballot.votes[option] = command.new_vote_weight;
    ballot.nonce += 1;
    Ok(())
}
