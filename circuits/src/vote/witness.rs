//! Witnesses of the message-processing proofs: the coordinator's view of every batch.
//!
//! [`process_witnesses`] runs the native [`process`] (the specification: it decides which
//! message is applied) over the padded message chain, then replays its decisions batch by
//! batch, from the last batch to batch 0 and within a batch from the last message to the
//! first, recording what the circuit opens for each message: the decrypted blocks, the voter's
//! state leaf, ballot and vote weight with their Merkle proofs, before the message's effect.

use std::fmt;

use ark_ff::{AdditiveGroup, BigInteger, PrimeField};
use sha2::{Digest, Sha256};

use super::command::PART_BITS;
use super::message::{chain_hash, Message, MESSAGE_LEN, MESSAGE_NONCE};
use super::tally::{process, Ballot, Outcome, ProcessError, Processed, SubmittedMessage, VoterState};
use super::trees::{sb_commitment, PollTrees, TreeError, VoteParams, PAD_MESSAGE};
use super::{ecdh, Poll, EMPTY_CHAIN};
use crate::babyjubjub::eddsa::PrivateKey;
use crate::babyjubjub::{Point, BASE8};
use crate::batch::fr_to_be_bytes;
use crate::merkle::{MerkleError, MerkleProof};
use crate::poseidon;
use crate::Fr;

/// Decrypted elements a circuit sees per message: three blocks of three (plaintext and padding).
pub const DECRYPTED_LEN: usize = MESSAGE_LEN - 1;

/// Why the witnesses of a poll cannot be built.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum WitnessError {
    /// The native processing refused the poll.
    #[error(transparent)]
    Process(#[from] ProcessError),
    /// The trees cannot hold the poll.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// A Merkle operation failed.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
    /// The batch size is 0.
    #[error("the batch size must be at least 1")]
    ZeroBatchSize,
    /// The message list is not padded to a positive multiple of the batch size.
    #[error(
        "{messages} messages is not a positive multiple of the batch size {batch_size}: pad the chain with \
         PAD_MESSAGE as closePoll does"
    )]
    NotPadded {
        /// Messages given.
        messages: usize,
        /// The batch size.
        batch_size: usize,
    },
    /// The poll has more options than a ballot's votes tree holds.
    #[error("{options} options do not fit a votes tree of depth {depth}")]
    TooManyOptions {
        /// The poll's options.
        options: u32,
        /// The votes tree's depth.
        depth: usize,
    },
}

/// What the circuit opens for one message, before the message's effect.
#[derive(Clone, PartialEq, Eq)]
pub struct MessageWitness {
    /// The message as chained on L1.
    pub message: Message,
    /// The ciphertext minus the key stream, for the first nine elements: the plaintext and the
    /// last block's padding under the key the circuit derives (garbage for an unreadable message).
    pub decrypted: [Fr; DECRYPTED_LEN],
    /// The state leaf at the index the command names (its low `state_depth` bits): the voter's
    /// key and balance, or `None` for an empty leaf.
    pub voter: Option<VoterState>,
    /// The state tree's proof at that index.
    pub state_proof: MerkleProof,
    /// The ballot's nonce at that index (0 for an empty leaf).
    pub ballot_nonce: u64,
    /// The ballot's votes root at that index (0 for an empty leaf).
    pub votes_root: Fr,
    /// The ballot tree's proof at that index.
    pub ballot_proof: MerkleProof,
    /// The weight on the option the command names (its low `vote_depth` bits).
    pub old_weight: u64,
    /// The votes tree's proof at that option.
    pub vote_proof: MerkleProof,
}

impl fmt::Debug for MessageWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageWitness").field("message", &self.message).finish_non_exhaustive()
    }
}

/// The witness of one processing proof: batch `batch_index`, messages
/// `[batch_index·B, (batch_index+1)·B)` of the padded chain.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessBatchWitness {
    /// The circuit's shape.
    pub params: VoteParams,
    /// Which batch of the chain.
    pub batch_index: usize,
    /// The poll's id.
    pub poll_id: u64,
    /// The poll's number of options.
    pub options: u32,
    /// The voice credits each voter starts with.
    pub voice_credits: u64,
    /// The poll's number of voters, as L1 holds it: commands for an index at or above it are
    /// ignored.
    pub voters: u32,
    /// Whether this is the first proof of the poll (the last batch, `j = batches − 1`): it
    /// starts from `initialSb`, whose ballot tree must hold exactly `voters` fresh ballots.
    pub first: bool,
    /// The coordinator's public key.
    pub coordinator: Point,
    /// The coordinator's secret scalar (`coordinator = scalar·B8`). Secret.
    pub coordinator_scalar: Fr,
    /// The chain after `batch_index·B` messages.
    pub chain_start: Fr,
    /// The chain after `(batch_index+1)·B` messages.
    pub chain_end: Fr,
    /// State root before the batch.
    pub state_root_before: Fr,
    /// Ballot root before the batch.
    pub ballot_root_before: Fr,
    /// Salt of `sb` before the batch.
    pub salt_before: Fr,
    /// State root after the batch.
    pub state_root_after: Fr,
    /// Ballot root after the batch.
    pub ballot_root_after: Fr,
    /// Salt of `sb` after the batch.
    pub salt_after: Fr,
    /// The batch's messages in chain order (the circuit applies them last first).
    pub messages: Vec<MessageWitness>,
}

