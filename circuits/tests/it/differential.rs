//! The batch circuit against the native replay, slot by slot, on adversarial inputs: a slot
//! satisfies the circuit exactly when the native rule (the replay an auditor runs on L1's
//! data) accepts it, and then with the same root. Whatever L1 accepts, the audit accepts.
//!
//! The circuit's side is the witness an honest prover would build for the slot whether or
//! not the native rule accepts it: the accounts as they are, their paths, a valid signature
//! with the current nonce, and the recipient's path against the tree in which the sender's
//! leaf is the one the circuit itself computes. The regression tests of issue 10's holes
//! (`attack_…`) are here too.

use ark_bn254::Fr;
use ark_ff::Zero;
use ccr_circuits::babyjubjub::eddsa::sign_poseidon;
use ccr_circuits::batch::constraints::{check_slot, SlotCheck};
use ccr_circuits::merkle::SparseMerkleTree;
use ccr_circuits::state::account::{Account, NO_BANK, POOL};
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::encoding::EncodedSlot;
use ccr_circuits::state::loan::{Loan, LoanError, LoanTerms, GRACE_EPOCHS};
use ccr_circuits::state::tx::{CreditTx, LoanUpkeep, Tx, TxKind, UnsignedTx};
use ccr_circuits::state::{Domain, ReplayError, RollupParams, RollupState, SlotWitness, TxError};
use proptest::prelude::*;

use crate::state::{key, open, signed, CHAIN};

const DEPTH: usize = 3;
const CAPACITY: u32 = 1 << DEPTH;

fn params() -> RollupParams {
    RollupParams::new(DEPTH, 1, CHAIN).unwrap()
}

/// The account at `i` keyed by `key(i + 1)`, but the last one by the fund's key (whose fund
/// moves are not capped; nobody signs for it).
fn account(i: u32, balance: u64) -> Account {
    if i == CAPACITY - 1 {
        return Account::new(ccr_circuits::health::fund::fund_account_key(), balance);
    }
    Account::new(key(i as u8 + 1).public_key(), balance)
}

/// The honest prover's witness for `encoded` over `state` in a batch of `epoch`, and the
/// circuit's verdict on it.
fn circuit(state: &RollupState, encoded: EncodedSlot, epoch: u32) -> SlotCheck {
    let params = *state.params();
    let kind = encoded.kind;
    let mut w = SlotWitness::noop(DEPTH);
    w.encoded = encoded;
    let in_tree = |i: u32| i < CAPACITY;
    if kind != TxKind::Noop && in_tree(encoded.from) {
        if let Some(a) = state.account(encoded.from) {
            w.sender = a.clone();
        }
        w.sender_proof = state.proof(encoded.from).unwrap();
    }
    if kind.is_signed() {
        let u = UnsignedTx {
            kind,
            from: encoded.from,
            to: encoded.to,
            amount: encoded.amount,
            nonce: w.sender.nonce,
        };
        w.signature = sign_poseidon(&key(encoded.from as u8 + 1), u.message(&params.domain));
    }
    let receives = matches!(
        kind,
        TxKind::Transfer
            | TxKind::Credit
            | TxKind::Repay
            | TxKind::Accrue
            | TxKind::Writedown
            | TxKind::FundMove
            | TxKind::FundShortfall
    );
    let check =
        |w: &SlotWitness| check_slot(&params, epoch, state.root(), state.deposit_queue_hash(), w).unwrap();
    if !(receives && in_tree(encoded.to)) {
        return check(&w);
    }
    w.receiver = state.account(encoded.to).cloned();
    // First pass: the sender's leaf after the slot, as the circuit computes it.
    w.receiver_proof = state.proof(encoded.to).unwrap();
    let sender_leaf = check(&w).sender_leaf;
    let mut tree = SparseMerkleTree::new(DEPTH).unwrap();
    for i in 0..CAPACITY {
        if let Some(a) = state.account(i) {
            tree.update(u64::from(i), a.leaf()).unwrap();
        }
    }
    if in_tree(encoded.from) {
        tree.update(u64::from(encoded.from), sender_leaf).unwrap();
    }
    w.receiver_proof = tree.proof(u64::from(encoded.to)).unwrap();
    check(&w)
}

