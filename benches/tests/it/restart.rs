use ccr_benches::restart::{self, RestartBench};

/// The database grows to each size by real acceptance; each row reopens it from the snapshot
/// and by a full replay (the benchmark checks which path each start took).
#[test]
fn restart_rows_grow_and_both_start_up_paths_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config =
        RestartBench { depth: 8, batch_size: 4, accounts: 4, sizes: vec![20, 41], full_replay: true };
    let mut seen = Vec::new();
    let rows = restart::run(&config, dir.path(), &mut |r| seen.push(r.txs)).expect("benchmark runs");
    assert_eq!(seen, vec![20, 41]);
    assert_eq!(rows.iter().map(|r| r.txs).collect::<Vec<_>>(), vec![20, 41]);
    // Full batches are sealed as they fill; the tail of 41 stays pending.
    assert_eq!(rows[1].batches, 41 / 4);
    assert!(rows.iter().all(|r| r.replay.is_some()));
    let table = restart::render(&config, &rows);
    assert_eq!(table.lines().filter(|l| l.starts_with("| ")).count(), 2 + 2, "{table}");
    let fresh = tempfile::tempdir().expect("tempdir");
    let err = restart::run(&RestartBench { sizes: vec![2], ..config }, fresh.path(), &mut |_| {})
        .expect_err("fewer transactions than the deposits");
    assert!(err.to_string().contains("exceed the 4 deposits"), "{err}");
}
