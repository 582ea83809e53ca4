//! Crash safety: kill the node mid-flow, reopen the same database, lose nothing.

use std::time::Duration;

use ccr_circuits::state::tx::Tx;
use ccr_prover::{proof_from_bytes, verify_prepared};
use ccr_sequencer::api::{BatchState, DecU64, TxId, TxState};
use ccr_sequencer::wire::{fr_from_be_canonical, from_hex};
use ccr_sequencer::CcrApiClient;

use crate::common::*;

const NEVER: Duration = Duration::from_secs(3600);

/// Killed after accepting transactions, before sealing: the reopened node has them all in
/// its mempool, the same pending root as a fresh native replay, and seals them later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_before_sealing_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (member(0), member(1));
    let d0 = open_deposit(0, &a, 700);
    let d1 = open_deposit(1, &b, 300);
    let t0 = transfer(&a, 0, 1, 70, 0);

    let (node, client) = launch(config(dir.path(), params(), None, NEVER)).await;
    node.sequencer.ingest_deposit(0, d0.clone()).unwrap();
    node.sequencer.ingest_deposit(1, d1.clone()).unwrap();
    let r0 = client.send_transaction(hex_input(&t0)).await.unwrap();
    drop(client);
    node.kill().await;

    let (node, client) = launch(config(dir.path(), params(), None, NEVER)).await;
    let report = node.report.clone();
    assert!(!report.fresh);
    assert_eq!((report.txs, report.batches, report.pending_deposits, report.pending_l2), (3, 0, 2, 1));
    assert!(report.dropped.is_empty() && report.unproven.is_empty());
    let expected =
        native_root(params(), &[Tx::Deposit(d0.clone()), Tx::Deposit(d1.clone()), Tx::Signed(t0.clone())]);
    assert_eq!(report.pending_root, expected);
    let health = client.health().await.unwrap();
    assert_eq!((health.pending_root, health.next_seq, health.pending_txs), (expected, 3, 1));
    let s = client.get_transaction_status(TxId::Hash(r0.hash)).await.unwrap().unwrap();
    assert_eq!((s.seq, s.status), (2, TxState::Pending));
    let acc = client.get_account(0).await.unwrap().unwrap();
    assert_eq!((acc.pending_nonce, acc.pending_balance, acc.sealed), (1, DecU64(630), false));

    // The replayed nonce is still refused; the next transaction fills the batch, which seals.
    assert_eq!(
        code(client.send_transaction(hex_input(&t0)).await),
        ccr_sequencer::ErrorCode::NonceTooLow.code()
    );
    let t1 = transfer(&b, 1, 0, 30, 0);
    client.send_transaction(hex_input(&t1)).await.unwrap();
    wait_until("batch 0 sealed", Duration::from_secs(30), || async {
        client.health().await.unwrap().batches == 1
    })
    .await;
    let batch = client.get_batch(0).await.unwrap().unwrap();
    assert_eq!((batch.txs, batch.state), (vec![0, 1, 2, 3], BatchState::Sealed));
    assert_eq!(
        batch.new_root,
        native_root(params(), &[Tx::Deposit(d0), Tx::Deposit(d1), Tx::Signed(t0), Tx::Signed(t1)])
    );
    node.shutdown().await;
}

/// Killed after sealing, before proving: the reopened node re-derives the witness by replay
/// and its prover proves the batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_before_proving_resumes_proving() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (member(0), member(1));
    let (node, client) = launch(config(dir.path(), params(), None, NEVER)).await;
    node.sequencer.ingest_deposit(0, open_deposit(0, &a, 500)).unwrap();
    node.sequencer.ingest_deposit(1, open_deposit(1, &b, 5)).unwrap();
    client.send_transaction(hex_input(&transfer(&a, 0, 1, 25, 0))).await.unwrap();
    // Sealed (three transactions and a no-op, as on a timeout), then killed: no prover ran.
    assert_eq!(node.sequencer.seal(true).unwrap(), Some(0));
    let sealed = client.get_batch(0).await.unwrap().unwrap();
    assert_eq!(sealed.state, BatchState::Sealed);
    drop(client);
    node.kill().await;

    let keys = keys();
    let pvk = keys.pvk.clone();
    let (node, client) = launch(config(dir.path(), params(), Some(keys), NEVER)).await;
    assert_eq!(node.report.unproven, vec![0]);
    assert_eq!(node.report.sealed_root, sealed.new_root, "replayed root is the last batch's new_root");
    wait_until("batch 0 proven", Duration::from_secs(300), || async {
        client.health().await.unwrap().proven == 1
    })
    .await;
    let proven = client.get_batch(0).await.unwrap().unwrap();
    assert_eq!(proven.state, BatchState::Proven);
    assert_eq!(proven.commitment, sealed.commitment);
    let commitment = fr_from_be_canonical(&from_hex(&proven.commitment).unwrap()).unwrap();
    let proof = proof_from_bytes(&from_hex(proven.proof.as_ref().unwrap()).unwrap()).unwrap();
    assert!(verify_prepared(&pvk, &[commitment], &proof).unwrap());
    for seq in 0..3 {
        let s = client.get_transaction_status(TxId::Seq(seq)).await.unwrap().unwrap();
        assert_eq!(s.status, TxState::Proven);
    }
    drop(client);
    node.shutdown().await;

    // A third start finds nothing to repair.
    let (node, _client) = launch(config(dir.path(), params(), None, NEVER)).await;
    assert_eq!((node.report.proven, node.report.unproven.len(), node.report.pending_l2), (1, 0, 0));
    node.shutdown().await;
}

