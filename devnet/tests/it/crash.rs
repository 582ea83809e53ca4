//! The sequencer killed mid-flow (a proof in flight, transactions pending) and restarted on
//! the same RocksDB: every accepted transaction is settled on L1, and the audit passes.

use std::time::Duration;

use ccr_devnet::scenario::GWEI_PER_ETH;
use ccr_sequencer::api::TxState;
use ccr_wallet::audit;
use ccr_wallet::keys::{L1Key, WalletKeys};
use ccr_wallet::l1ops::{self, L1};
use ccr_wallet::ops::{self, WaitTarget};
use ccr_wallet::sequencer::SequencerClient;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::common::*;

fn wallet(n: usize) -> WalletKeys {
    let l1 = L1Key::from_hex(ccr_l1::DEV_KEYS[n]).expect("dev key");
    WalletKeys::generate(&mut ChaCha20Rng::seed_from_u64(n as u64), Some(l1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_sequencer_loses_nothing_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Only full batches are sealed: the test decides what is in flight at the kill.
    let cfg = ccr_devnet::DevnetConfig {
        batch_timeout: Duration::from_secs(3600),
        ..config(dir.path(), embedded())
    };
    let mut devnet = start(cfg).await;
    let net = devnet.network.clone();
    let seq = SequencerClient::new(&net.sequencer_rpc).expect("client");
    let members: Vec<WalletKeys> = (1..=3).map(wallet).collect();
    let mut index = Vec::new();
    let mut queue = 0;
    for m in &members {
        let l1 = L1::connect(&net.l1_rpc, m, net.rollup, net.deploy_block).await.expect("l1");
        let d = l1ops::deposit(&l1, m, None, GWEI_PER_ETH).await.expect("deposit");
        index.push(d.index);
        queue = d.queue_length;
    }
    l1ops::wait_ingested(&seq, queue, Duration::from_secs(60)).await.expect("ingested");

    // 3 deposits + 3 transfers: the first batch (3 deposits + 1 transfer) is sealed and its
    // proof starts; two transfers stay pending. Then the process dies.
    let mut accepted = Vec::new();
    for (from, to) in [(0, 1), (1, 2), (2, 0)] {
        let sent = ops::transfer(
            &seq,
            &members[from],
            &devnet.config.params.domain,
            index[from],
            index[to],
            1_000_000,
        )
        .await
        .expect("accepted");
        accepted.push(sent.hash);
    }
    // In-process, the client's keep-alive connection would keep the killed server's state
    // (and its RocksDB lock) alive; a real crash takes the process and its sockets with it.
    drop(seq);
    devnet.kill_node().await;
    devnet.restart_node().await.expect("restart");
    let seq = SequencerClient::new(&net.sequencer_rpc).expect("client");
    let health = seq.health().await.expect("health");
    assert!(health.ok, "{health:?}");
    assert_eq!(health.deposits_seen, 3);

    // Two more fill the second batch.
    for (from, to) in [(0, 2), (1, 0)] {
        let sent = ops::transfer(
            &seq,
            &members[from],
            &devnet.config.params.domain,
            index[from],
            index[to],
            2_000_000,
        )
        .await
        .expect("accepted");
        accepted.push(sent.hash);
    }
    for hash in &accepted {
        let st = ops::wait_for(&seq, hash, WaitTarget::Settled, Duration::from_secs(600), &mut |_| {})
            .await
            .expect("settled");
        assert_eq!(st.status, TxState::Settled);
    }
    let l1 = L1::connect(&net.l1_rpc, &members[0], net.rollup, net.deploy_block).await.expect("l1");
    let report = audit::audit(&l1.client, PARAMS, &devnet.vk).await.expect("audit passes");
    assert_eq!(report.transactions, 8);
    // balance: 1 ETH − 1 mgwei sent + 1 mgwei received ± the second round
    let balances: Vec<u64> = {
        let mut v = Vec::new();
        for i in &index {
            v.push(ops::account(&seq, *i).await.expect("account").balance.0);
        }
        v
    };
    assert_eq!(
        balances,
        vec![GWEI_PER_ETH - 2_000_000 + 2_000_000, GWEI_PER_ETH - 2_000_000, GWEI_PER_ETH + 2_000_000]
    );
    devnet.stop().await;
}
