//! Bioregional data adapters: public statistics read into [`Observation`]s of a region, an
//! indicator and a data year, and one value per (region, indicator) selected for a year.
//!
//! Each [`DataSource`] builds the documented request URL of its API and parses the API's
//! response (or the shipped file in the same layout):
//!
//! | source | response | request |
//! |---|---|---|
//! | [`OecdStat`] | the older OECD.Stat CSV (the shipped `oecd_bli.csv`, UTF-8 BOM) | `stats.oecd.org/SDMX-JSON/data/…?contentType=csv` (retired) |
//! | [`OecdSdmx`] | SDMX-CSV (`REF_AREA`, `MEASURE`, `TIME_PERIOD`, `OBS_VALUE`, …) | `sdmx.oecd.org/public/rest/data/…` |
//! | [`OwidBulk`] | Our World in Data's bulk CSV, one row per country-year | the `owid/co2-data` file |
//! | [`OwidGrapher`] | a grapher chart's CSV (`Entity, Code, Year, <column>`) | `ourworldindata.org/grapher/{slug}.csv?…` |
//! | [`WorldBank`] | World Bank API v2 JSON (`[paging, rows]`) | `api.worldbank.org/v2/country/…/indicator/…` |
//! | [`Eurostat`] | JSON-stat 2.0 | `ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data/…` |
//!
//! A missing value stays missing ([`Observation::value`] is `None`), never zero: the health
//! scores built on these indicators must never gain from missing data.
//!
//! The live fetch (module `live`) is behind the cargo feature `live`; the tests never touch the
//! network.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The indicators the health scores use: source codes, units, directions.
pub mod catalogue;
/// CSV reading shared by the CSV sources: the header, numbers, regions, years.
mod csvutil;
/// The error every source returns.
pub mod error;
/// Eurostat's dissemination API: JSON-stat 2.0.
pub mod eurostat;
/// The live fetch of a source's request URL (feature `live`).
#[cfg(feature = "live")]
pub mod live;
/// Observations and their region and indicator codes.
pub mod observation;
/// OECD's SDMX REST API: SDMX-CSV.
pub mod oecd_sdmx;
/// The older OECD.Stat CSV layout (the shipped `oecd_bli.csv`).
pub mod oecd_stat;
/// Our World in Data: the bulk CSV and the grapher CSV.
pub mod owid;
/// An attester's indicators for a region and year, as the command prints them.
pub mod report;
/// One value per (region, indicator) for a year, within a staleness window.
pub mod select;
/// The [`DataSource`] trait, its kinds and queries.
pub mod source;
/// World Bank API v2: JSON.
pub mod worldbank;

pub use catalogue::{Direction, Indicator, IndicatorSpec, CATALOGUE};
pub use error::DataError;
pub use eurostat::Eurostat;
pub use observation::{IndicatorCode, Observation, RegionCode};
pub use oecd_sdmx::{OecdSdmx, SdmxKeyPart};
pub use oecd_stat::OecdStat;
pub use owid::{OwidBulk, OwidGrapher};
pub use report::{indicators, IndicatorReport, ReadOptions};
pub use select::{select, Selected};
pub use source::{DataSource, Query, SourceId, SourceKind};
pub use worldbank::WorldBank;
