//! Witnesses of the tally proofs: the coordinator's view of every ballot batch after the
//! messages are processed.
//!
//! After processing, L1 holds `sbFinal = Poseidon([stateRoot, ballotRoot, salt])`. The tally
//! proofs go over the ballot tree in batches of `T` (a power of two) consecutive leaves, batch
//! `k` covering `[k·T, (k+1)·T)`: a subtree of height `log₂ T` at index `k`. Each proof moves
//! the tally commitment from `t_k` to `t_{k+1}`, where
//!
//! ```text
//! t_0 = 0 (no tally yet)
//! t_k = Poseidon([r_k, spent_total_k, salt_k])   (k ≥ 1)
//! ```
//!
//! with `r_k` the [`results_commitment`] chain over the per-option running totals (Σ weight,
//! Σ weight²) of the ballots `[0, k·T)`: so the last `t` is exactly the results commitment
//! that `publishResults` checks. [`tally_witnesses`] builds every batch's witness from the
//! final voters and ballots (as [`super::witness::process_witnesses`] leaves them) and the
//! results, which equal the native [`super::process`]'s tally.

use std::fmt;

use ark_ff::{AdditiveGroup, PrimeField};
use sha2::{Digest, Sha256};

use super::tally::{results_commitment, Ballot, OptionResult, Tally, VoterState};
use super::trees::{sb_commitment, PollTrees, TreeError, VoteParams};
use super::witness::ProcessWitnesses;
use super::Poll;
use crate::babyjubjub::BASE8;
use crate::batch::fr_to_be_bytes;
use crate::merkle::{MerkleError, MerkleProof};
use crate::Fr;

/// The shape of a tally circuit: the trees' depths and the ballots per proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TallyParams {
    /// Depth of the state and ballot trees: up to `2^state_depth` voters.
    pub state_depth: usize,
    /// Depth of a ballot's votes tree: up to `2^vote_depth` options.
    pub vote_depth: usize,
    /// Ballots per tally proof (`T`, `tallyBatchSize` of `Poll.sol`): a power of two, at most
    /// `2^state_depth`.
    pub batch_size: usize,
}

impl TallyParams {
    /// The tally shape of a poll processed with `params`, `batch_size` ballots per proof.
    ///
    /// # Errors
    ///
    /// [`TallyWitnessError::BatchSize`] unless `batch_size` is a power of two at most
    /// `2^state_depth`.
    pub fn new(params: &VoteParams, batch_size: usize) -> Result<Self, TallyWitnessError> {
        let p = Self { state_depth: params.state_depth, vote_depth: params.vote_depth, batch_size };
        p.check()?;
        Ok(p)
    }

    /// The size the tests use: 4 voters, 4 options, `batch_size` ballots per proof.
    pub const fn test(batch_size: usize) -> Self {
        Self { state_depth: 2, vote_depth: 2, batch_size }
    }

    /// The production size (benchmarks): 1,024 voters, 8 options, 32 ballots per proof.
    pub const PRODUCTION: Self = Self { state_depth: 10, vote_depth: 3, batch_size: 32 };

    /// Checks that `batch_size` is a power of two at most `2^state_depth` (so that a batch is
    /// one subtree of the ballot tree).
    ///
    /// # Errors
    ///
    /// [`TallyWitnessError::BatchSize`] otherwise.
    pub fn check(&self) -> Result<(), TallyWitnessError> {
        let max = 1usize.checked_shl(self.state_depth as u32).unwrap_or(0);
        if !self.batch_size.is_power_of_two() || self.batch_size > max || max == 0 {
            return Err(TallyWitnessError::BatchSize { batch_size: self.batch_size, max });
        }
        Ok(())
    }

    /// `log₂ T`: the height of the subtree a batch covers.
    pub fn subtree_depth(&self) -> usize {
        self.batch_size.trailing_zeros() as usize
    }

    /// Depth of the path from a batch's subtree to the ballot root: `state_depth − log₂ T`
    /// (batch indices are below `2^path_depth`).
    pub fn path_depth(&self) -> usize {
        self.state_depth.saturating_sub(self.subtree_depth())
    }

    /// Number of options a ballot holds.
    pub fn max_options(&self) -> usize {
        1usize << self.vote_depth
    }