impl fmt::Debug for ProcessBatchWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessBatchWitness")
            .field("batch_index", &self.batch_index)
            .field("poll_id", &self.poll_id)
            .field("sb_before", &self.sb_before())
            .field("sb_after", &self.sb_after())
            .finish_non_exhaustive()
    }
}

impl ProcessBatchWitness {
    /// `sb` before the batch.
    pub fn sb_before(&self) -> Fr {
        sb_commitment(self.state_root_before, self.ballot_root_before, self.salt_before)
    }

    /// `sb` after the batch.
    pub fn sb_after(&self) -> Fr {
        sb_commitment(self.state_root_after, self.ballot_root_after, self.salt_after)
    }

    /// `Poseidon([coordinator.x, coordinator.y])`.
    pub fn coordinator_hash(&self) -> Fr {
        coordinator_hash(&self.coordinator)
    }

    /// The proof's single public input ([`process_public_input`]).
    pub fn public_input(&self) -> Fr {
        process_public_input(&ProcessPublic {
            poll_id: self.poll_id,
            coordinator_hash: self.coordinator_hash(),
            options: self.options,
            voice_credits: self.voice_credits,
            voters: self.voters,
            first: self.first,
            chain_start: self.chain_start,
            chain_end: self.chain_end,
            sb_before: self.sb_before(),
            sb_after: self.sb_after(),
        })
    }

    /// A batch of padding messages over no voters, under a fixed coordinator key: the shape
    /// used for key generation (any witness of the same parameters gives the same constraints).
    pub fn blank(params: VoteParams) -> Result<Self, WitnessError> {
        let coordinator = PrivateKey::from_bytes(*b"ccr: blank vote batch coordinat.");
        let poll =
            Poll { id: 0, options: 1, deadline: 0, voice_credits: 0, coordinator: coordinator.public_key() };
        let messages = vec![PAD_MESSAGE; params.batch_size];
        let mut salts = std::iter::repeat(Fr::ZERO);
        let mut all = process_witnesses(&poll, &[], &messages, &coordinator, &params, || {
            salts.next().unwrap_or(Fr::ZERO)
        })?;
        // One batch of B messages: exactly one witness.
        Ok(all.batches.swap_remove(0))
    }
}

/// The public values of a processing proof, in the order they are hashed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessPublic {
    /// The poll's id.
    pub poll_id: u64,
    /// `Poseidon([coordinator.x, coordinator.y])`.
    pub coordinator_hash: Fr,
    /// The poll's number of options.
    pub options: u32,
    /// The voice credits each voter starts with.
    pub voice_credits: u64,
    /// The poll's number of voters.
    pub voters: u32,
    /// Whether the batch is the poll's last (the first proven).
    pub first: bool,
    /// The chain before the batch's messages.
    pub chain_start: Fr,
    /// The chain after them.
    pub chain_end: Fr,
    /// `sb` before.
    pub sb_before: Fr,
    /// `sb` after.
    pub sb_after: Fr,
}

/// `Poseidon([coordinator.x, coordinator.y])`, the `coordinatorHash` of `Poll.sol`.
pub fn coordinator_hash(coordinator: &Point) -> Fr {
    poseidon::hash2(coordinator.x, coordinator.y)
}

/// The `roster` word of a processing proof's public input: `voters + 2³²·first`.
pub fn roster_word(voters: u32, first: bool) -> u64 {
    u64::from(voters) | (u64::from(first) << 32)
}

