//! Loans: the native rule (exact figures, one error per broken rule), the batch circuit
//! against it (satisfied, same roots), soundness (one change at a time from a fresh valid
//! witness), and replay from the data alone.

use ark_bn254::Fr;
use ark_ff::Zero;
use ark_relations::gr1cs::ConstraintSynthesizer;
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::merkle::SparseMerkleTree;
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::encoding::{EncodedSlot, SLOT_BYTES};
use ccr_circuits::state::loan::{Loan, LoanError, LoanTerms, GRACE_EPOCHS};
use ccr_circuits::state::tx::{CreditTx, LoanUpkeep, Tx, TxKind, UnsignedTx};
use ccr_circuits::state::{ReplayError, RollupParams, RollupState, TxError};

use crate::common::{assert_satisfied, assert_unsatisfied, new_cs};
use crate::state::{key, open, signed, transfer, CHAIN};

const DEPTH: usize = 6;
const SLOTS: usize = 3;
/// Pool of bank A (key 1).
const POOL: u32 = 1;
/// A member (key 2).
const MEMBER: u32 = 2;
/// Pool of bank B (key 3).
const OTHER_POOL: u32 = 3;

const TERMS: LoanTerms = LoanTerms { rate_bps: 1200, term_epochs: 6, max_amount: 2000 };

fn genesis() -> RollupState {
    let mut s = RollupState::new(RollupParams::new(DEPTH, SLOTS, CHAIN).unwrap()).unwrap();
    open(&mut s, POOL, 1, 10_000);
    open(&mut s, MEMBER, 2, 100);
    open(&mut s, OTHER_POOL, 3, 5_000);
    s
}

fn credit(amount: u64) -> Tx {
    Tx::Credit(CreditTx { borrower: MEMBER, bank: POOL, amount, terms: TERMS })
}

fn repay(state: &RollupState, pool: u32, amount: u64) -> Tx {
    let nonce = state.account(MEMBER).unwrap().nonce;
    signed(UnsignedTx::repay(MEMBER, pool, amount, nonce).unwrap(), &key(2))
}

fn upkeep(kind: TxKind) -> Tx {
    Tx::Upkeep(LoanUpkeep { kind, borrower: MEMBER, bank: POOL })
}

/// The loan's life, one batch per epoch: (epoch, transaction).
enum Step {
    Credit(u64),
    Repay(u64),
    Upkeep(TxKind),
}

/// Epoch 1: 1000 lent at 12 %/year for 6 epochs (max 2000). Epoch 4: 300 repaid (30 of
/// interest first). Epoch 5: accrual (7). Epoch 14 (due 7 + grace 3 < 14): written down
/// (66 more interest). Epoch 15: 100 recovered.
const LIFE: [(u32, Step); 5] = [
    (1, Step::Credit(1000)),
    (4, Step::Repay(300)),
    (5, Step::Upkeep(TxKind::Accrue)),
    (14, Step::Upkeep(TxKind::Writedown)),
    (15, Step::Repay(100)),
];

fn tx_of(state: &RollupState, step: &Step) -> Tx {
    match *step {
        Step::Credit(a) => credit(a),
        Step::Repay(a) => repay(state, POOL, a),
        Step::Upkeep(k) => upkeep(k),
    }
}

/// The states before each batch of [`LIFE`] and the batches, then the final state.
fn life() -> (Vec<(RollupState, BatchWitness)>, RollupState) {
    let mut state = genesis();
    let mut out = Vec::new();
    for (epoch, step) in &LIFE {
        state.set_epoch(*epoch).unwrap();
        let before = state.clone();
        let mut b = BatchBuilder::new(&state);
        let tx = tx_of(&state, step);
        b.push(&mut state, &tx).unwrap();
        out.push((before, b.finish_from(&state)));
    }
    (out, state)
}

fn loan_of(s: &RollupState) -> Loan {
    Loan::unpack(&s.account(MEMBER).unwrap().loan).unwrap()
}

