//! The message-processing circuit: one batch of `B` messages of a poll's chain, applied in
//! reverse order to the state and ballot trees exactly as [`crate::vote::process`] does.
//!
//! One public input, `sha256(pollId, coordinatorHash, options, voiceCredits, roster, chainStart,
//! chainEnd, sbBefore, sbAfter) mod r` with `roster = voters + 2³²·first`
//! ([`crate::vote::witness::process_public_input`]). The circuit proves:
//!
//! * **roster**: `voters ≤ 2^state_depth`; in the poll's first proof (`first`, set by L1 for the
//!   last batch) the ballot tree of `sbBefore` (`initialSb`) is exactly `voters` fresh ballots
//!   ([`fresh_ballot_root`]), so that L1's count is the roster's: no ballot outside it, none
//!   pre-filled.
//! * **coordinator**: `coordinatorHash = Poseidon(pk.x, pk.y)` and `pk = a·B8` for the secret
//!   scalar `a < l` (`enforce_public_key`), once per batch; `a`'s 251 bits drive every ECDH.
//! * **chain**: `chainEnd` is `chainStart` extended by the `B` messages in order.
//! * **sb**: `sbBefore = Poseidon(stateRoot, ballotRoot, salt)` before, `sbAfter` likewise
//!   after, with a fresh salt.
//! * **per message, last first**: the ephemeral key checked ([`check_point`]), the shared key
//!   `a·enc`, the decryption and its checks ([`decrypt_bit`]), the packed command decomposed
//!   canonically (its bits at and above 250 zero), the voter's state leaf (or the empty leaf)
//!   opened at the command's index, the ballot and the vote weight opened under it, and the
//!   message applied iff: readable, the index is below `voters` and names a voter, the
//!   signature verifies under the voter's current key ([`verify_poseidon_bit`]), nonce = ballot
//!   nonce + 1, the poll id matches, option < options, the new key is valid and
//!   `balance + old² ≥ new²`, where the balance is the poll's `voiceCredits` while the ballot's
//!   nonce is 0 (a roster leaf cannot grant more) and the leaf's afterwards. An applied message
//!   sets the key, the balance `balance + old² − new²`, the weight and the nonce; any other
//!   leaves both roots unchanged.
//!
//! Range facts the comparisons rely on: the command's parts are 50-bit by construction (bits
//! of the canonical decomposition); a weight in a votes tree was such a part when written, and
//! a balance used never exceeds the voice credits (from the first applied message on,
//! `balance + Σ weight²` is invariant), below 2⁶⁴; `options − 1 < 2^vote_depth`; the index's
//! low bits and `voters` are at most `2^state_depth`.

use ark_crypto_primitives::crh::sha256::constraints::Sha256Gadget;
use ark_ff::{AdditiveGroup, Field, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::ToBytesGadget;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::select::CondSelectGadget;
use ark_r1cs_std::uint8::UInt8;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::cipher::decrypt_bit;
use super::curve::{check_point, scalar_mul, strict_bits};
use super::signature::verify_poseidon_bit;
use crate::babyjubjub::constraints::{enforce_public_key, PointVar, SignatureVar};
use crate::lc::linear_combination;
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash as poseidon;
use crate::range::{enforce_bits, enforce_le, is_le};
use crate::vote::command::PART_BITS;
use crate::vote::message::MESSAGE_LEN;
use crate::vote::trees::{fresh_ballot_subtrees, VoteParams};
use crate::vote::witness::{MessageWitness, ProcessBatchWitness, DECRYPTED_LEN};
use crate::Fr;

/// Bits of the coordinator's secret scalar (`a < l < 2²⁵¹`).
const SCALAR_BITS: usize = 251;

/// One processing proof's statement, for setup (with [`ProcessBatchWitness::blank`]) and
/// proving.
#[derive(Debug, Clone)]
pub struct ProcessCircuit {
    /// The batch proven.
    pub witness: ProcessBatchWitness,
    /// Where the public input's value comes from (the constraints are the same).
    source: InputSource,
}

/// Where the value assigned to the public input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputSource {
    /// The native public input of the witness: what an honest prover and L1 use.
    Native,
    /// The value the circuit computes from the witness.
    Computed,
}

