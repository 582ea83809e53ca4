//! The batch circuit: every slot's transition, and the SHA-256 batch commitment.
//!
//! One public input, the batch commitment of [`super::public_commitment`]. Per slot the
//! circuit proves, from the slot's 12 data bytes (which the commitment covers):
//!
//! * **sender** (transfer, exit, forced exit): the sender's leaf is in the current root;
//!   the new balance `balance − amount` is a 64-bit value (no overspend); the root is
//!   updated along the same path. For a transfer or exit, the EdDSA signature over the
//!   message built from the data bytes and the sender's nonce is valid under the sender's
//!   key and the nonce is incremented; a forced exit has no signature and keeps the nonce.
//! * **recipient** (transfer, deposit): its leaf (or the empty leaf, for a deposit that
//!   opens an account) is in the intermediate root; the new balance is 64-bit (no
//!   overflow); the root is updated.
//! * **L1 queue**: a deposit slot advances the chain
//!   `q ← Poseidon([q, index, pk.x, pk.y, amount])` over the deposit it credits, a forced
//!   exit `q ← Poseidon([q, index, 0, 1, requested])`, so the commitment's `queue_after`
//!   pins exactly which L1 entries were consumed, in order. The key `(0, 1)` marks a forced
//!   exit; a top-up must have `(0, 0)`, so neither kind of entry passes for the other.
//! * **forced exit**: the amount in the data is the effective amount, `requested` when
//!   `requested ≤ balance`, else 0 (the request is nullified); `requested` is 64-bit.
//! * **canonical data**: fields a slot kind does not use are zero in the data.
//!
//! A no-op slot changes nothing. Old leaf values need no range checks: every value in
//! the tree was range-checked when it was written (induction from the empty tree).

use ark_bn254::Fr;
use ark_crypto_primitives::crh::sha256::constraints::Sha256Gadget;
use ark_ff::{AdditiveGroup, Field, Zero};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::convert::{ToBitsGadget, ToBytesGadget};
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::uint8::UInt8;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::BatchWitness;
use crate::babyjubjub::constraints::{verify_poseidon_gadget_if, PointVar, SignatureVar};
use crate::lc::linear_combination;
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash as poseidon;
use crate::range::{enforce_bits, is_le, AMOUNT_BITS};
use crate::state::account::{empty_ext_hash, Account};
use crate::state::amount::MANTISSA_BITS;
use crate::state::encoding::SLOT_BYTES;
use crate::state::tx::TxKind;
use crate::state::SlotWitness;

/// The batch statement, for setup (with [`BatchWitness::blank`]) and proving.
#[derive(Debug, Clone)]
pub struct BatchCircuit {
    /// The batch proven.
    pub witness: BatchWitness,
    /// Where the public input's value comes from (the constraints are the same).
    commitment: CommitmentSource,
    /// Data bytes used instead of a slot's encoding (soundness tests only).
    slot_bytes: Vec<(usize, [u8; SLOT_BYTES])>,
}

/// Where the value assigned to the public input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CommitmentSource {
    /// The native commitment of the witness: what an honest prover and L1 use.
    Native,
    /// The value the circuit itself computes from the witness.
    Computed,
}

impl BatchCircuit {
    /// The circuit of a batch, its public input the batch's native commitment.
    pub fn new(witness: BatchWitness) -> Self {
        Self { witness, commitment: CommitmentSource::Native, slot_bytes: Vec::new() }
    }

    /// For soundness tests: the public input takes whatever value the circuit computes, as
    /// the strongest cheating prover would choose it. A tampered witness must then be caught
    /// by the transition's own constraints, not by a mismatch with an honest commitment.
    /// The constraints are identical to [`BatchCircuit::new`]'s.
    pub fn with_computed_commitment(witness: BatchWitness) -> Self {
        Self { witness, commitment: CommitmentSource::Computed, slot_bytes: Vec::new() }
    }

