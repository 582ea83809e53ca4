//! Health reports over JSON-RPC (issue 11): a report accepted and counted in `ccr_getHealth`,
//! each refusal with its own code, reports that survive a restart, and the fund's table.

use std::time::Duration;

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::pack_point;
use ccr_circuits::health::{IndicatorReport, SignedReport, N_INDICATORS, SCALE};
use ccr_rpc_api::health::{DecI64, HealthReportInput};
use ccr_sequencer::health_reports::{HealthConfig, HealthConfigFile};
use ccr_sequencer::wire::to_hex;
use ccr_sequencer::{CcrApiClient, ErrorCode, NodeConfig};

use crate::common::{code, config, error_object, launch, member, open_deposit, params};

/// The bank whose pool is account 0, in bioregion 0.
const POOL: u32 = 0;

fn attester(i: u8) -> PrivateKey {
    PrivateKey::from_bytes([0xa0 + i; 32])
}

fn health_config() -> HealthConfig {
    HealthConfig::from_parts(HealthConfigFile {
        attesters: [attester(0), attester(1)].iter().map(|k| to_hex(&pack_point(&k.public_key()))).collect(),
        bioregions: [(0, "Germany (DEU)".to_owned()), (1, "France (FRA)".to_owned())].into(),
        banks: [(POOL, 0)].into(),
        ..Default::default()
    })
    .unwrap()
}

fn node_config(db: &std::path::Path) -> NodeConfig {
    NodeConfig { health: health_config(), ..config(db, params(), None, Duration::from_secs(3600)) }
}

