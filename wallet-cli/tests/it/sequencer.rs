//! The wallet's operations against a real sequencer node on 127.0.0.1: balances move, and
//! each refusal comes back as the sequencer's own error code and label.

use std::time::Duration;

use ccr_rpc_api::api::TxState;
use ccr_sequencer::BatchKeys;
use ccr_wallet::error::exit_code;
use ccr_wallet::ops;
use ccr_wallet::sequencer::SequencerClient;
use ccr_wallet::WalletError;

use crate::common::{bin, keystore_file, node, open_account, params, wait_until, wallet, DOMAIN};

fn rejected_label(err: &WalletError) -> (i32, &'static str) {
    match err {
        WalletError::Rejected { code, label, .. } => (*code, label),
        other => panic!("expected a sequencer rejection, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_moves_balances_and_refusals_are_specific() {
    let dir = tempfile::tempdir().unwrap();
    let node = node(&dir.path().join("db"), None).await;
    let (alice, bob) = (wallet(0), wallet(1));
    open_account(&node, 0, 0, &alice, 1_000);
    open_account(&node, 1, 1, &bob, 50);
    let seq = SequencerClient::new(&node.rpc_url()).unwrap();

    let sent = ops::transfer(&seq, &alice, &DOMAIN, 0, 1, 300).await.unwrap();
    assert_eq!(sent.nonce, 0);
    assert!(sent.hash.starts_with("0x") && sent.hash.len() == 66);
    let a = ops::own_account(&seq, &alice, 0).await.unwrap();
    let b = ops::own_account(&seq, &bob, 1).await.unwrap();
    assert_eq!((a.pending_balance.0, a.pending_nonce), (700, 1));
    assert_eq!(b.pending_balance.0, 350);
    let st = ops::status(&seq, &sent.hash).await.unwrap();
    assert_eq!(st.kind, "transfer");

    // Insufficient balance: the sequencer's code and label.
    let err = ops::transfer(&seq, &alice, &DOMAIN, 0, 1, 701).await.unwrap_err();
    assert_eq!(rejected_label(&err), (-32004, "insufficient_balance"));
    assert_eq!(err.exit_code(), exit_code::REJECTED);
    // A stale nonce (replaying nonce 0).
    let stale = ops::sign_transfer(&alice, &DOMAIN, 0, 1, 10, 0).unwrap();
    let err = seq.send(&stale).await.unwrap_err();
    assert_eq!(rejected_label(&err), (-32002, "nonce_too_low"));
    // A future nonce.
    let gapped = ops::sign_transfer(&alice, &DOMAIN, 0, 1, 10, 5).unwrap();
    assert_eq!(rejected_label(&seq.send(&gapped).await.unwrap_err()), (-32003, "nonce_too_high"));
    // Signed for another chain id.
    let foreign =
        ops::sign_transfer(&alice, &ccr_circuits::state::Domain { chain_id: 8, ..DOMAIN }, 0, 1, 10, 1)
            .unwrap();
    assert_eq!(rejected_label(&seq.send(&foreign).await.unwrap_err()), (-32001, "bad_signature"));
    // An unknown recipient.
    let err = ops::transfer(&seq, &alice, &DOMAIN, 0, 9, 10).await.unwrap_err();
    assert_eq!(rejected_label(&err), (-32005, "unknown_account"));
    // Someone else's account is refused before signing.
    let err = ops::transfer(&seq, &alice, &DOMAIN, 1, 0, 10).await.unwrap_err();
    assert!(matches!(err, WalletError::NotOurAccount { index: 1 }), "{err:?}");
    // An amount without a Float40 encoding.
    let err = ops::transfer(&seq, &alice, &DOMAIN, 0, 1, 34_359_738_369).await.unwrap_err();
    assert!(matches!(err, WalletError::Amount { .. }), "{err:?}");
    // No account there.
    assert!(matches!(ops::account(&seq, 42).await, Err(WalletError::AccountNotFound { index: 42 })));
    assert!(matches!(
        ops::status(&seq, &format!("0x{}", "ab".repeat(32))).await,
        Err(WalletError::TxNotFound { .. })
    ));

    // An exit debits the sender.
    let exit = ops::exit(&seq, &alice, &DOMAIN, 0, 200).await.unwrap();
    assert_eq!(exit.nonce, 1);
    let a = ops::account(&seq, 0).await.unwrap();
    assert_eq!((a.pending_balance.0, a.pending_nonce), (500, 2));
    assert_eq!(ops::find_account(&seq, &bob).await.unwrap(), Some(1));
    assert_eq!(ops::find_account(&seq, &wallet(9)).await.unwrap(), None);

    // Sealed (no prover here): the sealed balances follow.
    wait_until("the batch to seal", Duration::from_secs(20), || async {
        ops::status(&seq, &exit.hash).await.unwrap().status == TxState::InBatch
    })
    .await;
    let a = ops::account(&seq, 0).await.unwrap();
    assert_eq!((a.balance.0, a.nonce, a.sealed), (500, 2, true));
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_transfers_and_waits_until_proven() {
    let dir = tempfile::tempdir().unwrap();
    let keys = tokio::task::spawn_blocking(|| BatchKeys::dev(&params(), [42; 32]).unwrap()).await.unwrap();
    let node = node(&dir.path().join("db"), Some(keys)).await;
    let (alice, bob) = (wallet(0), wallet(1));
    open_account(&node, 0, 0, &alice, 1_000);
    open_account(&node, 1, 1, &bob, 0);
    let (ks, pw) = keystore_file(dir.path(), "alice", &alice);
    let url = node.rpc_url();
    let run = move |args: Vec<String>| {
        let (ks, pw, url) = (ks.clone(), pw.clone(), url.clone());
        async move {
            tokio::task::spawn_blocking(move || {
                let mut c = bin();
                c.args(["--keystore", ks.to_str().unwrap(), "--password-file", pw.to_str().unwrap()]);
                // The deployment the node signs for: L1 chain 7, the rollup at 0x0707….
                let rollup = format!("0x{}", hex::encode(DOMAIN.rollup));
                c.args(["--rpc", &url, "--l1-chain-id", &DOMAIN.chain_id.to_string(), "--rollup", &rollup]);
                c.args(["--account", "0", "--json"]);
                c.args(&args).output().unwrap()
            })
            .await
            .unwrap()
        }
    };
    let args = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();

    // No network file and no L1: amounts in the asset cannot be read, and the error says how.
    let out = run(args("transfer --to 1 --amount 0.25")).await;
    assert_eq!(out.status.code(), Some(exit_code::CONFIG));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("--l2-units"), "{v}");

    let out = run(args("--l2-units transfer --to 1 --amount 250 --wait --timeout 120")).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"]["status"], "proven");
    assert_eq!(v["nonce"], 0);
    let hash = v["hash"].as_str().unwrap().to_owned();

    let out = run(vec!["status".into(), hash.clone()]).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["status"].as_str(), v["hash"].as_str()), (Some("proven"), Some(hash.as_str())));

    let out = run(args("--l2-units balance")).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["balance"].as_str(), v["nonce"].as_u64()), (Some("750"), Some(1)));

    // Insufficient balance: exit code 6 and the sequencer's label.
    let out = run(args("--l2-units transfer --to 1 --amount 751")).await;
    assert_eq!(out.status.code(), Some(exit_code::REJECTED));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("insufficient_balance"), "{v}");
    node.shutdown().await;
}
