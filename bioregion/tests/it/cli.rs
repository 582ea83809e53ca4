use std::process::Command;

use serde_json::Value;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ccr-bioregion"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn indicator<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["indicators"].as_array().expect("array").iter().find(|i| i["indicator"] == name).expect(name)
}

#[test]
fn indicators_from_the_shipped_bli_file() {
    let (ok, stdout, stderr) = run(&[
        "indicators",
        "--source",
        "oecd-stat",
        "--file",
        "data/oecd_bli.csv",
        "--region",
        "DEU",
        "--year",
        "2022",
    ]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["sources"], serde_json::json!(["oecd-stat"]));
    assert_eq!(report["region"], "DEU");
    assert_eq!(report["max_age"], 3);
    let ltur = indicator(&report, "long_term_unemployment");
    assert_eq!((ltur["value"].as_f64(), ltur["data_year"].as_u64()), (Some(1.57), Some(2020)));
    assert_eq!(ltur["direction"], "lower_is_better");
    assert_eq!(ltur["kind"], "local_business");
    // CO₂ is OWID's: missing in this file, null (never 0).
    assert!(indicator(&report, "co2_per_capita")["value"].is_null());
}

#[test]
fn indicators_from_the_owid_subset() {
    let (ok, stdout, stderr) = run(&[
        "indicators",
        "--source",
        "owid",
        "--file",
        "data/owid-co2-bli-2015-2018.csv",
        "--region",
        "FRA",
        "--year",
        "2019",
        "--max-age",
        "1",
    ]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    let co2 = indicator(&report, "co2_per_capita");
    assert_eq!((co2["value"].as_f64(), co2["data_year"].as_u64()), (Some(5.199), Some(2018)));
}

#[test]
fn indicators_from_two_sources_together() {
    let (ok, stdout, stderr) = run(&[
        "indicators",
        "--source",
        "oecd-stat",
        "--file",
        "data/oecd_bli.csv",
        "--source",
        "owid",
        "--file",
        "data/owid-co2-bli-2015-2018.csv",
        "--region",
        "DEU",
        "--year",
        "2020",
    ]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["sources"], serde_json::json!(["oecd-stat", "owid"]));
    let all = report["indicators"].as_array().expect("array");
    assert_eq!(all.len(), 8);
    assert!(all.iter().all(|i| i["value"].is_number()), "every catalogue indicator: {all:?}");
    let co2 = indicator(&report, "co2_per_capita");
    assert_eq!(
        (co2["value"].as_f64(), co2["data_year"].as_u64(), co2["source"].as_str()),
        (Some(9.131), Some(2018), Some("owid"))
    );
    let (ok, _, stderr) = run(&[
        "indicators",
        "--source",
        "oecd-stat",
        "--source",
        "owid",
        "--file",
        "data/oecd_bli.csv",
        "--region",
        "DEU",
        "--year",
        "2020",
    ]);
    assert!(!ok);
    assert!(stderr.contains("give one --file per --source"), "{stderr}");
}

#[test]
fn observations_of_a_eurostat_region() {
    let (ok, stdout, stderr) = run(&[
        "observations",
        "--source",
        "eurostat",
        "--dataset",
        "lfst_r_lfe2emprt",
        "--file",
        "tests/fixtures/eurostat_employment_dense.json",
        "--region",
        "FR",
        "--year",
        "2020",
    ]);
    assert!(ok, "{stderr}");
    let obs: Value = serde_json::from_str(&stdout).expect("JSON");
    let values: Vec<_> = obs.as_array().expect("array").iter().map(|o| o["value"].as_f64()).collect();
    assert_eq!(values, [Some(62.0), Some(69.0), Some(65.0)]);
}

#[test]
fn a_malformed_file_fails_with_its_fault() {
    let (ok, _, stderr) = run(&[
        "indicators",
        "--source",
        "eurostat",
        "--dataset",
        "lfst_r_lfe2emprt",
        "--file",
        "tests/fixtures/bad_eurostat_truncated.json",
        "--region",
        "DE",
        "--year",
        "2020",
    ]);
    assert!(!ok);
    assert!(stderr.contains("`value` holds 11 entries, `size` says 12"), "{stderr}");
    let (ok, _, stderr) = run(&[
        "indicators",
        "--source",
        "worldbank",
        "--file",
        "no-such-file",
        "--region",
        "DEU",
        "--year",
        "2020",
    ]);
    assert!(!ok);
    assert!(stderr.contains("reading no-such-file"), "{stderr}");
}