    /// For soundness tests: slot `slot`'s data bytes are `bytes` instead of its witness's
    /// encoding, to present data the native types cannot express (an unknown kind byte).
    /// The constraints are the same.
    pub fn with_slot_bytes(mut self, slot: usize, bytes: [u8; SLOT_BYTES]) -> Self {
        self.slot_bytes.push((slot, bytes));
        self
    }

    /// The data bytes of slot `i`.
    fn bytes_of(&self, i: usize) -> [u8; SLOT_BYTES] {
        let own = self.witness.slots[i].encoded.to_bytes();
        self.slot_bytes.iter().rev().find(|(j, _)| *j == i).map_or(own, |(_, b)| *b)
    }
}

/// Big-endian bytes to little-endian bits (bit 0 = least significant bit of the last byte).
fn be_bytes_to_le_bits(bytes: &[UInt8<Fr>]) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let mut bits = Vec::with_capacity(bytes.len() * 8);
    for b in bytes.iter().rev() {
        bits.extend(b.to_bits_le()?);
    }
    Ok(bits)
}

/// `Σ bᵢ·2ⁱ` for fewer bits than the field's size (one linear combination, no constraint).
fn bits_to_fp(bits: &[Boolean<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    debug_assert!(bits.len() < 254);
    Boolean::le_bits_to_fp(bits)
}

/// `Σ bᵢ·2ⁱ mod r` for any number of bits: the reduction of a 256-bit digest.
fn bits_to_fp_mod_r(bits: &[Boolean<Fr>]) -> FpVar<Fr> {
    let mut power = Fr::ONE;
    let terms = bits.iter().map(|b| {
        let term = (power, FpVar::from(b.clone()));
        power.double_in_place();
        term
    });
    linear_combination(terms, Fr::zero())
}

/// A field element as 32 big-endian bytes, canonical (strict decomposition).
fn fp_to_be_bytes(x: &FpVar<Fr>) -> Result<Vec<UInt8<Fr>>, SynthesisError> {
    let mut bytes = x.to_bytes_le()?;
    bytes.reverse();
    Ok(bytes)
}

/// The account fields of a leaf, allocated as witnesses.
struct AccountVar {
    x: FpVar<Fr>,
    y: FpVar<Fr>,
    balance: FpVar<Fr>,
    nonce: FpVar<Fr>,
    ext: FpVar<Fr>,
}

impl AccountVar {
    fn new_witness(cs: &ConstraintSystemRef<Fr>, a: Option<&Account>) -> Result<Self, SynthesisError> {
        let (x, y, balance, nonce, ext) = match a {
            Some(a) => (a.pubkey.x, a.pubkey.y, Fr::from(a.balance), Fr::from(a.nonce), a.ext_hash()),
            None => (Fr::zero(), Fr::zero(), Fr::zero(), Fr::zero(), empty_ext_hash()),
        };
        let w = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
        Ok(Self { x: w(x)?, y: w(y)?, balance: w(balance)?, nonce: w(nonce)?, ext: w(ext)? })
    }

    /// `Poseidon([x, y, balance, nonce, ext])` with the given balance, nonce and key.
    fn leaf(
        x: &FpVar<Fr>,
        y: &FpVar<Fr>,
        balance: &FpVar<Fr>,
        nonce: &FpVar<Fr>,
        ext: &FpVar<Fr>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        poseidon(&[x.clone(), y.clone(), balance.clone(), nonce.clone(), ext.clone()])
    }
}

/// Proves one slot: returns the root and queue hash after it.
fn slot(
    cs: &ConstraintSystemRef<Fr>,
    depth: usize,
    chain_id: u32,
    bytes: &[UInt8<Fr>],
    w: &SlotWitness,
    root_in: &FpVar<Fr>,
    queue_in: &FpVar<Fr>,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let two = Fr::from(2u64);
    let zero = FpVar::zero();

    // ---- kind: byte 0 ∈ {0, 1, 2, 3, 4} = (t2 t1 t0) ---------------------------------
    let kind_bits = bytes[0].to_bits_le()?;
    for b in &kind_bits[3..] {
        // bᵢ = 0 for i ≥ 3
        b.enforce_equal(&Boolean::FALSE)?;
    }
    let (t0, t1, t2) = (kind_bits[0].clone(), kind_bits[1].clone(), kind_bits[2].clone());
    // t2·(t0 + t1) = 0: 4 (100) is the only kind with t2 set; 5, 6 and 7 are rejected
    FpVar::from(t2.clone()).mul_equals(&(FpVar::from(t0.clone()) + FpVar::from(t1.clone())), &zero)?;
    let is_signed = t1.clone(); // transfer (t2 t1 t0 = 010) or exit (011): signed by the sender
    let is_forced = t2; // forced exit (100)
    let is_sender = &is_signed | &is_forced; // the account at `from` pays
    let is_deposit = &t0 & &!&t1; // 001
    let is_transfer = &t1 & &!&t0; // 010
    let is_recv = &t0 ^ &t1; // deposit or transfer

    // ---- fields from the data bytes ------------------------------------------------
    let from_bits = be_bytes_to_le_bits(&bytes[1..4])?;
    let to_bits = be_bytes_to_le_bits(&bytes[4..7])?;
    let amount_bits = be_bytes_to_le_bits(&bytes[7..12])?;
    for b in from_bits[depth..].iter().chain(&to_bits[depth..]) {
        // index bits above the tree's depth are 0
        b.enforce_equal(&Boolean::FALSE)?;
    }
    let from = bits_to_fp(&from_bits)?;
    let to = bits_to_fp(&to_bits)?;
    let amount40 = bits_to_fp(&amount_bits)?;

    // amount = mantissa · 10^e, e = Σ eᵢ2ⁱ: 10^e = Π (1 + eᵢ·(10^(2ⁱ) − 1)).
    let m = MANTISSA_BITS as usize;
    let mantissa = bits_to_fp(&amount_bits[..m])?;
    let mut pow10 = FpVar::one();
    for (i, e) in amount_bits[m..].iter().enumerate() {
        let factor = Fr::from(10u64).pow([1u64 << i]) - Fr::ONE;
        pow10 = &pow10 * (FpVar::from(e.clone()) * factor + Fr::ONE);
    }
    let amount = &mantissa * &pow10;
    // amount < 2⁶⁴
    enforce_bits(&amount, AMOUNT_BITS)?;

    // Canonical data: from = 0 and amount = 0 unless a sender pays; to = 0 for no-op, exit
    // and forced exit.
    from.conditional_enforce_equal(&zero, &!&is_sender)?;
    amount40.conditional_enforce_equal(&zero, &!&is_sender)?;
    to.conditional_enforce_equal(&zero, &!&is_recv)?;

    // ---- sender ---------------------------------------------------------------------
    let s = AccountVar::new_witness(cs, Some(&w.sender))?;
    let s_path =
        MerklePathVar::new_witness(cs.clone(), from_bits[..depth].to_vec(), Some(&w.sender_proof), depth)?;
    let s_root_old = s_path.root(&AccountVar::leaf(&s.x, &s.y, &s.balance, &s.nonce, &s.ext)?)?;
    // sender pays ⇒ sender leaf ∈ root_in
    s_root_old.conditional_enforce_equal(root_in, &is_sender)?;
    let amount_out = FpVar::from(is_sender.clone()) * &amount;
    let s_balance = &s.balance - &amount_out;
    // new sender balance < 2⁶⁴: no overspend
    enforce_bits(&s_balance, AMOUNT_BITS)?;
    // a forced exit keeps the nonce
    let s_nonce = &s.nonce + FpVar::from(is_signed.clone());
    // new nonce < 2³²
    enforce_bits(&s_nonce, 32)?;
    let s_root_new = s_path.root(&AccountVar::leaf(&s.x, &s.y, &s_balance, &s_nonce, &s.ext)?)?;
    let root_mid = is_sender.select(&s_root_new, root_in)?;

    // message = kind + from·2⁸ + to·2³² + amount40·2⁵⁶ + nonce·2⁹⁶ + chain_id·2¹²⁸
    let kind = bits_to_fp(&kind_bits[..3])?;
    let message = kind
        + &from * two.pow([8u64])
        + &to * two.pow([32u64])
        + &amount40 * two.pow([56u64])
        + &s.nonce * two.pow([96u64])
        + FpVar::constant(Fr::from(chain_id) * two.pow([128u64]));
    let sig = SignatureVar::new_witness(cs.clone(), || Ok(w.signature))?;
    // signed ⇒ EdDSA-Poseidon(sender key, message, signature) holds
    verify_poseidon_gadget_if(&is_signed, &message, &sig, &PointVar::new(s.x.clone(), s.y.clone()))?;

    // ---- recipient --------------------------------------------------------------------
    let r_empty = Boolean::new_witness(cs.clone(), || Ok(w.receiver.is_none()))?;
    let r = AccountVar::new_witness(cs, w.receiver.as_ref())?;
    // empty ⇒ the fields are those of the empty account
    r.x.conditional_enforce_equal(&zero, &r_empty)?;
    r.y.conditional_enforce_equal(&zero, &r_empty)?;
    r.balance.conditional_enforce_equal(&zero, &r_empty)?;
    r.nonce.conditional_enforce_equal(&zero, &r_empty)?;
    r.ext.conditional_enforce_equal(&FpVar::constant(empty_ext_hash()), &r_empty)?;
    let r_hash = AccountVar::leaf(&r.x, &r.y, &r.balance, &r.nonce, &r.ext)?;
    let r_leaf_old = r_empty.select(&zero, &r_hash)?;
    let r_path =
        MerklePathVar::new_witness(cs.clone(), to_bits[..depth].to_vec(), Some(&w.receiver_proof), depth)?;
    // receiving ⇒ recipient leaf ∈ intermediate root
    r_path.root(&r_leaf_old)?.conditional_enforce_equal(&root_mid, &is_recv)?;

    // The queue entry: the deposit's key and amount, or (0, 1) and the amount requested.
    let (qx, qy, qa) = match w.encoded.kind {
        TxKind::ForcedExit => (Fr::zero(), Fr::ONE, w.forced_exit.amount),
        _ => {
            let (x, y) = w.deposit.pubkey.map_or((Fr::zero(), Fr::zero()), |p| (p.x, p.y));
            (x, y, w.deposit.amount)
        }
    };
    let d_x = FpVar::new_witness(cs.clone(), || Ok(qx))?;
    let d_y = FpVar::new_witness(cs.clone(), || Ok(qy))?;
    let d_amount = FpVar::new_witness(cs.clone(), || Ok(Fr::from(qa)))?;
    // deposit or requested amount < 2⁶⁴: the statement does not lean on the L1 contract's
    // cap (without this, an amount p − k would pass the recipient's range check as a debit
    // of k)
    enforce_bits(&d_amount, AMOUNT_BITS)?;
    // a deposit with a key opens an account; without one (x = 0) it tops one up
    let is_create = &is_deposit & &d_x.is_neq(&zero)?;
    // y·(deposit − create) = 0: a top-up's key is (0, 0), so a forced-exit entry (0, 1)
    // cannot be consumed as a top-up
    d_y.mul_equals(&(FpVar::from(is_deposit.clone()) - FpVar::from(is_create.clone())), &zero)?;
    // forced exit ⇒ the entry's key is the forced-exit marker (0, 1)
    d_x.conditional_enforce_equal(&zero, &is_forced)?;
    d_y.conditional_enforce_equal(&FpVar::one(), &is_forced)?;
    // paid ⇔ requested ≤ balance (both below 2⁶⁴: the request by its range check, the
    // balance as a leaf value in root_in, which a forced exit proves)
    let paid = is_le(&d_amount, &s.balance, AMOUNT_BITS)?;
    let effective = FpVar::from(paid) * &d_amount;
    // forced exit ⇒ amount in the data = effective amount (requested, or 0 if unpaid)
    amount.conditional_enforce_equal(&effective, &is_forced)?;
    // transfer ⇒ recipient exists
    r_empty.conditional_enforce_equal(&Boolean::FALSE, &is_transfer)?;
    // deposit ⇒ (opens an account ⇔ the leaf was empty)
    is_create.conditional_enforce_equal(&r_empty, &is_deposit)?;

    let amount_in = FpVar::from(is_transfer.clone()) * &amount + FpVar::from(is_deposit.clone()) * &d_amount;
    let r_balance = &r.balance + &amount_in;
    // new recipient balance < 2⁶⁴: no overflow
    enforce_bits(&r_balance, AMOUNT_BITS)?;
    let create = FpVar::from(is_create.clone());
    let r_x = &r.x + &create * &d_x;
    let r_y = &r.y + &create * &d_y;
    let r_root_new = r_path.root(&AccountVar::leaf(&r_x, &r_y, &r_balance, &r.nonce, &r.ext)?)?;
    let root_out = is_recv.select(&r_root_new, &root_mid)?;

    // ---- L1 queue -----------------------------------------------------------------------
    // The entry's account is `to` for a deposit, `from` for a forced exit; the other is 0
    // in canonical data, so their sum is that account.
    let queue_next = poseidon(&[queue_in.clone(), from + to, d_x, d_y, d_amount])?;
    // deposit or forced exit (exclusive kinds) ⇒ q_out = queue_next, else q_in
    let consumes = FpVar::from(is_deposit) + FpVar::from(is_forced);
    let queue_out = queue_in + consumes * (queue_next - queue_in);
    Ok((root_out, queue_out))
}

/// Synthesizes only the slots of `w` (no commitment): for cost accounting.
pub fn synthesize_slots_only(cs: ConstraintSystemRef<Fr>, w: &BatchWitness) -> Result<(), SynthesisError> {
    let mut root = FpVar::new_witness(cs.clone(), || Ok(w.old_root))?;
    let mut queue = FpVar::new_witness(cs.clone(), || Ok(w.queue_before))?;
    for s in &w.slots {
        let bytes = UInt8::new_witness_vec(cs.clone(), &s.encoded.to_bytes())?;
        (root, queue) = slot(&cs, w.params.depth, w.params.chain_id, &bytes, s, &root, &queue)?;
    }
    Ok(())
}

impl ConstraintSynthesizer<Fr> for BatchCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let params = w.params;
        let old_root = FpVar::new_witness(cs.clone(), || Ok(w.old_root))?;
        let queue_before = FpVar::new_witness(cs.clone(), || Ok(w.queue_before))?;

        let mut root = old_root.clone();
        let mut queue = queue_before.clone();
        let mut data = Vec::with_capacity(params.batch_size * SLOT_BYTES);
        for (i, s) in w.slots.iter().enumerate() {
            let bytes = UInt8::new_witness_vec(cs.clone(), &self.bytes_of(i))?;
            (root, queue) = slot(&cs, params.depth, params.chain_id, &bytes, s, &root, &queue)?;
            data.extend(bytes);
        }

        // c = SHA-256(old_root ‖ new_root ‖ queue_before ‖ queue_after ‖ data) mod r
        let mut preimage = Vec::with_capacity(128 + data.len());
        for x in [&old_root, &root, &queue_before, &queue] {
            preimage.extend(fp_to_be_bytes(x)?);
        }
        preimage.extend(data);
        let digest = Sha256Gadget::digest(&preimage)?;
        let digest_bits = be_bytes_to_le_bits(&digest.0)?;
        let computed = bits_to_fp_mod_r(&digest_bits);
        let commitment = FpVar::new_input(cs.clone(), || match self.commitment {
            CommitmentSource::Native => Ok(w.public_commitment()),
            CommitmentSource::Computed => computed.value(),
        })?;
        // c = the single public input
        computed.enforce_equal(&commitment)?;
        Ok(())
    }
}