/// `sha256(pollId, coordinatorHash, options, voiceCredits, roster, chainStart, chainEnd,
/// sbBefore, sbAfter) mod r`, each value an abi-packed `uint256` (32 big-endian bytes), with
/// `roster = voters + 2³²·first` ([`roster_word`]): the processing proof's public input, as
/// `Poll.sol` computes it.
pub fn process_public_input(p: &ProcessPublic) -> Fr {
    let mut h = Sha256::new();
    for x in [
        Fr::from(p.poll_id),
        p.coordinator_hash,
        Fr::from(p.options),
        Fr::from(p.voice_credits),
        Fr::from(roster_word(p.voters, p.first)),
        p.chain_start,
        p.chain_end,
        p.sb_before,
        p.sb_after,
    ] {
        h.update(fr_to_be_bytes(&x));
    }
    Fr::from_be_bytes_mod_order(&h.finalize())
}

/// Every processing proof's witness of a poll and the native result they reproduce.
#[derive(Clone)]
pub struct ProcessWitnesses {
    /// The witnesses in proving order: the last batch first, batch 0 last.
    pub batches: Vec<ProcessBatchWitness>,
    /// The native [`process`] of the same messages (outcomes, final states and ballots).
    pub processed: Processed,
    /// The trees after the last proof (batch 0).
    pub final_trees: PollTrees,
    /// Each voter's state after processing, as the witnesses replayed it.
    pub final_voters: Vec<VoterState>,
    /// Each voter's ballot after processing, as the witnesses replayed it.
    pub final_ballots: Vec<Ballot>,
    /// The salt of the final `sb`.
    pub final_salt: Fr,
}

impl fmt::Debug for ProcessWitnesses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessWitnesses").field("batches", &self.batches.len()).finish_non_exhaustive()
    }
}

impl ProcessWitnesses {
    /// `sb` after all the proofs (the `sbFinal` the tally proofs start from).
    pub fn final_sb(&self) -> Fr {
        self.final_trees.sb(self.final_salt)
    }
}

/// The coordinator's view of the key of a message: the ephemeral key if it is on the curve,
/// else `B8` (the circuit multiplies only points of the curve; such a message is unreadable).
pub fn ecdh_input(enc_pubkey: &Point) -> Point {
    if enc_pubkey.is_on_curve() {
        *enc_pubkey
    } else {
        BASE8
    }
}

/// The first nine elements of the ciphertext minus the key stream under `key`, without any
/// check: what the circuit's decryption yields whether or not the message is readable.
pub fn raw_decrypt(data: &[Fr; MESSAGE_LEN], key: &Point) -> [Fr; DECRYPTED_LEN] {
    let two_128 = Fr::from(u128::MAX) + Fr::from(1u64);
    let len = Fr::from(super::command::PLAINTEXT_LEN as u64);
    let mut state = [Fr::ZERO, key.x, key.y, Fr::from(MESSAGE_NONCE) + len * two_128];
    let mut out = [Fr::ZERO; DECRYPTED_LEN];
    for b in 0..DECRYPTED_LEN / 3 {
        // Width 4 is within circomlib's table.
        poseidon::permute(&mut state).unwrap_or_else(|e| unreachable!("width 4 is supported: {e}"));
        for i in 0..3 {
            out[3 * b + i] = data[3 * b + i] - state[1 + i];
            state[1 + i] = data[3 * b + i];
        }
    }
    out
}

/// Bits `[from, from + n)` of a field element's canonical integer (n ≤ 64).
fn bits_of(x: &Fr, from: usize, n: usize) -> u64 {
    let bits = x.into_bigint().to_bits_le();
    bits[from..from + n].iter().rev().fold(0u64, |acc, b| (acc << 1) | u64::from(*b))
}

