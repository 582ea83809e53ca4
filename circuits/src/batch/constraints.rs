//! The batch circuit: every slot's transition, and the SHA-256 batch commitment.
//!
//! One public input, the batch commitment of [`super::public_commitment`]. Per slot the
//! circuit proves, from the slot's 12 data bytes (which the commitment covers) and the
//! batch's epoch:
//!
//! * **sender** (transfer, exit, forced exit, repay): the sender's leaf is in the current root;
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
//! * **fund moves** (L1 authorises each against a settled table of the solidarity fund, in
//!   the order it queued them): a fund move debits `from` and credits `to` like a transfer,
//!   without signature or nonce; a fund shortfall opens `from`'s leaf in the current root and
//!   proves the amount above what `from` may pay, and changes nothing. Both move a non-zero
//!   amount. What an account may pay ([`fund_move_limit`](crate::health::fund::fund_move_limit))
//!   is its whole balance for the fund's own account (the fund key's), `⌈balance / 5⌉` for
//!   any other: a table that overstates a pool's balance moves no more than a fifth of it.
//! * **canonical data**: fields a slot kind does not use are zero in the data.
//!
//! * **loans** ([`crate::state::loan`]): the borrower (at `from`) has its extension opened
//!   (`bank`, `debt`, voice credits, and the loan field as range-checked rate, due and
//!   accrual epochs and a written-down bit, so its decomposition is unique); every loan slot
//!   accrues `⌊debt·rate·elapsed / 120 000⌋` (quotient and remainder range-checked) into the
//!   debt and the pool's receivable; a credit moves the principal from the pool (at `to`) to
//!   the borrower and into both debts, only when the borrower owes nothing or owes this pool;
//!   loan terms (rate and term packed in `to`, the tier's maximum as amount) come in the epoch
//!   of their credit and bound the total debt by the maximum; a signed repayment moves funds
//!   back and reduces the debt (and the receivable, unless written down); a writedown, once
//!   `epoch > due + grace`, drops the debt from the pool's receivable. A debt that reaches 0
//!   clears the loan.
//! * **roles** ([`crate::state::account::POOL`]): a loan slot's borrower is no pool, a pool slot's
//!   pool is one (or, for a credit, an account with no role, which the credit tags as a pool);
//!   a borrower's `bank` is its pool's index + 1, so "no bank" (0) never names an account.
//! * **domain**: the deployment's separator is a 125-bit word of the commitment (L1 computes
//!   it from its chain id and its address); every signed message binds it.
//! * **epoch**: 4 bytes of the commitment; L1 checks it against its clock.
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
use crate::health::fund::{fund_key, FUND_MOVE_DIVISOR};
use crate::lc::linear_combination;
use crate::merkle::constraints::MerklePathVar;
use crate::poseidon::constraints::hash as poseidon;
use crate::range::{enforce_bits, is_le, AMOUNT_BITS};
use crate::state::account::Account;
use crate::state::account::POOL;
use crate::state::amount::MANTISSA_BITS;
use crate::state::encoding::SLOT_BYTES;
use crate::state::loan::{Loan, GRACE_EPOCHS, INTEREST_DENOMINATOR};
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

/// The account fields of a leaf, allocated as witnesses (the extension opened).
struct AccountVar {
    x: FpVar<Fr>,
    y: FpVar<Fr>,
    balance: FpVar<Fr>,
    nonce: FpVar<Fr>,
    bank: FpVar<Fr>,
    debt: FpVar<Fr>,
    voice_credits: FpVar<Fr>,
}

impl AccountVar {
    fn new_witness(cs: &ConstraintSystemRef<Fr>, a: Option<&Account>) -> Result<Self, SynthesisError> {
        let v = |f: fn(&Account) -> Fr| a.map_or(Fr::zero(), f);
        let w = |v: Fr| FpVar::new_witness(cs.clone(), || Ok(v));
        Ok(Self {
            x: w(v(|a| a.pubkey.x))?,
            y: w(v(|a| a.pubkey.y))?,
            balance: w(v(|a| Fr::from(a.balance)))?,
            nonce: w(v(|a| Fr::from(a.nonce)))?,
            bank: w(v(|a| Fr::from(a.bank)))?,
            debt: w(v(|a| Fr::from(a.debt)))?,
            voice_credits: w(v(|a| Fr::from(a.voice_credits)))?,
        })
    }

