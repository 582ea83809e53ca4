//! Start-up checks refuse inconsistent databases with the specific invariant; the snapshot is
//! loaded when sound and rebuilt from the log (with a warning) when not; deposits go ahead of
//! pending L2 transactions, evicting one that no longer applies.

use ark_bn254::Fr;
use ccr_circuits::state::tx::{Deposit, Tx};
use ccr_circuits::state::{Domain, RollupParams};
use ccr_sequencer::invariants::InvariantError;
use ccr_sequencer::records::TxStatus;
use ccr_sequencer::store::{Store, StoreWrite, CF_TXS};
use ccr_sequencer::{Sequencer, SequencerConfig, SequencerError};

use crate::common::*;

fn seq_config(dir: &std::path::Path, params: RollupParams) -> SequencerConfig {
    SequencerConfig { db: dir.to_path_buf(), params, mempool_capacity: 16, full_replay: false }
}

/// A database with one sealed batch and one pending transaction.
fn populated(dir: &std::path::Path) {
    let (seq, report) = Sequencer::open(&seq_config(dir, params())).unwrap();
    assert!(report.fresh);
    let (a, b) = (member(0), member(1));
    seq.ingest_deposit(0, open_deposit(0, &a, 100)).unwrap();
    seq.ingest_deposit(1, open_deposit(1, &b, 100)).unwrap();
    seq.submit(transfer(&a, 0, 1, 1, 0)).unwrap();
    assert_eq!(seq.seal(true).unwrap(), Some(0));
    seq.submit(transfer(&a, 0, 1, 1, 1)).unwrap();
}

/// Changes the database behind the node's back, in one write.
fn tamper(dir: &std::path::Path, f: impl FnOnce(&mut StoreWrite)) {
    let store = Store::open(dir).unwrap();
    let mut w = store.write();
    f(&mut w);
    store.commit(w).unwrap();
}

/// What a node opened on `dir` shows.
fn reopened_view(dir: &std::path::Path) -> View {
    let (seq, _) = Sequencer::open(&seq_config(dir, params())).unwrap();
    view(&seq)
}

fn open_err(dir: &std::path::Path, params: RollupParams) -> InvariantError {
    open_err_with(SequencerConfig { full_replay: true, ..seq_config(dir, params) })
}

fn open_err_with(config: SequencerConfig) -> InvariantError {
    match Sequencer::open(&config) {
        Err(SequencerError::Invariant(e)) => e,
        other => panic!("expected an invariant violation, got {other:?}"),
    }
}

#[test]
fn other_parameters_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    // Another deployment (its signatures bind another domain), and another shape.
    for other in
        [RollupParams::new(8, 4, Domain::new(1, [1; 20])).unwrap(), RollupParams::new(8, 8, DOMAIN).unwrap()]
    {
        assert!(matches!(open_err(dir.path(), other), InvariantError::ParamsMismatch { .. }));
    }
}

#[test]
fn a_gap_in_the_log_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    tamper(dir.path(), |w| {
        w.delete_tx_for_tests(1);
    });
    match open_err(dir.path(), params()) {
        InvariantError::Gap { cf, expected, found, count } => {
            assert_eq!((cf, expected, found, count), (CF_TXS, 1, Some(2), 4));
        }
        e => panic!("wrong invariant: {e}"),
    }
}

#[test]
fn a_tampered_batch_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    {
        let store = Store::open(dir.path()).unwrap();
        let mut batch = store.batch(0).unwrap().unwrap();
        batch.new_root += Fr::from(1u64);
        let mut w = store.write();
        w.put_batch(&batch);
        store.commit(w).unwrap();
    }
    match open_err(dir.path(), params()) {
        InvariantError::Mismatch { batch, field, .. } => assert_eq!((batch, field), (0, "new_root")),
        e => panic!("wrong invariant: {e}"),
    }
}

