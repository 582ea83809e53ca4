//! The devnet's scripted scenario, on the embedded L1 and on anvil: deposits → transfers →
//! proven batches → settled on L1 → withdrawal claimed → a bank registers, a member borrows
//! with an eligibility proof and repays → the bank's members vote on a proposal (a lower rate),
//! the coordinator proves the tally and the proposal is executed → audit passes.

use ccr_devnet::scenario::{self, Summary, GWEI_PER_ETH};
use ccr_devnet::{Devnet, L1Choice};

use crate::common::*;

fn check(summary: &Summary, devnet_root: &str) {
    let balances: Vec<(&str, u64)> =
        summary.members.iter().map(|m| (m.name.as_str(), m.l2_balance)).collect();
    // alice 2 − 0.3 + 0.1 − 0.05 ETH, + 1500 borrowed − 600 repaid; bob 1 + 0.3 − 0.2 − 0.4
    // (exit); carol 0.5 + 0.2 − 0.1 + 0.05; the bank's pool 1 ETH − 1500 lent + 600 repaid
    assert_eq!(
        balances,
        vec![
            ("alice", 1_750_000_900),
            ("bob", 700_000_000),
            ("carol", 650_000_000),
            ("commons", 999_999_100)
        ],
        "final L2 balances"
    );
    // Lent and repaid in the same epoch: no interest yet.
    let c = &summary.credit;
    assert_eq!((c.amount, c.repaid, c.debt_after), (1_500, 600, 900));
    assert!(c.tier >= 1 && c.rate_bps > 0 && c.term_months > 0, "{c:?}");
    // The batch with the credit carries one eligibility proof through the batched check.
    assert!(c.credit_batch_gas > 400_000 && c.credit_batch_gas < 700_000, "{c:?}");
    assert_eq!(summary.members[1].claimed_wei, (400_000_000u128 * u128::from(GWEI_PER_ETH)).to_string());
    assert!(summary.batches_settled >= 2, "deposits and transfers need at least two batches of 4");
    assert_eq!(summary.audit.batches, summary.batches_settled);
    assert_eq!(summary.audit.proofs_verified, summary.batches_settled);
    assert_eq!(summary.audit.eligibility_proofs_verified, 1);
    assert_eq!(summary.credit.purpose, "ecological_restoration");
    assert_eq!(
        summary.audit.credits.iter().map(|c| c.purpose.as_str()).collect::<Vec<_>>(),
        ["ecological_restoration"],
        "the audit reports the credit with the purpose the attester signed"
    );
    // 4 deposits + 4 transfers + 1 exit + a credit (credit and terms slots) + 1 repayment
    assert_eq!(summary.audit.transactions, 12);
    assert_eq!(summary.audit.exits, 1);
    assert_eq!(summary.audit.final_root, devnet_root);
    crate::poll::check_poll(&summary.poll);
    // Each batch: its Groth16 verification and data; the credit's adds its eligibility proof's
    // pairing check (one proof: no batching gain), the nullifier and the slot checks.
    let credit_gas = summary.credit.credit_batch_gas;
    assert!(
        summary.settlement_gas.iter().filter(|g| **g != credit_gas).all(|g| *g > 200_000 && *g < 400_000),
        "{:?}",
        summary.settlement_gas
    );
}

async fn run_on(l1: L1Choice) -> (Devnet, Summary, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let devnet = start(config(dir.path(), l1)).await;
    let summary = scenario::run(&devnet, &mut |line: &str| eprintln!("{line}")).await.expect("scenario");
    let root = ccr_sequencer::wire::fr_to_hex(&devnet.operator.state_root().await.expect("L1 root"));
    check(&summary, &root);
    // The wallet can take over: the keystores and the network file are there.
    assert!(devnet.network_path.is_file());
    for m in &summary.members {
        assert!(std::path::Path::new(&m.keystore).is_file(), "{}", m.keystore);
    }
    (devnet, summary, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_on_the_embedded_l1() {
    let (devnet, summary, dir) = run_on(embedded()).await;
    crate::poll::check_poll_cli(&devnet, &summary.poll, dir.path()).await;
    // The README's tour, as written, against what the scenario left.
    crate::tour::run_readme_tour(devnet.dir()).await;
    // Prometheus: settlement and L1 gas are exported.
    let addr = devnet.node.as_ref().and_then(|n| n.metrics_addr()).expect("metrics endpoint");
    let body = http_get(addr).await;
    for name in [
        "ccr_sequencer_batches_settled_total",
        "ccr_sequencer_l1_gas_used",
        "ccr_sequencer_proving_seconds",
        "ccr_sequencer_txs_accepted_total",
        "ccr_sequencer_last_settlement_timestamp_seconds",
        "ccr_sequencer_unsettled_batches",
    ] {
        assert!(body.contains(name), "{name} missing from /metrics");
    }
    // The operator's L1 balance, read from the chain: development account 0 holds about 10,000
    // ETH, less the gas it paid.
    let balance: f64 = body
        .lines()
        .find_map(|l| l.strip_prefix("ccr_sequencer_l1_operator_balance_eth "))
        .expect("ccr_sequencer_l1_operator_balance_eth in /metrics")
        .trim()
        .parse()
        .expect("a number");
    assert!(balance > 9_000.0 && balance <= 10_000.0, "operator balance {balance} ETH");
    devnet.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_on_anvil() {
    let (devnet, _, _dir) = run_on(L1Choice::Anvil).await;
    devnet.stop().await;
}

async fn http_get(addr: std::net::SocketAddr) -> String {
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        out
    })
    .await
    .expect("scrape task")
}