    /// `Poseidon([x, y, balance, nonce, Poseidon([bank, debt, voice_credits, loan])])`.
    #[allow(clippy::too_many_arguments)]
    fn leaf(
        &self,
        balance: &FpVar<Fr>,
        nonce: &FpVar<Fr>,
        bank: &FpVar<Fr>,
        debt: &FpVar<Fr>,
        loan: &FpVar<Fr>,
        x: &FpVar<Fr>,
        y: &FpVar<Fr>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        let ext = poseidon(&[bank.clone(), debt.clone(), self.voice_credits.clone(), loan.clone()])?;
        poseidon(&[x.clone(), y.clone(), balance.clone(), nonce.clone(), ext])
    }
}

/// The borrower's loan field as its range-checked parts (the decomposition is unique).
struct LoanVar {
    rate: FpVar<Fr>,
    due: FpVar<Fr>,
    accrued: FpVar<Fr>,
    written_down: Boolean<Fr>,
}

impl LoanVar {
    fn new_witness(cs: &ConstraintSystemRef<Fr>, loan: &Fr) -> Result<Self, SynthesisError> {
        // A malformed field has no decomposition: zeros, and the leaf will not match.
        let l = Loan::unpack(loan).unwrap_or_default();
        let w = |v: u64| FpVar::new_witness(cs.clone(), || Ok(Fr::from(v)));
        let s = Self {
            rate: w(u64::from(l.rate_bps))?,
            due: w(u64::from(l.due_epoch))?,
            accrued: w(u64::from(l.accrued_epoch))?,
            written_down: Boolean::new_witness(cs.clone(), || Ok(l.written_down))?,
        };
        enforce_bits(&s.rate, 16)?;
        enforce_bits(&s.due, 32)?;
        enforce_bits(&s.accrued, 32)?;
        Ok(s)
    }

    /// `rate + due·2¹⁶ + accrued·2⁴⁸ + written_down·2⁸⁰`.
    fn pack(rate: &FpVar<Fr>, due: &FpVar<Fr>, accrued: &FpVar<Fr>, written_down: &FpVar<Fr>) -> FpVar<Fr> {
        let two = Fr::from(2u64);
        rate + due * two.pow([16u64]) + accrued * two.pow([48u64]) + written_down * two.pow([80u64])
    }
}

/// What [`slot`] computes: the root and queue hash after the slot, and the sender's leaf
/// after it (the leaf the recipient's path is checked against, one level of the tree up).
struct SlotVars {
    root_out: FpVar<Fr>,
    queue_out: FpVar<Fr>,
    sender_leaf: FpVar<Fr>,
}

