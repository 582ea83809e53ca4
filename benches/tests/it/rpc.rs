use ccr_benches::rpc::{self, RpcBench};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_presigned_transfer_is_accepted_by_concurrent_clients() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config =
        RpcBench { depth: 8, batch_size: 4, accounts: 9, txs: 26, clients: vec![1, 3, 4], mempool: None };
    let report = rpc::run(&config, dir.path()).await.expect("benchmark runs");
    let shape: Vec<(usize, bool)> = report.runs.iter().map(|r| (r.clients, r.rpc)).collect();
    assert_eq!(shape, vec![(1, true), (3, true), (4, true), (1, false)], "three RPC runs, then the baseline");
    for r in &report.runs {
        assert_eq!(r.accepted, 26, "{r:?}");
        assert!(r.rejected.is_empty(), "{r:?}");
        assert_eq!(r.latency.count, 26);
        let l = r.latency;
        assert!(l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max, "{l:?}");
    }
    // Never a partial batch: 4 × 26 transfers fill at most 26 batches of 4. (Per run there is
    // no tight bound: the batcher may still be sealing the previous run's full batches.)
    assert!(report.runs.iter().map(|r| r.batches_sealed).sum::<u64>() <= 26);
    let table = rpc::render(&report);
    assert_eq!(table.lines().filter(|l| l.starts_with("| ")).count(), 2 + 3 + 1, "{table}");
}

/// A mempool smaller than a batch never seals (no timeout here), so past its two transfers
/// everything is refused: `MempoolFull`, or a nonce gap behind one; refusals have their own
/// latency, accepted and refused add up, and the node's nonces agree with the tally.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_capacity_transfers_are_refused_and_timed_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config =
        RpcBench { depth: 8, batch_size: 4, accounts: 4, txs: 12, clients: vec![2], mempool: Some(2) };
    let report = rpc::run(&config, dir.path()).await.expect("benchmark runs");
    let full = ccr_sequencer::ErrorCode::MempoolFull.code();
    let first = &report.runs[0];
    assert_eq!(first.accepted, 2, "{first:?}");
    assert_eq!(first.accepted + first.rejected_total(), 12);
    assert!(first.rejected.iter().any(|(code, _)| *code == full), "{first:?}");
    assert_eq!((first.latency.count, first.refused.count), (2, 10));
    let baseline = &report.runs[1];
    assert_eq!((baseline.accepted, baseline.refused.count), (0, 12), "{baseline:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_few_accounts_for_the_clients_is_refused_before_starting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = RpcBench { depth: 8, batch_size: 4, accounts: 3, txs: 8, clients: vec![4], mempool: None };
    let err = rpc::run(&config, dir.path()).await.expect_err("4 clients need 4 accounts");
    assert!(err.to_string().contains("--accounts 3 is too few"), "{err}");
}

#[test]
fn latency_percentiles_are_nearest_rank() {
    use std::time::Duration;
    let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
    let l = ccr_benches::Latency::of(samples);
    assert_eq!(l.count, 100);
    assert_eq!(l.p50, Duration::from_millis(50));
    assert_eq!(l.p90, Duration::from_millis(90));
    assert_eq!(l.p99, Duration::from_millis(99));
    assert_eq!(l.max, Duration::from_millis(100));
    assert_eq!(ccr_benches::Latency::of(Vec::new()), ccr_benches::Latency::default());
    let one = ccr_benches::Latency::of(vec![Duration::from_millis(7)]);
    assert_eq!(
        (one.p50, one.p99, one.max),
        (Duration::from_millis(7), Duration::from_millis(7), Duration::from_millis(7))
    );
}