#[test]
fn a_loan_lives_by_the_rule() {
    let (batches, end) = life();
    let member = |s: &RollupState| s.account(MEMBER).unwrap().clone();
    let pool = |s: &RollupState| s.account(POOL).unwrap().clone();
    // After the credit: the pool paid 1000, the debt and the receivable are 1000.
    let s = &batches[1].0;
    assert_eq!((member(s).balance, member(s).debt, member(s).lender()), (1100, 1000, Some(POOL)));
    assert_eq!((pool(s).balance, pool(s).debt, pool(s).is_pool()), (9000, 1000, true));
    assert_eq!(loan_of(s), Loan { rate_bps: 1200, due_epoch: 7, accrued_epoch: 1, written_down: false });
    assert_eq!(batches[0].1.slots[0].encoded.kind, TxKind::Credit);
    assert_eq!(batches[0].1.slots[1].encoded.kind, TxKind::LoanTerms);
    assert_eq!(batches[0].1.slots[1].encoded.to, 1200 | 6 << 16);
    // Epoch 4: ⌊1000·1200·3/120000⌋ = 30 accrued, then 300 repaid.
    let s = &batches[2].0;
    assert_eq!((member(s).balance, member(s).debt, member(s).nonce), (800, 730, 1));
    assert_eq!((pool(s).balance, pool(s).debt), (9300, 730));
    assert_eq!(loan_of(s).accrued_epoch, 4);
    // Epoch 5: ⌊730·1200/120000⌋ = 7.
    let s = &batches[3].0;
    assert_eq!((member(s).debt, pool(s).debt), (737, 737));
    // Epoch 14: ⌊737·1200·9/120000⌋ = 66, then the 803 leave the receivable.
    let s = &batches[4].0;
    assert_eq!((member(s).debt, pool(s).debt, pool(s).balance), (803, 0, 9300));
    assert!(loan_of(s).written_down);
    // Epoch 15: a recovery: no interest on a written-down loan, the receivable stays 0.
    assert_eq!((member(&end).balance, member(&end).debt), (700, 703));
    assert_eq!((pool(&end).balance, pool(&end).debt), (9400, 0));
    assert_eq!(loan_of(&end), Loan { rate_bps: 1200, due_epoch: 7, accrued_epoch: 15, written_down: true });
}

#[test]
fn repaying_everything_closes_the_loan() {
    let mut s = genesis();
    s.set_epoch(2).unwrap();
    s.apply(&credit(500)).unwrap();
    s.set_epoch(3).unwrap();
    // ⌊500·1200/120000⌋ = 5 of interest: 505 owed.
    let too_much = repay(&s, POOL, 506);
    assert_eq!(
        s.apply(&too_much).unwrap_err(),
        TxError::Loan(LoanError::RepayAboveDebt { borrower: MEMBER, amount: 506, debt: 505 })
    );
    s.apply(&repay(&s, POOL, 505)).unwrap();
    let m = s.account(MEMBER).unwrap();
    assert_eq!((m.debt, m.bank, m.loan, m.balance), (0, 0, Fr::zero(), 95));
    assert_eq!((s.account(POOL).unwrap().balance, s.account(POOL).unwrap().debt), (10_005, 0));
    // With the loan closed, another bank may lend.
    s.apply(&Tx::Credit(CreditTx { borrower: MEMBER, bank: OTHER_POOL, amount: 10, terms: TERMS })).unwrap();
    assert_eq!(s.account(MEMBER).unwrap().lender(), Some(OTHER_POOL));
}