#[test]
fn a_clean_database_reopens_with_its_pending_tail() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    let (seq, report) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    assert_eq!((report.txs, report.batches, report.pending_l2, report.unproven), (4, 1, 1, vec![0]));
    assert_eq!(
        seq.progress().unwrap().sealed_root,
        ccr_sequencer::wire::fr_to_hex(&seq.batch(0).unwrap().unwrap().new_root)
    );
}

/// Account 1 holds nearly 2⁶⁴ − 1; a pending transfer of 400 into it fits, but a top-up
/// deposit goes ahead of it and then the transfer would overflow: it is evicted (rejected
/// with a reason), the deposit is accepted, and a restart agrees.
#[test]
fn a_deposit_goes_ahead_and_evicts_what_no_longer_applies() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (member(0), member(1));
    let big = u64::MAX - 500;
    {
        let (seq, _) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
        seq.ingest_deposit(0, open_deposit(0, &a, 1000)).unwrap();
        seq.ingest_deposit(1, open_deposit(1, &b, big)).unwrap();
        assert_eq!(seq.seal(true).unwrap(), Some(0));
        let t = seq.submit(transfer(&a, 0, 1, 400, 0)).unwrap();
        let kept = seq.submit(transfer(&b, 1, 0, 7, 0)).unwrap();
        let top_up = Deposit { index: 1, pubkey: None, amount: 200 };
        let r = seq.ingest_deposit(2, top_up).unwrap();
        assert_eq!(r.evicted, vec![t.seq]);
        match seq.tx(t.seq).unwrap().unwrap().status {
            TxStatus::Rejected(reason) => assert!(reason.contains("overflow"), "{reason}"),
            s => panic!("expected rejected, got {s:?}"),
        }
        assert_eq!(seq.tx(kept.seq).unwrap().unwrap().status, TxStatus::Pending);
        let acc = seq.account(1).unwrap().unwrap();
        assert_eq!((acc.pending.balance, acc.sealed.map(|s| s.balance)), (big + 200 - 7, Some(big)));
        // The next batch takes the deposit first.
        assert_eq!(seq.seal(true).unwrap(), Some(1));
        assert_eq!(seq.batch(1).unwrap().unwrap().seqs, vec![r.accepted.seq, kept.seq]);
    }
    let (seq, report) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    assert_eq!((report.txs, report.batches, report.pending_l2, report.pending_deposits), (5, 2, 0, 0));
    let expected_txs = [
        Tx::Deposit(open_deposit(0, &a, 1000)),
        Tx::Deposit(open_deposit(1, &b, big)),
        Tx::Deposit(Deposit { index: 1, pubkey: None, amount: 200 }),
        Tx::Signed(transfer(&b, 1, 0, 7, 0)),
    ];
    assert_eq!(seq.progress().unwrap().sealed_root, native_root(params(), &expected_txs));
}

/// Sealed and pending roots, batches proven, pending deposits and L2 transactions, unproven
/// batches.
type View = (String, String, u64, usize, usize, Vec<u64>);

/// What a node shows of its state: the same after loading the snapshot and after a full replay.
fn view(seq: &Sequencer) -> View {
    let p = seq.progress().unwrap();
    (p.sealed_root, p.pending_root, p.proven, p.pending_deposits, p.pending_l2, seq.unproven_batches())
}

/// A clean restart loads the snapshot (no replay), and shows exactly what a full replay of
/// the log shows; the snapshot covers the sealed batch and the tail comes back.
#[test]
fn a_restart_loads_the_snapshot_and_equals_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    let (seq, report) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    assert_eq!(report.rebuilt, None);
    assert_eq!((report.txs, report.batches, report.pending_l2, report.unproven), (4, 1, 1, vec![0]));
    let loaded = view(&seq);
    drop(seq);
    let full = SequencerConfig { full_replay: true, ..seq_config(dir.path(), params()) };
    let (seq, report) = Sequencer::open(&full).unwrap();
    assert_eq!(report.rebuilt.as_deref(), Some("full replay asked for"));
    assert_eq!(view(&seq), loaded);
    // The witness of the unproven batch is the one the replay recomputes.
    let replayed = seq.unproven_witness(0).unwrap();
    drop(seq);
    let (seq, _) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    assert_eq!(seq.unproven_witness(0).unwrap().public_commitment(), replayed.public_commitment());
    assert_eq!(seq.unproven_witness(0).unwrap().slots, replayed.slots);
}

