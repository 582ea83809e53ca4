use std::time::Duration;

use ccr_benches::health::{self, HealthBench, HealthReport, HealthRow, GOAL_BANKS};
use ccr_benches::Latency;
use ccr_circuits::health::fund::MAX_REPORTS;

fn pinned(name: &str) -> usize {
    let text = match name {
        "per_bank" => include_str!("../../../circuits/tests/snapshots/health_epoch_per_bank_constraints.txt"),
        _ => include_str!("../../../circuits/tests/snapshots/health_epoch_overhead_constraints.txt"),
    };
    text.trim().parse().expect("a count")
}

/// One bank's epoch, proven and verified: the constraints are the circuit's pinned counts, the
/// table conserves, every report slot is filled; no timing is checked.
#[test]
fn a_one_bank_epoch_is_proven_and_verified() {
    let mut seen = Vec::new();
    let config = HealthBench { banks: vec![1], runs: 1 };
    let report = health::run(&config, &mut |row: &HealthRow| seen.push(row.banks)).expect("benchmark runs");
    assert_eq!(seen, [1]);
    assert_eq!((report.per_bank, report.overhead), (pinned("per_bank"), pinned("overhead")));
    let [row] = report.rows.as_slice() else { panic!("one row: {report:?}") };
    assert_eq!(row.constraints, report.per_bank + report.overhead);
    assert_eq!((row.banks, row.bioregions), (1, 1));
    assert_eq!((row.reports, row.slot_reports), (MAX_REPORTS, MAX_REPORTS));
    assert!(row.verified);
    assert_eq!((row.prove.count, row.verify.count), (1, 1));
    assert!(row.collected > 0, "{row:?}");
    assert!(row.granted <= health::FUND_BEFORE + row.collected);
    assert_eq!(row.fund_after, health::FUND_BEFORE + row.collected - row.granted);
    assert!(row.matrices.1 > 0);

    let table = health::render(&report);
    assert!(table.contains(&format!("| per bank (2 slots − 1) | {} |", report.per_bank)), "{table}");
    assert!(
        table.contains(&format!("| 1 | 1 | 3 (3) | {} | {} |", row.constraints, row.constraints)),
        "{table}"
    );
    assert!(table.contains("| true |"), "{table}");
    assert!(
        table.contains(&format!("goal: <= 35000 constraints per bank: {} (met)", report.per_bank)),
        "{table}"
    );
    assert!(
        table.contains(&format!("{GOAL_BANKS}-bank epoch proven in <= 60 s on this machine: not measured"))
    );
    let json = health::to_json(&report);
    assert_eq!(json["rows"][0]["verified"], true);
    assert_eq!(json["constraints"]["perBank"], report.per_bank);
    assert!(json["goals"]["prove"]["met"].is_null());
}

/// Banks spread over the four regions, three fresh reports each; no bank count refused.
#[test]
fn the_epoch_spreads_banks_over_regions_and_refuses_no_banks() {
    let s = health::scenario(9).expect("scenario");
    assert_eq!(s.members.len(), 9);
    assert_eq!(s.reports.len(), 4 * MAX_REPORTS);
    let regions: std::collections::BTreeSet<u32> = s.members.iter().map(|m| m.bioregion).collect();
    assert_eq!(regions.len(), 4);
    assert!(s.members.iter().all(|m| m.activity.flow() > 0 && m.activity.pool_balance > 0));
    for config in [HealthBench { banks: vec![0], runs: 1 }, HealthBench { banks: vec![], runs: 1 }] {
        let err = health::run(&config, &mut |_: &HealthRow| {}).expect_err("refused");
        assert!(err.to_string().contains("--banks"), "{err}");
    }
}

/// The goal line reads the 32-bank row's median, never this machine's clock.
#[test]
fn the_prove_goal_reads_the_32_bank_row() {
    let row = |banks: usize, secs: u64| HealthRow {
        banks,
        bioregions: 4,
        reports: 12,
        slot_reports: banks * 3,
        constraints: 4_811 + banks * 30_955,
        table: Duration::from_millis(5),
        inputs: Duration::from_millis(9),
        setup: Duration::from_secs(40),
        matrices: (Duration::from_secs(3), 100),
        prove: Latency::of(vec![Duration::from_secs(secs)]),
        phases: Default::default(),
        peak_mib: 2048,
        verify: Latency::of(vec![Duration::from_millis(3)]),
        verified: true,
        collected: 10,
        granted: 5,
        fund_after: 5,
    };
    let report =
        |secs| HealthReport { per_bank: 30_955, overhead: 4_811, rows: vec![row(8, 9), row(32, secs)] };
    assert_eq!(report(45).prove_goal(), Some((45.0, true)));
    assert_eq!(report(75).prove_goal(), Some((75.0, false)));
    let table = health::render(&report(75));
    assert!(table.contains("32-bank epoch proven in <= 60 s on this machine: 75.00 s (NOT met)"), "{table}");
    assert!(
        table.contains(
            "| 32 | 4 | 12 (96) | 995371 | 31105 | 5.00 ms | 9.00 ms | 40.00 s | 3.00 s, 100 MiB | 75.00 s |"
        ),
        "{table}"
    );
}