/// The native replay of the one-slot batch: the root after it, or why it is refused.
fn native(state: &RollupState, encoded: EncodedSlot, epoch: u32) -> Result<Fr, ReplayError> {
    let mut s = state.clone();
    s.replay_batch(&encoded.to_bytes(), &[], epoch).map(|r| r.new_root)
}

/// Circuit satisfied ⇔ native accepts, with equal roots.
fn assert_agree(state: &RollupState, encoded: EncodedSlot, epoch: u32) {
    let c = circuit(state, encoded, epoch);
    match native(state, encoded, epoch) {
        Ok(root) => {
            assert!(c.satisfied, "native accepts {encoded:?} at epoch {epoch}, the circuit does not");
            assert_eq!(c.root_out, root, "roots differ for {encoded:?}");
        }
        Err(e) => {
            assert!(!c.satisfied, "the circuit accepts {encoded:?} at epoch {epoch}; native refuses: {e}")
        }
    }
}

/// Asserts the native rule refuses the slot and the circuit does too.
fn assert_refused(state: &RollupState, encoded: EncodedSlot, epoch: u32) -> ReplayError {
    let err = native(state, encoded, epoch).expect_err("native accepts the attack");
    assert!(!circuit(state, encoded, epoch).satisfied, "the circuit accepts the attack (native: {err})");
    err
}

fn slot(kind: TxKind, from: u32, to: u32, amount: u64) -> EncodedSlot {
    EncodedSlot { kind, from, to, amount: Float40::encode(amount).unwrap() }
}

fn loan_error(e: ReplayError) -> LoanError {
    match e {
        ReplayError::Loan { source, .. } => source,
        other => panic!("not a loan rule: {other}"),
    }
}

const TERMS: LoanTerms = LoanTerms { rate_bps: 1200, term_epochs: 2, max_amount: 5_000 };

/// Account 0 borrows 1 000 from pool 1 at epoch 1 (due 3): the state at `epoch`.
fn account_zero_borrows_from_pool_one(epoch: u32) -> RollupState {
    let mut s = RollupState::new(params()).unwrap();
    open(&mut s, 0, 1, 10);
    open(&mut s, 1, 2, 100_000);
    open(&mut s, 2, 3, 100_000);
    s.set_epoch(1).unwrap();
    s.apply(&Tx::Credit(CreditTx { borrower: 0, bank: 1, amount: 1_000, terms: TERMS })).unwrap();
    s.set_epoch(epoch).unwrap();
    s
}

// ---- issue 10, hole 1: a pool is a borrower of "bank 0" -----------------------------------

#[test]
fn attack_writedown_pool_as_borrower_of_bank_zero() {
    // Past due + grace, anyone asks for a writedown naming the pool as borrower of bank 0:
    // account 0's debt would drop while it keeps the principal.
    let epoch = 3 + GRACE_EPOCHS + 1;
    let s = account_zero_borrows_from_pool_one(epoch);
    let upkeep = Tx::Upkeep(LoanUpkeep { kind: TxKind::Writedown, borrower: 1, bank: 0 });
    assert_eq!(s.validate(&upkeep), Err(TxError::Loan(LoanError::PoolAsBorrower(1))));
    let err = assert_refused(&s, slot(TxKind::Writedown, 1, 0, 0), epoch);
    assert_eq!(loan_error(err), LoanError::PoolAsBorrower(1));
    // Accrual the same way, and the pool repaying "its loan" to account 0.
    assert_refused(&s, slot(TxKind::Accrue, 1, 0, 0), epoch);
    // The honest writedown still goes through.
    assert_agree(&s, slot(TxKind::Writedown, 0, 1, 0), epoch);
    assert!(native(&s, slot(TxKind::Writedown, 0, 1, 0), epoch).is_ok());
}

#[test]
fn attack_borrower_lends_and_pool_borrows() {
    let s = account_zero_borrows_from_pool_one(2);
    // The borrower (account 0) stands where a pool must: a credit from it to account 2.
    assert_eq!(loan_error(assert_refused(&s, slot(TxKind::Credit, 2, 0, 5), 2)), LoanError::NotAPool(0));
    // The pool (account 1) borrows from account 2.
    assert_eq!(
        loan_error(assert_refused(&s, slot(TxKind::Credit, 1, 2, 5), 2)),
        LoanError::PoolAsBorrower(1)
    );
    // Account 2 has no role: naming it as the pool of account 0's loan is refused.
    assert_refused(&s, slot(TxKind::Accrue, 0, 2, 0), 2);
    // A pool's "loan terms" (its receivable looks like an open loan) are refused.
    let terms = EncodedSlot {
        kind: TxKind::LoanTerms,
        from: 1,
        to: TERMS.packed(),
        amount: Float40::encode(TERMS.max_amount).unwrap(),
    };
    assert_eq!(loan_error(assert_refused(&s, terms, 2)), LoanError::PoolAsBorrower(1));
}

