use serde::Serialize;

use crate::error::DataError;
use crate::eurostat::Eurostat;
use crate::observation::{Observation, RegionCode};
use crate::oecd_sdmx::OecdSdmx;
use crate::oecd_stat::OecdStat;
use crate::owid::{OwidBulk, OwidGrapher};
use crate::select::{select, Selected};
use crate::source::{DataSource, SourceId, SourceKind};
use crate::worldbank::WorldBank;
use crate::CATALOGUE;

/// An attester's indicators for a region and year, from one source's response: what the
/// `ccr-bioregion indicators` command prints (signing it is not this crate's work).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorReport {
    /// The sources read.
    pub sources: Vec<SourceId>,
    /// The region.
    pub region: RegionCode,
    /// The year asked for.
    pub year: u16,
    /// The staleness window: values up to this many years older than `year` are used.
    pub max_age: u16,
    /// One entry per catalogue indicator, missing where the source has no value in the window.
    pub indicators: Vec<Selected>,
}

/// How to read a response or file, for the sources that need more than their id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReadOptions {
    /// OECD.Stat: the data year of rows that state none (the BLI edition's); 2020 when unset.
    pub year_when_unstated: Option<u16>,
    /// Eurostat: the dataset code, which names the indicators.
    pub dataset: Option<String>,
}

/// The adapter for `id`, configured to parse a response or file (its request fields empty).
///
/// # Errors
/// [`DataError::Query`] for Eurostat without [`ReadOptions::dataset`].
pub fn reader(id: SourceId, options: &ReadOptions) -> Result<Box<dyn DataSource>, DataError> {
    Ok(match id {
        SourceId::OecdStat => Box::new(OecdStat::bli(
            SourceKind::CommunityWellbeing,
            options.year_when_unstated.unwrap_or(2020),
        )),
        SourceId::OecdSdmx => Box::new(OecdSdmx {
            kind: SourceKind::CommunityWellbeing,
            agency: String::new(),
            dataflow: String::new(),
            version: String::new(),
            key: Vec::new(),
        }),
        SourceId::Owid => Box::new(OwidBulk::co2(&catalogue_codes(SourceId::Owid))),
        SourceId::OwidGrapher => {
            Box::new(OwidGrapher { kind: SourceKind::EcologicalHealth, slug: String::new() })
        }
        SourceId::Worldbank => Box::new(WorldBank::new(SourceKind::EcologicalHealth)),
        SourceId::Eurostat => Box::new(Eurostat {
            kind: SourceKind::CommunityWellbeing,
            dataset: options.dataset.clone().ok_or_else(|| DataError::Query {
                source_name: "eurostat",
                message: "the dataset code is needed to name the indicators".to_owned(),
            })?,
            filters: Vec::new(),
        }),
    })
}

/// The codes of the catalogue's indicators that `source` publishes.
pub fn catalogue_codes(source: SourceId) -> Vec<&'static str> {
    CATALOGUE.iter().flat_map(|s| s.sources).filter(|c| c.source == source).map(|c| c.code).collect()
}

/// Parses each `(source, bytes)` and selects the catalogue's indicators for `region` and
/// `year` from all their observations together (the catalogue's order of sources decides
/// between them).
///
/// # Errors
/// The first parser's error, or [`select`]'s.
pub fn indicators(
    inputs: &[(&dyn DataSource, &[u8])],
    region: &RegionCode,
    year: u16,
    max_age: u16,
) -> Result<IndicatorReport, DataError> {
    let mut all = Vec::new();
    for (source, bytes) in inputs {
        all.extend(source.parse(bytes)?);
    }
    let mut sources: Vec<SourceId> = inputs.iter().map(|(s, _)| s.id()).collect();
    sources.dedup();
    Ok(IndicatorReport {
        sources,
        region: region.clone(),
        year,
        max_age,
        indicators: select(&all, region, year, max_age)?,
    })
}

/// Every observation of `region` in the inputs (of `year` when given), in their order.
///
/// # Errors
/// The parser's error.
pub fn observations(
    inputs: &[(&dyn DataSource, &[u8])],
    region: &RegionCode,
    year: Option<u16>,
) -> Result<Vec<Observation>, DataError> {
    let mut all = Vec::new();
    for (source, bytes) in inputs {
        all.extend(source.parse(bytes)?);
    }
    all.retain(|o| &o.region == region && year.is_none_or(|y| o.year == y));
    Ok(all)
}