#[test]
fn every_broken_loan_rule_has_its_error() {
    let mut s = genesis();
    s.set_epoch(1).unwrap();
    let rejects = |s: &RollupState, tx: Tx, e: LoanError| {
        let mut copy = s.clone();
        assert_eq!(copy.apply(&tx).unwrap_err(), TxError::Loan(e));
        assert_eq!(copy.root(), s.root(), "a refused transaction changed the state");
    };
    rejects(&s, upkeep(TxKind::Accrue), LoanError::NoLoan(MEMBER));
    rejects(&s, repay(&s, POOL, 1), LoanError::NoLoan(MEMBER));
    rejects(&s, credit(0), LoanError::ZeroAmount(TxKind::Credit));
    rejects(
        &s,
        Tx::Credit(CreditTx { borrower: POOL, bank: POOL, amount: 5, terms: TERMS }),
        LoanError::SelfLoan(POOL),
    );
    rejects(&s, credit(2001), LoanError::DebtAboveTierLimit { borrower: MEMBER, debt: 2001, max: 2000 });
    let big = LoanTerms { max_amount: 100_000, ..TERMS };
    rejects(
        &s,
        Tx::Credit(CreditTx { borrower: MEMBER, bank: POOL, amount: 20_000, terms: big }),
        LoanError::PoolBalance { pool: POOL, balance: 10_000, amount: 20_000 },
    );
    s.apply(&credit(1000)).unwrap();
    // A second credit from the same bank tops up within the tier's maximum…
    rejects(&s, credit(1001), LoanError::DebtAboveTierLimit { borrower: MEMBER, debt: 2001, max: 2000 });
    // …and none from another bank while this loan is open.
    rejects(
        &s,
        Tx::Credit(CreditTx { borrower: MEMBER, bank: OTHER_POOL, amount: 5, terms: TERMS }),
        LoanError::OtherBank { borrower: MEMBER, owed_to: POOL, bank: OTHER_POOL },
    );
    rejects(
        &s,
        repay(&s, OTHER_POOL, 5),
        LoanError::WrongBank { borrower: MEMBER, owed_to: POOL, named: OTHER_POOL },
    );
    rejects(
        &s,
        Tx::Upkeep(LoanUpkeep { kind: TxKind::Accrue, borrower: MEMBER, bank: OTHER_POOL }),
        LoanError::WrongBank { borrower: MEMBER, owed_to: POOL, named: OTHER_POOL },
    );
    // Due at 7, grace 3: a writedown from epoch 11.
    s.set_epoch(7 + GRACE_EPOCHS).unwrap();
    rejects(
        &s,
        upkeep(TxKind::Writedown),
        LoanError::NotOverdue { borrower: MEMBER, due: 7, from: 11, epoch: 10 },
    );
    s.set_epoch(11).unwrap();
    s.apply(&upkeep(TxKind::Writedown)).unwrap();
    rejects(&s, upkeep(TxKind::Writedown), LoanError::WrittenDown(MEMBER));
    rejects(&s, credit(5), LoanError::WrittenDown(MEMBER));
    // Epochs never go back; a repayment above the balance is refused.
    assert_eq!(s.set_epoch(10).unwrap_err(), TxError::EpochBackwards { current: 11, new: 10 });
    rejects(
        &s,
        repay(&s, POOL, 1500),
        LoanError::RepayAboveDebt { borrower: MEMBER, amount: 1500, debt: 1100 },
    );
    let t = transfer(&s, MEMBER, POOL, 600, &key(2));
    s.apply(&t).unwrap();
    rejects(&s, repay(&s, POOL, 1000), LoanError::Balance { index: MEMBER, balance: 500, amount: 1000 });
    // Upkeep of another kind is not upkeep.
    assert!(matches!(
        s.clone().apply(&upkeep(TxKind::Transfer)).unwrap_err(),
        TxError::Kind { kind: TxKind::Transfer, .. }
    ));
}

#[test]
fn a_credit_takes_two_slots_and_never_half() {
    let mut s = genesis();
    let mut b = BatchBuilder::new(&s);
    b.push(&mut s, &upkeep(TxKind::Noop)).unwrap_err();
    let r = repay(&s, POOL, 1);
    b.push(&mut s, &r).unwrap_err();
    b.push(&mut s, &credit(10)).unwrap();
    // One slot left: a second credit does not fit and leaves the state as it was.
    let root = s.root();
    assert!(matches!(b.push(&mut s, &credit(10)), Err(ccr_circuits::batch::BatchError::Full(3))));
    assert_eq!(s.root(), root);
    // The epoch cannot move inside an open batch.
    s.set_epoch(2).unwrap();
    assert!(matches!(
        b.push(&mut s, &upkeep(TxKind::Accrue)),
        Err(ccr_circuits::batch::BatchError::EpochChanged { opened: 0, now: 2 })
    ));
}

fn synthesize(c: BatchCircuit) -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    let cs = new_cs();
    c.generate_constraints(cs.clone()).unwrap();
    cs
}

#[test]
fn every_loan_batch_satisfies_the_circuit_with_the_native_roots() {
    let (batches, _) = life();
    for (before, w) in batches {
        assert_eq!(w.old_root, before.root());
        let expected = w.public_commitment();
        let cs = synthesize(BatchCircuit::new(w));
        assert_satisfied(&cs);
        // The circuit reaches exactly the native commitment (and so the native new root).
        assert_eq!(cs.instance_assignment().unwrap()[1], expected);
    }
}

/// Batch `n` of [`LIFE`], tampered by `f`, under the strongest cheating prover (the public
/// input is whatever the circuit computes): unsatisfied.
fn tampered(n: usize, f: impl FnOnce(&mut BatchWitness)) {
    let mut w = life().0.swap_remove(n).1;
    f(&mut w);
    assert_unsatisfied(&synthesize(BatchCircuit::with_computed_commitment(w)));
}