#[test]
fn roles_are_written_to_the_leaves() {
    let s = account_zero_borrows_from_pool_one(1);
    assert_eq!(s.account(0).unwrap().lender(), Some(1));
    assert_eq!(s.account(0).unwrap().bank, 2, "a borrower's bank field is its pool's index + 1");
    assert!(s.account(1).unwrap().is_pool());
    assert_eq!(s.account(2).unwrap().bank, NO_BANK);
    // Repaid in full: no role left, and account 0 may lend or borrow again.
    let mut s = s;
    let owed = s.account(0).unwrap().debt;
    s.apply(&signed(UnsignedTx::repay(0, 1, owed, 0).unwrap(), &key(1))).unwrap();
    assert_eq!(s.account(0).unwrap().bank, NO_BANK);
    assert_eq!(s.account(0).unwrap().lender(), None);
    assert!(s.account(1).unwrap().is_pool(), "a pool stays a pool");
}

/// Found by the differential property (the shrunk case is in `proptest-regressions/`): a leaf
/// with no debt but a written-down loan field, and a credit to it. No transition writes such a
/// leaf (a loan with no debt left is cleared), but the two rules must still agree on it: the
/// native rule let the credit through (and carried the written-down bit into the new loan),
/// the circuit refused it. Both refuse it now.
#[test]
fn attack_credit_over_a_cleared_but_written_down_loan_field() {
    let mut borrower = account(0, u64::MAX - 1_000);
    borrower.bank = Account::borrower_of(0);
    borrower.loan = Loan { written_down: true, ..Loan::default() }.pack();
    let mut pool = account(7, 1);
    pool.bank = POOL;
    let accounts = [(0, borrower), (1, account(1, 0)), (2, account(2, 0)), (7, pool)];
    for epoch in [0, 9] {
        let s = RollupState::from_accounts(params(), epoch, accounts.clone()).unwrap();
        let err = assert_refused(&s, slot(TxKind::Credit, 0, 7, 1), epoch);
        assert_eq!(loan_error(err), LoanError::WrittenDown(0));
    }
}

// ---- issue 10, hole 2: L1 accepts batches the native replay rejects --------------------------

#[test]
fn attack_zero_amount_credit_or_repayment_settles() {
    let s = account_zero_borrows_from_pool_one(2);
    for (kind, from, to) in [(TxKind::Credit, 0, 1), (TxKind::Repay, 0, 1)] {
        let err = assert_refused(&s, slot(kind, from, to, 0), 2);
        assert_eq!(loan_error(err), LoanError::ZeroAmount(kind));
    }
    let terms = EncodedSlot { kind: TxKind::LoanTerms, from: 0, to: TERMS.packed(), amount: Float40::ZERO };
    assert_refused(&s, terms, 1);
}

#[test]
fn attack_debt_passes_2_pow_64_mid_slot() {
    // A debt just below 2⁶⁴ at 12 %/year, 12 epochs unaccrued: the interest takes it past
    // 2⁶⁴ − 1, and a large repayment would bring the final value back into range.
    let epoch = 20;
    let loan = Loan { rate_bps: 1200, due_epoch: 30, accrued_epoch: 8, written_down: false };
    let mut borrower = account(0, u64::MAX);
    borrower.bank = Account::borrower_of(1);
    borrower.debt = u64::MAX - 10;
    borrower.loan = loan.pack();
    let mut pool = account(1, 0);
    pool.bank = POOL;
    pool.debt = 18_000_000_000_000_000_000;
    let s = RollupState::from_accounts(params(), epoch, [(0, borrower), (1, pool)]).unwrap();
    let repay = slot(TxKind::Repay, 0, 1, 18_000_000_000_000_000_000);
    let err = assert_refused(&s, repay, epoch);
    assert_eq!(loan_error(err), LoanError::OutOfRange { index: 0, what: "debt" });
}