/// A report of `key` for `bioregion` and `epoch`, employment at `employment` %.
fn report(key: &PrivateKey, bioregion: u32, epoch: u32, employment: i64) -> HealthReportInput {
    let mut values = [None; N_INDICATORS];
    values[0] = Some(employment * SCALE);
    values[3] = Some(12 * SCALE);
    let r = IndicatorReport { bioregion, epoch, data_year: 2023, source_digest: [9; 32], values };
    HealthReportInput::from_signed(&SignedReport::sign(key, r).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_are_checked_counted_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (node, client) = launch(node_config(&db)).await;
    node.sequencer.ingest_deposit(0, open_deposit(POOL, &member(0), 1_000_000)).unwrap();
    node.sequencer.advance_epoch(3).unwrap();

    // Accepted, and counted.
    let receipt = client.send_health_report(report(&attester(0), 0, 3, 65)).await.unwrap();
    assert_eq!((receipt.bioregion, receipt.epoch, receipt.counts_until_epoch), (0, 3, 15));
    let h = client.get_health(POOL, None).await.unwrap().unwrap();
    assert_eq!((h.bioregion, h.epoch, h.current_epoch), (0, 3, 3));
    assert_eq!(h.bioregion_name.as_deref(), Some("Germany (DEU)"));
    assert_eq!(h.reports.len(), 1);
    assert_eq!(h.reports[0].data_year, 2023);
    assert_eq!(h.regional[0].value, Some(DecI64(65 * SCALE)));
    assert_eq!(h.regional[0].normalised, 5_000, "65 % between the bounds 50 and 80");
    assert_eq!(h.regional[1].value, None, "missing stays missing");
    assert_eq!(h.activity.pool_balance.map(|b| b.0), Some(1_000_000));
    assert_eq!(h.activity.written_down.map(|b| b.0), Some(0));
    let score = h.score.expect("a score without writedowns");
    assert_eq!(score.components.len(), 5);
    assert_eq!(score.components[0].name, "economic_diversity");
    assert!(score.score > 0 && score.score100.contains('.'));
    let line = h.fund.expect("the current epoch's table");
    assert_eq!(line.contribution.0, 20_000, "2 % of the free balance");

    // A bank without a bioregion has no health; another epoch has no report of its own.
    assert!(client.get_health(7, None).await.unwrap().is_none());

    // Each refusal with its code; nothing stored.
    let refused = |r: Result<_, _>| error_object(r);
    let e = refused(client.send_health_report(report(&attester(9), 0, 3, 60)).await);
    assert_eq!(e.code(), ErrorCode::UnregisteredAttester.code(), "{e:?}");
    let mut forged = report(&attester(1), 0, 3, 60);
    forged.values[0] = Some(DecI64(99 * SCALE));
    assert_eq!(code(client.send_health_report(forged).await), ErrorCode::BadSignature.code());
    let e = refused(client.send_health_report(report(&attester(1), 0, 4, 60)).await);
    assert_eq!(e.code(), ErrorCode::StaleHealthReport.code(), "a future epoch: {e:?}");
    assert_eq!(
        code(client.send_health_report(report(&attester(1), 7, 3, 60)).await),
        ErrorCode::UnknownBioregion.code()
    );
    let e = refused(client.send_health_report(report(&attester(0), 0, 3, 70)).await);
    assert_eq!(e.code(), ErrorCode::DuplicateHealthReport.code(), "{e:?}");
    let mut empty = report(&attester(1), 0, 3, 60);
    empty.values.truncate(2);
    assert_eq!(code(client.send_health_report(empty).await), ErrorCode::InvalidParams.code());
    assert_eq!(client.get_health(POOL, None).await.unwrap().unwrap().reports.len(), 1);

    // A second attester: the median of two takes the worse value for the score.
    client.send_health_report(report(&attester(1), 0, 3, 55)).await.unwrap();
    let h = client.get_health(POOL, Some(3)).await.unwrap().unwrap();
    assert_eq!(h.reports.len(), 2);
    assert_eq!(h.regional[0].value, Some(DecI64(55 * SCALE)));
    let view = client.get_fund(None).await.unwrap();
    let fund = view.table.unwrap();
    assert_eq!(fund.lines.len(), 1);
    assert_eq!(fund.collected.0, 20_000);
    assert_eq!(
        (view.moves.taken, view.moves.l1_next, view.moves.moves.len()),
        (0, None, 0),
        "no L1: no moves"
    );

    // Reports survive a restart of the node; the duplicate is still refused.
    node.shutdown().await;
    let (node, client) = launch(node_config(&db)).await;
    let h = client.get_health(POOL, Some(3)).await.unwrap().unwrap();
    assert_eq!(h.reports.len(), 2);
    assert_eq!(
        code(client.send_health_report(report(&attester(1), 0, 3, 40)).await),
        ErrorCode::DuplicateHealthReport.code()
    );

    // Too old: the epoch moves past max_report_age (12) after it.
    node.sequencer.advance_epoch(16).unwrap();
    let e = refused(client.send_health_report(report(&attester(1), 0, 3, 60)).await);
    assert_eq!(e.code(), ErrorCode::StaleHealthReport.code());
    let data: serde_json::Value = serde_json::from_str(e.data().unwrap().get()).unwrap();
    assert_eq!(data, serde_json::json!({"epoch": 3, "current": 16, "oldest": 4}));
    let h = client.get_health(POOL, None).await.unwrap().unwrap();
    assert!(h.reports.is_empty(), "epoch 3's reports no longer count in epoch 16");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_without_health_attesters_refuses_every_report_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (node, client) =
        launch(config(&dir.path().join("db"), params(), None, Duration::from_secs(3600))).await;
    let e = error_object(client.send_health_report(report(&attester(0), 0, 0, 60)).await);
    assert_eq!(e.code(), ErrorCode::UnregisteredAttester.code());
    assert!(e.message().contains("--health-config"), "{}", e.message());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_gauges_follow_the_reports_and_the_fund_table() {
    use ccr_sequencer::health_reports::HealthBook;

    use crate::common::{metric, scrape};

    let dir = tempfile::tempdir().unwrap();
    let (node, client) = launch(node_config(&dir.path().join("db"))).await;
    node.sequencer.ingest_deposit(0, open_deposit(POOL, &member(0), 1_000_000)).unwrap();
    node.sequencer.advance_epoch(3).unwrap();
    client.send_health_report(report(&attester(0), 0, 2, 65)).await.unwrap();
    client.send_health_report(report(&attester(1), 0, 3, 55)).await.unwrap();
    // What the node's health-metrics task runs every 15 s, run now.
    HealthBook::new(health_config()).refresh_metrics(&node.sequencer).unwrap();
    let text = scrape(node.metrics_addr().unwrap());
    let score = client.get_health(POOL, None).await.unwrap().unwrap().score.unwrap();
    assert_eq!(metric(&text, r#"ccr_sequencer_health_score{bank="0"}"#), score.score);
    assert_eq!(
        metric(&text, r#"ccr_sequencer_health_component{bank="0",component="economic_diversity"}"#),
        score.components[0].value
    );
    // Bioregion 0's newest report is this epoch's; bioregion 1 has none (max age 12, plus 1).
    assert_eq!(metric(&text, r#"ccr_sequencer_health_report_age_epochs{bioregion="0"}"#), 0);
    assert_eq!(metric(&text, r#"ccr_sequencer_health_report_age_epochs{bioregion="1"}"#), 13);
    // The median of two takes the worse (55 %): attester 0 is 10 points off on a 30-point range.
    let short =
        |k: &PrivateKey| -> String { to_hex(&pack_point(&k.public_key())).chars().take(18).collect() };
    let deviation = |k: &PrivateKey| {
        metric(
            &text,
            &format!(r#"ccr_sequencer_health_attester_deviation{{bioregion="0",attester="{}"}}"#, short(k)),
        )
    };
    assert_eq!((deviation(&attester(0)), deviation(&attester(1))), (3_333, 0));
    assert_eq!(metric(&text, "ccr_sequencer_fund_table_ok"), 1);
    assert_eq!(metric(&text, r#"ccr_sequencer_fund_table_flow{bank="0",flow="contribution"}"#), 20_000);
    node.shutdown().await;
}