/// Batch `n` with slot `slot`'s data bytes replaced.
fn tampered_bytes(n: usize, slot: usize, f: impl FnOnce(&mut [u8; SLOT_BYTES])) {
    let w = life().0.swap_remove(n).1;
    let mut bytes = w.slots[slot].encoded.to_bytes();
    f(&mut bytes);
    assert_unsatisfied(&synthesize(BatchCircuit::with_computed_commitment(w).with_slot_bytes(slot, bytes)));
}

fn set_amount(b: &mut [u8; SLOT_BYTES], amount: u64) {
    b[7..12].copy_from_slice(&Float40::encode(amount).unwrap().raw().to_be_bytes()[3..]);
}

fn set_to(b: &mut [u8; SLOT_BYTES], to: u32) {
    b[4..7].copy_from_slice(&to.to_be_bytes()[1..]);
}

#[test]
fn a_tampered_credit_is_unsatisfied() {
    // The borrower is credited more than the pool pays… (the terms slot after it is made
    // consistent by the data: the tampered principal 1500 is still within the maximum)
    tampered_bytes(0, 0, |b| set_amount(b, 1500));
    // …or the pool is another account than the one debited.
    tampered_bytes(0, 0, |b| set_to(b, OTHER_POOL));
    // The pool's balance (witness) lowered below the principal.
    tampered(0, |w| w.slots[0].receiver.as_mut().unwrap().balance = 999);
    // The borrower's debt (witness) changed.
    tampered(0, |w| w.slots[0].sender.debt = 1);
    // The borrower's bank (witness) changed.
    tampered(0, |w| w.slots[0].sender.bank = OTHER_POOL);
    // The credit as a pool lending to itself.
    tampered_bytes(0, 0, |b| set_to(b, MEMBER));
}

#[test]
fn tampered_loan_terms_are_unsatisfied() {
    // A maximum below the debt: 1000 owed, 999 allowed.
    tampered_bytes(0, 1, |b| set_amount(b, 999));
    // The borrower's loan field (witness) as if written down.
    tampered(0, |w| {
        let mut l = Loan::unpack(&w.slots[1].sender.loan).unwrap();
        l.written_down = true;
        w.slots[1].sender.loan = l.pack();
    });
    // Terms in a later epoch than the credit (interest would have accrued unseen).
    tampered(0, |w| w.epoch = 2);
    // Terms for an account without a loan: the terms slot on the pool's index.
    tampered_bytes(0, 1, |b| b[1..4].copy_from_slice(&OTHER_POOL.to_be_bytes()[1..]));
}

#[test]
fn a_tampered_repayment_is_unsatisfied() {
    // The amount changed after signing.
    tampered_bytes(1, 0, |b| set_amount(b, 301));
    // A repayment to another pool, signed as such, with a valid path for that pool: only
    // the rule that a repayment goes to the loan's own pool stops it.
    let (mut batches, _) = life();
    let (before, mut w) = batches.swap_remove(1);
    let u = UnsignedTx::repay(MEMBER, OTHER_POOL, 300, 0).unwrap();
    w.slots[0].signature = ccr_circuits::babyjubjub::eddsa::sign_poseidon(&key(2), u.message(&CHAIN));
    w.slots[0].encoded.to = OTHER_POOL;
    // The intermediate tree: the borrower updated as the repayment does (its effect on the
    // borrower does not depend on the pool named), the pools not yet.
    let mut mid = SparseMerkleTree::new(DEPTH).unwrap();
    for i in [POOL, OTHER_POOL] {
        mid.update(u64::from(i), before.account(i).unwrap().leaf()).unwrap();
    }
    let after = {
        let mut s = before.clone();
        s.apply(&repay(&before, POOL, 300)).unwrap();
        s
    };
    mid.update(u64::from(MEMBER), after.account(MEMBER).unwrap().leaf()).unwrap();
    w.slots[0].receiver = Some(before.account(OTHER_POOL).unwrap().clone());
    w.slots[0].receiver_proof = mid.proof(u64::from(OTHER_POOL)).unwrap();
    // Control: the same witness naming pool A again (with pool A's path) is satisfied, so
    // the construction is sound and the rule alone decides.
    let mut control = w.clone();
    control.slots[0].encoded.to = POOL;
    control.slots[0].signature = life().0.swap_remove(1).1.slots[0].signature;
    control.slots[0].receiver = Some(before.account(POOL).unwrap().clone());
    control.slots[0].receiver_proof = mid.proof(u64::from(POOL)).unwrap();
    assert_satisfied(&synthesize(BatchCircuit::with_computed_commitment(control)));
    assert_unsatisfied(&synthesize(BatchCircuit::with_computed_commitment(w)));
    // The borrower's nonce (witness) changed.
    tampered(1, |w| w.slots[0].sender.nonce = 7);
    // The pool's receivable (witness) changed.
    tampered(1, |w| w.slots[0].receiver.as_mut().unwrap().debt = 5);
}