impl ProcessCircuit {
    /// The circuit of a batch, its public input the batch's native public input.
    pub fn new(witness: ProcessBatchWitness) -> Self {
        Self { witness, source: InputSource::Native }
    }

    /// For soundness tests: the public input takes whatever value the circuit computes, as
    /// the strongest cheating prover would choose it, so that a tampered witness must be
    /// caught by the statement's own constraints. The constraints are identical to
    /// [`ProcessCircuit::new`]'s.
    pub fn with_computed_public_input(witness: ProcessBatchWitness) -> Self {
        Self { witness, source: InputSource::Computed }
    }
}

/// Big-endian bytes to little-endian bits.
pub(super) fn be_bytes_to_le_bits(bytes: &[UInt8<Fr>]) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    use ark_r1cs_std::convert::ToBitsGadget;
    let mut bits = Vec::with_capacity(bytes.len() * 8);
    for b in bytes.iter().rev() {
        bits.extend(b.to_bits_le()?);
    }
    Ok(bits)
}

/// A field element as a `uint256` word: 32 big-endian bytes of its canonical integer.
pub(super) fn word(x: &FpVar<Fr>) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    let mut bytes = x.to_bytes_le()?;
    bytes.reverse();
    Ok(bytes)
}

/// A value below `2ⁿ` (range-checked here, `n ≤ 64`) as a `uint256` word.
pub(super) fn small_word(x: &FpVar<Fr>, n: usize) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    let mut bits = enforce_bits(x, n)?;
    bits.resize(256, Boolean::FALSE);
    let mut bytes: Vec<UInt8<Fr>> = bits.chunks(8).map(UInt8::from_bits_le).collect();
    bytes.reverse();
    Ok(bytes)
}

/// `Σ bᵢ·2ⁱ mod r` for the 256 bits of a digest.
pub(super) fn bits_to_fp_mod_r(bits: &[Boolean<Fr>]) -> FpVar<Fr> {
    let mut power = Fr::ONE;
    let terms = bits.iter().map(|b| {
        let term = (power, FpVar::from(b.clone()));
        power.double_in_place();
        term
    });
    linear_combination(terms, Fr::zero())
}

/// The batch-wide values every message uses.
struct BatchVars {
    state_depth: usize,
    vote_depth: usize,
    scalar_bits: Vec<Boolean<Fr>>,
    poll_id: FpVar<Fr>,
    options: FpVar<Fr>,
    voice_credits: FpVar<Fr>,
    voters: FpVar<Fr>,
}

/// The ballot root of `voters` fresh ballots at indices `0..voters` and empty leaves after, from
/// the `state_depth + 1` low bits of `voters ≤ 2^state_depth`: the gadget of
/// [`crate::vote::trees::fresh_ballot_root`], `state_depth` Poseidon hashes.
pub fn fresh_ballot_root(
    voters_bits: &[Boolean<Fr>],
    params: &VoteParams,
) -> Result<FpVar<Fr>, SynthesisError> {
    let d = params.state_depth;
    let (full, empty) = fresh_ballot_subtrees(params);
    let mut partial = FpVar::zero();
    for l in 0..d {
        let bit = &voters_bits[l];
        let (full_l, empty_l) = (FpVar::constant(full[l]), FpVar::constant(empty[l]));
        // bit l set: (full[l], partial), else (partial, empty[l])
        let left = bit.select(&full_l, &partial)?;
        let right = bit.select(&partial, &empty_l)?;
        partial = poseidon(&[left, right])?;
    }
    // voters = 2^d: every leaf fresh
    voters_bits[d].select(&FpVar::constant(full[d]), &partial)
}

