//! The tally circuit: one batch of `T` ballots of the final ballot tree, added to the running
//! per-option totals, as [`crate::vote::tally_witness::tally_witnesses`] does.
//!
//! One public input, `sha256(pollId, sbFinal, k, tallyBefore, tallyAfter) mod r`
//! ([`crate::vote::tally_witness::tally_public_input`]). The circuit proves:
//!
//! * **sbFinal**: `sbFinal = Poseidon(stateRoot, ballotRoot, salt)` where `ballotRoot` is the
//!   root of a tree whose subtree at index `k` (height `log₂ T`, `k < 2^(state_depth − log₂ T)`)
//!   holds the batch's `T` ballot leaves.
//! * **per ballot**: the `2^vote_depth` weights are below `2⁵⁰` (what processing can write);
//!   the votes tree is recomputed from them; the leaf is `Poseidon(nonce, votesRoot)` for a
//!   voter, and 0 for an empty leaf, whose weights must then all be 0 (an empty leaf cannot be
//!   opened as a ballot with votes: the leaf is the constant 0, not a hash).
//! * **totals**: per option `votesAfter = votesBefore + Σ weight`, `spentAfter = spentBefore +
//!   Σ weight²`; options at or above the poll's `options` (a witness, `1 ≤ options ≤
//!   2^vote_depth`) have zero totals before and after (so their weights are 0).
//! * **commitments**: `tallyAfter = Poseidon(r, Σ spentAfter, saltAfter)` with `r` the
//!   [`crate::vote::results_commitment`] chain over the first `options` options; for `k = 0`
//!   `tallyBefore = 0` and the totals before are 0, for `k > 0` `tallyBefore` opens likewise.
//!
//! `options` is not public: it is bound by the commitments, whose chain length it sets (the
//! commitment of another length would be a Poseidon collision), and `publishResults` opens the
//! last one with the poll's number of options.
//!
//! Cost at the production size (state depth 10, vote depth 3; pinned in
//! `tests/snapshots/vote_tally_production_*`): 2,525 constraints per ballot (its votes tree,
//! leaf and share of the batch's subtree: about 9 `Poseidon(2)`; 8 weights range-checked and
//! squared) and 126,547 per proof (mostly the SHA-256 of the public input); 208,329 for
//! `T = 32`.

use ark_crypto_primitives::crh::sha256::constraints::Sha256Gadget;
use ark_ff::{Field, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::process::{be_bytes_to_le_bits, bits_to_fp_mod_r, small_word, word};
use crate::lc::linear_combination;
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::{hash as poseidon, hash2};
use crate::range::{enforce_bits, is_le};
use crate::vote::command::PART_BITS;
use crate::vote::tally::OptionResult;
use crate::vote::tally_witness::TallyBatchWitness;
use crate::Fr;

/// One tally proof's statement, for setup (with [`TallyBatchWitness::blank`]) and proving.
#[derive(Debug, Clone)]
pub struct TallyCircuit {
    /// The batch proven.
    pub witness: TallyBatchWitness,
    /// Where the public input's value comes from (the constraints are the same).
    source: InputSource,
}

/// Where the value assigned to the public input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputSource {
    /// The native public input of the witness's claims: what an honest prover uses.
    Native,
    /// The value the circuit computes from the witness.
    Computed,
    /// A value given by the caller: the statement L1 checks.
    Given(Fr),
}

impl TallyCircuit {
    /// The circuit of a batch, its public input the batch's native public input.
    pub fn new(witness: TallyBatchWitness) -> Self {
        Self { witness, source: InputSource::Native }
    }

    /// For tests: the public input takes whatever value the circuit computes from the witness.
    /// The constraints are identical to [`TallyCircuit::new`]'s.
    pub fn with_computed_public_input(witness: TallyBatchWitness) -> Self {
        Self { witness, source: InputSource::Computed }
    }

    /// The circuit of a batch against a given public input (the statement as L1 computes it
    /// with `Poll.tallyInput`): for soundness tests, where the witness is tampered and L1's
    /// values are not. The constraints are identical to [`TallyCircuit::new`]'s.
    pub fn with_public_input(witness: TallyBatchWitness, input: Fr) -> Self {
        Self { witness, source: InputSource::Given(input) }
    }
}