/// Proves one slot: returns the root and queue hash after it.
#[allow(clippy::too_many_arguments)]
fn slot(
    cs: &ConstraintSystemRef<Fr>,
    depth: usize,
    domain: &FpVar<Fr>,
    bytes: &[UInt8<Fr>],
    w: &SlotWitness,
    root_in: &FpVar<Fr>,
    queue_in: &FpVar<Fr>,
    epoch: &FpVar<Fr>,
) -> Result<SlotVars, SynthesisError> {
    let two = Fr::from(2u64);
    let zero = FpVar::zero();

    // ---- kind: byte 0 ∈ 0..=11 ---------------------------------------------------------
    let kind_bits = bytes[0].to_bits_le()?;
    for b in &kind_bits[4..] {
        // bᵢ = 0 for i ≥ 4
        b.enforce_equal(&Boolean::FALSE)?;
    }
    // b3·b2 = 0: 8..=11 (10xx) are the only kinds with b3 set; 12..=15 are rejected
    FpVar::from(kind_bits[3].clone()).mul_equals(&FpVar::from(kind_bits[2].clone()), &zero)?;
    let kind = bits_to_fp(&kind_bits[..4])?;
    let is = |k: TxKind| kind.is_eq(&FpVar::constant(Fr::from(k as u64)));
    let is_deposit = is(TxKind::Deposit)?;
    let is_transfer = is(TxKind::Transfer)?;
    let is_exit = is(TxKind::Exit)?;
    let is_forced = is(TxKind::ForcedExit)?;
    let is_credit = is(TxKind::Credit)?;
    let is_terms = is(TxKind::LoanTerms)?;
    let is_repay = is(TxKind::Repay)?;
    let is_accrue = is(TxKind::Accrue)?;
    let is_writedown = is(TxKind::Writedown)?;
    let is_fund = is(TxKind::FundMove)?;
    let is_short = is(TxKind::FundShortfall)?;
    // signed by the account at `from`: transfer, exit, repay
    let is_signed = Boolean::kary_or(&[is_transfer.clone(), is_exit.clone(), is_repay.clone()])?;
    // the account at `from` pays `amount`: transfer, exit, forced exit, repay, fund move
    let is_debit = Boolean::kary_or(&[is_signed.clone(), is_forced.clone(), is_fund.clone()])?;
    // repay, accrue and writedown name the loan's own pool
    let is_upkeep = Boolean::kary_or(&[is_repay.clone(), is_accrue.clone(), is_writedown.clone()])?;
    // loan slots that touch the pool at `to`
    let is_pool = &is_upkeep | &is_credit;
    let is_loan = &is_pool | &is_terms;
    // the account at `from` is opened in the current root (and updated, unless a shortfall)
    let is_sender = Boolean::kary_or(&[is_debit.clone(), is_loan.clone(), is_short.clone()])?;
    // the account at `to` is updated
    let is_recv =
        Boolean::kary_or(&[is_deposit.clone(), is_transfer.clone(), is_pool.clone(), is_fund.clone()])?;

    // ---- fields from the data bytes ------------------------------------------------
    let from_bits = be_bytes_to_le_bits(&bytes[1..4])?;
    let to_bits = be_bytes_to_le_bits(&bytes[4..7])?;
    let amount_bits = be_bytes_to_le_bits(&bytes[7..12])?;
    for b in &from_bits[depth..] {
        // index bits above the tree's depth are 0
        b.enforce_equal(&Boolean::FALSE)?;
    }
    for b in &to_bits[depth..] {
        // so are `to`'s, except in loan terms, where `to` packs rate and term
        b.conditional_enforce_equal(&Boolean::FALSE, &!&is_terms)?;
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
    // credit, loan terms, repay, fund move, fund shortfall ⇒ amount ≠ 0 (the loan rule's
    // `ZeroAmount`; L1 queues no empty fund move)
    amount.is_neq(&zero)?.conditional_enforce_equal(
        &Boolean::TRUE,
        &Boolean::kary_or(&[
            is_credit.clone(),
            is_terms.clone(),
            is_repay.clone(),
            is_fund.clone(),
            is_short.clone(),
        ])?,
    )?;

    // Canonical data: from = 0 unless the account at `from` is opened; amount = 0 unless
    // debited, lent, a tier maximum or a shortfall; to = 0 for no-op, exit and forced exit.
    from.conditional_enforce_equal(&zero, &!&is_sender)?;
    let has_amount =
        Boolean::kary_or(&[is_debit.clone(), is_credit.clone(), is_terms.clone(), is_short.clone()])?;
    amount40.conditional_enforce_equal(&zero, &!&has_amount)?;
    to.conditional_enforce_equal(
        &zero,
        &!&Boolean::kary_or(&[is_recv.clone(), is_terms.clone(), is_short.clone()])?,
    )?;

    // ---- sender: the account at `from` -----------------------------------------------
    let s = AccountVar::new_witness(cs, Some(&w.sender))?;
    let l = LoanVar::new_witness(cs, &w.sender.loan)?;
    let wd = FpVar::from(l.written_down.clone());
    let s_loan = LoanVar::pack(&l.rate, &l.due, &l.accrued, &wd);
    let s_path =
        MerklePathVar::new_witness(cs.clone(), from_bits[..depth].to_vec(), Some(&w.sender_proof), depth)?;
    let s_root_old = s_path.root(&s.leaf(&s.balance, &s.nonce, &s.bank, &s.debt, &s_loan, &s.x, &s.y)?)?;
    // updated ⇒ sender leaf ∈ root_in
    s_root_old.conditional_enforce_equal(root_in, &is_sender)?;

    // Accrual, in every loan slot: interest = ⌊debt·rate·elapsed / 120 000⌋ with
    // elapsed = epoch − accrued (0 outside loan slots and for a written-down loan).
    let since = is_loan.select(&(epoch - &l.accrued), &zero)?;
    // loan slot ⇒ epoch ≥ the loan's last accrual
    enforce_bits(&since, 32)?;
    let elapsed = &since - &wd * &since;
    let product = &s.debt * &l.rate * &elapsed;
    let (q, r) = match product.value() {
        Ok(p) => {
            let p: num_bigint::BigUint = p.into();
            let d = num_bigint::BigUint::from(INTEREST_DENOMINATOR);
            (Fr::from(&p / &d), Fr::from(&p % &d))
        }
        Err(_) => (Fr::zero(), Fr::zero()),
    };
    let interest = FpVar::new_witness(cs.clone(), || Ok(q))?;
    let remainder = FpVar::new_witness(cs.clone(), || Ok(r))?;
    // debt·rate·elapsed = interest·120 000 + remainder, remainder < 120 000. The interest
    // needs no range check of its own: any other value than the integer quotient is
    // (r_true − remainder)/120 000 away from it in the field, an element no sum of a few
    // 64-bit values reaches, and the new debt below includes it and is range-checked.
    product.enforce_equal(&(&interest * Fr::from(INTEREST_DENOMINATOR) + &remainder))?;
    enforce_bits(&remainder, 17)?;
    enforce_bits(&(FpVar::constant(Fr::from(INTEREST_DENOMINATOR - 1)) - &remainder), 17)?;
    let debt1 = &s.debt + &interest;

    // Roles (`state::account::POOL`): a borrower's `bank` is its pool's index + 1, a pool's is
    // POOL, an account with neither role holds 0.
    let pool_tag = FpVar::constant(Fr::from(POOL));
    let named = &to + Fr::ONE;
    // loan slot ⇒ the borrower is not a pool: bank ≠ POOL
    s.bank.is_neq(&pool_tag)?.conditional_enforce_equal(&Boolean::TRUE, &is_loan)?;
    // credit ⇒ no open loan, or one from this pool: debt·(bank − (to + 1)) = 0
    (FpVar::from(is_credit.clone()) * &s.debt).mul_equals(&(&s.bank - &named), &zero)?;
    // credit, loan terms, writedown ⇒ the loan is not written down
    l.written_down.conditional_enforce_equal(
        &Boolean::FALSE,
        &Boolean::kary_or(&[is_credit.clone(), is_terms.clone(), is_writedown.clone()])?,
    )?;
    // repay, accrue, writedown ⇒ `to` is the loan's pool: bank = to + 1
    s.bank.conditional_enforce_equal(&named, &is_upkeep)?;
    // loan terms, repay, accrue, writedown ⇒ an open loan (debt > 0)
    s.debt.is_neq(&zero)?.conditional_enforce_equal(&Boolean::TRUE, &(&is_upkeep | &is_terms))?;
    // pool slots ⇒ borrower ≠ pool
    from.is_neq(&to)?.conditional_enforce_equal(&Boolean::TRUE, &is_pool)?;
    // loan terms ⇒ in the epoch of the credit before (no interest since)
    since.conditional_enforce_equal(&zero, &is_terms)?;
    // loan terms ⇒ total debt ≤ the tier's maximum (the amount); any other slot ⇒ the debt
    // after accrual < 2⁶⁴ (the loan rule refuses it past 2⁶⁴ − 1 even when a repayment would
    // bring it back into range; for terms it follows from debt ≤ amount < 2⁶⁴). One range
    // check serves both.
    enforce_bits(&is_terms.select(&(&amount - &debt1), &debt1)?, AMOUNT_BITS)?;
    // writedown ⇒ epoch ≥ due + grace + 1
    let overdue = epoch - &l.due - Fr::from(u64::from(GRACE_EPOCHS) + 1);
    enforce_bits(&is_writedown.select(&overdue, &zero)?, 32)?;

    let lent = FpVar::from(is_credit.clone()) * &amount;
    let repaid = FpVar::from(is_repay.clone()) * &amount;
    let amount_out = FpVar::from(is_debit.clone()) * &amount;
    let s_balance = &s.balance - &amount_out + &lent;
    // new sender balance < 2⁶⁴: no overspend, no overflow
    enforce_bits(&s_balance, AMOUNT_BITS)?;
    // signed ⇒ nonce + 1 (a forced exit and the unsigned loan slots keep it)
    let s_nonce = &s.nonce + FpVar::from(is_signed.clone());
    // new nonce < 2³²
    enforce_bits(&s_nonce, 32)?;
    let s_debt = &debt1 + &lent - &repaid;
    // new debt < 2⁶⁴: a repayment at most the debt
    enforce_bits(&s_debt, AMOUNT_BITS)?;
    // the loan after the slot: terms set rate and due, every loan slot moves the accrual
    let t_rate = bits_to_fp(&to_bits[..16])?;
    let t_term = bits_to_fp(&to_bits[16..24])?;
    let rate = is_terms.select(&t_rate, &l.rate)?;
    // due < 2³²: the epoch is below 2³¹ (its top bit is 0) and the term below 2⁸
    let due = is_terms.select(&(epoch + &t_term), &l.due)?;
    let written = &wd + FpVar::from(is_writedown.clone());
    let open = s_debt.is_neq(&zero)?;
    let packed = LoanVar::pack(&rate, &due, epoch, &written);
    let bank = is_credit.select(&named, &s.bank)?;
    // loan slot ⇒ (open ⇒ bank and terms; closed ⇒ 0); otherwise unchanged
    let s_loan_new = is_loan.select(&open.select(&packed, &zero)?, &s_loan)?;
    let s_bank_new = is_loan.select(&open.select(&bank, &zero)?, &s.bank)?;
    let s_leaf_new = s.leaf(&s_balance, &s_nonce, &s_bank_new, &s_debt, &s_loan_new, &s.x, &s.y)?;
    let s_root_new = s_path.root(&s_leaf_new)?;
    let root_mid = is_sender.select(&s_root_new, root_in)?;

    // message = kind + from·2⁸ + to·2³² + amount40·2⁵⁶ + nonce·2⁹⁶ + domain·2¹²⁸
    let message = kind
        + &from * two.pow([8u64])
        + &to * two.pow([32u64])
        + &amount40 * two.pow([56u64])
        + &s.nonce * two.pow([96u64])
        + domain * two.pow([128u64]);
    let sig = SignatureVar::new_witness(cs.clone(), || Ok(w.signature))?;
    // signed ⇒ EdDSA-Poseidon(sender key, message, signature) holds
    verify_poseidon_gadget_if(&is_signed, &message, &sig, &PointVar::new(s.x.clone(), s.y.clone()))?;

    // ---- recipient: the account at `to` ---------------------------------------------------
    let r_empty = Boolean::new_witness(cs.clone(), || Ok(w.receiver.is_none()))?;
    let r = AccountVar::new_witness(cs, w.receiver.as_ref())?;
    let r_loan = FpVar::new_witness(cs.clone(), || Ok(w.receiver.as_ref().map_or(Fr::zero(), |a| a.loan)))?;
    // empty ⇒ the fields are those of the empty account
    for f in [&r.x, &r.y, &r.balance, &r.nonce, &r.bank, &r.debt, &r.voice_credits, &r_loan] {
        f.conditional_enforce_equal(&zero, &r_empty)?;
    }
    let r_hash = r.leaf(&r.balance, &r.nonce, &r.bank, &r.debt, &r_loan, &r.x, &r.y)?;
    let r_leaf_old = r_empty.select(&zero, &r_hash)?;
    let r_path =
        MerklePathVar::new_witness(cs.clone(), to_bits[..depth].to_vec(), Some(&w.receiver_proof), depth)?;
    // receiving or a shortfall ⇒ recipient leaf ∈ intermediate root (a shortfall names an
    // account that exists, as a paid move)
    r_path.root(&r_leaf_old)?.conditional_enforce_equal(&root_mid, &(&is_recv | &is_short))?;

    // The queue entry: the deposit's key and amount, or (0, 1) and the amount requested.
    let (qx, qy, qa) = match w.encoded.kind {
        TxKind::ForcedExit => (Fr::zero(), Fr::ONE, w.forced_exit.amount),
        // a fund move compares its amount with what the payer may pay through the same
        // comparison
        TxKind::FundMove | TxKind::FundShortfall => {
            (Fr::zero(), Fr::zero(), w.encoded.amount.decode().unwrap_or_default())
        }
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
    // A fund move from any account but the fund's own (`fund_move_limit`) may take at most
    // ⌈balance / 5⌉: amount ≤ ⌈b/5⌉ ⇔ 5·amount ≤ b + 4. The fund's account is the one whose key
    // is the fund key, a point nobody knows the logarithm of.
    let is_fund_slot = &is_fund | &is_short;
    let fund_key = fund_key();
    let fund_payer = &s.x.is_eq(&FpVar::constant(fund_key.x))? & &s.y.is_eq(&FpVar::constant(fund_key.y))?;
    let capped = &is_fund_slot & &!&fund_payer;
    let spare = Fr::from(FUND_MOVE_DIVISOR - 1);
    // paid ⇔ requested ≤ balance, or for a capped fund move 5·requested ≤ balance + 4 (below
    // 2⁶⁷: the request by its range check, the balance as a leaf value in root_in, which a
    // forced exit and a fund move prove)
    let paid = is_le(
        &(&d_amount + FpVar::from(capped.clone()) * &d_amount * spare),
        &(&s.balance + FpVar::from(capped) * spare),
        AMOUNT_BITS + 3,
    )?;
    let effective = FpVar::from(paid.clone()) * &d_amount;
    // forced exit ⇒ amount in the data = effective amount (requested, or 0 if unpaid)
    amount.conditional_enforce_equal(&effective, &is_forced)?;
    // fund move or shortfall ⇒ the compared amount is the slot's; paid for a move, not for a
    // shortfall
    d_amount.conditional_enforce_equal(&amount, &is_fund_slot)?;
    paid.conditional_enforce_equal(&Boolean::TRUE, &is_fund)?;
    paid.conditional_enforce_equal(&Boolean::FALSE, &is_short)?;
    // transfer, pool slot, fund move or shortfall ⇒ recipient exists
    r_empty.conditional_enforce_equal(
        &Boolean::FALSE,
        &Boolean::kary_or(&[is_transfer.clone(), is_pool.clone(), is_fund.clone(), is_short.clone()])?,
    )?;
    // pool slot ⇒ the account at `to` is a pool, or has no role yet: (bank)·(bank − POOL) = 0
    (FpVar::from(is_pool.clone()) * &r.bank).mul_equals(&(&r.bank - &pool_tag), &zero)?;
    // repay, accrue, writedown ⇒ it is a pool already (it lent)
    r.bank.conditional_enforce_equal(&pool_tag, &is_upkeep)?;
    // pool slot ⇒ it is a pool after the slot
    let r_bank = is_pool.select(&pool_tag, &r.bank)?;
    // deposit ⇒ (opens an account ⇔ the leaf was empty)
    is_create.conditional_enforce_equal(&r_empty, &is_deposit)?;

    let amount_in =
        (FpVar::from(is_transfer.clone()) + FpVar::from(is_repay.clone()) + FpVar::from(is_fund.clone()))
            * &amount
            + FpVar::from(is_deposit.clone()) * &d_amount
            - &lent;
    let r_balance = &r.balance + &amount_in;
    // new recipient balance < 2⁶⁴: no overflow, and a pool lends at most its balance
    enforce_bits(&r_balance, AMOUNT_BITS)?;
    // the pool's receivable: + interest + principal lent − repaid (unless written down) − the
    // debt written down
    let r_debt =
        &r.debt + &interest + &lent - (&repaid - &wd * &repaid) - FpVar::from(is_writedown.clone()) * &debt1;
    // new receivable < 2⁶⁴
    enforce_bits(&r_debt, AMOUNT_BITS)?;
    let create = FpVar::from(is_create.clone());
    let r_x = &r.x + &create * &d_x;
    let r_y = &r.y + &create * &d_y;
    let r_root_new = r_path.root(&r.leaf(&r_balance, &r.nonce, &r_bank, &r_debt, &r_loan, &r_x, &r_y)?)?;
    let root_out = is_recv.select(&r_root_new, &root_mid)?;

    // ---- L1 queue -----------------------------------------------------------------------
    // The entry's account is `to` for a deposit, `from` for a forced exit; the other is 0
    // in canonical data, so their sum is that account.
    let queue_next = poseidon(&[queue_in.clone(), from + to, d_x, d_y, d_amount])?;
    // deposit or forced exit (exclusive kinds) ⇒ q_out = queue_next, else q_in
    let consumes = FpVar::from(is_deposit) + FpVar::from(is_forced);
    let queue_out = queue_in + consumes * (queue_next - queue_in);
    Ok(SlotVars { root_out, queue_out, sender_leaf: s_leaf_new })
}

/// Synthesizes only the slots of `w` (no commitment, no decomposition of the epoch and the
/// domain): for cost accounting.
pub fn synthesize_slots_only(cs: ConstraintSystemRef<Fr>, w: &BatchWitness) -> Result<(), SynthesisError> {
    let mut root = FpVar::new_witness(cs.clone(), || Ok(w.old_root))?;
    let mut queue = FpVar::new_witness(cs.clone(), || Ok(w.queue_before))?;
    let epoch = FpVar::new_witness(cs.clone(), || Ok(Fr::from(w.epoch)))?;
    // The domain's decomposition is the batch's, not a slot's: a plain witness here.
    let domain = FpVar::new_witness(cs.clone(), || Ok(w.params.domain.separator()))?;
    for s in &w.slots {
        let bytes = UInt8::new_witness_vec(cs.clone(), &s.encoded.to_bytes())?;
        let out = slot(&cs, w.params.depth, &domain, &bytes, s, &root, &queue, &epoch)?;
        (root, queue) = (out.root_out, out.queue_out);
    }
    Ok(())
}

/// One slot of the batch circuit synthesized alone (no commitment): whether its constraints
/// hold for the witness `w` over `root_in` and `queue_in` in a batch of `epoch`, and the values
/// the circuit computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotCheck {
    /// Whether every constraint of the slot holds.
    pub satisfied: bool,
    /// The sender's leaf after the slot, as the circuit computes it (also when unsatisfied):
    /// a witness builder puts it in the tree to prove the recipient's path against the
    /// intermediate root.
    pub sender_leaf: Fr,
    /// The root after the slot.
    pub root_out: Fr,
    /// The queue hash after the slot.
    pub queue_out: Fr,
}

/// Synthesizes slot `w` alone with `params`' domain (the differential tests' oracle: a slot the
/// native rule refuses must leave it unsatisfied, one it accepts must satisfy it with the native
/// root).
pub fn check_slot(
    params: &crate::state::RollupParams,
    epoch: u32,
    root_in: Fr,
    queue_in: Fr,
    w: &SlotWitness,
) -> Result<SlotCheck, SynthesisError> {
    let cs = ark_relations::gr1cs::ConstraintSystem::<Fr>::new_ref();
    let root = FpVar::new_witness(cs.clone(), || Ok(root_in))?;
    let queue = FpVar::new_witness(cs.clone(), || Ok(queue_in))?;
    let (_, epoch) = epoch_var(&cs, epoch)?;
    let (_, domain) = domain_var(&cs, &params.domain.separator())?;
    let bytes = UInt8::new_witness_vec(cs.clone(), &w.encoded.to_bytes())?;
    let out = slot(&cs, params.depth, &domain, &bytes, w, &root, &queue, &epoch)?;
    Ok(SlotCheck {
        satisfied: cs.is_satisfied()?,
        sender_leaf: out.sender_leaf.value()?,
        root_out: out.root_out.value()?,
        queue_out: out.queue_out.value()?,
    })
}

/// The epoch's 4 big-endian bytes and its value, below 2³¹ (so that a due epoch, an epoch
/// plus a term below 2⁸, fits the loan field's 32 bits).
fn epoch_var(
    cs: &ConstraintSystemRef<Fr>,
    epoch: u32,
) -> Result<(Vec<UInt8<Fr>>, FpVar<Fr>), SynthesisError> {
    let bytes = UInt8::new_witness_vec(cs.clone(), &epoch.to_be_bytes())?;
    let bits = be_bytes_to_le_bits(&bytes)?;
    // epoch < 2³¹
    bits[31].enforce_equal(&Boolean::FALSE)?;
    Ok((bytes, bits_to_fp(&bits)?))
}

/// The domain separator's 32 big-endian bytes and its value, below 2¹²⁵ (so that the signed
/// message, `… + domain·2¹²⁸`, stays below the field's order and packs injectively).
fn domain_var(
    cs: &ConstraintSystemRef<Fr>,
    separator: &Fr,
) -> Result<(Vec<UInt8<Fr>>, FpVar<Fr>), SynthesisError> {
    let be = super::fr_to_be_bytes(separator);
    // The top 16 bytes are zero: constants. The low 16 are witnesses.
    let mut bytes = vec![UInt8::constant(0); 16];
    bytes.extend(UInt8::new_witness_vec(cs.clone(), &be[16..])?);
    let bits = be_bytes_to_le_bits(&bytes[16..])?;
    // domain < 2¹²⁵: bits 125..128 are 0
    for b in &bits[crate::state::domain::DOMAIN_BITS as usize..] {
        b.enforce_equal(&Boolean::FALSE)?;
    }
    Ok((bytes, bits_to_fp(&bits)?))
}

impl ConstraintSynthesizer<Fr> for BatchCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let params = w.params;
        let old_root = FpVar::new_witness(cs.clone(), || Ok(w.old_root))?;
        let queue_before = FpVar::new_witness(cs.clone(), || Ok(w.queue_before))?;

        let (epoch_bytes, epoch) = epoch_var(&cs, w.epoch)?;
        let (domain_bytes, domain) = domain_var(&cs, &params.domain.separator())?;
        let mut root = old_root.clone();
        let mut queue = queue_before.clone();
        let mut data = Vec::with_capacity(params.batch_size * SLOT_BYTES);
        for (i, s) in w.slots.iter().enumerate() {
            let bytes = UInt8::new_witness_vec(cs.clone(), &self.bytes_of(i))?;
            let out = slot(&cs, params.depth, &domain, &bytes, s, &root, &queue, &epoch)?;
            (root, queue) = (out.root_out, out.queue_out);
            data.extend(bytes);
        }

        // c = SHA-256(old_root ‖ new_root ‖ queue_before ‖ queue_after ‖ domain ‖ epoch ‖ data) mod r
        let mut preimage = Vec::with_capacity(164 + data.len());
        for x in [&old_root, &root, &queue_before, &queue] {
            preimage.extend(fp_to_be_bytes(x)?);
        }
        preimage.extend(domain_bytes);
        preimage.extend(epoch_bytes);
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
