//! The native state transition (the specification): effects, and one error per bad input.

use ark_bn254::Fr;
use ark_ff::Zero;
use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::merkle::SparseMerkleTree;
use ccr_circuits::state::amount::{AmountError, Float40};
use ccr_circuits::state::encoding::{decode, DecodeError, EncodedSlot, SLOT_BYTES};
use ccr_circuits::state::tx::{Deposit, ForcedExit, QueueEntry, Tx, TxKind, UnsignedTx};
use ccr_circuits::state::{Domain, ParamsError, RollupParams, RollupState, TxError};
use proptest::prelude::*;

/// The deployment the tests sign for.
pub const CHAIN: Domain = Domain { chain_id: 7, rollup: [0x11; 20] };
/// Another deployment: the same rollup on another chain.
pub const OTHER_DEPLOYMENT: Domain = Domain { chain_id: 8, rollup: [0x11; 20] };

pub fn key(i: u8) -> PrivateKey {
    PrivateKey::from_bytes([i; 32])
}

pub fn open(state: &mut RollupState, index: u32, i: u8, amount: u64) {
    state.apply(&Tx::Deposit(Deposit { index, pubkey: Some(key(i).public_key()), amount })).unwrap();
}

pub fn signed(u: UnsignedTx, k: &PrivateKey) -> Tx {
    Tx::Signed(u.with_signature(sign_poseidon(k, u.message(&CHAIN))))
}

pub fn transfer(state: &RollupState, from: u32, to: u32, amount: u64, k: &PrivateKey) -> Tx {
    let nonce = state.account(from).map_or(0, |a| a.nonce);
    signed(UnsignedTx::transfer(from, to, amount, nonce).unwrap(), k)
}

fn fresh() -> RollupState {
    let mut s = RollupState::new(RollupParams::new(6, 4, CHAIN).unwrap()).unwrap();
    open(&mut s, 0, 1, 1000);
    open(&mut s, 1, 2, 50);
    s
}

/// Recomputes the root from the accounts: the oracle for the incremental tree.
fn root_from_accounts(s: &RollupState) -> Fr {
    let mut tree = SparseMerkleTree::new(s.params().depth).unwrap();
    for i in 0..64u32 {
        if let Some(a) = s.account(i) {
            tree.update(u64::from(i), a.leaf()).unwrap();
        }
    }
    tree.root()
}

#[test]
fn deposits_transfers_and_exits_have_their_effects() {
    let mut s = fresh();
    assert_eq!(s.deposits_consumed(), 2);
    let q = Deposit { index: 1, pubkey: None, amount: 25 }.chain(
        Deposit { index: 1, pubkey: Some(key(2).public_key()), amount: 50 }
            .chain(Deposit { index: 0, pubkey: Some(key(1).public_key()), amount: 1000 }.chain(Fr::zero())),
    );
    s.apply(&Tx::Deposit(Deposit { index: 1, pubkey: None, amount: 25 })).unwrap();
    assert_eq!(s.deposit_queue_hash(), q);
    assert_eq!(s.account(1).unwrap().balance, 75);

    let t = transfer(&s, 0, 1, 300, &key(1));
    s.apply(&t).unwrap();
    assert_eq!((s.account(0).unwrap().balance, s.account(0).unwrap().nonce), (700, 1));
    assert_eq!((s.account(1).unwrap().balance, s.account(1).unwrap().nonce), (375, 0));

    // A self-transfer only bumps the nonce.
    let t = transfer(&s, 1, 1, 100, &key(2));
    s.apply(&t).unwrap();
    assert_eq!((s.account(1).unwrap().balance, s.account(1).unwrap().nonce), (375, 1));

    let e = signed(UnsignedTx::exit(0, 200, 1).unwrap(), &key(1));
    s.apply(&e).unwrap();
    assert_eq!(s.account(0).unwrap().balance, 500);
    assert_eq!(s.root(), root_from_accounts(&s));
}

