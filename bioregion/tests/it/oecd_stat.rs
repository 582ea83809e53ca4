use ccr_bioregion::{DataError, DataSource, OecdStat, SourceId, SourceKind};

use crate::{data, deu_fra, fixture, one};

fn bli() -> OecdStat {
    OecdStat::bli(SourceKind::CommunityWellbeing, 2020)
}

#[test]
fn shipped_bli_totals_with_exact_values() {
    let obs = bli().parse(&data("oecd_bli.csv")).expect("parses");
    // 911 TOT rows, less the OECD aggregate's 24.
    let oecd_rows = 24;
    assert_eq!(obs.len(), 911 - oecd_rows);
    let ltur = one(&obs, "DEU", "JE_LTUR", 2020);
    assert_eq!(ltur.value, Some(1.57));
    assert_eq!(ltur.unit.as_deref(), Some("PC"));
    assert_eq!(ltur.source, SourceId::OecdStat);
    assert_eq!(one(&obs, "DEU", "EQ_AIRP", 2020).value, Some(14.0));
    assert_eq!(one(&obs, "DEU", "EQ_AIRP", 2020).unit.as_deref(), Some("MICRO_M3"));
    assert_eq!(one(&obs, "FRA", "JE_EMPL", 2020).value, Some(65.0));
    assert_eq!(one(&obs, "DEU", "IW_HNFW", 2020).value, Some(259_667.0));
    // Only totals: Germany's men (79) and women (72) are not read.
    assert_eq!(one(&obs, "DEU", "JE_EMPL", 2020).value, Some(75.0));
    assert!(obs.iter().all(|o| o.region.as_str() != "OECD"));
}

#[test]
fn reference_periods_and_missing_values() {
    let obs = bli().parse(&fixture("oecd_stat_periods.csv")).expect("parses");
    assert_eq!(obs.len(), 2, "the MN row is skipped");
    assert_eq!(one(&obs, "DEU", "JE_LTUR", 2019).value, Some(1.57));
    let fra = one(&obs, "FRA", "JE_LTUR", 2020);
    assert_eq!(fra.value, None, "an empty Value stays missing");
}

#[test]
fn refuses_a_region_that_is_not_one() {
    let err = bli().parse(&fixture("bad_oecd_stat_region.csv")).expect_err("refused");
    assert_eq!(
        err,
        DataError::BadRegion {
            source_name: "oecd-stat",
            at: "line 3, field `LOCATION`".into(),
            value: "de".into(),
            expected: "ISO 3166-1 alpha-3",
        }
    );
    assert_eq!(
        err.to_string(),
        "oecd-stat: line 3, field `LOCATION`: `de` is not a region code (ISO 3166-1 alpha-3)"
    );
}

#[test]
fn refuses_a_missing_column() {
    let err = bli().parse(&fixture("bad_oecd_stat_no_value.csv")).expect_err("refused");
    assert_eq!(err, DataError::MissingColumn { source_name: "oecd-stat", column: "Value".into() });
}

#[test]
fn request_url() {
    let query = deu_fra(&["JE_LTUR", "EQ_AIRP"], 2015, 2022);
    assert_eq!(
        bli().request_url(&query).expect("url"),
        "https://stats.oecd.org/SDMX-JSON/data/BLI/DEU+FRA.JE_LTUR+EQ_AIRP.L.TOT/all?contentType=csv"
    );
}
