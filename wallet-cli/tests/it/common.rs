//! Helpers: fixed wallets, password files, a sequencer node on an ephemeral port.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::state::tx::Deposit;
use ccr_circuits::state::RollupParams;
use ccr_sequencer::{BatchKeys, Node, NodeConfig, SequencerConfig};
use ccr_wallet::{keystore, L1Key, Password, WalletKeys};

pub const DOMAIN: ccr_circuits::state::Domain = ccr_circuits::state::Domain { chain_id: 7, rollup: [7; 20] };

pub fn params() -> RollupParams {
    RollupParams::new(8, 4, DOMAIN).unwrap()
}

/// A wallet with fixed keys.
pub fn wallet(i: u8) -> WalletKeys {
    WalletKeys {
        l2: PrivateKey::from_bytes([i.wrapping_add(1); 32]),
        l1: L1Key::from_bytes([i.wrapping_add(0x11); 32]).expect("a valid scalar"),
    }
}

/// Writes `keys` to `dir/name.json` under the password "correct horse", and a password file.
pub fn keystore_file(dir: &Path, name: &str, keys: &WalletKeys) -> (PathBuf, PathBuf) {
    let ks = dir.join(format!("{name}.json"));
    keystore::create(&ks, keys, &Password::new("correct horse")).unwrap();
    let pw = dir.join(format!("{name}.pw"));
    std::fs::write(&pw, "correct horse\n").unwrap();
    (ks, pw)
}

/// A node without prover (or with the dev keys) on an ephemeral port.
pub async fn node(db: &Path, keys: Option<BatchKeys>) -> Node {
    Node::launch(NodeConfig {
        sequencer: SequencerConfig {
            db: db.to_path_buf(),
            params: params(),
            mempool_capacity: 64,
            full_replay: false,
        },
        rpc_addr: "127.0.0.1:0".parse().unwrap(),
        metrics_addr: None,
        batch_timeout: Duration::from_millis(300),
        keys,
        fleet: None,
        l1: None,
        bank_files: None,
        health: Default::default(),
    })
    .await
    .unwrap()
}

/// A node without prover that seals only full batches (an hour's timeout), mirroring the bank
/// files in `bank_files` when given.
pub async fn idle_node(db: &Path, params: RollupParams, bank_files: Option<PathBuf>) -> Node {
    Node::launch(NodeConfig {
        sequencer: SequencerConfig { db: db.to_path_buf(), params, mempool_capacity: 64, full_replay: false },
        rpc_addr: "127.0.0.1:0".parse().unwrap(),
        metrics_addr: None,
        batch_timeout: Duration::from_secs(3600),
        keys: None,
        fleet: None,
        l1: None,
        bank_files,
        health: Default::default(),
    })
    .await
    .unwrap()
}

/// Opens account `index` for `keys` with `amount`, as the L1 watcher would.
pub fn open_account(node: &Node, queue_index: u64, index: u32, keys: &WalletKeys, amount: u64) {
    let d = Deposit { index, pubkey: Some(keys.l2_public()), amount };
    node.sequencer.ingest_deposit(queue_index, d).unwrap();
}

pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `ccr-wallet` binary.
pub fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_ccr-wallet"))
}
