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
