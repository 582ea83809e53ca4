//! The trees a poll's processing proofs open, and the commitment `sb` that L1 keeps of them.
//!
//! - **State tree** (depth `state_depth`): leaf `i` is voter `i`'s
//!   `Poseidon([pk.x, pk.y, balance])` ([`state_leaf`]); unused leaves are 0.
//! - **Votes tree** of a ballot (depth `vote_depth`): leaf `j` is the weight on option `j`.
//! - **Ballot tree** (same depth and indices as the state tree): leaf `i` is
//!   `Poseidon([nonce, votes_root])` ([`ballot_leaf`]); a registered voter starts with nonce 0
//!   and all-zero votes; unused leaves are 0.
//! - `sb = Poseidon([state_root, ballot_root, salt])` ([`sb_commitment`]); the initial `sb`
//!   ([`initial_sb`]) has salt 0.
//!
//! The message chain is padded at `closePoll` with [`PAD_MESSAGE`] (the identity as ephemeral
//! key: unreadable, so ignored) up to a multiple of the batch size.

use ark_ff::{AdditiveGroup, Field};

use super::message::{Message, MESSAGE_LEN};
use super::tally::{Ballot, VoterState};
use crate::babyjubjub::Point;
use crate::merkle::{empty_hashes, MerkleError, SparseMerkleTree};
use crate::poseidon;
use crate::Fr;

/// The shape of a poll's processing circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteParams {
    /// Depth of the state and ballot trees: up to `2^state_depth` voters.
    pub state_depth: usize,
    /// Depth of a ballot's votes tree: up to `2^vote_depth` options.
    pub vote_depth: usize,
    /// Messages per processing proof (`B`).
    pub batch_size: usize,
}

impl VoteParams {
    /// The size the tests use: 4 voters, 4 options, `batch_size` messages per proof.
    pub const fn test(batch_size: usize) -> Self {
        Self { state_depth: 2, vote_depth: 2, batch_size }
    }

    /// The production size (benchmarks): 1,024 voters, 8 options, 25 messages per proof.
    pub const PRODUCTION: Self = Self { state_depth: 10, vote_depth: 3, batch_size: 25 };

    /// Number of voters the state tree holds.
    pub fn max_voters(&self) -> usize {
        1usize << self.state_depth
    }

    /// Number of options a ballot holds.
    pub fn max_options(&self) -> usize {
        1usize << self.vote_depth
    }
}

/// Why trees cannot be built for a poll.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TreeError {
    /// More voters than the state tree holds.
    #[error("{voters} voters do not fit a state tree of depth {depth}: use a deeper tree")]
    TooManyVoters {
        /// Voters given.
        voters: usize,
        /// The state tree's depth.
        depth: usize,
    },
    /// More options than a votes tree holds.
    #[error("{options} options do not fit a votes tree of depth {depth}: use a deeper tree")]
    TooManyOptions {
        /// Options given.
        options: usize,
        /// The votes tree's depth.
        depth: usize,
    },
    /// A depth is invalid for a Merkle tree.
    #[error(transparent)]
    Merkle(#[from] MerkleError),
}

/// The padding message: no data, the identity `(0, 1)` as ephemeral key (never a valid key, so
/// the coordinator cannot read it and processing ignores it).
pub const PAD_MESSAGE: Message =
    Message { data: [Fr::ZERO; MESSAGE_LEN], enc_pubkey: Point::new_unchecked(Fr::ZERO, Fr::ONE) };

/// [`Message::hash`] of [`PAD_MESSAGE`]: what `closePoll` chains as padding
/// (`PAD_MESSAGE_HASH` in `Poll.sol`).
pub fn pad_message_hash() -> Fr {
    PAD_MESSAGE.hash()
}

/// A voter's state leaf: `Poseidon([pk.x, pk.y, balance])`.
pub fn state_leaf(voter: &VoterState) -> Fr {
    poseidon::hash_n(&[voter.pubkey.x, voter.pubkey.y, Fr::from(voter.voice_credits)])
}

/// A ballot leaf: `Poseidon([nonce, votes_root])`.
pub fn ballot_leaf(nonce: u64, votes_root: Fr) -> Fr {
    poseidon::hash2(Fr::from(nonce), votes_root)
}

/// `sb = Poseidon([state_root, ballot_root, salt])`.
pub fn sb_commitment(state_root: Fr, ballot_root: Fr, salt: Fr) -> Fr {
    poseidon::hash_n(&[state_root, ballot_root, salt])
}

/// The votes tree of one ballot (leaf `j` = weight on option `j`).
pub fn votes_tree(votes: &[u64], vote_depth: usize) -> Result<SparseMerkleTree, TreeError> {
    let mut tree = SparseMerkleTree::new(vote_depth)?;
    if votes.len() as u64 > tree.capacity() {
        return Err(TreeError::TooManyOptions { options: votes.len(), depth: vote_depth });
    }
    for (j, w) in votes.iter().enumerate() {
        if *w != 0 {
            tree.update(j as u64, Fr::from(*w))?;
        }
    }
    Ok(tree)
}

