//! `ccr-wallet health` against a loopback sequencer: an attester's report signed from the
//! shipped data is sent (and refused the second time, with its code's label), the bank's score
//! shows it, in text and `--json`, and the fund's table has the bank's line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ccr_rpc_api::health::BankHealth;
use ccr_sequencer::health_reports::{HealthConfig, HealthConfigFile};
use ccr_sequencer::{Node, NodeConfig, SequencerConfig};
use ccr_wallet::credit::packed_hex;

use crate::common::{bin, keystore_file, open_account, params, wallet};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bioregion/data").join(name)
}

async fn health_node(db: &Path) -> Node {
    let health = HealthConfig::from_parts(HealthConfigFile {
        attesters: vec![packed_hex(&wallet(2).l2_public())],
        bioregions: [(0, "Germany (DEU)".to_owned())].into(),
        banks: [(0, 0)].into(),
        ..Default::default()
    })
    .unwrap();
    Node::launch(NodeConfig {
        sequencer: SequencerConfig {
            db: db.to_path_buf(),
            params: params(),
            mempool_capacity: 64,
            full_replay: false,
        },
        rpc_addr: "127.0.0.1:0".parse().unwrap(),
        metrics_addr: None,
        batch_timeout: Duration::from_secs(3600),
        keys: None,
        fleet: None,
        l1: None,
        bank_files: None,
        health,
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_commands_send_a_report_and_show_the_score_and_the_fund() {
    let dir = tempfile::tempdir().unwrap();
    let node = health_node(&dir.path().join("db")).await;
    open_account(&node, 0, 0, &wallet(0), 1_000_000);
    let url = node.rpc_url();
    let (ks, pw) = keystore_file(dir.path(), "attester", &wallet(2));
    let report = dir.path().join("report.json");
    let (bli, owid) = (data("oecd_bli.csv"), data("owid-co2-bli-2015-2018.csv"));
    let p = |x: &Path| x.to_str().unwrap().to_owned();
    let run =
        move |args: Vec<String>| tokio::task::spawn_blocking(move || bin().args(&args).output().unwrap());
    let sign: Vec<String> = [
        "--password-file",
        &p(&pw),
        "attester",
        "health-report",
        "--key",
        &p(&ks),
        "--bioregion",
        "0",
        "--epoch",
        "0",
        "--region",
        "DEU",
        "--year",
        "2020",
        "--out",
        &p(&report),
        "--source",
        "oecd-stat",
        "--file",
        &p(&bli),
        "--source",
        "owid",
        "--file",
        &p(&owid),
    ]
    .map(String::from)
    .to_vec();
    let r = run(sign).await.unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));

    let cmd = |extra: &[&str]| {
        let mut args = vec!["--rpc".to_owned(), url.clone(), "health".to_owned()];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let r = run(cmd(&["send-report", &p(&report)])).await.unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.contains("for bioregion 0 and epoch 0 stored"), "{out}");
    let r = run(cmd(&["send-report", &p(&report)])).await.unwrap();
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("duplicate_health_report") && err.contains("-32021"), "{err}");

    let r = run(cmd(&["score", "--bank", "0"])).await.unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.contains("bioregion 0 (Germany (DEU))") && out.contains("reports counted: 1"), "{out}");
    assert!(out.contains("Employment rate") && out.contains("75.00"), "{out}");
    assert!(out.contains("resource_circulation") && out.contains("health score "), "{out}");
    let r = run(cmd(&["score", "--bank", "0", "--json"])).await.unwrap();
    let h: BankHealth = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(h.reports.len(), 1);
    assert_eq!(h.reports[0].data_year, 2018, "the oldest year among the values signed");
    assert!(h.score.unwrap().score > 0);

    let r = run(cmd(&["score", "--bank", "5"])).await.unwrap();
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("no bioregion"));

    let r = run(cmd(&["fund"])).await.unwrap();
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(out.contains("contribution") && out.contains("20000"), "2 % of the pool's 1,000,000: {out}");
    assert!(out.contains("settled table's moves: none taken") && out.contains("no L1"), "{out}");
    let r = run(cmd(&["fund", "--json"])).await.unwrap();
    let v: ccr_rpc_api::health::FundView = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!((v.table.unwrap().lines.len(), v.moves.taken, v.moves.l1_end), (1, 0, None));
    node.shutdown().await;
}
