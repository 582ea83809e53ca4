//! Replay of settled batches from L1 data alone (data bytes and queue entries): the same
//! state as applying the transactions, and one error per inconsistency.

use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::state::amount::{AmountError, Float40};
use ccr_circuits::state::encoding::{DecodeError, EncodedSlot, SLOT_BYTES};
use ccr_circuits::state::tx::{Deposit, ForcedExit, QueueEntry, Tx, TxKind, UnsignedTx};
use ccr_circuits::state::{ReplayError, Replayed, RollupParams, RollupState};

use crate::state::{key, signed, transfer, CHAIN};

const SLOTS: usize = 4;

fn genesis() -> RollupState {
    RollupState::new(RollupParams::new(6, SLOTS, CHAIN).unwrap()).unwrap()
}

fn create(index: u32, k: u8, amount: u64) -> Tx {
    Tx::Deposit(Deposit { index, pubkey: Some(key(k).public_key()), amount })
}

/// A settled batch as L1 shows it: its data and the queue entries it consumed.
struct Settled {
    witness: BatchWitness,
    entries: Vec<QueueEntry>,
}

/// Makes a batch's transactions from the state before it.
type MakeBatch<'a> = &'a dyn Fn(&RollupState) -> Vec<Tx>;

/// Builds batches one after another on `state`.
fn settle(state: &mut RollupState, batches: &[MakeBatch<'_>]) -> Vec<Settled> {
    batches
        .iter()
        .map(|make| {
            let mut b = BatchBuilder::new(state);
            let mut entries = Vec::new();
            for tx in make(state) {
                b.push(state, &tx).unwrap();
                entries.extend(tx.queue_entry());
            }
            Settled { witness: b.finish_from(state), entries }
        })
        .collect()
}

/// Three batches with every kind of slot, forced exits paid and nullified.
fn history() -> (RollupState, Vec<Settled>) {
    let mut state = genesis();
    let settled = settle(
        &mut state,
        &[
            &|_| vec![create(0, 1, 1000), create(1, 2, 500), create(2, 3, 0)],
            &|s| {
                vec![
                    transfer(s, 0, 2, 400, &key(1)),
                    Tx::ForcedExit(ForcedExit { index: 1, amount: 501 }),
                    Tx::Deposit(Deposit { index: 1, pubkey: None, amount: 30 }),
                    Tx::ForcedExit(ForcedExit { index: 2, amount: 150 }),
                ]
            },
            &|s| {
                let nonce = s.account(0).unwrap().nonce;
                vec![
                    signed(UnsignedTx::exit(0, 100, nonce).unwrap(), &key(1)),
                    Tx::ForcedExit(ForcedExit { index: 1, amount: 530 }),
                ]
            },
        ],
    );
    (state, settled)
}

#[test]
fn replaying_settled_batches_rebuilds_the_state() {
    let (applied, settled) = history();
    let mut replay = genesis();
    let mut consumed = 0;
    for (n, b) in settled.iter().enumerate() {
        let w = &b.witness;
        let r = replay.replay_batch(&w.tx_data(), &b.entries, w.epoch).unwrap();
        consumed += b.entries.len() as u64;
        assert_eq!(
            (r.old_root, r.new_root, r.queue_before, r.queue_after),
            (w.old_root, w.new_root, w.queue_before, w.queue_after),
            "batch {n}"
        );
        assert_eq!((r.entries_consumed, r.deposits_consumed_after), (b.entries.len() as u64, consumed));
        assert_eq!(replay.root(), w.new_root);
    }
    assert_eq!((replay.root(), replay.deposit_queue_hash()), (applied.root(), applied.deposit_queue_hash()));
    assert_eq!(replay.deposits_consumed(), applied.deposits_consumed());
    for i in 0..3 {
        assert_eq!(replay.account(i), applied.account(i));
    }
    // Nonces follow from replay: account 0 signed a transfer and an exit.
    assert_eq!(replay.account(0).unwrap().nonce, 2);
}

#[test]
fn replay_reports_exits_in_slot_order() {
    let (_, settled) = history();
    let mut replay = genesis();
    let exits: Vec<Vec<(u32, u64)>> = settled
        .iter()
        .map(|b| replay.replay_batch(&b.witness.tx_data(), &b.entries, 0).unwrap().exits)
        .collect();
    // Batch 1: the forced exit of 501 from account 1 (500) is nullified; 150 from account 2
    // (400) is paid. Batch 2: a signed exit of 100, a forced exit of the whole 530.
    assert_eq!(exits, vec![vec![], vec![(1, 0), (2, 150)], vec![(0, 100), (1, 530)]]);
}

/// Replays batch 1 of the history, from the state after batch 0, with `data` and `entries`
/// changed by `f`; expects `err` and no change of state.
fn rejects(f: impl FnOnce(&mut Vec<u8>, &mut Vec<QueueEntry>), err: ReplayError) {
    let (_, settled) = history();
    let mut state = genesis();
    state.replay_batch(&settled[0].witness.tx_data(), &settled[0].entries, 0).unwrap();
    let (root, consumed) = (state.root(), state.deposits_consumed());
    let mut data = settled[1].witness.tx_data();
    let mut entries = settled[1].entries.clone();
    f(&mut data, &mut entries);
    assert_eq!(state.replay_batch(&data, &entries, 0).unwrap_err(), err);
    assert_eq!(
        (state.root(), state.deposits_consumed()),
        (root, consumed),
        "a failed replay changed the state"
    );
}

/// Overwrites slot `i` of `data`.
fn set_slot(data: &mut [u8], i: usize, slot: EncodedSlot) {
    data[i * SLOT_BYTES..(i + 1) * SLOT_BYTES].copy_from_slice(&slot.to_bytes());
}

fn slot(kind: TxKind, from: u32, to: u32, amount: u64) -> EncodedSlot {
    EncodedSlot { kind, from, to, amount: Float40::encode(amount).unwrap() }
}

#[test]
fn replay_of_malformed_data_is_refused() {
    rejects(|d, _| d.push(0), ReplayError::Decode(DecodeError::Length(4 * SLOT_BYTES + 1)));
    rejects(|d, _| d[SLOT_BYTES] = 12, ReplayError::Decode(DecodeError::Kind { slot: 1, byte: 12 }));
    rejects(|d, _| d.truncate(3 * SLOT_BYTES), ReplayError::SlotCount { expected: 4, got: 3 });
    // Exponent 31, mantissa 1: 10³¹ exceeds 64 bits.
    rejects(
        |d, _| d[7..12].copy_from_slice(&[0xF8, 0, 0, 0, 1]),
        ReplayError::Decode(DecodeError::Amount { slot: 0, source: AmountError::Overflow(0xF8_0000_0001) }),
    );
}

#[test]
fn replay_of_an_impossible_transition_is_refused() {
    // Slot 0 is the transfer 0 → 2 of 400 (account 0 holds 1000).
    rejects(
        |d, _| set_slot(d, 0, slot(TxKind::Transfer, 0, 2, 1001)),
        ReplayError::InsufficientBalance { slot: 0, index: 0, balance: 1000, amount: 1001 },
    );
    rejects(
        |d, _| set_slot(d, 0, slot(TxKind::Transfer, 0, 9, 1)),
        ReplayError::UnknownAccount { slot: 0, index: 9 },
    );
    rejects(
        |d, _| set_slot(d, 0, slot(TxKind::Exit, 7, 0, 1)),
        ReplayError::UnknownAccount { slot: 0, index: 7 },
    );
    rejects(
        |d, _| set_slot(d, 0, slot(TxKind::Transfer, 0, 64, 1)),
        ReplayError::IndexOutOfRange { slot: 0, index: 64, capacity: 64 },
    );
    // Slot 2 consumes the top-up of 30 for account 1.
    rejects(
        |_, e| e[1] = QueueEntry::Deposit(Deposit { index: 1, pubkey: None, amount: u64::MAX }),
        ReplayError::Overflow { slot: 2, index: 1, balance: 500, amount: u64::MAX },
    );
    rejects(
        |_, e| {
            e[1] = QueueEntry::Deposit(Deposit { index: 1, pubkey: Some(key(5).public_key()), amount: 30 })
        },
        ReplayError::AccountExists { slot: 2, index: 1 },
    );
}

#[test]
fn replay_with_the_wrong_queue_entries_is_refused() {
    // Entries: [forced exit (1, 501), top-up (1, 30), forced exit (2, 150)].
    rejects(
        |_, e| {
            e.pop();
        },
        ReplayError::QueueExhausted { slot: 3, given: 2 },
    );
    rejects(
        |_, e| e.push(QueueEntry::ForcedExit(ForcedExit { index: 0, amount: 1 })),
        ReplayError::UnconsumedQueueEntries { consumed: 3, given: 4 },
    );
    rejects(
        |_, e| e.swap(0, 1),
        ReplayError::QueueEntryKind { slot: 1, slot_kind: TxKind::ForcedExit, entry_kind: TxKind::Deposit },
    );
    rejects(
        |_, e| e[2] = QueueEntry::ForcedExit(ForcedExit { index: 0, amount: 150 }),
        ReplayError::QueueEntryIndex { slot: 3, slot_index: 2, entry_index: 0 },
    );
    rejects(
        |_, e| e[1] = QueueEntry::Deposit(Deposit { index: 2, pubkey: None, amount: 30 }),
        ReplayError::QueueEntryIndex { slot: 2, slot_index: 1, entry_index: 2 },
    );
}

#[test]
fn replay_enforces_the_forced_exit_rule() {
    // Slot 1: forced exit (1, 501) from 500, nullified. Claiming it paid in part or in full.
    rejects(
        |d, _| set_slot(d, 1, slot(TxKind::ForcedExit, 1, 0, 500)),
        ReplayError::ForcedExitAmount {
            slot: 1,
            index: 1,
            requested: 501,
            balance: 500,
            expected: 0,
            got: 500,
        },
    );
    rejects(
        |d, _| set_slot(d, 1, slot(TxKind::ForcedExit, 1, 0, 501)),
        ReplayError::ForcedExitAmount {
            slot: 1,
            index: 1,
            requested: 501,
            balance: 500,
            expected: 0,
            got: 501,
        },
    );
    // Slot 3: forced exit (2, 150) from 400, paid. Claiming it nullified.
    rejects(
        |d, _| set_slot(d, 3, slot(TxKind::ForcedExit, 2, 0, 0)),
        ReplayError::ForcedExitAmount {
            slot: 3,
            index: 2,
            requested: 150,
            balance: 400,
            expected: 150,
            got: 0,
        },
    );
}

#[test]
fn replay_result_is_what_the_batch_claims() {
    let (_, settled) = history();
    let mut state = genesis();
    let r: Replayed = state.replay_batch(&settled[0].witness.tx_data(), &settled[0].entries, 0).unwrap();
    assert_eq!(r.exits, vec![]);
    assert_eq!((r.entries_consumed, r.deposits_consumed_after), (3, 3));
    // An empty batch (all no-ops) changes nothing.
    let before = state.root();
    let r = state.replay_batch(&[0u8; SLOTS * SLOT_BYTES], &[], 0).unwrap();
    assert_eq!((r.old_root, r.new_root, r.entries_consumed), (before, before, 0));
}