/// The child half of the crash-point tests: run only by [`crash_at`], in a process of its
/// own (`--ignored --exact`), with `CCR_CRASH_DB` naming the database and `CCR_CRASH_POINT`
/// the point where the sequencer aborts the process. It opens two accounts (two commit
/// groups), seals them (the third), then sends transfers (one group each) until it dies.
#[test]
#[ignore = "the child process of the crash-point tests"]
fn crash_child() {
    let dir = std::env::var("CCR_CRASH_DB").expect("run by crash_at");
    let config = ccr_sequencer::SequencerConfig {
        db: dir.into(),
        params: params(),
        mempool_capacity: 64,
        full_replay: false,
    };
    let (seq, _) = ccr_sequencer::Sequencer::open(&config).unwrap();
    let (a, b) = (member(0), member(1));
    seq.ingest_deposit(0, open_deposit(0, &a, 700)).unwrap();
    seq.ingest_deposit(1, open_deposit(1, &b, 300)).unwrap();
    seq.seal(true).unwrap();
    for nonce in 0..4 {
        seq.submit(transfer(&a, 0, 1, 10, nonce)).unwrap();
        // The second transfer is sealed with the first: the seal is the sixth group.
        if nonce == 1 {
            seq.seal(true).unwrap();
        }
    }
    panic!("the crash point {:?} was never reached", std::env::var("CCR_CRASH_POINT"));
}

/// Runs [`crash_child`] in a new process that aborts at `point`, then reopens its database
/// (from the snapshot, then by a full replay: both must agree) and returns the node.
fn crash_at(
    point: &str,
) -> (tempfile::TempDir, ccr_sequencer::Sequencer, ccr_sequencer::invariants::StartupReport) {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "crash::crash_child", "--nocapture"])
        .env("CCR_CRASH_DB", dir.path())
        .env("CCR_CRASH_POINT", point)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the child did not crash at {point}:\n{stderr}");
    assert!(stderr.contains(&format!("CCR_CRASH_POINT={point}: aborting")), "{stderr}");
    let config = |full_replay| ccr_sequencer::SequencerConfig {
        db: dir.path().into(),
        params: params(),
        mempool_capacity: 64,
        full_replay,
    };
    let (full, _) = ccr_sequencer::Sequencer::open(&config(true)).unwrap();
    let replayed = (full.progress().unwrap(), full.unproven_batches());
    drop(full);
    let (seq, report) = ccr_sequencer::Sequencer::open(&config(false)).unwrap();
    assert_eq!(report.rebuilt, None, "the snapshot is sound after a crash at {point}");
    assert_eq!((seq.progress().unwrap(), seq.unproven_batches()), replayed, "snapshot vs replay at {point}");
    (dir, seq, report)
}

/// Killed after a group's write, before the answer: the transfer was never answered, but
/// it is durable and comes back pending.
#[test]
fn crash_after_a_group_is_written_keeps_it() {
    let (_dir, seq, report) = crash_at("after-group-write:4");
    assert_eq!((report.txs, report.batches, report.pending_l2), (3, 1, 1));
    assert_eq!(seq.account(0).unwrap().unwrap().pending.nonce, 1);
}

/// Killed after a group was taken from memory, before its write: nothing of it is in the
/// database (it was never answered), and the node goes on from the group before.
#[test]
fn crash_before_a_group_is_written_loses_only_the_unanswered() {
    let (_dir, seq, report) = crash_at("before-group-write:4");
    assert_eq!((report.txs, report.batches, report.pending_l2), (2, 1, 0));
    assert_eq!(seq.account(0).unwrap().unwrap().pending.nonce, 0);
    // The sequence number is free again: the next transfer takes it.
    assert_eq!(seq.submit(transfer(&member(0), 0, 1, 10, 0)).unwrap().seq, 2);
}

/// Killed right after a seal (the batch, its statuses, the snapshot and the witness are one
/// write): the snapshot covers the batch and its witness is there for the prover.
#[test]
fn crash_after_sealing_keeps_batch_snapshot_and_witness_together() {
    let (_dir, seq, report) = crash_at("after-seal:2");
    assert_eq!(
        (report.txs, report.batches, report.pending_l2, report.unproven.clone()),
        (4, 2, 0, vec![0, 1])
    );
    assert!(seq.unproven_witness(1).is_some());
    assert_eq!(seq.account(0).unwrap().unwrap().sealed.unwrap().nonce, 2);
}

/// Killed while the seal's group was not yet written: the batch is not sealed, its
/// transactions are pending again, the snapshot still covers the batch before.
#[test]
fn crash_before_the_seal_is_written_keeps_the_previous_snapshot() {
    let (_dir, seq, report) = crash_at("before-group-write:6");
    assert_eq!((report.txs, report.batches, report.pending_l2), (4, 1, 2));
    assert_eq!(seq.account(0).unwrap().unwrap().sealed.unwrap().nonce, 0);
    assert_eq!(seq.seal(true).unwrap(), Some(1));
}