/// The state, ballot and votes trees of a poll at one point of its processing.
#[derive(Clone)]
pub struct PollTrees {
    params: VoteParams,
    /// The state tree.
    pub state: SparseMerkleTree,
    /// The ballot tree.
    pub ballots: SparseMerkleTree,
    /// Each voter's votes tree, by state index.
    pub votes: Vec<SparseMerkleTree>,
}

impl std::fmt::Debug for PollTrees {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollTrees")
            .field("state_root", &self.state.root())
            .field("ballot_root", &self.ballots.root())
            .finish_non_exhaustive()
    }
}

impl PollTrees {
    /// The trees of these voters' states and ballots (by state index).
    pub fn new(params: &VoteParams, voters: &[VoterState], ballots: &[Ballot]) -> Result<Self, TreeError> {
        let mut state = SparseMerkleTree::new(params.state_depth)?;
        let mut ballot_tree = SparseMerkleTree::new(params.state_depth)?;
        if voters.len() as u64 > state.capacity() || ballots.len() != voters.len() {
            return Err(TreeError::TooManyVoters {
                voters: voters.len().max(ballots.len()),
                depth: params.state_depth,
            });
        }
        let mut votes = Vec::with_capacity(voters.len());
        for (i, (v, b)) in voters.iter().zip(ballots).enumerate() {
            state.update(i as u64, state_leaf(v))?;
            let tree = votes_tree(&b.votes, params.vote_depth)?;
            ballot_tree.update(i as u64, ballot_leaf(b.nonce, tree.root()))?;
            votes.push(tree);
        }
        Ok(Self { params: *params, state, ballots: ballot_tree, votes })
    }

    /// The trees before any message: each voter's starting state, nonce 0 and no votes.
    pub fn initial(params: &VoteParams, voters: &[VoterState]) -> Result<Self, TreeError> {
        let empty = Ballot { nonce: 0, votes: Vec::new() };
        Self::new(params, voters, &vec![empty; voters.len()])
    }

    /// The parameters the trees were built for.
    pub fn params(&self) -> &VoteParams {
        &self.params
    }

    /// `sb` of the trees with this salt.
    pub fn sb(&self, salt: Fr) -> Fr {
        sb_commitment(self.state.root(), self.ballots.root(), salt)
    }
}

/// The root of an all-zero votes tree of depth `vote_depth`.
pub fn empty_votes_root(vote_depth: usize) -> Fr {
    empty_hashes(vote_depth)[vote_depth]
}

/// The ballot leaf of a voter before any message: nonce 0, an all-zero votes tree.
pub fn fresh_ballot_leaf(vote_depth: usize) -> Fr {
    ballot_leaf(0, empty_votes_root(vote_depth))
}

/// `(full, empty)`: for each level `l` in `0..=state_depth`, the root of a subtree of `2ˡ` fresh
/// ballots and of an empty one.
pub fn fresh_ballot_subtrees(params: &VoteParams) -> (Vec<Fr>, Vec<Fr>) {
    let mut full = vec![fresh_ballot_leaf(params.vote_depth)];
    for l in 0..params.state_depth {
        full.push(poseidon::hash2(full[l], full[l]));
    }
    (full, empty_hashes(params.state_depth))
}

/// The ballot root of a poll of `voters` voters before any message: a fresh ballot
/// ([`fresh_ballot_leaf`]) at each index in `0..voters`, empty leaves after. The first processing
/// proof checks `initialSb`'s ballot tree against it, so that L1's voter count is the roster's.
///
/// Bottom-up over the bits of `voters`: the subtree of depth `l + 1` that holds the boundary is
/// `(full[l], partial)` if bit `l` is set, else `(partial, empty[l])`.
///
/// # Errors
///
/// More voters than the state tree holds.
pub fn fresh_ballot_root(voters: u64, params: &VoteParams) -> Result<Fr, TreeError> {
    let d = params.state_depth;
    if voters > params.max_voters() as u64 {
        return Err(TreeError::TooManyVoters { voters: voters as usize, depth: d });
    }
    let (full, empty) = fresh_ballot_subtrees(params);
    let mut partial = Fr::ZERO;
    for l in 0..d {
        partial = if (voters >> l) & 1 == 1 {
            poseidon::hash2(full[l], partial)
        } else {
            poseidon::hash2(partial, empty[l])
        };
    }
    Ok(if voters == params.max_voters() as u64 { full[d] } else { partial })
}

/// The `sb` a poll starts from (`initialSb` of `createPoll`): the voters' starting states,
/// empty ballots, salt 0.
pub fn initial_sb(voters: &[VoterState], params: &VoteParams) -> Result<Fr, TreeError> {
    Ok(PollTrees::initial(params, voters)?.sb(Fr::ZERO))
}