/// Applies `tx` to a fresh state, expecting `err` and no change of state.
fn rejects(tx: Tx, err: TxError) {
    let mut s = fresh();
    let root = s.root();
    assert_eq!(s.apply(&tx).unwrap_err(), err);
    assert_eq!(s.root(), root, "a rejected transaction changed the state");
    assert_eq!(s.validate(&tx).unwrap_err(), err);
}

#[test]
fn every_bad_input_has_its_own_error() {
    let s = fresh();
    // Bad signature: signed by another key.
    let t = transfer(&s, 0, 1, 10, &key(9));
    let TxError::BadSignature(_) = fresh().apply(&t).unwrap_err() else { panic!("expected BadSignature") };
    // Wrong nonce (replay and gap).
    for nonce in [1, 5] {
        rejects(
            signed(UnsignedTx::transfer(0, 1, 10, nonce).unwrap(), &key(1)),
            TxError::WrongNonce { expected: 0, got: nonce },
        );
    }
    rejects(transfer(&s, 1, 0, 51, &key(2)), TxError::InsufficientBalance { balance: 50, amount: 51 });
    rejects(transfer(&s, 0, 9, 1, &key(1)), TxError::UnknownAccount(9));
    rejects(transfer(&s, 9, 0, 1, &key(1)), TxError::UnknownAccount(9));
    rejects(transfer(&s, 0, 64, 1, &key(1)), TxError::IndexOutOfRange { index: 64, capacity: 64 });
    rejects(
        Tx::Deposit(Deposit { index: 0, pubkey: Some(key(3).public_key()), amount: 1 }),
        TxError::AccountExists(0),
    );
    rejects(Tx::Deposit(Deposit { index: 5, pubkey: None, amount: 1 }), TxError::UnknownAccount(5));
    rejects(
        Tx::Deposit(Deposit { index: 1, pubkey: None, amount: u64::MAX }),
        TxError::Overflow { balance: 50, amount: u64::MAX },
    );
    let mut exit_to = UnsignedTx::exit(0, 1, 0).unwrap();
    exit_to.to = 1;
    rejects(signed(exit_to, &key(1)), TxError::ExitRecipient(1));
    assert_eq!(
        UnsignedTx::transfer(0, 1, 123_456_789_012_345, 0).unwrap_err(),
        AmountError::NotRepresentable(123_456_789_012_345)
    );
}

#[test]
fn transfer_overflowing_the_recipient_is_rejected() {
    let mut s = RollupState::new(RollupParams::new(4, 1, CHAIN).unwrap()).unwrap();
    open(&mut s, 0, 1, 10_000_000_000_000_000_000);
    open(&mut s, 1, 2, 10_000_000_000_000_000_000);
    let t = transfer(&s, 0, 1, 10_000_000_000_000_000_000, &key(1));
    assert_eq!(
        s.apply(&t).unwrap_err(),
        TxError::Overflow { balance: 10_000_000_000_000_000_000, amount: 10_000_000_000_000_000_000 }
    );
}

#[test]
fn params_are_checked() {
    assert_eq!(RollupParams::new(25, 4, CHAIN).unwrap_err(), ParamsError::Depth(25));
    assert_eq!(RollupParams::new(0, 4, CHAIN).unwrap_err(), ParamsError::Depth(0));
    assert_eq!(RollupParams::new(24, 0, CHAIN).unwrap_err(), ParamsError::BatchSize);
}

