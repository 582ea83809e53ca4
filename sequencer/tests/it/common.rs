//! Helpers: members' keys, signed transactions, nodes on ephemeral ports, a shared dev keypair.

use std::future::Future;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::state::tx::{Deposit, SignedTx, Tx, UnsignedTx};
use ccr_circuits::state::{Domain, RollupParams, RollupState};
use ccr_sequencer::api::TxInput;
use ccr_sequencer::wire::{encode_signed, fr_to_hex, to_hex};
use ccr_sequencer::{BatchKeys, Node, NodeConfig, SequencerConfig};
use jsonrpsee::core::client::Error as ClientError;
use jsonrpsee_http_client::{HttpClient, HttpClientBuilder};

pub const DOMAIN: Domain = Domain { chain_id: 7, rollup: [7; 20] };

/// The parameters of the proving tests (depth 8, batch 4): one dev setup shared by all.
pub fn params() -> RollupParams {
    RollupParams::new(8, 4, DOMAIN).unwrap()
}

/// The development keys for [`params`], generated once per test binary (≈ 5 s).
pub fn keys() -> BatchKeys {
    static KEYS: OnceLock<BatchKeys> = OnceLock::new();
    KEYS.get_or_init(|| BatchKeys::dev(&params(), [42; 32]).unwrap()).clone()
}

pub fn member(i: u8) -> PrivateKey {
    PrivateKey::from_bytes([i.wrapping_add(1); 32])
}

pub fn transfer(key: &PrivateKey, from: u32, to: u32, amount: u64, nonce: u32) -> SignedTx {
    let u = UnsignedTx::transfer(from, to, amount, nonce).unwrap();
    u.with_signature(key.sign_poseidon(u.message(&DOMAIN)))
}

pub fn hex_input(tx: &SignedTx) -> TxInput {
    TxInput::Hex(to_hex(&encode_signed(tx)))
}

pub fn open_deposit(index: u32, key: &PrivateKey, amount: u64) -> Deposit {
    Deposit { index, pubkey: Some(key.public_key()), amount }
}

pub fn config(db: &Path, params: RollupParams, keys: Option<BatchKeys>, timeout: Duration) -> NodeConfig {
    NodeConfig {
        sequencer: SequencerConfig { db: db.to_path_buf(), params, mempool_capacity: 64, full_replay: false },
        rpc_addr: "127.0.0.1:0".parse().unwrap(),
        metrics_addr: Some("127.0.0.1:0".parse().unwrap()),
        batch_timeout: timeout,
        keys,
        fleet: None,
        l1: None,
        bank_files: None,
        health: Default::default(),
    }
}

pub async fn launch(config: NodeConfig) -> (Node, HttpClient) {
    let node = Node::launch(config).await.unwrap();
    let client = HttpClientBuilder::default().build(node.rpc_url()).unwrap();
    (node, client)
}

/// The JSON-RPC error code of a failed call.
#[track_caller]
pub fn code<T: std::fmt::Debug>(r: Result<T, ClientError>) -> i32 {
    match r {
        Err(ClientError::Call(obj)) => obj.code(),
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

/// The error object of a failed call.
#[track_caller]
pub fn error_object<T: std::fmt::Debug>(r: Result<T, ClientError>) -> jsonrpsee::types::ErrorObjectOwned {
    match r {
        Err(ClientError::Call(obj)) => obj,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `GET /metrics` over a plain TCP connection.
pub fn scrape(addr: SocketAddr) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out
}

/// The value of one series (`name{labels}`) in a `/metrics` text (0 when absent).
pub fn metric(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)?.strip_prefix(' ').map(|v| v.trim().parse::<f64>().unwrap() as u64)
        })
        .unwrap_or(0)
}

/// A fresh native replay of `txs` in order: the root a restart must reproduce.
pub fn native_root(params: RollupParams, txs: &[Tx]) -> String {
    let mut state = RollupState::new(params).unwrap();
    for tx in txs {
        state.apply(tx).unwrap();
    }
    fr_to_hex(&state.root())
}

/// A stand-in eligibility verifying key: what the rollup's constructor needs for tests that
/// check no credit proof.
pub fn stand_in_eligibility_key() -> ark_groth16::VerifyingKey<ark_bn254::Bn254> {
    ccr_verifier_contracts::dev::stand_in_eligibility_key(0)
}

/// The rollup deployed at `url` from the account of `key`: the [`accept_all`] verifier, the
/// stand-in eligibility key, [`params`], ETH.
pub async fn deploy_accepting_all(url: &str, key: alloy_primitives::B256) -> ccr_l1::client::L1Client {
    let cfg = ccr_verifier_contracts::rollup::DeployConfig::eth();
    let keys = [stand_in_eligibility_key()];
    ccr_l1::client::L1Client::deploy(url, key, &accept_all(), &keys, &params(), &cfg).await.unwrap().0
}

/// A verifier contract that accepts every proof (for tests that settle nothing, or only
/// check what L1 does before verification).
pub fn accept_all() -> ccr_verifier_contracts::Artifact {
    let runtime = alloy_primitives::hex::decode("600160005260206000f3").unwrap();
    let creation =
        [&[0x69][..], &runtime, &alloy_primitives::hex::decode("600052600a6016f3").unwrap()].concat();
    ccr_verifier_contracts::Artifact {
        contract_name: "AcceptAll".into(),
        abi: serde_json::json!([]),
        bytecode: creation.into(),
        deployed_bytecode: runtime.into(),
    }
}
