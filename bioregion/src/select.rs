use serde::Serialize;

use crate::catalogue::{Direction, Indicator, SourceCode, CATALOGUE};
use crate::error::DataError;
use crate::observation::{IndicatorCode, Observation, RegionCode};
use crate::source::{SourceId, SourceKind};

/// The value chosen for one catalogue indicator of one region and year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selected {
    /// The indicator.
    pub indicator: Indicator,
    /// The region.
    pub region: RegionCode,
    /// The year asked for.
    pub year: u16,
    /// What it tells about the bioregion.
    pub kind: SourceKind,
    /// Whether larger is better.
    pub direction: Direction,
    /// The value; `None` when no source has one within the staleness window (never zero).
    pub value: Option<f64>,
    /// The year of the data used: the year asked for or an earlier one within the window.
    pub data_year: Option<u16>,
    /// The source of the value.
    pub source: Option<SourceId>,
    /// The source's code of the indicator.
    pub code: Option<IndicatorCode>,
    /// The unit as the source gives it.
    pub unit: Option<String>,
}

/// One value per catalogue indicator for `region` and `year`, from the observations of any
/// number of sources.
///
/// For each indicator the sources are tried in the catalogue's order of preference; from the
/// first that has a value, the value of `year` is taken, or else that of the latest earlier
/// year no more than `max_age` years before it. A missing value (`None`) is no value: an
/// earlier year's value is used instead, and with none in the window the indicator stays
/// missing. Years after `year` are never used.
///
/// # Errors
/// [`DataError::Shape`] when a source gives two different values for the same region,
/// indicator and year: the choice between them is not this function's to make.
pub fn select(
    observations: &[Observation],
    region: &RegionCode,
    year: u16,
    max_age: u16,
) -> Result<Vec<Selected>, DataError> {
    let oldest = year.saturating_sub(max_age);
    let mut out = Vec::with_capacity(CATALOGUE.len());
    for spec in CATALOGUE {
        let mut chosen: Option<&Observation> = None;
        for source in spec.sources {
            if let Some(found) = latest(observations, source, region, oldest, year)? {
                chosen = Some(found);
                break;
            }
        }
        out.push(Selected {
            indicator: spec.indicator,
            region: region.clone(),
            year,
            kind: spec.kind,
            direction: spec.direction,
            value: chosen.and_then(|o| o.value),
            data_year: chosen.map(|o| o.year),
            source: chosen.map(|o| o.source),
            code: chosen.map(|o| o.indicator.clone()),
            unit: chosen.and_then(|o| o.unit.clone()),
        });
    }
    Ok(out)
}

/// The observation with a value of the latest year in `oldest..=newest`.
fn latest<'a>(
    observations: &'a [Observation],
    source: &SourceCode,
    region: &RegionCode,
    oldest: u16,
    newest: u16,
) -> Result<Option<&'a Observation>, DataError> {
    let mut best: Option<&Observation> = None;
    for o in observations.iter().filter(|o| {
        o.source == source.source
            && o.indicator.as_str() == source.code
            && &o.region == region
            && (oldest..=newest).contains(&o.year)
            && o.value.is_some()
    }) {
        match best {
            Some(b) if b.year == o.year && b.value != o.value => {
                return Err(DataError::Shape {
                    source_name: source.source.name(),
                    at: format!("{region} {} {}", source.code, o.year),
                    message: format!("two values, {:?} and {:?}", b.value, o.value),
                })
            }
            Some(b) if b.year >= o.year => {}
            _ => best = Some(o),
        }
    }
    Ok(best)
}
