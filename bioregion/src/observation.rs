use std::fmt;

use serde::Serialize;

use crate::source::SourceId;

/// A region: an ISO 3166-1 alpha-3 country code (`DEU`), or a NUTS code (`DE`, `DE21`,
/// `DE212`) for Eurostat's regions. Always upper case; checked on construction.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    /// An ISO 3166-1 alpha-3 code: three ASCII capital letters. `None` otherwise (aggregates
    /// such as OWID's `OWID_WRL`, lower case, two-letter codes).
    pub fn iso3(code: &str) -> Option<Self> {
        (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then(|| Self(code.to_owned()))
    }

    /// A NUTS code (levels 0–3): two ASCII capital letters (the country) and up to three
    /// capitals or digits. `None` otherwise (`EU27_2020`, lower case).
    pub fn nuts(code: &str) -> Option<Self> {
        let b = code.as_bytes();
        let ok = (2..=5).contains(&b.len())
            && b[..2].iter().all(u8::is_ascii_uppercase)
            && b[2..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        ok.then(|| Self(code.to_owned()))
    }

    /// Either form: ISO alpha-3 or NUTS.
    pub fn parse(code: &str) -> Option<Self> {
        Self::iso3(code).or_else(|| Self::nuts(code))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An indicator as its source names it: an OECD code (`JE_LTUR`), an OWID column
/// (`co2_per_capita`), a World Bank code (`EN.ATM.PM25.MC.M3`), a Eurostat dataset.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IndicatorCode(pub String);

impl IndicatorCode {
    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IndicatorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for IndicatorCode {
    fn from(code: &str) -> Self {
        Self(code.to_owned())
    }
}

/// One value of one indicator for one region and data year, as a source gave it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// The source that gave it.
    pub source: SourceId,
    /// The region.
    pub region: RegionCode,
    /// The indicator, in the source's code.
    pub indicator: IndicatorCode,
    /// The year the data describe (not the year of publication).
    pub year: u16,
    /// The value; `None` where the source has the row but no value (an empty cell, a JSON
    /// `null`, a sparse JSON-stat hole). Never replaced by zero.
    pub value: Option<f64>,
    /// The unit, as the source names it (`PC`, `MICRO_M3`), when it names one.
    pub unit: Option<String>,
}
