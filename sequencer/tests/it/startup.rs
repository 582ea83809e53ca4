//! Start-up checks refuse inconsistent databases with the specific invariant; deposits go
//! ahead of pending L2 transactions, evicting one that no longer applies.

use ark_bn254::Fr;
use ccr_circuits::state::tx::{Deposit, Tx};
use ccr_circuits::state::{Domain, RollupParams};
use ccr_sequencer::invariants::InvariantError;
use ccr_sequencer::records::TxStatus;
use ccr_sequencer::store::{Store, CF_TXS};
use ccr_sequencer::{Sequencer, SequencerConfig, SequencerError};

use crate::common::*;

fn seq_config(dir: &std::path::Path, params: RollupParams) -> SequencerConfig {
    SequencerConfig { db: dir.to_path_buf(), params, mempool_capacity: 16 }
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

fn open_err(dir: &std::path::Path, params: RollupParams) -> InvariantError {
    match Sequencer::open(&seq_config(dir, params)) {
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
    {
        let store = Store::open(dir.path()).unwrap();
        let mut w = store.write();
        w.delete_tx_for_tests(1);
        store.commit(w).unwrap();
    }
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