#[test]
fn encoding_is_twelve_bytes_and_round_trips() {
    let slot = EncodedSlot {
        kind: TxKind::Transfer,
        from: 0xABCDEF,
        to: 0x123456,
        amount: Float40::encode(5_000_000_000_000).unwrap(),
    };
    let bytes = slot.to_bytes();
    assert_eq!(bytes.len(), SLOT_BYTES);
    // 5·10¹² = 5·10⁹ (mantissa) · 10³: 3 << 35 | 5_000_000_000 = 0x19_2A05_F200.
    assert_eq!((slot.amount.exponent(), slot.amount.mantissa()), (3, 5_000_000_000));
    assert_eq!(bytes, [2, 0xAB, 0xCD, 0xEF, 0x12, 0x34, 0x56, 0x19, 0x2A, 0x05, 0xF2, 0x00]);
    assert_eq!(decode(&bytes).unwrap(), vec![slot]);
    assert_eq!(decode(&[0u8; 13]).unwrap_err(), DecodeError::Length(13));
    for byte in [12u8, 15, 16, 128, 255] {
        let mut bad = bytes;
        bad[0] = byte;
        assert_eq!(decode(&bad).unwrap_err(), DecodeError::Kind { slot: 0, byte });
    }
    // Kind 4 (forced exit) names no recipient.
    let mut forced_to = bytes;
    forced_to[0] = 4;
    assert_eq!(
        decode(&forced_to).unwrap_err(),
        DecodeError::NonCanonical { slot: 0, kind: TxKind::ForcedExit }
    );
    let forced = EncodedSlot { kind: TxKind::ForcedExit, from: 0xABCDEF, to: 0, amount: slot.amount };
    assert_eq!(forced.to_bytes()[0], 4);
    assert_eq!(decode(&forced.to_bytes()).unwrap(), vec![forced]);
    let mut noop_with_from = [0u8; 12];
    noop_with_from[3] = 1;
    assert_eq!(
        decode(&noop_with_from).unwrap_err(),
        DecodeError::NonCanonical { slot: 0, kind: TxKind::Noop }
    );
}

proptest! {
    #[test]
    fn float40_round_trips_every_representable_amount(m in 0u64..(1 << 35), e in 0u32..20) {
        if let Some(v) = 10u64.checked_pow(e).and_then(|p| p.checked_mul(m)) {
            prop_assert_eq!(Float40::encode(v).unwrap().decode().unwrap(), v);
        }
    }

    #[test]
    fn float40_is_exact_below_two_pow_35(v in 0u64..(1 << 35)) {
        let f = Float40::encode(v).unwrap();
        prop_assert_eq!((f.exponent(), f.mantissa()), (0, v));
    }
}

#[test]
fn forced_exit_pays_the_request_or_nothing() {
    let mut s = fresh();
    let q = s.deposit_queue_hash();
    // Paid: 300 of 1000, no signature, nonce unchanged, the queue advances.
    let paid = ForcedExit { index: 0, amount: 300 };
    let w = s.apply(&Tx::ForcedExit(paid)).unwrap().remove(0);
    assert_eq!((s.account(0).unwrap().balance, s.account(0).unwrap().nonce), (700, 0));
    assert_eq!(
        w.encoded,
        EncodedSlot { kind: TxKind::ForcedExit, from: 0, to: 0, amount: Float40::encode(300).unwrap() }
    );
    assert_eq!((w.forced_exit, w.sender.balance), (paid, 1000));
    assert_eq!(s.deposit_queue_hash(), paid.chain(q));
    assert_eq!(s.deposits_consumed(), 3);
    // Nullified: 51 requested of 50. Consumed all the same, as an exit of 0.
    let nullified = ForcedExit { index: 1, amount: 51 };
    assert_eq!(nullified.effective_amount(50), 0);
    let w = s.apply(&Tx::ForcedExit(nullified)).unwrap().remove(0);
    assert_eq!((w.encoded.from, w.encoded.amount, w.forced_exit.amount), (1, Float40::ZERO, 51));
    assert_eq!(s.account(1).unwrap().balance, 50);
    assert_eq!(s.deposit_queue_hash(), nullified.chain(paid.chain(q)));
    assert_eq!(s.deposits_consumed(), 4);
    // The whole balance is payable.
    s.apply(&Tx::ForcedExit(ForcedExit { index: 1, amount: 50 })).unwrap();
    assert_eq!(s.account(1).unwrap().balance, 0);
    assert_eq!(s.root(), root_from_accounts(&s));
}

#[test]
fn forced_exit_errors() {
    rejects(Tx::ForcedExit(ForcedExit { index: 9, amount: 1 }), TxError::UnknownAccount(9));
    rejects(
        Tx::ForcedExit(ForcedExit { index: 64, amount: 1 }),
        TxError::IndexOutOfRange { index: 64, capacity: 64 },
    );
    rejects(
        Tx::ForcedExit(ForcedExit { index: 0, amount: 123_456_789_012_345 }),
        TxError::Amount(AmountError::NotRepresentable(123_456_789_012_345)),
    );
}

