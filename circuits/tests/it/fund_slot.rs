//! The rollup's fund slots (issue 11, item 4: a settled table's transfers run in the rollup):
//! the native rule, the replay from L1 data and the batch circuit agree on a paid move and on a
//! shortfall; each tampered value leaves the circuit unsatisfied; the moves a table implies and
//! the fund account's key.

use ark_bn254::Fr;
use ark_ec::AffineRepr;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ccr_circuits::batch::constraints::BatchCircuit;
use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::health::fund::{
    float40_parts, fund_account_key, fund_move_limit, moves, pack_line, FLOW_BITS,
};
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::encoding::EncodedSlot;
use ccr_circuits::state::tx::{Deposit, FundMove, Tx, TxKind};
use ccr_circuits::state::{ReplayError, RollupParams, RollupState, TxError};

use crate::state::{open, CHAIN};

const DEPTH: usize = 4;
const SLOTS: usize = 4;
/// The fund's account in these tests.
const FUND: u32 = 3;

/// Pool 0 holds 1 000, pool 1 holds 500, account 2 holds 10, the fund (3, with the fund's
/// key) holds 40.
fn state() -> RollupState {
    let mut s = RollupState::new(RollupParams::new(DEPTH, SLOTS, CHAIN).unwrap()).unwrap();
    open(&mut s, 0, 1, 1_000);
    open(&mut s, 1, 2, 500);
    open(&mut s, 2, 3, 10);
    s.apply(&Tx::Deposit(Deposit { index: FUND, pubkey: Some(fund_account_key()), amount: 40 })).unwrap();
    s
}

fn mv(from: u32, to: u32, amount: u64) -> Tx {
    Tx::Fund(FundMove { from, to, amount })
}

/// The batch of `txs` over [`state`], and the state after it.
fn batch(txs: &[Tx]) -> (RollupState, BatchWitness) {
    let mut s = state();
    let mut b = BatchBuilder::new(&s);
    for tx in txs {
        b.push(&mut s, tx).unwrap();
    }
    let w = b.finish_from(&s);
    (s, w)
}

fn satisfied(c: BatchCircuit) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    c.generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

/// Contributions in, a grant out (more than a fifth of the fund: the fund's own account pays
/// out its whole balance), a contribution the pool cannot pay, and one it could pay but that is
/// more than a fifth of its balance (555 after the grant: at most ⌈555/5⌉ = 111).
const TABLE: [(u32, u32, u64); 4] = [(0, FUND, 20), (FUND, 1, 55), (2, FUND, 11), (1, FUND, 112)];

fn table_txs() -> Vec<Tx> {
    TABLE.iter().map(|&(f, t, a)| mv(f, t, a)).collect()
}

#[test]
fn a_paid_move_and_a_shortfall_prove_and_replay_to_the_same_root() {
    let (after, w) = batch(&table_txs());
    let kinds: Vec<_> = w.slots.iter().map(|s| s.encoded.kind).collect();
    assert_eq!(kinds, [TxKind::FundMove, TxKind::FundMove, TxKind::FundShortfall, TxKind::FundShortfall]);
    assert_eq!(after.account(0).unwrap().balance, 980);
    assert_eq!(after.account(1).unwrap().balance, 555);
    assert_eq!(after.account(2).unwrap().balance, 10, "a shortfall moves nothing");
    assert_eq!(after.account(FUND).unwrap().balance, 5);
    // no signature, no nonce
    assert!((0..4).all(|i| after.account(i).unwrap().nonce == 0));
    assert!(satisfied(BatchCircuit::new(w.clone())));

    // The auditor's replay from the data alone reaches the same root and lists the fund slots.
    let mut replayed = state();
    let r = replayed.replay_batch(&w.tx_data(), &[], 0).unwrap();
    assert_eq!(r.new_root, after.root());
    assert_eq!(r.new_root, w.new_root);
    let listed: Vec<_> = r.fund_slots.iter().map(|s| (s.kind, s.from, s.to)).collect();
    assert_eq!(
        listed,
        [
            (TxKind::FundMove, 0, FUND),
            (TxKind::FundMove, FUND, 1),
            (TxKind::FundShortfall, 2, FUND),
            (TxKind::FundShortfall, 1, FUND)
        ]
    );
}

