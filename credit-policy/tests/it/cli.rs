//! The `ccr-policy` command line: train then score, end to end.

use std::process::Command;

use crate::common::crate_path;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ccr-policy")).args(args).output().expect("run ccr-policy");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn train_then_score_a_row_and_a_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.json");
    let policy = policy.to_str().expect("utf-8 path");
    let data = crate_path("data/german_credit.csv");
    let schema = crate_path("schemas/german_credit.json");
    let (ok, out, err) = run(&[
        "train",
        "--data",
        data.to_str().expect("utf-8"),
        "--schema",
        schema.to_str().expect("utf-8"),
        "--out",
        policy,
        "--seed",
        "0",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("ROC AUC float") && out.contains("ROC AUC quantized") && out.contains("policy hash"),
        "{out}"
    );

    // The first German row, features only, in schema order.
    let row = "A11,6,A34,A43,1169,A65,A75,4,A93,A101,4,A121,67,A143,A152,2,A173,1,A192,A201";
    let (ok, out, err) =
        run(&["score", "--policy", policy, "--row", row, "--purpose", "ecological_restoration", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json line");
    assert!(v["score"].is_i64(), "{out}");

    let (ok, out, err) = run(&["score", "--policy", policy, "--data", data.to_str().expect("utf-8")]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1000);
    assert!(out.starts_with("line 2: score "), "{out}");

    let (ok, _, err) = run(&["score", "--policy", policy, "--row", "A11,6", "--purpose", "0"]);
    assert!(!ok);
    assert!(err.contains("2 values but the schema has 20 features"), "{err}");
}