/// The running totals of every option of the votes tree (`2^vote_depth`, zero-padded).
struct Totals {
    votes: Vec<FpVar<Fr>>,
    spent: Vec<FpVar<Fr>>,
}

/// `Poseidon(r, Σ spent, salt)` with `r₀ = 0`, `rⱼ₊₁ = Poseidon(rⱼ, votesⱼ, spentⱼ)` over the
/// options with `in_poll[j]` set (a prefix): [`crate::vote::results_commitment`].
fn commitment(
    totals: &Totals,
    in_poll: &[Boolean<Fr>],
    salt: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut r = FpVar::zero();
    for ((v, s), inside) in totals.votes.iter().zip(&totals.spent).zip(in_poll) {
        // r ← option j in the poll ? Poseidon(r, votes_j, spent_j) : r
        let next = poseidon(&[r.clone(), v.clone(), s.clone()])?;
        r = inside.select(&next, &r)?;
    }
    let total = linear_combination(totals.spent.iter().map(|s| (Fr::ONE, s.clone())), Fr::zero());
    poseidon(&[r, total, salt.clone()])
}

/// One ballot slot: returns its leaf, and adds its weights and their squares to `votes` and
/// `spent` (per option, the terms of the sums).
fn ballot(
    cs: &ConstraintSystemRef<Fr>,
    w: &TallyBatchWitness,
    slot: usize,
    votes: &mut [Vec<FpVar<Fr>>],
    spent: &mut [Vec<FpVar<Fr>>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let zero = FpVar::zero();
    let s = w.slots.get(slot);
    let exists = Boolean::new_witness(cs.clone(), || Ok(s.is_some_and(|s| s.occupied)))?;
    let empty = !exists.clone();
    let nonce = FpVar::new_witness(cs.clone(), || Ok(s.map_or(Fr::zero(), |s| Fr::from(s.ballot.nonce))))?;
    let mut level = Vec::with_capacity(votes.len());
    for (j, (v, sq)) in votes.iter_mut().zip(spent.iter_mut()).enumerate() {
        let weight = FpVar::new_witness(cs.clone(), || {
            Ok(Fr::from(s.and_then(|s| s.ballot.votes.get(j).copied()).unwrap_or(0)))
        })?;
        // weight < 2⁵⁰ (a command's weight part)
        enforce_bits(&weight, PART_BITS as usize)?;
        // empty leaf ⇒ weight = 0
        weight.conditional_enforce_equal(&zero, &empty)?;
        sq.push(weight.square()?);
        v.push(weight.clone());
        level.push(weight);
    }
    // votes_root: the votes tree of the weights
    while level.len() > 1 {
        level = level.chunks(2).map(|pair| hash2(&pair[0], &pair[1])).collect::<Result<Vec<_>, _>>()?;
    }
    let votes_root = level.pop().ok_or(SynthesisError::Unsatisfiable)?;
    // leaf = exists ? Poseidon(nonce, votes_root) : 0
    exists.select(&hash2(&nonce, &votes_root)?, &zero)
}

impl ConstraintSynthesizer<Fr> for TallyCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let p = w.params;
        // A batch size that is not a power of two at most 2^state_depth is a wiring error.
        p.check().map_err(|_| SynthesisError::Unsatisfiable)?;
        let n_options = p.max_options();
        let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));

        // ---- batch values -------------------------------------------------------------------
        let poll_id = wit(Fr::from(w.poll_id))?;
        let options = wit(Fr::from(w.options))?;
        // 1 ≤ options ≤ 2^vote_depth
        enforce_bits(&(&options - Fr::ONE), p.vote_depth)?;
        // in_poll[j] = j < options ⇔ j + 1 ≤ options (both ≤ 2^vote_depth)
        let in_poll = (0..n_options)
            .map(|j| is_le(&FpVar::constant(Fr::from(j as u64 + 1)), &options, p.vote_depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        let k = wit(Fr::from(w.batch_index))?;
        // k < 2^path_depth: the batch's subtree is in the tree
        let k_bits = enforce_bits(&k, p.path_depth())?;
        let first = k.is_zero()?;

        // ---- the ballots and sbFinal ------------------------------------------------------------
        let mut votes: Vec<Vec<FpVar<Fr>>> = vec![Vec::with_capacity(p.batch_size); n_options];
        let mut spent: Vec<Vec<FpVar<Fr>>> = vec![Vec::with_capacity(p.batch_size); n_options];
        let mut level = (0..p.batch_size)
            .map(|i| ballot(&cs, w, i, &mut votes, &mut spent))
            .collect::<Result<Vec<_>, _>>()?;
        // the subtree of the batch's leaves
        while level.len() > 1 {
            level = level.chunks(2).map(|pair| hash2(&pair[0], &pair[1])).collect::<Result<Vec<_>, _>>()?;
        }
        let subtree_root = level.pop().ok_or(SynthesisError::Unsatisfiable)?;
        let path = MerklePathVar::new_witness(cs.clone(), k_bits, Some(&w.subtree_proof), p.path_depth())?;
        let ballot_root = path.root(&subtree_root)?;
        // sbFinal = Poseidon(state_root, ballot_root, salt)
        let sb_final = poseidon(&[wit(w.state_root)?, ballot_root, wit(w.sb_salt)?])?;

        // ---- the totals -------------------------------------------------------------------------
        let padded = |t: &[OptionResult]| {
            (0..n_options).map(|j| t.get(j).copied().unwrap_or_default()).collect::<Vec<_>>()
        };
        let before_values = padded(&w.totals_before);
        let before = Totals {
            votes: before_values.iter().map(|o| wit(Fr::from(o.votes))).collect::<Result<_, _>>()?,
            spent: before_values.iter().map(|o| wit(Fr::from(o.spent))).collect::<Result<_, _>>()?,
        };
        let sum = |base: &FpVar<Fr>, terms: &[FpVar<Fr>]| {
            linear_combination(std::iter::once(base).chain(terms).map(|x| (Fr::ONE, x.clone())), Fr::zero())
        };
        let after = Totals {
            votes: before.votes.iter().zip(&votes).map(|(b, t)| sum(b, t)).collect(),
            spent: before.spent.iter().zip(&spent).map(|(b, t)| sum(b, t)).collect(),
        };
        let zero = FpVar::zero();
        for (j, inside) in in_poll.iter().enumerate() {
            // k = 0 ⇒ votesBefore_j = spentBefore_j = 0
            before.votes[j].conditional_enforce_equal(&zero, &first)?;
            before.spent[j].conditional_enforce_equal(&zero, &first)?;
            // j ≥ options ⇒ votesBefore_j = spentBefore_j = votesAfter_j = 0 (so every weight
            // on j is 0: a sum of values below 2⁵⁰ without wrap-around)
            let outside = !inside.clone();
            before.votes[j].conditional_enforce_equal(&zero, &outside)?;
            before.spent[j].conditional_enforce_equal(&zero, &outside)?;
            after.votes[j].conditional_enforce_equal(&zero, &outside)?;
        }

        // ---- the commitments --------------------------------------------------------------------
        let opened_before = commitment(&before, &in_poll, &wit(w.salt_before)?)?;
        // tallyBefore = k = 0 ? 0 : Poseidon(r_before, Σ spentBefore, saltBefore)
        let tally_before = first.select(&zero, &opened_before)?;
        let tally_after = commitment(&after, &in_poll, &wit(w.salt_after)?)?;

        // ---- the public input -------------------------------------------------------------------
        let mut preimage = Vec::with_capacity(5 * 32);
        preimage.extend(small_word(&poll_id, 64)?);
        preimage.extend(word(&sb_final)?);
        preimage.extend(small_word(&k, 64)?);
        preimage.extend(word(&tally_before)?);
        preimage.extend(word(&tally_after)?);
        let digest = Sha256Gadget::digest(&preimage)?;
        let computed = bits_to_fp_mod_r(&be_bytes_to_le_bits(&digest.0)?);
        let input = FpVar::new_input(cs.clone(), || match self.source {
            InputSource::Native => Ok(w.public_input()),
            InputSource::Computed => computed.value(),
            InputSource::Given(v) => Ok(v),
        })?;
        // sha256(public values) mod r = the single public input
        computed.enforce_equal(&input)?;
        Ok(())
    }
}