#[test]
fn a_pool_pays_at_most_a_fifth_of_its_balance_the_fund_all_of_its() {
    let s = state();
    let limit = |i: u32| fund_move_limit(s.account(i).unwrap());
    // ⌈b/5⌉ for every account but the fund's: a contribution of 20 % rounded up passes
    assert_eq!((limit(0), limit(1), limit(2)), (200, 100, 2));
    assert_eq!(limit(FUND), 40);
    for (balance, max) in [
        (0, 0),
        (1, 1),
        (4, 1),
        (5, 1),
        (6, 2),
        (u64::MAX, u64::MAX / 5),
        (u64::MAX - 5, u64::MAX / 5 - 1),
        (u64::MAX - 6, u64::MAX / 5 - 1),
    ] {
        let mut a = s.account(0).unwrap().clone();
        a.balance = balance;
        assert_eq!(fund_move_limit(&a), max, "{balance}");
    }
    // at the limit: paid, one above: a shortfall, in the circuit too
    for (amount, kind) in [(100, TxKind::FundMove), (101, TxKind::FundShortfall)] {
        let (_, w) = batch(&[mv(1, FUND, amount)]);
        assert_eq!(w.slots[0].encoded.kind, kind, "{amount}");
        assert!(satisfied(BatchCircuit::with_computed_commitment(w)));
    }
    let (_, w) = batch(&[mv(FUND, 1, 40)]);
    assert_eq!(w.slots[0].encoded.kind, TxKind::FundMove);
}

/// The witness of `amount` paid from pool 1 to the fund, built by hand as the rule before the
/// cap built it (paid whenever the balance covers it), from the shortfall's witness.
fn paid_by_hand(amount: u64) -> BatchWitness {
    let (_, mut w) = batch(&[mv(1, FUND, 1)]);
    let before = state();
    let mut accounts: Vec<_> = before.accounts().map(|(i, a)| (i, a.clone())).collect();
    accounts.iter_mut().find(|(i, _)| *i == 1).unwrap().1.balance -= amount;
    let mid = RollupState::from_accounts(*before.params(), before.epoch(), accounts).unwrap();
    let slot = &mut w.slots[0];
    slot.encoded =
        EncodedSlot { kind: TxKind::FundMove, from: 1, to: FUND, amount: Float40::encode(amount).unwrap() };
    slot.receiver = mid.account(FUND).cloned();
    slot.receiver_proof = mid.proof(FUND).unwrap();
    w
}

/// A settler whose table overstates pool 1's balance asks it for 400 of its 500: the rule
/// makes it a shortfall, the replay refuses it paid, and the circuit refuses a batch that pays
/// it (before the cap, all three paid it).
#[test]
fn attack_a_table_overstating_a_balance_takes_more_than_a_fifth_of_a_pool() {
    let (after, w) = batch(&[mv(1, FUND, 400)]);
    assert_eq!(w.slots[0].encoded.kind, TxKind::FundShortfall);
    assert_eq!(after.account(1).unwrap().balance, 500, "nothing moves");

    let paid =
        EncodedSlot { kind: TxKind::FundMove, from: 1, to: FUND, amount: Float40::encode(400).unwrap() };
    let mut data = paid.to_bytes().to_vec();
    data.resize(SLOTS * data.len(), 0);
    assert_eq!(
        state().replay_batch(&data, &[], 0).unwrap_err(),
        ReplayError::FundOverLimit { slot: 0, index: 1, limit: 100, amount: 400 }
    );

    // The hand-built witness is right: at the limit it is the builder's own and satisfies.
    let (_, at_limit) = batch(&[mv(1, FUND, 100)]);
    assert_eq!(paid_by_hand(100).slots[0], at_limit.slots[0]);
    assert!(satisfied(BatchCircuit::with_computed_commitment(paid_by_hand(100))));
    assert!(!satisfied(BatchCircuit::with_computed_commitment(paid_by_hand(101))));
    assert!(!satisfied(BatchCircuit::with_computed_commitment(paid_by_hand(400))));
}

/// One value at a time, from a fresh valid witness; the public input is whatever the circuit
/// computes, so only the slot's own constraints can catch it.
fn tampered(f: impl FnOnce(&mut BatchWitness)) {
    let (_, mut w) = batch(&table_txs());
    assert!(satisfied(BatchCircuit::with_computed_commitment(w.clone())));
    f(&mut w);
    assert!(!satisfied(BatchCircuit::with_computed_commitment(w)), "the circuit accepts the tampered batch");
}

#[test]
fn tampered_fund_slots_are_unsatisfied() {
    // a paid move that moves more than the data says
    tampered(|w| w.slots[0].encoded.amount = Float40::encode(21).unwrap());
    // a paid move recorded as a shortfall while the pool can pay (sparing the pool)
    tampered(|w| w.slots[0].encoded.kind = TxKind::FundShortfall);
    // a shortfall recorded as paid: the pool cannot pay it (overspend)
    tampered(|w| w.slots[2].encoded.kind = TxKind::FundMove);
    // a shortfall of an amount within the limit (⌈10/5⌉ = 2)
    tampered(|w| w.slots[2].encoded.amount = Float40::encode(2).unwrap());
    // a shortfall of a pool that could pay it (⌈555/5⌉ = 111)
    tampered(|w| w.slots[3].encoded.amount = Float40::encode(111).unwrap());
    // the fund key claimed by a pool, to pay uncapped (its leaf is then another)
    tampered(|w| w.slots[3].sender.pubkey = fund_account_key());
    // a shortfall whose sender holds more than the tree says
    tampered(|w| w.slots[2].sender.balance = 5);
    // a move to another recipient than the data's
    tampered(|w| w.slots[1].encoded.to = 2);
    // a move of nothing
    tampered(|w| w.slots[1].encoded.amount = Float40::ZERO);
    // a shortfall of nothing
    tampered(|w| w.slots[2].encoded.amount = Float40::ZERO);
    // a recipient path of another leaf
    tampered(|w| w.slots[1].receiver_proof.siblings[0] += Fr::from(1u64));
    // a shortfall naming a recipient that is not in the tree
    tampered(|w| w.slots[2].receiver = None);
}