    /// Tally proofs a poll of `voters` voters needs: `⌈voters / T⌉` (`Poll.tallyBatches`).
    pub fn batches(&self, voters: usize) -> usize {
        voters.div_ceil(self.batch_size)
    }
}

/// Why the tally witnesses of a poll cannot be built.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TallyWitnessError {
    /// `T` is not a power of two at most `2^state_depth`.
    #[error(
        "{batch_size} ballots per tally proof: use a power of two at most {max} (2^state_depth), so that \
         a batch is one subtree of the ballot tree"
    )]
    BatchSize {
        /// `T` given.
        batch_size: usize,
        /// `2^state_depth`.
        max: usize,
    },
    /// The poll has no voter (L1 refuses such a poll).
    #[error("a poll without voters has nothing to tally")]
    NoVoters,
    /// Voters and ballots differ in number.
    #[error("{voters} voters but {ballots} ballots: pass the final ballot of every voter, by state index")]
    BallotCount {
        /// Voters given.
        voters: usize,
        /// Ballots given.
        ballots: usize,
    },
    /// A ballot does not hold one weight per option of the poll.
    #[error("ballot {index} holds {got} weights, the poll has {options} options")]
    BallotShape {
        /// The ballot's state index.
        index: usize,
        /// Weights it holds.
        got: usize,
        /// The poll's options.
        options: u32,
    },
    /// The poll has 0 options or more than a votes tree holds.
    #[error("{options} options: a poll of this circuit has 1 to {max} options")]
    Options {
        /// The poll's options.
        options: u32,
        /// `2^vote_depth`.
        max: usize,
    },
    /// The trees cannot hold the poll.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// A Merkle operation failed.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
}

/// `sha256(pollId, sbFinal, k, tallyBefore, tallyAfter) mod r`, each value an abi-packed
/// `uint256` (32 big-endian bytes): the tally proof's public input, as `Poll.tallyInput`
/// computes it.
pub fn tally_public_input(
    poll_id: u64,
    sb_final: Fr,
    batch_index: u64,
    tally_before: Fr,
    tally_after: Fr,
) -> Fr {
    let mut h = Sha256::new();
    for x in [Fr::from(poll_id), sb_final, Fr::from(batch_index), tally_before, tally_after] {
        h.update(fr_to_be_bytes(&x));
    }
    Fr::from_be_bytes_mod_order(&h.finalize())
}

/// The witness of one tally proof: ballots `[k·T, (k+1)·T)` of the final ballot tree.
///
/// The public values are computed from the fields as claimed (`sbFinal` from `state_root`,
/// `ballot_root` and `sb_salt`; the tallies from the claimed totals and salts); the circuit
/// recomputes them from the ballots, so a claim that the ballots do not support is caught.
#[derive(Clone, PartialEq, Eq)]
pub struct TallyBatchWitness {
    /// The circuit's shape.
    pub params: TallyParams,
    /// `k`: which batch of ballots.
    pub batch_index: u64,
    /// The poll's id.
    pub poll_id: u64,
    /// The poll's number of options.
    pub options: u32,
    /// The final state root.
    pub state_root: Fr,
    /// The final ballot root.
    pub ballot_root: Fr,
    /// The salt of `sbFinal`. Secret.
    pub sb_salt: Fr,
    /// The `T` leaves of the batch, by position.
    pub slots: Vec<BallotSlot>,
    /// The ballot tree's path from the batch's subtree root (index `k`, `path_depth` siblings).
    pub subtree_proof: MerkleProof,
    /// Per option, the totals of the ballots before the batch (`[0, k·T)`).
    pub totals_before: Vec<OptionResult>,
    /// The salt of the tally commitment before the batch (unused for `k = 0`). Secret.
    pub salt_before: Fr,
    /// Per option, the totals after the batch (`[0, (k+1)·T)`).
    pub totals_after: Vec<OptionResult>,
    /// The salt of the tally commitment after the batch. Secret.
    pub salt_after: Fr,
}

impl fmt::Debug for TallyBatchWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TallyBatchWitness")
            .field("batch_index", &self.batch_index)
            .field("poll_id", &self.poll_id)
            .field("sb_final", &self.sb_final())
            .field("tally_before", &self.tally_before())
            .field("tally_after", &self.tally_after())
            .finish_non_exhaustive()
    }
}