/// A snapshot that disagrees with the log (an account changed behind the node's back) is
/// detected by the root check and rebuilt from the log, with the reason; the next start
/// loads the rebuilt snapshot.
#[test]
fn a_snapshot_disagreeing_with_the_log_is_detected_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    let expected = reopened_view(dir.path());
    tamper(dir.path(), |w| {
        let mut forged = ccr_circuits::state::account::Account::new(member(0).public_key(), 1_000_000);
        forged.nonce = 1;
        w.put_account(0, &forged);
    });
    let (seq, report) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    let why = report.rebuilt.expect("rebuilt");
    assert!(why.contains("is not the last batch's"), "{why}");
    assert_eq!(view(&seq), expected);
    drop(seq);
    let (seq, report) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    assert_eq!(report.rebuilt, None);
    assert_eq!(view(&seq), expected);
}

/// A missing snapshot, or a stored witness that does not match its batch, is rebuilt from the
/// log.
#[test]
fn a_missing_or_corrupt_snapshot_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    populated(dir.path());
    let expected = reopened_view(dir.path());
    tamper(dir.path(), |w| {
        w.delete_snapshot_for_tests();
    });
    let (seq, report) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    assert_eq!(report.rebuilt.as_deref(), Some("no snapshot"));
    assert_eq!(view(&seq), expected);
    let witness = seq.unproven_witness(0).unwrap();
    drop(seq);
    tamper(dir.path(), |w| {
        let mut other = witness;
        other.new_root += Fr::from(1u64);
        w.put_witness(0, &other);
    });
    let (seq, report) = Sequencer::open(&seq_config(dir.path(), params())).unwrap();
    let why = report.rebuilt.expect("rebuilt");
    assert!(why.contains("witness of batch 0"), "{why}");
    assert_eq!(view(&seq), expected);
}

/// Many clients racing to spend the same nonces: each (sender, nonce) is accepted once, the
/// log holds no two entries of one sender with one nonce, and a restart agrees.
#[test]
fn concurrent_clients_never_see_a_nonce_accepted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let config = SequencerConfig { mempool_capacity: 1024, ..seq_config(dir.path(), params()) };
    let (seq, _) = Sequencer::open(&config).unwrap();
    let (a, b) = (member(0), member(1));
    seq.ingest_deposit(0, open_deposit(0, &a, 10_000)).unwrap();
    seq.ingest_deposit(1, open_deposit(1, &b, 10_000)).unwrap();
    let seq = std::sync::Arc::new(seq);
    // Eight threads; each sends, for nonces 0..8, its own transfer (amounts differ per
    // thread, so the transactions differ) from account 0, and seals now and then.
    let accepted: Vec<Vec<(u32, u64)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u64)
            .map(|t| {
                let (seq, a) = (seq.clone(), a.clone());
                s.spawn(move || {
                    let mut mine = Vec::new();
                    for nonce in 0..8u32 {
                        if let Ok(r) = seq.submit(transfer(&a, 0, 1, 1 + t, nonce)) {
                            mine.push((nonce, r.seq));
                        }
                        if t == 0 && nonce % 3 == 2 {
                            seq.seal(true).unwrap();
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut nonces: Vec<u32> = accepted.iter().flatten().map(|(n, _)| *n).collect();
    nonces.sort_unstable();
    assert_eq!(nonces, (0..8).collect::<Vec<_>>(), "each nonce accepted exactly once");
    while seq.seal(true).unwrap().is_some() {}
    let expected = view(&seq);
    assert_eq!(seq.account(0).unwrap().unwrap().pending.nonce, 8);
    drop(seq);
    let (seq, report) = Sequencer::open(&config).unwrap();
    assert_eq!(report.rebuilt, None);
    assert_eq!(view(&seq), expected);
}
