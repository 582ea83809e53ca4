use serde::Serialize;

use crate::error::DataError;
use crate::observation::{Observation, RegionCode};

/// What a source tells about a bioregion: the seeds' `DataSourceType` kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Local business and labour: employment, long-term unemployment.
    LocalBusiness,
    /// Ecological health: emissions, air and water quality.
    EcologicalHealth,
    /// Community wellbeing: education, skills, support networks.
    CommunityWellbeing,
}

/// Which adapter an observation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum SourceId {
    /// The older OECD.Stat CSV layout ([`crate::OecdStat`]).
    OecdStat,
    /// OECD's SDMX REST API, SDMX-CSV ([`crate::OecdSdmx`]).
    OecdSdmx,
    /// Our World in Data's bulk CSV ([`crate::OwidBulk`]).
    Owid,
    /// Our World in Data's grapher CSV ([`crate::OwidGrapher`]).
    OwidGrapher,
    /// World Bank API v2, JSON ([`crate::WorldBank`]).
    Worldbank,
    /// Eurostat, JSON-stat 2.0 ([`crate::Eurostat`]).
    Eurostat,
}

impl SourceId {
    /// The name used in errors and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::OecdStat => "oecd-stat",
            Self::OecdSdmx => "oecd-sdmx",
            Self::Owid => "owid",
            Self::OwidGrapher => "owid-grapher",
            Self::Worldbank => "worldbank",
            Self::Eurostat => "eurostat",
        }
    }
}

/// What to ask a source for: regions, indicators (in the source's codes) and a span of data
/// years.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The regions.
    pub regions: Vec<RegionCode>,
    /// The indicators, in the source's codes.
    pub indicators: Vec<String>,
    /// The first data year.
    pub first_year: u16,
    /// The last data year.
    pub last_year: u16,
}

/// A public data source: its request URL for a query, and the parser of its response.
pub trait DataSource {
    /// Which adapter this is.
    fn id(&self) -> SourceId;

    /// The source's name, as errors give it.
    fn name(&self) -> &'static str {
        self.id().name()
    }

    /// What this source (as configured) tells about a bioregion.
    fn kind(&self) -> SourceKind;

    /// The URL of the documented `GET` request for `query`.
    ///
    /// # Errors
    /// [`DataError::Query`] when the query cannot be put into this API's URL (no region, a
    /// code with characters the URL would need escaped, a reversed span of years).
    fn request_url(&self, query: &Query) -> Result<String, DataError>;

    /// Parses a response (or a file in the same layout) into observations.
    ///
    /// # Errors
    /// The first fault found, naming the line or JSON path and what is wrong.
    fn parse(&self, bytes: &[u8]) -> Result<Vec<Observation>, DataError>;
}

/// Checks a query's common shape and its codes' characters (`A-Z a-z 0-9 . _ - @`, which
/// need no escaping in a URL).
pub(crate) fn check_query(source_name: &'static str, query: &Query) -> Result<(), DataError> {
    let refuse = |message: String| DataError::Query { source_name, message };
    if query.regions.is_empty() {
        return Err(refuse("no region".into()));
    }
    if query.first_year > query.last_year {
        return Err(refuse(format!("years {}..{} are reversed", query.first_year, query.last_year)));
    }
    for code in &query.indicators {
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b)) {
            return Err(refuse(format!("indicator code `{code}` is empty or needs escaping")));
        }
    }
    Ok(())
}

/// The regions joined with `sep`.
pub(crate) fn join_regions(query: &Query, sep: &str) -> String {
    query.regions.iter().map(RegionCode::as_str).collect::<Vec<_>>().join(sep)
}