/// One leaf of a tally batch: a voter's ballot, or an empty leaf (no voter at that index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotSlot {
    /// Whether a voter holds the leaf: its leaf is then `Poseidon([nonce, votes_root])`; an
    /// empty leaf is 0 and carries no votes.
    pub occupied: bool,
    /// The ballot: nonce 0 and all-zero votes for an empty leaf.
    pub ballot: Ballot,
}

/// `Σ spent` of per-option totals.
fn total_spent(totals: &[OptionResult]) -> u128 {
    totals.iter().map(|o| o.spent).sum()
}

impl TallyBatchWitness {
    /// `sbFinal = Poseidon([state_root, ballot_root, sb_salt])`.
    pub fn sb_final(&self) -> Fr {
        sb_commitment(self.state_root, self.ballot_root, self.sb_salt)
    }

    /// The tally commitment before the batch: 0 for `k = 0`, else
    /// [`results_commitment`]`(totals_before, salt_before)`.
    pub fn tally_before(&self) -> Fr {
        if self.batch_index == 0 {
            Fr::ZERO
        } else {
            results_commitment(&self.totals_before, self.salt_before)
        }
    }

    /// The tally commitment after the batch: [`results_commitment`]`(totals_after, salt_after)`.
    pub fn tally_after(&self) -> Fr {
        results_commitment(&self.totals_after, self.salt_after)
    }

    /// `Σ spent` before the batch.
    pub fn spent_before(&self) -> u128 {
        total_spent(&self.totals_before)
    }

    /// `Σ spent` after the batch.
    pub fn spent_after(&self) -> u128 {
        total_spent(&self.totals_after)
    }

    /// The proof's single public input ([`tally_public_input`]).
    pub fn public_input(&self) -> Fr {
        tally_public_input(
            self.poll_id,
            self.sb_final(),
            self.batch_index,
            self.tally_before(),
            self.tally_after(),
        )
    }

    /// Batch 0 of a poll of one voter, one option and no vote: the shape used for key
    /// generation (any witness of the same parameters gives the same constraints).
    ///
    /// # Errors
    ///
    /// As [`TallyParams::check`] and [`tally_witnesses`], for invalid parameters.
    pub fn blank(params: TallyParams) -> Result<Self, TallyWitnessError> {
        let poll = Poll { id: 0, options: 1, deadline: 0, voice_credits: 0, coordinator: BASE8 };
        let voter = VoterState { pubkey: BASE8, voice_credits: 0 };
        let ballot = Ballot { nonce: 0, votes: vec![0] };
        let mut all = tally_witnesses(&poll, &params, &[voter], &[ballot], Fr::ZERO, || Fr::ZERO)?;
        // One voter: exactly one batch.
        Ok(all.batches.swap_remove(0))
    }
}

/// Every tally proof's witness of a poll and the results they prove.
#[derive(Clone)]
pub struct TallyWitnesses {
    /// The poll's id.
    pub poll_id: u64,
    /// The witnesses in proving order: batch 0 first.
    pub batches: Vec<TallyBatchWitness>,
    /// Per option, the totals over every ballot: the results to publish.
    pub results: Vec<OptionResult>,
    /// `Σ spent` over the options.
    pub total_spent: u128,
    /// The salt of the last tally commitment, which `publishResults` takes. Secret until then.
    pub salt: Fr,
}

impl fmt::Debug for TallyWitnesses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TallyWitnesses")
            .field("poll_id", &self.poll_id)
            .field("batches", &self.batches.len())
            .finish_non_exhaustive()
    }
}

impl TallyWitnesses {
    /// The tally commitment after the last proof: [`results_commitment`]`(results, salt)`.
    pub fn commitment(&self) -> Fr {
        results_commitment(&self.results, self.salt)
    }

    /// The public [`Tally`] the proofs establish, with the poll's message chain (as L1 holds it).
    pub fn tally(&self, message_chain: Fr) -> Tally {
        Tally {
            poll_id: self.poll_id,
            results: self.results.clone(),
            total_spent: self.total_spent,
            message_chain,
            commitment: self.commitment(),
        }
    }
}

