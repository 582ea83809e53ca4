//! `ccr-wallet attester health-report`: an attester signs Germany's health indicators from the
//! shipped OECD Better Life Index file and the Our World in Data subset (`bioregion/data`); the
//! file verifies, its values are the data's (scaled, CO₂ from OWID's last year in the window),
//! and a value changed in the file no longer verifies.

use std::path::PathBuf;

use ccr_wallet::health::HealthReportFile;

use crate::common::{bin, keystore_file, wallet};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bioregion/data").join(name)
}

#[test]
fn an_attester_signs_a_health_report_from_public_data() {
    let dir = tempfile::tempdir().unwrap();
    let (ks, pw) = keystore_file(dir.path(), "attester", &wallet(2));
    let out = dir.path().join("report.json");
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = [
            "--password-file",
            pw.to_str().unwrap(),
            "attester",
            "health-report",
            "--key",
            ks.to_str().unwrap(),
            "--bioregion",
            "3",
            "--epoch",
            "12",
            "--region",
            "DEU",
            "--year",
            "2020",
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        bin().args(&args).output().unwrap()
    };
    let (bli, owid) = (data("oecd_bli.csv"), data("owid-co2-bli-2015-2018.csv"));
    let r = run(&[
        "--source",
        "oecd-stat",
        "--file",
        bli.to_str().unwrap(),
        "--source",
        "owid",
        "--file",
        owid.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let file: HealthReportFile = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let signed = file.verify().unwrap();
    assert_eq!((signed.report.bioregion, signed.report.epoch), (3, 12));
    assert_eq!(signed.attester, wallet(2).l2_public());
    // Germany's totals: employment 75 %, long-term unemployment 1.57 %, PM2.5 14, water 91 %,
    // attainment 87 %, skills 508, support 90 %; CO₂ per capita 9.131 t from OWID (2018, the
    // subset's last year: within the default 3-year window of 2020, and the signed data year).
    let values = signed.report.values;
    assert_eq!(
        values,
        [
            Some(750_000),
            Some(15_700),
            Some(91_310),
            Some(140_000),
            Some(910_000),
            Some(870_000),
            Some(5_080_000),
            Some(900_000)
        ]
    );
    assert_eq!(signed.report.data_year, 2018);
    assert_eq!(file.indicators[2].data_year, Some(2018));

    // The OECD file alone: CO₂ missing (null, not zero), still signed.
    let r = run(&["--source", "oecd-stat", "--file", bli.to_str().unwrap()]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let file: HealthReportFile = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(file.verify().unwrap().report.values[2], None);
    assert!(std::fs::read_to_string(&out).unwrap().contains("\"value\": null"));

    // A value changed after signing: refused.
    let mut forged = file.clone();
    forged.indicators[1].value = Some(1);
    assert!(forged.verify().is_err());
    // Unpaired --source/--file: a clear error.
    let r = run(&["--source", "oecd-stat", "--source", "owid", "--file", bli.to_str().unwrap()]);
    assert!(!r.status.success());
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("in pairs"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}
