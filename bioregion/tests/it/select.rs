use ccr_bioregion::{
    select, DataError, DataSource, Indicator, IndicatorCode, Observation, OecdStat, OwidBulk, Selected,
    SourceId, SourceKind,
};

use crate::{data, region};

fn obs(source: SourceId, code: &str, year: u16, value: Option<f64>) -> Observation {
    Observation {
        source,
        region: region("DEU"),
        indicator: IndicatorCode::from(code),
        year,
        value,
        unit: None,
    }
}

fn pick(selected: &[Selected], indicator: Indicator) -> &Selected {
    selected.iter().find(|s| s.indicator == indicator).expect("every catalogue indicator")
}

#[test]
fn shipped_data_for_germany() {
    let mut all =
        OecdStat::bli(SourceKind::CommunityWellbeing, 2020).parse(&data("oecd_bli.csv")).expect("bli");
    all.extend(OwidBulk::co2(&["co2_per_capita"]).parse(&data("owid-co2-bli-2015-2018.csv")).expect("owid"));
    let selected = select(&all, &region("DEU"), 2020, 3).expect("selects");
    assert_eq!(selected.len(), 8);
    let ltur = pick(&selected, Indicator::LongTermUnemployment);
    assert_eq!((ltur.value, ltur.data_year, ltur.source), (Some(1.57), Some(2020), Some(SourceId::OecdStat)));
    let co2 = pick(&selected, Indicator::Co2PerCapita);
    assert_eq!((co2.value, co2.data_year), (Some(9.131), Some(2018)), "the latest year within 3");
    // With a window of one year, OWID's 2018 is too old: missing, not zero.
    let strict = select(&all, &region("DEU"), 2020, 1).expect("selects");
    let co2 = pick(&strict, Indicator::Co2PerCapita);
    assert_eq!((co2.value, co2.data_year, co2.source), (None, None, None));
}

#[test]
fn staleness_window_and_missing_values() {
    let c = "co2_per_capita";
    let all = vec![
        obs(SourceId::Owid, c, 2016, Some(9.753)),
        obs(SourceId::Owid, c, 2017, Some(9.654)),
        obs(SourceId::Owid, c, 2018, None),
        obs(SourceId::Owid, c, 2021, Some(1.0)),
    ];
    let at = |year, max_age| {
        let s = select(&all, &region("DEU"), year, max_age).expect("selects");
        let s = pick(&s, Indicator::Co2PerCapita);
        (s.value, s.data_year)
    };
    assert_eq!(at(2017, 0), (Some(9.654), Some(2017)), "the year itself");
    assert_eq!(at(2018, 0), (None, None), "a missing value is not used, and not zero");
    assert_eq!(at(2018, 1), (Some(9.654), Some(2017)), "2018 missing: 2017's");
    assert_eq!(at(2019, 1), (None, None), "2017 is two years old");
    assert_eq!(at(2019, 3), (Some(9.654), Some(2017)));
    assert_eq!(at(2020, 5), (Some(9.654), Some(2017)), "2021 is never used for 2020");
    assert_eq!(at(2015, 5), (None, None), "nothing earlier");
}

#[test]
fn sources_in_the_catalogues_order() {
    let all = vec![
        obs(SourceId::Worldbank, "EN.ATM.PM25.MC.M3", 2020, Some(12.0)),
        obs(SourceId::OecdStat, "EQ_AIRP", 2018, Some(14.0)),
    ];
    let s = select(&all, &region("DEU"), 2020, 3).expect("selects");
    let pm = pick(&s, Indicator::AirPollutionPm25);
    assert_eq!((pm.value, pm.source, pm.data_year), (Some(14.0), Some(SourceId::OecdStat), Some(2018)));
    // Without OECD's, the World Bank's.
    let s = select(&all[..1], &region("DEU"), 2020, 3).expect("selects");
    let pm = pick(&s, Indicator::AirPollutionPm25);
    assert_eq!((pm.value, pm.source), (Some(12.0), Some(SourceId::Worldbank)));
    // Another region's values are not Germany's.
    let s = select(&all, &region("FRA"), 2020, 3).expect("selects");
    assert_eq!(pick(&s, Indicator::AirPollutionPm25).value, None);
}

#[test]
fn two_values_for_one_year_are_refused() {
    let all = vec![
        obs(SourceId::OecdStat, "JE_LTUR", 2020, Some(1.57)),
        obs(SourceId::OecdStat, "JE_LTUR", 2020, Some(1.6)),
    ];
    assert!(matches!(select(&all, &region("DEU"), 2020, 0), Err(DataError::Shape { .. })));
}