#[test]
fn tampered_upkeep_is_unsatisfied() {
    // An accrual in an epoch before the loan's last accrual (epoch 4).
    tampered(2, |w| w.epoch = 3);
    // The loan's accrual epoch (witness) moved forward: less interest.
    tampered(2, |w| {
        let mut l = Loan::unpack(&w.slots[0].sender.loan).unwrap();
        l.accrued_epoch = 5;
        w.slots[0].sender.loan = l.pack();
    });
    // The loan's rate (witness) lowered.
    tampered(2, |w| {
        let mut l = Loan::unpack(&w.slots[0].sender.loan).unwrap();
        l.rate_bps = 0;
        w.slots[0].sender.loan = l.pack();
    });
    // A writedown one epoch too early (due 7, grace 3: epoch 10).
    tampered(3, |w| w.epoch = 7 + GRACE_EPOCHS);
    // A writedown naming another pool.
    tampered_bytes(3, 0, |b| set_to(b, OTHER_POOL));
    // A writedown carrying an amount.
    tampered_bytes(3, 0, |b| set_amount(b, 1));
    // The due epoch (witness) moved back to allow an early writedown is caught by the path.
    tampered(3, |w| {
        let mut l = Loan::unpack(&w.slots[0].sender.loan).unwrap();
        l.due_epoch = 1;
        w.slots[0].sender.loan = l.pack();
    });
}

#[test]
fn replay_rebuilds_loans_from_the_data() {
    let (batches, end) = life();
    let mut replay = genesis();
    for (_, w) in &batches {
        let r = replay.replay_batch(&w.tx_data(), &[], w.epoch).unwrap();
        assert_eq!((r.old_root, r.new_root), (w.old_root, w.new_root));
    }
    assert_eq!(replay.root(), end.root());
    assert_eq!(replay.account(MEMBER), end.account(MEMBER));
    // Terms without their credit, and a credit from a pool that cannot pay, are refused.
    let terms = EncodedSlot {
        kind: TxKind::LoanTerms,
        from: MEMBER,
        to: TERMS.packed(),
        amount: Float40::encode(2000).unwrap(),
    };
    let mut data = terms.to_bytes().to_vec();
    data.extend([0u8; 2 * SLOT_BYTES]);
    assert_eq!(
        genesis().replay_batch(&data, &[], 1).unwrap_err(),
        ReplayError::Loan { slot: 0, source: LoanError::NoLoan(MEMBER) }
    );
    let big = EncodedSlot {
        kind: TxKind::Credit,
        from: MEMBER,
        to: POOL,
        amount: Float40::encode(20_000).unwrap(),
    };
    let mut data = big.to_bytes().to_vec();
    data.extend([0u8; 2 * SLOT_BYTES]);
    assert_eq!(
        genesis().replay_batch(&data, &[], 1).unwrap_err(),
        ReplayError::Loan {
            slot: 0,
            source: LoanError::PoolBalance { pool: POOL, balance: 10_000, amount: 20_000 }
        }
    );
    // A batch of an earlier epoch than the state's.
    let mut s = genesis();
    s.set_epoch(5).unwrap();
    assert_eq!(
        s.replay_batch(&[0u8; SLOTS * SLOT_BYTES], &[], 4).unwrap_err(),
        ReplayError::EpochBackwards { current: 5, got: 4 }
    );
}

#[test]
fn loan_fields_pack_and_unpack() {
    let l = Loan { rate_bps: u16::MAX, due_epoch: u32::MAX, accrued_epoch: 12345, written_down: true };
    assert_eq!(Loan::unpack(&l.pack()), Some(l));
    assert_eq!(Loan::unpack(&Fr::zero()), Some(Loan::default()));
    // 2⁸¹ is no packing.
    assert_eq!(Loan::unpack(&(Loan { written_down: true, ..Loan::default() }.pack() * Fr::from(2u64))), None);
    assert_eq!(LoanTerms::from_packed(TERMS.packed(), 2000), TERMS);
}