#[test]
fn queue_entries_chain_as_l1_does() {
    let pk = key(1).public_key();
    let d = Deposit { index: 3, pubkey: Some(pk), amount: 9 };
    let f = ForcedExit { index: 3, amount: 9 };
    let prev = Fr::from(77u64);
    use ccr_circuits::poseidon::hash_n;
    let fr = Fr::from;
    assert_eq!(
        QueueEntry::ForcedExit(f).chain(prev),
        hash_n(&[prev, fr(3u64), fr(0u64), fr(1u64), fr(9u64)])
    );
    assert_eq!(QueueEntry::Deposit(d.clone()).chain(prev), hash_n(&[prev, fr(3u64), pk.x, pk.y, fr(9u64)]));
    // A top-up (0, 0) and a forced exit (0, 1) of the same account and amount differ.
    let top_up = Deposit { index: 3, pubkey: None, amount: 9 };
    assert_ne!(top_up.chain(prev), f.chain(prev));
    assert_eq!((QueueEntry::Deposit(d.clone()).index(), QueueEntry::ForcedExit(f).index()), (3, 3));
    assert_eq!(
        (QueueEntry::Deposit(d.clone()).kind(), QueueEntry::ForcedExit(f).kind()),
        (TxKind::Deposit, TxKind::ForcedExit)
    );
    assert_eq!(Tx::from(QueueEntry::ForcedExit(f)), Tx::ForcedExit(f));
    assert_eq!(Tx::Deposit(d.clone()).queue_entry(), Some(QueueEntry::Deposit(d)));
    assert_eq!(TxKind::from_byte(4), Some(TxKind::ForcedExit));
    assert_eq!(TxKind::from_byte(9), Some(TxKind::Writedown));
    assert_eq!(TxKind::from_byte(10), Some(TxKind::FundMove));
    assert_eq!(TxKind::from_byte(11), Some(TxKind::FundShortfall));
    assert_eq!(TxKind::from_byte(12), None);
}

/// A step recorded on one copy of a state and replayed on another (without hashing) gives
/// what applying it there gives: the same root, accounts, queue position and slot witnesses;
/// a step is refused by a state it was not recorded from, which then stays unchanged.
#[test]
fn a_recorded_step_replays_on_a_copy_and_only_there() {
    let mut pending = fresh();
    let sealed = pending.clone();
    let txs = vec![
        transfer(&pending, 0, 1, 30, &key(1)),
        Tx::Deposit(Deposit { index: 2, pubkey: Some(key(3).public_key()), amount: 9 }),
        Tx::Deposit(Deposit { index: 1, pubkey: None, amount: 5 }),
    ];
    let mut recorded = Vec::new();
    let mut applied = sealed.clone();
    for tx in &txs {
        let r = pending.apply_recorded(tx, None).unwrap();
        assert_eq!(r.slots, applied.apply(tx).unwrap());
        recorded.push(r);
    }
    // A step taken out of order does not apply, and changes nothing.
    let mut replayed = sealed.clone();
    assert!(!replayed.apply_diff(&recorded[1].diff));
    assert_eq!(replayed.root(), sealed.root());
    for r in &recorded {
        assert!(replayed.apply_diff(&r.diff));
    }
    for state in [&replayed, &applied] {
        assert_eq!(state.root(), pending.root());
        assert_eq!(state.deposit_queue_hash(), pending.deposit_queue_hash());
        assert_eq!(state.deposits_consumed(), pending.deposits_consumed());
        for i in 0..3 {
            assert_eq!(state.account(i), pending.account(i));
            assert_eq!(state.proof(i).unwrap(), pending.proof(i).unwrap());
        }
    }
    // A failing application records nothing and leaves the state as it was.
    let root = pending.root();
    assert!(pending.apply_recorded(&txs[0], None).is_err());
    assert_eq!(pending.root(), root);
}
