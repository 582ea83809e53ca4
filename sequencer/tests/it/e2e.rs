//! Deposits from "L1" (the ingest interface), transfers over JSON-RPC, batches sealed and
//! proven, statuses and balances as the native transition function says.

use std::time::Duration;

use ccr_circuits::batch::public_commitment;
use ccr_circuits::state::encoding::decode;
use ccr_circuits::state::tx::{Tx, TxKind, UnsignedTx};
use ccr_prover::{proof_from_bytes, verify_prepared};
use ccr_sequencer::api::{BatchState, DecU64, SignedTxJson, TxId, TxInput, TxState};
use ccr_sequencer::wire::{fr_from_be_canonical, from_hex, pack_signature};
use ccr_sequencer::CcrApiClient;

use crate::common::*;

fn fr(hex: &str) -> ark_bn254::Fr {
    fr_from_be_canonical(&from_hex(hex).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposits_and_transfers_are_batched_proven_and_queryable() {
    let keys = keys();
    let pvk = keys.pvk.clone();
    let dir = tempfile::tempdir().unwrap();
    let (node, client) = launch(config(dir.path(), params(), Some(keys), Duration::from_secs(2))).await;
    let seq = node.sequencer.clone();
    let m: Vec<_> = (0..3).map(member).collect();

    // L1 deposits open three accounts.
    let deposits = [open_deposit(0, &m[0], 1000), open_deposit(1, &m[1], 500), open_deposit(2, &m[2], 250)];
    for (qi, d) in deposits.iter().enumerate() {
        let r = seq.ingest_deposit(qi as u64, d.clone()).unwrap();
        assert_eq!((r.accepted.seq, r.duplicate), (qi as u64, false));
    }
    // Three transfers: hex, JSON, hex.
    let t0 = transfer(&m[0], 0, 1, 100, 0);
    let t1 = transfer(&m[1], 1, 2, 50, 0);
    let t2 = transfer(&m[0], 0, 2, 10, 1);
    let r0 = client.send_transaction(hex_input(&t0)).await.unwrap();
    let json = TxInput::Json(SignedTxJson {
        kind: "transfer".into(),
        from: 1,
        to: 2,
        amount: DecU64(50),
        nonce: 0,
        signature: hex::encode(pack_signature(&t1.signature)),
    });
    let r1 = client.send_transaction(json).await.unwrap();
    let r2 = client.send_transaction(hex_input(&t2)).await.unwrap();
    // An exit, in the JSON form (no recipient).
    let u = UnsignedTx::exit(2, 10, 0).unwrap();
    let t3 = u.with_signature(m[2].sign_poseidon(u.message(&DOMAIN)));
    let exit = serde_json::json!({
        "kind": "exit", "from": 2, "amount": "10", "nonce": 0,
        "signature": hex::encode(pack_signature(&t3.signature)),
    });
    let r3 = client.send_transaction(serde_json::from_value(exit).unwrap()).await.unwrap();
    assert_eq!((r0.seq, r1.seq, r2.seq, r3.seq), (3, 4, 5, 6));

    // Batch 0 (three deposits and t0) seals when full; batch 1 (t1, t2, the exit, a no-op) on
    // timeout.
    wait_until("two proven batches", Duration::from_secs(300), || async {
        client.health().await.unwrap().proven == 2
    })
    .await;

    for (id, batch) in [
        (TxId::Seq(0), 0),
        (TxId::Seq(3), 0),
        (TxId::Hash(r1.hash.clone()), 1),
        (TxId::Hash(r2.hash.clone()), 1),
        (TxId::Seq(r3.seq), 1),
    ] {
        let s = client.get_transaction_status(id).await.unwrap().unwrap();
        assert_eq!((s.status, s.batch), (TxState::Proven, Some(batch)), "{s:?}");
    }
    assert_eq!(client.get_transaction_status(TxId::Seq(99)).await.unwrap(), None);

    for (index, balance, nonce) in [(0, 890, 2), (1, 550, 1), (2, 300, 1)] {
        let a = client.get_account(index).await.unwrap().unwrap();
        assert_eq!(
            (a.balance, a.nonce, a.pending_balance, a.pending_nonce),
            (DecU64(balance), nonce, DecU64(balance), nonce)
        );
        assert!(a.sealed);
    }

    // Batches: data, roots and commitment consistent; the proof verifies.
    let b0 = client.get_batch(0).await.unwrap().unwrap();
    let b1 = client.latest_batch().await.unwrap().unwrap();
    assert_eq!(b1, client.get_batch(1).await.unwrap().unwrap());
    assert_eq!(client.get_batch(2).await.unwrap(), None);
    assert_eq!((b0.txs.clone(), b1.txs.clone()), (vec![0, 1, 2, 3], vec![4, 5, 6]));
    assert_eq!((b0.deposits_from, b0.deposits, b1.deposits_from, b1.deposits), (0, 3, 3, 0));
    assert_eq!(b0.new_root, b1.old_root);
    let kinds: Vec<_> = decode(&from_hex(&b1.tx_data).unwrap()).unwrap().iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [TxKind::Transfer, TxKind::Transfer, TxKind::Exit, TxKind::Noop]);
    for b in [&b0, &b1] {
        assert_eq!(b.state, BatchState::Proven);
        let commitment = public_commitment(
            &fr(&b.old_root),
            &fr(&b.new_root),
            &fr(&b.queue_before),
            &fr(&b.queue_after),
            &DOMAIN.separator(),
            b.epoch,
            &from_hex(&b.tx_data).unwrap(),
        );
        assert_eq!(commitment, fr(&b.commitment));
        let proof = proof_from_bytes(&from_hex(b.proof.as_ref().unwrap()).unwrap()).unwrap();
        assert!(verify_prepared(&pvk, &[commitment], &proof).unwrap());
    }

    // The final root is the native replay's.
    let mut all: Vec<Tx> = deposits.iter().cloned().map(Tx::Deposit).collect();
    all.extend([t0, t1, t2, t3].map(Tx::Signed));
    assert_eq!(b1.new_root, native_root(params(), &all));
    let health = client.health().await.unwrap();
    assert!(health.ok && health.proving && health.insecure_dev_keys);
    assert_eq!((health.next_seq, health.batches, health.accounts), (7, 2, 3));

    let text = scrape(node.metrics_addr().unwrap());
    for needle in [
        "ccr_sequencer_batches_proven_total",
        "ccr_sequencer_proving_seconds_bucket",
        "ccr_sequencer_batch_txs_bucket",
        "ccr_sequencer_txs_accepted_total{kind=\"deposit\"}",
        "ccr_sequencer_accounts",
        "ccr_sequencer_mempool_capacity",
        "ccr_sequencer_unsettled_batches",
    ] {
        assert!(text.contains(needle), "{needle} missing from /metrics:\n{text}");
    }
    node.shutdown().await;
}
