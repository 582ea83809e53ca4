use ccr_bioregion::{DataError, DataSource, OwidBulk, OwidGrapher, Query, SourceKind};

use crate::{data, deu_fra, fixture, one};

fn bulk() -> OwidBulk {
    OwidBulk::co2(&["co2_per_capita", "consumption_co2_per_capita"])
}

fn grapher() -> OwidGrapher {
    OwidGrapher { kind: SourceKind::EcologicalHealth, slug: "co-emissions-per-capita".into() }
}

fn query() -> Query {
    deu_fra(&["co2_per_capita"], 2015, 2022)
}

#[test]
fn shipped_bulk_subset_with_exact_values() {
    let obs = bulk().parse(&data("owid-co2-bli-2015-2018.csv")).expect("parses");
    // 40 countries x 4 years x 2 columns.
    assert_eq!(obs.len(), 40 * 4 * 2);
    let deu = one(&obs, "DEU", "co2_per_capita", 2018);
    assert_eq!(deu.value, Some(9.131));
    assert_eq!(deu.unit.as_deref(), Some("tonnes per person"));
    assert_eq!(one(&obs, "FRA", "co2_per_capita", 2015).value, Some(5.292));
    assert_eq!(one(&obs, "DEU", "consumption_co2_per_capita", 2017).value, Some(10.826));
    assert_eq!(
        one(&obs, "DEU", "consumption_co2_per_capita", 2018).value,
        None,
        "empty in the source, stays missing"
    );
}

#[test]
fn bulk_refusals() {
    assert_eq!(
        bulk().parse(&fixture("bad_owid_bulk_not_a_number.csv")).expect_err("refused"),
        DataError::NotANumber {
            source_name: "owid",
            at: "line 3".into(),
            field: "co2_per_capita".into(),
            value: "five".into()
        }
    );
    assert_eq!(
        OwidBulk::co2(&["co2_per_unit"]).parse(&data("owid-co2-bli-2015-2018.csv")).expect_err("refused"),
        DataError::MissingColumn { source_name: "owid", column: "co2_per_unit".into() }
    );
}

#[test]
fn grapher_csv() {
    let obs = grapher().parse(&fixture("owid_grapher_co2_per_capita.csv")).expect("parses");
    assert_eq!(obs.len(), 8, "the World aggregate is skipped");
    assert_eq!(one(&obs, "DEU", "emissions_total_per_capita", 2017).value, Some(9.654));
    assert_eq!(one(&obs, "DEU", "emissions_total_per_capita", 2018).value, None);
    assert_eq!(one(&obs, "FRA", "emissions_total_per_capita", 2018).value, Some(5.199));
}

#[test]
fn grapher_refusals() {
    assert_eq!(
        grapher().parse(&fixture("bad_owid_grapher_region.csv")).expect_err("refused"),
        DataError::BadRegion {
            source_name: "owid-grapher",
            at: "line 2, field `Code`".into(),
            value: "DE".into(),
            expected: "ISO 3166-1 alpha-3",
        }
    );
    assert_eq!(
        grapher().parse(&fixture("bad_owid_grapher_daily.csv")).expect_err("refused"),
        DataError::MissingColumn { source_name: "owid-grapher", column: "Year".into() }
    );
}

#[test]
fn request_urls() {
    assert_eq!(
        grapher().request_url(&query()).expect("url"),
        "https://ourworldindata.org/grapher/co-emissions-per-capita.csv?useColumnShortNames=true&csvType=filtered&country=DEU~FRA&time=2015..2022"
    );
    assert_eq!(
        bulk().request_url(&query()).expect("url"),
        "https://raw.githubusercontent.com/owid/co2-data/master/owid-co2-data.csv"
    );
}
