use ccr_bioregion::{DataError, DataSource, Query, SourceKind, WorldBank};

use crate::{deu_fra, fixture, one};

fn wb() -> WorldBank {
    WorldBank::new(SourceKind::EcologicalHealth)
}

#[test]
fn per_page_as_string_or_number_and_null_values() {
    for name in ["worldbank_pm25.json", "worldbank_pm25_per_page_number.json"] {
        let obs = wb().parse(&fixture(name)).expect(name);
        assert_eq!(obs.len(), 4, "{name}");
        assert_eq!(one(&obs, "DEU", "EN.ATM.PM25.MC.M3", 2020).value, Some(14.0));
        assert_eq!(one(&obs, "FRA", "EN.ATM.PM25.MC.M3", 2020).value, Some(13.0));
        assert_eq!(one(&obs, "DEU", "EN.ATM.PM25.MC.M3", 2019).value, None, "null stays missing");
        assert_eq!(one(&obs, "DEU", "EN.ATM.PM25.MC.M3", 2019).unit, None);
    }
}

#[test]
fn an_empty_answer_is_no_rows() {
    assert_eq!(wb().parse(&fixture("worldbank_empty.json")).expect("parses"), vec![]);
}

#[test]
fn refusals() {
    assert_eq!(
        wb().parse(&fixture("bad_worldbank_paged.json")).expect_err("refused"),
        DataError::Paged { source_name: "worldbank", page: 1, pages: 2, per_page: 2, total: 4 }
    );
    let (paging, rows) = wb().parse_page(&fixture("bad_worldbank_paged.json")).expect("one page reads");
    assert_eq!((paging.page, paging.pages, rows.len()), (1, 2, 2));
    assert!(matches!(
        wb().parse(&fixture("bad_worldbank_truncated.json")).expect_err("refused"),
        DataError::Shape { source_name: "worldbank", ref at, .. } if at == "$[1]"
    ));
    assert_eq!(
        wb().parse(&fixture("bad_worldbank_error.json")).expect_err("refused"),
        DataError::Api {
            source_name: "worldbank",
            message: "120 Invalid value: The provided parameter value is not valid".into()
        }
    );
    assert_eq!(
        wb().parse(&fixture("bad_worldbank_string_value.json")).expect_err("refused"),
        DataError::NotANumber {
            source_name: "worldbank",
            at: "$[1][2]".into(),
            field: "value".into(),
            value: "\"13\"".into()
        }
    );
    assert_eq!(
        wb().parse(&fixture("bad_worldbank_region.json")).expect_err("refused"),
        DataError::BadRegion {
            source_name: "worldbank",
            at: "$[1][3].countryiso3code".into(),
            value: String::new(),
            expected: "ISO 3166-1 alpha-3",
        }
    );
    assert!(matches!(wb().parse(&fixture("bad_worldbank_not_json.json")), Err(DataError::Json { .. })));
}

#[test]
fn request_url() {
    let query = deu_fra(&["EN.ATM.PM25.MC.M3"], 2015, 2023);
    assert_eq!(
        wb().request_url(&query).expect("url"),
        "https://api.worldbank.org/v2/country/DEU;FRA/indicator/EN.ATM.PM25.MC.M3?format=json&date=2015:2023&per_page=1000"
    );
    assert_eq!(
        wb().page_url(&query, 2).expect("url"),
        "https://api.worldbank.org/v2/country/DEU;FRA/indicator/EN.ATM.PM25.MC.M3?format=json&date=2015:2023&per_page=1000&page=2"
    );
    let two = Query { indicators: vec!["EN.ATM.PM25.MC.M3".into(), "SL.EMP.TOTL.SP.ZS".into()], ..query };
    assert!(matches!(wb().request_url(&two), Err(DataError::Query { .. })));
}