#[test]
fn the_native_rule_and_the_replay_refuse_what_the_circuit_refuses() {
    let s = state();
    assert_eq!(s.validate(&mv(0, FUND, 0)).unwrap_err(), TxError::ZeroFundMove);
    assert_eq!(s.validate(&mv(0, 9, 5)).unwrap_err(), TxError::UnknownAccount(9));
    assert_eq!(s.validate(&mv(9, 0, 5)).unwrap_err(), TxError::UnknownAccount(9));
    // an amount without an exact encoding (L1 splits such a move)
    assert!(matches!(s.validate(&mv(0, FUND, (1 << 35) + 1)), Err(TxError::Amount(_))));
    // a shortfall slot in the data whose sender can pay
    let bytes =
        EncodedSlot { kind: TxKind::FundShortfall, from: 0, to: FUND, amount: Float40::encode(5).unwrap() }
            .to_bytes();
    let mut data = bytes.to_vec();
    data.resize(SLOTS * bytes.len(), 0);
    let mut replayed = state();
    assert_eq!(
        replayed.replay_batch(&data, &[], 0).unwrap_err(),
        ReplayError::FundCovered { slot: 0, index: 0, limit: 200, amount: 5 }
    );
}

#[test]
fn a_table_moves_each_bank_once_payers_first_in_exact_parts() {
    // (pool, contribution, grant): 7 pays 20 and gets 5 (net −15); 8 gets 30; 9 nets 0;
    // 10 pays a net without an exact encoding.
    let big = (1u64 << 35) * 10 + 7;
    let lines = [(7, 20, 5), (8, 0, 30), (9, 4, 4), (10, big, 0)];
    let m: Vec<_> = moves(lines, 99).into_iter().map(|m| (m.from, m.to, m.amount)).collect();
    // 343 597 383 687 / 100 is the first quotient below 2³⁵
    let (high, low) = (343_597_383_600, 87);
    assert_eq!(m, [(7, 99, 15), (10, 99, high), (10, 99, low), (99, 8, 30)]);
    assert_eq!(float40_parts(0), Vec::<u64>::new());
    assert_eq!(float40_parts(12_345), vec![12_345]);
    for amount in [big, u64::MAX, (1 << 35) + 1, 10_000_000_000_000_000_001] {
        let parts = float40_parts(amount);
        assert!(parts.len() <= 2);
        assert_eq!(parts.iter().sum::<u64>(), amount, "{amount}");
        assert!(parts.iter().all(|&p| p != 0 && Float40::encode(p).is_ok()), "{amount}: {parts:?}");
    }
    // a line packs injectively below 2²⁵³
    assert_eq!(pack_line(1, 0, 0, 0, 0), Fr::from(1u64));
    assert_eq!(pack_line(0, 1, 0, 0, 0), Fr::from(1u64 << 32));
    assert_eq!(pack_line(0, 0, 1, 0, 0), Fr::from(1u128 << 96));
    assert_eq!(pack_line(0, 0, 0, 1, 0), Fr::from(1u128 << 96) * Fr::from(1u128 << 64));
    assert_eq!(pack_line(0, 0, 0, 0, 1), Fr::from(1u128 << 96) * Fr::from(1u128 << 96));
    let top = pack_line(u32::MAX, u64::MAX, u64::MAX, u32::MAX, (1 << FLOW_BITS) - 1);
    assert_eq!(top + Fr::from(1u64), Fr::from(1u128 << 127) * Fr::from(1u128 << 126));
}

/// The fund account's key, pinned: `SolidarityFund.sol` opens the account with these
/// coordinates (its test compares them with this function).
#[test]
fn the_fund_account_key_is_a_subgroup_point_from_its_domain() {
    let k = fund_account_key();
    assert!(k.is_on_curve() && k.is_in_correct_subgroup_assuming_on_curve() && !k.is_zero());
    assert_eq!(k, fund_account_key(), "deterministic");
    pinned_in_the_contract(&k.x.to_string(), &k.y.to_string());
}

/// The key's coordinates as decimal strings, against the constants of `SolidarityFund.sol`.
fn pinned_in_the_contract(x: &str, y: &str) {
    let source = include_str!("../../../verifier-contracts/src/SolidarityFund.sol");
    assert!(
        source.contains(&format!("FUND_KEY_X = {x};")) && source.contains(&format!("FUND_KEY_Y = {y};")),
        "SolidarityFund.sol must carry FUND_KEY_X = {x}; and FUND_KEY_Y = {y};"
    );
}