/// `Poseidon(Poseidon(d[0..5]), Poseidon(d[5..10]), enc.x, enc.y)`.
fn message_hash(data: &[FpVar<Fr>; MESSAGE_LEN], enc: &PointVar) -> Result<FpVar<Fr>, SynthesisError> {
    let left = poseidon(&data[..5])?;
    let right = poseidon(&data[5..])?;
    poseidon(&[left, right, enc.x.clone(), enc.y.clone()])
}

/// One message, applied to `(state_root, ballot_root)` if valid: returns the roots after it.
fn message(
    cs: &ConstraintSystemRef<Fr>,
    b: &BatchVars,
    w: &MessageWitness,
    data: &[FpVar<Fr>; MESSAGE_LEN],
    enc: &PointVar,
    state_root: &FpVar<Fr>,
    ballot_root: &FpVar<Fr>,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let zero = FpVar::zero();
    let part = PART_BITS as usize;

    // ---- reading: ECDH, decryption, command ------------------------------------------------
    let enc = check_point(enc)?;
    let shared = scalar_mul(&enc.point, &b.scalar_bits)?;
    let plain = w
        .decrypted
        .iter()
        .map(|d| FpVar::new_witness(cs.clone(), || Ok(*d)))
        .collect::<Result<Vec<_>, _>>()?;
    let plain: [FpVar<Fr>; DECRYPTED_LEN] = plain.try_into().map_err(|_| SynthesisError::Unsatisfiable)?;
    let decrypts = decrypt_bit(data, &shared, &plain)?;
    let packed_bits = strict_bits(&plain[0])?;
    // a packed command is below 2²⁵⁰
    let well_formed = !Boolean::kary_or(&packed_bits[5 * part..])?;
    let readable = Boolean::kary_and(&[enc.valid, decrypts, well_formed])?;
    let index_part = &packed_bits[..part];
    let option_bits = &packed_bits[part..2 * part];
    let weight = Boolean::le_bits_to_fp(&packed_bits[2 * part..3 * part])?;
    let nonce = Boolean::le_bits_to_fp(&packed_bits[3 * part..4 * part])?;
    let poll = Boolean::le_bits_to_fp(&packed_bits[4 * part..5 * part])?;
    let option = Boolean::le_bits_to_fp(option_bits)?;
    // the index names a leaf of the state tree, below the poll's voter count (index + 1 ≤ voters,
    // both at most 2^state_depth)
    let index_fits = !Boolean::kary_or(&index_part[b.state_depth..])?;
    let index_low = Boolean::le_bits_to_fp(&index_part[..b.state_depth])?;
    let in_roster = is_le(&(index_low + Fr::ONE), &b.voters, b.state_depth + 1)?;

    // ---- the voter's state leaf, ballot and weight ---------------------------------------------
    let voter = w.voter;
    let exists = Boolean::new_witness(cs.clone(), || Ok(voter.is_some()))?;
    let pk_x = FpVar::new_witness(cs.clone(), || Ok(voter.map_or(Fr::zero(), |v| v.pubkey.x)))?;
    let pk_y = FpVar::new_witness(cs.clone(), || Ok(voter.map_or(Fr::zero(), |v| v.pubkey.y)))?;
    let balance =
        FpVar::new_witness(cs.clone(), || Ok(voter.map_or(Fr::zero(), |v| Fr::from(v.voice_credits))))?;
    let leaf = poseidon(&[pk_x.clone(), pk_y.clone(), balance.clone()])?;
    // an empty leaf is 0; a voter's leaf is the hash of its opened fields
    let leaf_old = exists.select(&leaf, &zero)?;
    let s_path = MerklePathVar::new_witness(
        cs.clone(),
        index_part[..b.state_depth].to_vec(),
        Some(&w.state_proof),
        b.state_depth,
    )?;
    // leaf_old ∈ state_root
    s_path.root(&leaf_old)?.enforce_equal(state_root)?;

    let b_nonce = FpVar::new_witness(cs.clone(), || Ok(Fr::from(w.ballot_nonce)))?;
    let votes_root = FpVar::new_witness(cs.clone(), || Ok(w.votes_root))?;
    let b_path = MerklePathVar::new_witness(
        cs.clone(),
        index_part[..b.state_depth].to_vec(),
        Some(&w.ballot_proof),
        b.state_depth,
    )?;
    // A voter of the roster has a ballot: registered ⇒ Poseidon(nonce, votes_root) ∈ ballot_root
    // (same index). Past the count the ballot leaf is empty (initialSb's ballots are fresh for
    // `voters` only) whatever the state leaf holds: nothing is opened there, and the message is
    // ignored.
    let registered = exists.clone() & &in_roster;
    b_path
        .root(&poseidon(&[b_nonce.clone(), votes_root.clone()])?)?
        .conditional_enforce_equal(ballot_root, &registered)?;
    let old_weight = FpVar::new_witness(cs.clone(), || Ok(Fr::from(w.old_weight)))?;
    let v_path = MerklePathVar::new_witness(
        cs.clone(),
        option_bits[..b.vote_depth].to_vec(),
        Some(&w.vote_proof),
        b.vote_depth,
    )?;
    // voter ⇒ old_weight ∈ votes_root at the option's low bits
    v_path.root(&old_weight)?.conditional_enforce_equal(&votes_root, &registered)?;

    // ---- the rules --------------------------------------------------------------------------
    let command_hash = poseidon(&plain[..4])?;
    let signature =
        SignatureVar { r8: PointVar::new(plain[4].clone(), plain[5].clone()), s: plain[6].clone() };
    let signed = verify_poseidon_bit(&command_hash, &signature, &PointVar::new(pk_x, pk_y))?;
    let nonce_ok = nonce.is_eq(&(&b_nonce + Fr::ONE))?;
    // before the first applied message (nonce 0) the balance is the poll's, not the leaf's
    let balance = b_nonce.is_eq(&zero)?.select(&b.voice_credits, &balance)?;
    let poll_ok = poll.is_eq(&b.poll_id)?;
    // option < options ⇔ option + 1 ≤ options (both below 2⁵¹)
    let option_ok = is_le(&(&option + Fr::ONE), &b.options, part + 1)?;
    let new_key = check_point(&PointVar::new(plain[1].clone(), plain[2].clone()))?;
    // balance + old² ≥ new² (all below 2¹⁰¹)
    let available = &balance + old_weight.square()?;
    let cost = weight.square()?;
    let can_pay = is_le(&cost, &available, 2 * part + 1)?;
    let valid = Boolean::kary_and(&[
        readable,
        index_fits,
        registered,
        signed,
        nonce_ok,
        poll_ok,
        option_ok,
        new_key.valid,
        can_pay,
    ])?;

    // ---- the effect -------------------------------------------------------------------------
    let new_leaf = poseidon(&[plain[1].clone(), plain[2].clone(), available - cost])?;
    let new_state_root = s_path.root(&new_leaf)?;
    let new_votes_root = v_path.root(&weight)?;
    let new_ballot_root = b_path.root(&poseidon(&[b_nonce + Fr::ONE, new_votes_root])?)?;
    Ok((
        FpVar::conditionally_select(&valid, &new_state_root, state_root)?,
        FpVar::conditionally_select(&valid, &new_ballot_root, ballot_root)?,
    ))
}

