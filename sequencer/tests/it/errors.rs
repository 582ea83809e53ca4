//! Every bad input gets its own error code (the table in `ccr_sequencer::api`).

use std::time::Duration;

use ccr_circuits::state::encoding::SLOT_BYTES;
use ccr_circuits::state::tx::Deposit;
use ccr_circuits::state::RollupParams;
use ccr_sequencer::api::{DecU64, SignedTxJson, TxId, TxInput};
use ccr_sequencer::wire::{encode_signed, pack_signature, to_hex};
use ccr_sequencer::{CcrApiClient, ErrorCode, NodeConfig, SequencerConfig};

use crate::common::*;

fn json(kind: &str, from: u32, to: u32, amount: u64, nonce: u32, sig: [u8; 64]) -> TxInput {
    TxInput::Json(SignedTxJson {
        kind: kind.into(),
        from,
        to,
        amount: DecU64(amount),
        nonce,
        signature: hex::encode(sig),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_has_its_error_code() {
    // Batch of 8 so nothing seals while we probe; no prover; two L2 slots in the mempool.
    let params = RollupParams::new(8, 8, DOMAIN).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = NodeConfig {
        l1: None,
        sequencer: SequencerConfig {
            db: dir.path().to_path_buf(),
            params,
            mempool_capacity: 2,
            full_replay: false,
        },
        ..config(dir.path(), params, None, Duration::from_secs(3600))
    };
    let (node, client) = launch(config).await;
    let seq = node.sequencer.clone();
    let (a, b, c) = (member(0), member(1), member(2));
    seq.ingest_deposit(0, open_deposit(0, &a, 1000)).unwrap();
    seq.ingest_deposit(1, open_deposit(1, &b, 10)).unwrap();
    seq.ingest_deposit(2, open_deposit(2, &c, u64::MAX - 10)).unwrap();

    let ok = transfer(&a, 0, 1, 100, 0);
    client.send_transaction(hex_input(&ok)).await.unwrap();
    let sig = pack_signature(&ok.signature);

    let malformed = ErrorCode::InvalidParams.code();
    let cases: Vec<(&str, TxInput, ErrorCode)> = vec![
        ("not hex", TxInput::Hex("0xzz".into()), ErrorCode::InvalidParams),
        ("short", TxInput::Hex("0x0200".into()), ErrorCode::InvalidParams),
        ("unknown kind", json("mint", 0, 1, 1, 1, sig), ErrorCode::InvalidParams),
        (
            "amount without exact Float40",
            json("transfer", 0, 1, (1 << 35) + 1, 1, sig),
            ErrorCode::InvalidParams,
        ),
        ("exit with a recipient", json("exit", 0, 1, 1, 1, sig), ErrorCode::InvalidParams),
        ("index above 24 bits", json("transfer", 0, 1 << 24, 1, 1, sig), ErrorCode::InvalidParams),
        ("bad signature bytes", json("transfer", 0, 1, 1, 1, [0xff; 64]), ErrorCode::InvalidParams),
        ("signed by another key", hex_input(&transfer(&b, 0, 1, 5, 1)), ErrorCode::BadSignature),
        ("replayed nonce", hex_input(&ok), ErrorCode::NonceTooLow),
        ("future nonce", hex_input(&transfer(&a, 0, 1, 5, 3)), ErrorCode::NonceTooHigh),
        (
            "insufficient balance (110 pending)",
            hex_input(&transfer(&b, 1, 0, 111, 0)),
            ErrorCode::InsufficientBalance,
        ),
        ("unknown recipient", hex_input(&transfer(&a, 0, 5, 1, 1)), ErrorCode::UnknownAccount),
        ("unknown sender", hex_input(&transfer(&a, 6, 0, 1, 0)), ErrorCode::UnknownAccount),
        ("index beyond the tree", hex_input(&transfer(&a, 0, 300, 1, 1)), ErrorCode::IndexOutOfRange),
        ("recipient overflow", hex_input(&transfer(&a, 0, 2, 11, 1)), ErrorCode::BalanceOverflow),
    ];
    for (what, input, expected) in cases {
        let got = match client.send_transaction(input).await {
            Err(jsonrpsee::core::client::Error::Call(e)) => e.code(),
            other => panic!("{what}: expected {expected:?}, got {other:?}"),
        };
        assert_eq!(got, expected.code(), "{what}: expected {expected:?}");
    }
    // A non-canonical S in the hex form, and a deposit slot (deposits come from L1 only).
    let mut bytes = encode_signed(&transfer(&a, 0, 1, 5, 1));
    bytes[SLOT_BYTES + 4 + 32..].copy_from_slice(&[0xff; 32]);
    assert_eq!(code(client.send_transaction(TxInput::Hex(to_hex(&bytes))).await), malformed);
    let mut bytes = encode_signed(&transfer(&a, 0, 1, 5, 1));
    bytes[0] = 1;
    bytes[1..4].fill(0);
    bytes[7..12].fill(0);
    assert_eq!(code(client.send_transaction(TxInput::Hex(to_hex(&bytes))).await), malformed);

    // Structured data on nonce errors.
    let e = error_object(client.send_transaction(hex_input(&transfer(&a, 0, 1, 5, 9))).await);
    assert_eq!(e.data().map(|d| d.get()), Some(r#"{"expected":1,"got":9}"#));

    // The mempool holds two L2 transactions: the second is accepted, the third refused.
    client.send_transaction(hex_input(&transfer(&a, 0, 1, 5, 1))).await.unwrap();
    let third = client.send_transaction(hex_input(&transfer(&a, 0, 1, 5, 2))).await;
    assert_eq!(code(third), ErrorCode::MempoolFull.code());

    // Queries.
    assert_eq!(code(client.get_account(300).await), ErrorCode::IndexOutOfRange.code());
    assert_eq!(client.get_account(7).await.unwrap(), None);
    assert_eq!(code(client.get_transaction_status(TxId::Hash("0x1234".into())).await), malformed);
    assert_eq!(code(client.get_transaction_status(TxId::Hash("0xzz".into())).await), malformed);
    assert_eq!(
        client.get_transaction_status(TxId::Hash(format!("0x{}", "00".repeat(32)))).await.unwrap(),
        None
    );
    assert_eq!(client.get_batch(0).await.unwrap(), None);
    assert_eq!(client.latest_batch().await.unwrap(), None);

    // Deposits (L1 watcher interface): out of order, conflicting, duplicate, inapplicable.
    let d3 = Deposit { index: 3, pubkey: Some(member(3).public_key()), amount: 1 };
    assert_eq!(seq.ingest_deposit(4, d3.clone()).unwrap_err().code(), ErrorCode::InvalidDeposit);
    assert_eq!(seq.ingest_deposit(0, d3.clone()).unwrap_err().code(), ErrorCode::InvalidDeposit);
    let again = seq.ingest_deposit(0, open_deposit(0, &a, 1000)).unwrap();
    assert!(again.duplicate && again.accepted.seq == 0);
    let reopen = Deposit { index: 0, pubkey: Some(member(3).public_key()), amount: 1 };
    assert_eq!(seq.ingest_deposit(3, reopen).unwrap_err().code(), ErrorCode::InvalidDeposit);
    assert_eq!(seq.progress().unwrap().counters.deposits_seen, 3, "refused deposits are not recorded");

    // Rejections are counted by reason.
    let text = scrape(node.metrics_addr().unwrap());
    for reason in ["malformed", "bad_signature", "nonce_too_low", "nonce_too_high", "mempool_full"] {
        let needle = format!("ccr_sequencer_txs_rejected_total{{reason=\"{reason}\"}}");
        assert!(text.contains(&needle), "{needle} missing");
    }
    node.shutdown().await;
}
