use ccr_benches::settle::{self, SettleBench};

/// The whole pipeline at depth 8 with batches of 4: deposits, then 4 transfers to settled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_transfers_goes_from_submission_to_settled_on_l1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = SettleBench { depth: 8, batch: 4 };
    let report =
        settle::run(config, dir.path(), &mut |line: &str| eprintln!("{line}")).await.expect("benchmark runs");
    // Batch 0 holds the four deposits; the transfers are batch 1, exactly (checked by `run`).
    assert_eq!(report.batch_number, 1);
    assert!(report.accepted <= report.sealed, "{report:?}");
    assert!(report.sealed <= report.proven && report.proven <= report.settled, "{report:?}");
    // Settling a batch of 4 (the devnet's scenario sees the same range).
    assert!(report.l1_gas > 200_000 && report.l1_gas < 400_000, "{report:?}");
    let table = settle::render(&report);
    assert!(table.contains("| settled on L1 (status `settled`) |"), "{table}");
}

#[tokio::test]
async fn a_batch_of_one_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = settle::run(SettleBench { depth: 8, batch: 1 }, dir.path(), &mut |_: &str| {})
        .await
        .expect_err("a member cannot send to another");
    assert!(err.to_string().contains("--batch must be at least 2"), "{err}");
}
