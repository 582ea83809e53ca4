//! The escape hatch: the sequencer censors (here: it is down) a forced exit; after the
//! escape delay anyone opens exit mode, and members withdraw their settled balances with
//! Merkle proofs rebuilt from L1 data alone.

use std::time::Duration;

use alloy_primitives::U256;
use ccr_devnet::scenario::GWEI_PER_ETH;
use ccr_wallet::error::WalletError;
use ccr_wallet::keys::{L1Key, WalletKeys};
use ccr_wallet::l1ops::{self, L1};
use ccr_wallet::ops::{self, WaitTarget};
use ccr_wallet::sequencer::SequencerClient;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::common::*;

const DELAY: u64 = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_censored_forced_exit_opens_exit_mode_and_members_exit_with_proofs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut devnet =
        start(ccr_devnet::DevnetConfig { escape_delay: DELAY, ..config(dir.path(), embedded()) }).await;
    let net = devnet.network.clone();
    let seq = SequencerClient::new(&net.sequencer_rpc).expect("client");
    let keys: Vec<WalletKeys> = (4..=5)
        .map(|n| {
            let l1 = L1Key::from_hex(ccr_l1::DEV_KEYS[n]).expect("dev key");
            WalletKeys::generate(&mut ChaCha20Rng::seed_from_u64(100 + n as u64), Some(l1))
        })
        .collect();
    let mut l1s = Vec::new();
    let mut index = Vec::new();
    for k in &keys {
        let l1 = L1::connect(&net.l1_rpc, k, net.rollup, net.deploy_block).await.expect("l1");
        index.push(l1ops::deposit(&l1, k, None, GWEI_PER_ETH).await.expect("deposit").index);
        l1s.push(l1);
    }
    l1ops::wait_ingested(&seq, 2, Duration::from_secs(60)).await.expect("ingested");
    let sent = ops::transfer(&seq, &keys[0], &devnet.config.params.domain, index[0], index[1], 250_000_000)
        .await
        .expect("transfer");
    ops::wait_for(&seq, &sent.hash, WaitTarget::Settled, Duration::from_secs(600), &mut |_| {})
        .await
        .expect("settled");

    // The sequencer goes away; bob's forced exit is never processed.
    devnet.kill_node().await;
    l1ops::force_exit(&l1s[1], index[1], 100_000_000).await.expect("forced exit queued");
    let early = l1ops::activate_exit_mode(&l1s[0]).await;
    assert!(
        matches!(&early, Err(WalletError::L1 { source, .. }) if source.contract_error_name() == Some("EscapeDelayNotOver")),
        "{early:?}"
    );
    devnet.operator.mine(DELAY + 1).await.expect("mine");
    l1ops::activate_exit_mode(&l1s[0]).await.expect("exit mode");

    // Each member proves their balance under the last settled root and is paid once.
    let expected = [750_000_000u64, 1_250_000_000];
    for ((k, l1), (i, bal)) in keys.iter().zip(&l1s).zip(index.iter().zip(expected)) {
        let escaped =
            l1ops::exit_mode_claim(l1, k, PARAMS, &devnet.vk, *i, &mut |_, _| {}).await.expect("escape");
        assert_eq!(escaped.balance, bal);
        let again = l1ops::exit_mode_claim(l1, k, PARAMS, &devnet.vk, *i, &mut |_, _| {}).await;
        assert!(
            matches!(&again, Err(WalletError::L1 { source, .. }) if source.contract_error_name() == Some("AlreadyExited")),
            "{again:?}"
        );
        let claimed = l1ops::claim(l1).await.expect("claim");
        assert_eq!(claimed.amount, U256::from(bal) * U256::from(GWEI_PER_ETH));
    }
    devnet.stop().await;
}

/// The honest path: the sequencer consumes a forced exit from the L1 queue (paid: the balance
/// covers it; a second one for more than the balance is consumed as an exit of 0), settles
/// the batch, and the owner claims exactly the paid amount.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_exits_are_processed_by_the_sequencer_and_claimed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let devnet = start(config(dir.path(), embedded())).await;
    let net = devnet.network.clone();
    let seq = SequencerClient::new(&net.sequencer_rpc).expect("client");
    let l1key = L1Key::from_hex(ccr_l1::DEV_KEYS[6]).expect("dev key");
    let keys = WalletKeys::generate(&mut ChaCha20Rng::seed_from_u64(606), Some(l1key));
    let l1 = L1::connect(&net.l1_rpc, &keys, net.rollup, net.deploy_block).await.expect("l1");
    let index = l1ops::deposit(&l1, &keys, None, GWEI_PER_ETH).await.expect("deposit").index;
    l1ops::force_exit(&l1, index, 300_000_000).await.expect("forced exit");
    l1ops::force_exit(&l1, index, 2 * GWEI_PER_ETH).await.expect("forced exit beyond the balance");
    let queue = 3;
    l1ops::wait_ingested(&seq, queue, Duration::from_secs(60)).await.expect("ingested");
    let start = std::time::Instant::now();
    while devnet.operator.deposits_consumed().await.expect("view") < queue {
        assert!(start.elapsed() < Duration::from_secs(600), "the forced exits were not settled");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let account = ops::account(&seq, index).await.expect("account");
    assert_eq!(account.balance.0, 700_000_000, "paid once, the second consumed as 0");
    let claimed = l1ops::claim(&l1).await.expect("claim");
    assert_eq!(claimed.amount, U256::from(300_000_000u64) * U256::from(GWEI_PER_ETH));
    let report = ccr_wallet::audit::audit(&l1.client, PARAMS, &devnet.vk)
        .await
        .expect("the audit replays forced exits");
    assert_eq!(report.exits, 2);
    devnet.stop().await;
}
