use ccr_bioregion::{DataError, DataSource, OecdSdmx, Query, SdmxKeyPart, SourceKind};

use crate::{deu_fra, fixture, one};

fn sdmx() -> OecdSdmx {
    OecdSdmx {
        kind: SourceKind::EcologicalHealth,
        agency: "OECD.WISE.WDP".into(),
        dataflow: "DSD_BLI@DF_BLI".into(),
        version: "1.0".into(),
        key: vec![
            SdmxKeyPart::Regions,
            SdmxKeyPart::Indicators,
            SdmxKeyPart::Fixed("_T".into()),
            SdmxKeyPart::Any,
        ],
    }
}

#[test]
fn csv_with_label_columns() {
    let obs = sdmx().parse(&fixture("oecd_sdmx_bli.csv")).expect("parses");
    assert_eq!(obs.len(), 6);
    assert_eq!(one(&obs, "DEU", "JE_LTUR", 2020).value, Some(1.57));
    assert_eq!(one(&obs, "FRA", "JE_LTUR", 2020).value, Some(4.0));
    assert_eq!(one(&obs, "DEU", "EQ_AIRP", 2020).value, Some(14.0));
    assert_eq!(one(&obs, "DEU", "EQ_AIRP", 2020).unit.as_deref(), Some("MICRO_M3"));
    assert_eq!(one(&obs, "DEU", "EQ_AIRP", 2019).value, None, "empty OBS_VALUE stays missing");
    assert_eq!(one(&obs, "FRA", "EQ_AIRP", 2019).value, None, "NaN stays missing");
}

#[test]
fn csv_with_labels_after_codes() {
    let obs = sdmx().parse(&fixture("oecd_sdmx_labels_both.csv")).expect("parses");
    assert_eq!(obs.len(), 2);
    assert_eq!(one(&obs, "DEU", "JE_EMPL", 2020).value, Some(75.0));
    assert_eq!(one(&obs, "FRA", "JE_EMPL", 2020).unit.as_deref(), Some("PT_POP"));
}

#[test]
fn refusals() {
    let s = sdmx();
    assert_eq!(
        s.parse(&fixture("bad_oecd_sdmx_no_obs_value.csv")).expect_err("refused"),
        DataError::MissingColumn { source_name: "oecd-sdmx", column: "OBS_VALUE".into() }
    );
    assert_eq!(
        s.parse(&fixture("bad_oecd_sdmx_quarterly.csv")).expect_err("refused"),
        DataError::BadYear {
            source_name: "oecd-sdmx",
            at: "line 3, field `TIME_PERIOD`".into(),
            value: "2020-Q1".into()
        }
    );
    assert_eq!(
        s.parse(&fixture("bad_oecd_sdmx_not_a_number.csv")).expect_err("refused"),
        DataError::NotANumber {
            source_name: "oecd-sdmx",
            at: "line 3".into(),
            field: "OBS_VALUE".into(),
            value: "n/a".into()
        }
    );
}

#[test]
fn request_url() {
    let query = deu_fra(&["JE_LTUR", "EQ_AIRP"], 2015, 2022);
    assert_eq!(
        sdmx().request_url(&query).expect("url"),
        "https://sdmx.oecd.org/public/rest/data/OECD.WISE.WDP,DSD_BLI@DF_BLI,1.0/DEU+FRA.JE_LTUR+EQ_AIRP._T.?startPeriod=2015&endPeriod=2022&dimensionAtObservation=AllDimensions&format=csvfilewithlabels"
    );
    let bad = Query { indicators: vec!["JE LTUR".into()], ..query.clone() };
    assert!(matches!(sdmx().request_url(&bad), Err(DataError::Query { .. })));
    let reversed = Query { first_year: 2023, ..query };
    assert!(matches!(sdmx().request_url(&reversed), Err(DataError::Query { .. })));
}