// ---- issue 10, hole 8: signatures replay across deployments -----------------------------------

#[test]
fn attack_signature_replays_on_another_deployment() {
    // The same rollup code deployed twice on one chain (the old message bound only a chain id):
    // a transfer signed for the first is refused by the second, natively and in the circuit.
    let first = Domain::new(1, [0xaa; 20]);
    let second = Domain::new(1, [0xbb; 20]);
    let on = |domain: Domain| {
        let mut s = RollupState::new(RollupParams::new(DEPTH, 1, domain).unwrap()).unwrap();
        open(&mut s, 0, 1, 1_000);
        open(&mut s, 1, 2, 0);
        s
    };
    let u = UnsignedTx::transfer(0, 1, 100, 0).unwrap();
    let tx = Tx::Signed(u.with_signature(sign_poseidon(&key(1), u.message(&first))));
    assert!(on(first).validate(&tx).is_ok());
    assert!(matches!(on(second).validate(&tx), Err(TxError::BadSignature(_))));
    // The circuit of the second deployment, with the first deployment's signature.
    let s = on(second);
    let mut w = SlotWitness::noop(DEPTH);
    w.encoded = slot(TxKind::Transfer, 0, 1, 100);
    w.sender = s.account(0).unwrap().clone();
    w.sender_proof = s.proof(0).unwrap();
    w.signature = sign_poseidon(&key(1), u.message(&first));
    w.receiver = s.account(1).cloned();
    let mut honest = w.clone();
    honest.signature = sign_poseidon(&key(1), u.message(&second));
    let leaf = check_slot(s.params(), 0, s.root(), Fr::zero(), &honest).unwrap().sender_leaf;
    let mut tree = SparseMerkleTree::new(DEPTH).unwrap();
    tree.update(0, leaf).unwrap();
    tree.update(1, s.account(1).unwrap().leaf()).unwrap();
    w.receiver_proof = tree.proof(1).unwrap();
    honest.receiver_proof = w.receiver_proof.clone();
    assert!(check_slot(s.params(), 0, s.root(), Fr::zero(), &honest).unwrap().satisfied);
    assert!(!check_slot(s.params(), 0, s.root(), Fr::zero(), &w).unwrap().satisfied);
    // Separators are 125-bit and differ by address and by chain.
    assert_ne!(first.separator(), second.separator());
    assert_ne!(first.separator(), Domain::new(2, [0xaa; 20]).separator());
}

// ---- the differential property ----------------------------------------------------------------

/// Amounts: 0, small, round, the largest Float40 mantissa, near 2⁶⁴, and raw encodings that
/// decode past 2⁶⁴.
fn amount() -> impl Strategy<Value = Float40> {
    prop_oneof![
        Just(0u64),
        Just(1u64),
        1u64..3_000,
        Just(100_000u64),
        Just((1u64 << 35) - 1),
        Just(18_000_000_000_000_000_000u64),
        Just(1_000_000_000_000_000_000u64),
    ]
    .prop_map(|a| Float40::encode(a).unwrap())
    .boxed()
    .prop_union(((1u64 << 35) - 1..1u64 << 40).prop_map(|raw| Float40::from_raw(raw).unwrap()).boxed())
}

fn balance() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), 1u64..5_000, Just(u64::MAX), Just(u64::MAX - 1_000), Just(1u64 << 63)]
}

/// An account's role: none, borrower of a pool (any index, 0 and the largest included), pool.
#[derive(Debug, Clone)]
enum Role {
    None,
    Borrower { pool: u32, debt: u64, loan: Loan },
    Pool { receivable: u64 },
}

fn role() -> impl Strategy<Value = Role> {
    let loan = (
        prop_oneof![Just(0u16), Just(1200u16), Just(u16::MAX)],
        prop_oneof![Just(0u32), 0u32..12, Just(u32::MAX)],
        0u32..12,
        any::<bool>(),
    )
        .prop_map(|(rate_bps, due_epoch, accrued_epoch, written_down)| Loan {
            rate_bps,
            due_epoch,
            accrued_epoch,
            written_down,
        });
    prop_oneof![
        Just(Role::None),
        (0..CAPACITY, prop_oneof![Just(0u64), 1u64..5_000, Just(u64::MAX - 5)], loan)
            .prop_map(|(pool, debt, loan)| Role::Borrower { pool, debt, loan }),
        prop_oneof![Just(0u64), 1u64..5_000, Just(u64::MAX)].prop_map(|receivable| Role::Pool { receivable }),
    ]
}

