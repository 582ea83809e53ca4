//! The adapters on the shipped files (`data/`) and on responses constructed in each API's
//! documented shape (`tests/fixtures/`, see `DATA.md`). No test touches the network.

mod catalogue;
mod cli;
mod eurostat;
mod oecd_sdmx;
mod oecd_stat;
mod owid;
mod region;
mod select;
mod worldbank;

use ccr_bioregion::{IndicatorCode, Observation, Query, RegionCode};

/// A fixture's bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A shipped data file's bytes.
pub fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A region code that must be valid.
pub fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).unwrap_or_else(|| panic!("`{code}` is no region"))
}

/// The one observation of `region`, `indicator` and `year`.
pub fn one<'a>(obs: &'a [Observation], region: &str, indicator: &str, year: u16) -> &'a Observation {
    let found: Vec<_> = obs
        .iter()
        .filter(|o| {
            o.region.as_str() == region && o.indicator == IndicatorCode::from(indicator) && o.year == year
        })
        .collect();
    assert_eq!(found.len(), 1, "{region} {indicator} {year}: {found:?}");
    found[0]
}

/// A query for Germany and France: what the request-URL tests ask each source.
pub fn deu_fra(indicators: &[&str], first_year: u16, last_year: u16) -> Query {
    Query {
        regions: vec![region("DEU"), region("FRA")],
        indicators: indicators.iter().map(|i| (*i).into()).collect(),
        first_year,
        last_year,
    }
}