/// Builds every processing proof's witness of a poll.
///
/// `messages` is the whole padded chain as L1 holds it at `closePoll` (a positive multiple of
/// `params.batch_size`, padded with [`PAD_MESSAGE`]); `voters` the starting states by state
/// index (the ones `initialSb` commits to); `salt` draws the fresh salt of each new `sb`.
pub fn process_witnesses(
    poll: &Poll,
    voters: &[VoterState],
    messages: &[Message],
    coordinator: &PrivateKey,
    params: &VoteParams,
    mut salt: impl FnMut() -> Fr,
) -> Result<ProcessWitnesses, WitnessError> {
    let b = params.batch_size;
    if b == 0 {
        return Err(WitnessError::ZeroBatchSize);
    }
    if messages.is_empty() || !messages.len().is_multiple_of(b) {
        return Err(WitnessError::NotPadded { messages: messages.len(), batch_size: b });
    }
    if poll.options as usize > params.max_options() {
        return Err(WitnessError::TooManyOptions { options: poll.options, depth: params.vote_depth });
    }
    let submitted: Vec<SubmittedMessage> =
        messages.iter().map(|m| SubmittedMessage { message: *m, submitted_at: poll.deadline }).collect();
    // The specification decides every outcome (and checks the coordinator key and the poll).
    let processed = process(poll, voters, &submitted, coordinator, Fr::ZERO)?;

    let mut trees = PollTrees::initial(params, voters)?;
    let mut states = voters.to_vec();
    let mut ballots = vec![Ballot { nonce: 0, votes: vec![0; poll.options as usize] }; voters.len()];
    let mut chains = Vec::with_capacity(messages.len() + 1);
    chains.push(EMPTY_CHAIN);
    for m in messages {
        let last = chains[chains.len() - 1];
        chains.push(chain_hash(last, m));
    }
    let scalar = Fr::from_le_bytes_mod_order(&coordinator.secret_scalar().into_bigint().to_bytes_le());
    // The trees hold at most 2^state_depth voters (checked by `PollTrees::initial`).
    let voter_count = u32::try_from(voters.len())
        .map_err(|_| TreeError::TooManyVoters { voters: voters.len(), depth: params.state_depth })?;

    let n_batches = messages.len() / b;
    let mut batches = Vec::with_capacity(n_batches);
    let mut salt_before = Fr::ZERO;
    for j in (0..n_batches).rev() {
        let state_root_before = trees.state.root();
        let ballot_root_before = trees.ballots.root();
        let mut witnesses = Vec::with_capacity(b);
        for i in (j * b..(j + 1) * b).rev() {
            let m = &messages[i];
            let decrypted = raw_decrypt(&m.data, &ecdh(coordinator, &ecdh_input(&m.enc_pubkey)));
            let index = bits_of(&decrypted[0], 0, params.state_depth);
            let option = bits_of(&decrypted[0], PART_BITS as usize, params.vote_depth);
            let slot = usize::try_from(index).ok().filter(|i| *i < states.len());
            let state_proof = trees.state.proof(index)?;
            let ballot_proof = trees.ballots.proof(index)?;
            let (voter, ballot_nonce, votes_root, old_weight, vote_proof) = match slot {
                Some(s) => (
                    Some(states[s]),
                    ballots[s].nonce,
                    trees.votes[s].root(),
                    ballots[s].votes.get(option as usize).copied().unwrap_or(0),
                    trees.votes[s].proof(option)?,
                ),
                None => {
                    let empty = crate::merkle::SparseMerkleTree::new(params.vote_depth)?;
                    (None, 0, Fr::ZERO, 0, empty.proof(option)?)
                }
            };
            witnesses.push(MessageWitness {
                message: *m,
                decrypted,
                voter,
                state_proof,
                ballot_nonce,
                votes_root,
                ballot_proof,
                old_weight,
                vote_proof,
            });
            if processed.outcomes[i] == Outcome::Applied {
                // An applied message decrypts to a command naming a voter and a valid option.
                let (command, _) = m
                    .decrypt(coordinator)
                    .unwrap_or_else(|e| unreachable!("an applied message decrypts: {e}"));
                let s = command.state_index as usize;
                let o = command.vote_option as usize;
                let old = u128::from(ballots[s].votes[o]);
                let new = u128::from(command.new_vote_weight);
                let start = super::tally::spendable(poll, &states[s], &ballots[s]);
                let balance = u128::from(start) + old * old - new * new;
                states[s] = VoterState {
                    pubkey: command.new_pubkey,
                    voice_credits: u64::try_from(balance)
                        .unwrap_or_else(|_| unreachable!("the balance never exceeds the starting credits")),
                };
                ballots[s].votes[o] = command.new_vote_weight;
                ballots[s].nonce += 1;
                trees.state.update(s as u64, super::trees::state_leaf(&states[s]))?;
                trees.votes[s].update(o as u64, Fr::from(command.new_vote_weight))?;
                let root = trees.votes[s].root();
                trees.ballots.update(s as u64, super::trees::ballot_leaf(ballots[s].nonce, root))?;
            }
        }
        witnesses.reverse();
        let salt_after = salt();
        batches.push(ProcessBatchWitness {
            params: *params,
            batch_index: j,
            poll_id: poll.id,
            options: poll.options,
            voice_credits: poll.voice_credits,
            voters: voter_count,
            first: j + 1 == n_batches,
            coordinator: poll.coordinator,
            coordinator_scalar: scalar,
            chain_start: chains[j * b],
            chain_end: chains[(j + 1) * b],
            state_root_before,
            ballot_root_before,
            salt_before,
            state_root_after: trees.state.root(),
            ballot_root_after: trees.ballots.root(),
            salt_after,
            messages: witnesses,
        });
        salt_before = salt_after;
    }
    Ok(ProcessWitnesses {
        batches,
        processed,
        final_trees: trees,
        final_voters: states,
        final_ballots: ballots,
        final_salt: salt_before,
    })
}