impl ConstraintSynthesizer<Fr> for ProcessCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let p = w.params;
        let wit = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));

        // ---- batch values -------------------------------------------------------------------
        let poll_id = wit(Fr::from(w.poll_id))?;
        let options = wit(Fr::from(w.options))?;
        let voice_credits = wit(Fr::from(w.voice_credits))?;
        let voters = wit(Fr::from(w.voters))?;
        let first = Boolean::new_witness(cs.clone(), || Ok(w.first))?;
        let max_voters = FpVar::constant(Fr::from(p.max_voters() as u64));
        // voters ≤ 2^state_depth
        let voters_bits = enforce_bits(&voters, p.state_depth + 1)?;
        enforce_le(&voters, &max_voters, p.state_depth + 1)?;
        // 1 ≤ options ≤ 2^vote_depth
        enforce_bits(&(&options - Fr::ONE), p.vote_depth)?;
        let coordinator = PointVar::new(wit(w.coordinator.x)?, wit(w.coordinator.y)?);
        let scalar = wit(w.coordinator_scalar)?;
        // coordinator = a·B8, 0 < a < l
        enforce_public_key(&scalar, &coordinator)?;
        let scalar_bits = enforce_bits(&scalar, SCALAR_BITS)?;
        let coordinator_hash = poseidon(&[coordinator.x.clone(), coordinator.y.clone()])?;
        let chain_start = wit(w.chain_start)?;
        let state_root_before = wit(w.state_root_before)?;
        let ballot_root_before = wit(w.ballot_root_before)?;
        let sb_before =
            poseidon(&[state_root_before.clone(), ballot_root_before.clone(), wit(w.salt_before)?])?;
        // first ⇒ initialSb's ballots are exactly `voters` fresh ones
        ballot_root_before.conditional_enforce_equal(&fresh_ballot_root(&voters_bits, &p)?, &first)?;

        // ---- the chain, forward -------------------------------------------------------------
        let mut chain = chain_start.clone();
        let mut messages = Vec::with_capacity(w.messages.len());
        for m in &w.messages {
            let data: [FpVar<Fr>; MESSAGE_LEN] = m
                .message
                .data
                .iter()
                .map(|d| wit(*d))
                .collect::<Result<Vec<_>, _>>()?
                .try_into()
                .map_err(|_| SynthesisError::Unsatisfiable)?;
            let enc = PointVar::new(wit(m.message.enc_pubkey.x)?, wit(m.message.enc_pubkey.y)?);
            // chain ← Poseidon(chain, hash(message))
            chain = poseidon(&[chain, message_hash(&data, &enc)?])?;
            messages.push((data, enc));
        }

        // ---- the messages, last first ---------------------------------------------------------
        let batch = BatchVars {
            state_depth: p.state_depth,
            vote_depth: p.vote_depth,
            scalar_bits,
            poll_id,
            options,
            voice_credits,
            voters,
        };
        let mut state_root = state_root_before;
        let mut ballot_root = ballot_root_before;
        for (m, (data, enc)) in w.messages.iter().zip(&messages).rev() {
            (state_root, ballot_root) = message(&cs, &batch, m, data, enc, &state_root, &ballot_root)?;
        }
        let sb_after = poseidon(&[state_root, ballot_root, wit(w.salt_after)?])?;

        // ---- the public input -------------------------------------------------------------------
        let mut preimage = Vec::with_capacity(9 * 32);
        preimage.extend(small_word(&batch.poll_id, 64)?);
        preimage.extend(word(&coordinator_hash)?);
        preimage.extend(small_word(&batch.options, 32)?);
        preimage.extend(small_word(&batch.voice_credits, 64)?);
        // roster = voters + 2³²·first: L1 writes 1 ≤ voters < 2³² (uint32), and the circuit
        // range-checks voters ≤ 2^state_depth ≤ 2³², so a word L1 computes names one (voters,
        // first) pair only
        preimage.extend(small_word(&(&batch.voters + FpVar::from(first) * Fr::from(1u64 << 32)), 33)?);
        for x in [&chain_start, &chain, &sb_before, &sb_after] {
            preimage.extend(word(x)?);
        }
        let digest = Sha256Gadget::digest(&preimage)?;
        let computed = bits_to_fp_mod_r(&be_bytes_to_le_bits(&digest.0)?);
        let input = FpVar::new_input(cs.clone(), || match self.source {
            InputSource::Native => Ok(w.public_input()),
            InputSource::Computed => computed.value(),
        })?;
        // sha256(public values) mod r = the single public input
        computed.enforce_equal(&input)?;
        Ok(())
    }
}