fn accounts() -> impl Strategy<Value = Vec<(u32, Account)>> {
    proptest::collection::vec(
        (any::<bool>(), balance(), prop_oneof![Just(0u32), 1u32..4, Just(u32::MAX)], role()),
        CAPACITY as usize,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .filter(|(i, (present, ..))| *present || *i < 3)
            .map(|(i, (_, balance, nonce, role))| {
                let mut a = account(i as u32, balance);
                a.nonce = nonce;
                match role {
                    Role::None => {}
                    Role::Borrower { pool, debt, loan } => {
                        a.bank = Account::borrower_of(pool);
                        a.debt = debt;
                        a.loan = loan.pack();
                    }
                    Role::Pool { receivable } => {
                        a.bank = POOL;
                        a.debt = receivable;
                    }
                }
                (i as u32, a)
            })
            .collect()
    })
}

/// A canonical slot of a kind that needs no L1 queue entry, over indices 0..=CAPACITY (the
/// last one outside the tree).
fn encoded() -> impl Strategy<Value = EncodedSlot> {
    let kind = prop_oneof![
        Just(TxKind::Noop),
        Just(TxKind::Transfer),
        Just(TxKind::Exit),
        Just(TxKind::Credit),
        Just(TxKind::LoanTerms),
        Just(TxKind::Repay),
        Just(TxKind::Accrue),
        Just(TxKind::Writedown),
        Just(TxKind::FundMove),
        Just(TxKind::FundShortfall),
    ];
    let index = prop_oneof![Just(0u32), 0..CAPACITY, Just(CAPACITY - 1), Just(CAPACITY)];
    let terms = (prop_oneof![Just(0u16), Just(1200u16), Just(u16::MAX)], 0u8..13)
        .prop_map(|(rate_bps, term_epochs)| LoanTerms { rate_bps, term_epochs, max_amount: 0 }.packed());
    (kind, index.clone(), index, terms, amount()).prop_filter_map(
        "self-transfers need the sender's updated account as recipient; the fund key signs nothing",
        |(kind, from, to, terms, amount)| {
            let s = match kind {
                TxKind::Noop => EncodedSlot::NOOP,
                TxKind::Exit => EncodedSlot { kind, from, to: 0, amount },
                TxKind::LoanTerms => EncodedSlot { kind, from, to: terms, amount },
                TxKind::Accrue | TxKind::Writedown => EncodedSlot { kind, from, to, amount: Float40::ZERO },
                _ => EncodedSlot { kind, from, to, amount },
            };
            // The fund key's account signs nothing (nobody can): a signed slot from it has no
            // witness, while the replay (which checks no signature: the proof did) takes it.
            let signed = matches!(kind, TxKind::Transfer | TxKind::Exit | TxKind::Repay);
            ((!matches!(kind, TxKind::Transfer | TxKind::FundMove) || from != to)
                && !(signed && from == CAPACITY - 1))
                .then_some(s)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("DIFFERENTIAL_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    /// Circuit satisfied ⇔ native replay accepts, with equal roots. `DIFFERENTIAL_CASES=N`
    /// runs more (`cargo test --release -p ccr-circuits --test it differential -- --ignored`
    /// runs 20 000).
    #[test]
    fn circuit_accepts_exactly_what_the_native_replay_accepts(
        accounts in accounts(),
        encoded in encoded(),
        epochs in (0u32..12, 0u32..3),
    ) {
        let (state_epoch, ahead) = epochs;
        let state = RollupState::from_accounts(params(), state_epoch, accounts).unwrap();
        assert_agree(&state, encoded, state_epoch + ahead);
    }
}

/// The differential property at length (minutes).
#[test]
#[ignore = "long: 20 000 cases"]
fn differential_long_run() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(20_000));
    runner
        .run(&(accounts(), encoded(), 0u32..12, 0u32..3), |(accounts, encoded, e, ahead)| {
            let state = RollupState::from_accounts(params(), e, accounts).unwrap();
            assert_agree(&state, encoded, e + ahead);
            Ok(())
        })
        .unwrap();
}