/// Builds every tally proof's witness of a poll.
///
/// `voters` and `ballots` are the final states and ballots by state index (those `sbFinal`
/// commits to, with `sb_salt`); `salt` draws the fresh salt of each new tally commitment, one
/// per batch (the last one is [`TallyWitnesses::salt`]).
///
/// # Errors
///
/// [`TallyWitnessError`]: invalid parameters, no voter, ballots of the wrong shape, a poll
/// larger than the trees.
pub fn tally_witnesses(
    poll: &Poll,
    params: &TallyParams,
    voters: &[VoterState],
    ballots: &[Ballot],
    sb_salt: Fr,
    mut salt: impl FnMut() -> Fr,
) -> Result<TallyWitnesses, TallyWitnessError> {
    params.check()?;
    if poll.options == 0 || poll.options as usize > params.max_options() {
        return Err(TallyWitnessError::Options { options: poll.options, max: params.max_options() });
    }
    if voters.is_empty() {
        return Err(TallyWitnessError::NoVoters);
    }
    if voters.len() != ballots.len() {
        return Err(TallyWitnessError::BallotCount { voters: voters.len(), ballots: ballots.len() });
    }
    if let Some((index, b)) = ballots.iter().enumerate().find(|(_, b)| b.votes.len() != poll.options as usize)
    {
        return Err(TallyWitnessError::BallotShape { index, got: b.votes.len(), options: poll.options });
    }
    let vote_params =
        VoteParams { state_depth: params.state_depth, vote_depth: params.vote_depth, batch_size: 1 };
    let trees = PollTrees::new(&vote_params, voters, ballots)?;
    let (state_root, ballot_root) = (trees.state.root(), trees.ballots.root());

    let t = params.batch_size;
    let mut totals = vec![OptionResult::default(); poll.options as usize];
    let mut salt_before = Fr::ZERO;
    let mut batches = Vec::with_capacity(params.batches(voters.len()));
    for k in 0..params.batches(voters.len()) {
        let start = k * t;
        let empty = Ballot { nonce: 0, votes: vec![0; poll.options as usize] };
        let slots: Vec<BallotSlot> = (start..start + t)
            .map(|i| match ballots.get(i) {
                Some(b) => BallotSlot { occupied: true, ballot: b.clone() },
                None => BallotSlot { occupied: false, ballot: empty.clone() },
            })
            .collect();
        // The leaf proof's siblings above the subtree are the subtree root's path.
        let leaf_proof = trees.ballots.proof(start as u64)?;
        let subtree_proof =
            MerkleProof { index: k as u64, siblings: leaf_proof.siblings[params.subtree_depth()..].to_vec() };
        let totals_before = totals.clone();
        for slot in &slots {
            for (o, w) in totals.iter_mut().zip(&slot.ballot.votes) {
                o.votes += u128::from(*w);
                o.spent += u128::from(*w) * u128::from(*w);
            }
        }
        let salt_after = salt();
        batches.push(TallyBatchWitness {
            params: *params,
            batch_index: k as u64,
            poll_id: poll.id,
            options: poll.options,
            state_root,
            ballot_root,
            sb_salt,
            slots,
            subtree_proof,
            totals_before,
            salt_before,
            totals_after: totals.clone(),
            salt_after,
        });
        salt_before = salt_after;
    }
    let total_spent = total_spent(&totals);
    Ok(TallyWitnesses { poll_id: poll.id, batches, results: totals, total_spent, salt: salt_before })
}

/// [`tally_witnesses`] over what the processing proofs left: their final voters, ballots and
/// `sb` salt, with the processing's tree depths and `batch_size` ballots per tally proof.
///
/// # Errors
///
/// As [`tally_witnesses`].
pub fn tally_after_processing(
    poll: &Poll,
    processing: &ProcessWitnesses,
    batch_size: usize,
    salt: impl FnMut() -> Fr,
) -> Result<TallyWitnesses, TallyWitnessError> {
    let params = TallyParams::new(processing.final_trees.params(), batch_size)?;
    tally_witnesses(
        poll,
        &params,
        &processing.final_voters,
        &processing.final_ballots,
        processing.final_salt,
        salt,
    )
}
