use ccr_bioregion::{DataError, DataSource, Eurostat, Query, SourceKind};

use crate::{fixture, one, region};

fn estat() -> Eurostat {
    Eurostat {
        kind: SourceKind::LocalBusiness,
        dataset: "lfst_r_lfe2emprt".into(),
        filters: vec![("age".into(), "Y15-64".into())],
    }
}

/// Germany's and France's employment rates by sex (oecd_bli.csv's JE_EMPL WMN/MN/TOT rows),
/// for 2020, with 2019 missing: the same in every valid variant.
fn check_employment(name: &str) {
    let obs = estat().parse(&fixture(name)).expect(name);
    assert_eq!(obs.len(), 12, "{name}: every cell of the 3 x 2 x 2 cube");
    let expect = [
        ("F", "DE", 72.0),
        ("M", "DE", 79.0),
        ("T", "DE", 75.0),
        ("F", "FR", 62.0),
        ("M", "FR", 69.0),
        ("T", "FR", 65.0),
    ];
    for (sex, geo, value) in expect {
        let indicator = format!("lfst_r_lfe2emprt.{sex}");
        let o = one(&obs, geo, &indicator, 2020);
        assert_eq!(o.value, Some(value), "{name} {sex} {geo}");
        assert_eq!(o.unit.as_deref(), Some("PC"));
        assert_eq!(one(&obs, geo, &indicator, 2019).value, None, "{name}: holes and nulls stay missing");
    }
}

#[test]
fn sparse_object_values() {
    check_employment("eurostat_employment.json");
}

#[test]
fn dense_array_values() {
    check_employment("eurostat_employment_dense.json");
}

#[test]
fn index_as_array_and_single_category_without_index() {
    check_employment("eurostat_employment_index_arrays.json");
}

#[test]
fn refusals() {
    let e = estat();
    assert_eq!(
        e.parse(&fixture("bad_eurostat_truncated.json")).expect_err("refused"),
        DataError::ValueCount { source_name: "eurostat", got: 11, expected: 12 }
    );
    assert!(matches!(
        e.parse(&fixture("bad_eurostat_index_out_of_range.json")).expect_err("refused"),
        DataError::Shape { ref at, .. } if at == "$.value.12"
    ));
    assert_eq!(
        e.parse(&fixture("bad_eurostat_region.json")).expect_err("refused"),
        DataError::BadRegion {
            source_name: "eurostat",
            at: "$.dimension.geo.category.index".into(),
            value: "EU27_2020".into(),
            expected: "NUTS",
        }
    );
    assert!(matches!(
        e.parse(&fixture("bad_eurostat_size.json")).expect_err("refused"),
        DataError::Shape { ref at, .. } if at == "$.size"
    ));
    assert!(matches!(
        e.parse(&fixture("bad_eurostat_no_time.json")).expect_err("refused"),
        DataError::Shape { ref message, .. } if message == "no `time` dimension"
    ));
    assert_eq!(
        e.parse(&fixture("bad_eurostat_error.json")).expect_err("refused"),
        DataError::Api { source_name: "eurostat", message: "NO_RESULTS_FOUND: No results found".into() }
    );
}

#[test]
fn request_url() {
    let query = Query {
        regions: vec![region("DE"), region("FR")],
        indicators: vec![],
        first_year: 2021,
        last_year: 2022,
    };
    assert_eq!(
        estat().request_url(&query).expect("url"),
        "https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data/lfst_r_lfe2emprt?format=JSON&lang=EN&geo=DE&geo=FR&time=2021&time=2022&age=Y15-64"
    );
}
