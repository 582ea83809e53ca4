use serde::Serialize;

use crate::source::{SourceId, SourceKind};

/// Whether a larger value means a healthier region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Larger is better (employment rate).
    HigherIsBetter,
    /// Smaller is better (long-term unemployment, PM2.5).
    LowerIsBetter,
}

/// The indicators the community health scores are built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Employment rate, % of the working-age population (OECD BLI `JE_EMPL`).
    EmploymentRate,
    /// Long-term unemployment rate, % of the labour force (OECD BLI `JE_LTUR`).
    LongTermUnemployment,
    /// CO₂ emissions per capita, tonnes per person (OWID `co2_per_capita`).
    Co2PerCapita,
    /// Air pollution, population-weighted PM2.5, µg/m³ (OECD BLI `EQ_AIRP`, World Bank
    /// `EN.ATM.PM25.MC.M3`).
    AirPollutionPm25,
    /// Water quality, % satisfied (OECD BLI `EQ_WATER`).
    WaterQuality,
    /// Educational attainment, % of adults with upper secondary (OECD BLI `ES_EDUA`).
    EducationalAttainment,
    /// Student skills, PISA average score (OECD BLI `ES_STCS`).
    StudentSkills,
    /// Quality of support network, % with someone to rely on (OECD BLI `SC_SNTWS`).
    SupportNetwork,
}

/// Where a source publishes an indicator: its code and the unit it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourceCode {
    /// The source.
    pub source: SourceId,
    /// The indicator's code in that source.
    pub code: &'static str,
    /// The unit as that source names it.
    pub unit: &'static str,
}

/// A catalogue entry: an indicator, what it tells, its unit, its direction, and the sources
/// publishing it in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IndicatorSpec {
    /// The indicator.
    pub indicator: Indicator,
    /// Its name.
    pub name: &'static str,
    /// What it tells about a bioregion.
    pub kind: SourceKind,
    /// Its unit, for people.
    pub unit: &'static str,
    /// Whether larger is better.
    pub direction: Direction,
    /// Its sources, the preferred first.
    pub sources: &'static [SourceCode],
}

const fn oecd(code: &'static str, unit: &'static str) -> SourceCode {
    SourceCode { source: SourceId::OecdStat, code, unit }
}

/// Every indicator, with the codes checked against the shipped `oecd_bli.csv` and OWID file.
pub const CATALOGUE: &[IndicatorSpec] = &[
    IndicatorSpec {
        indicator: Indicator::EmploymentRate,
        name: "Employment rate",
        kind: SourceKind::LocalBusiness,
        unit: "%",
        direction: Direction::HigherIsBetter,
        sources: &[oecd("JE_EMPL", "PC")],
    },
    IndicatorSpec {
        indicator: Indicator::LongTermUnemployment,
        name: "Long-term unemployment rate",
        kind: SourceKind::LocalBusiness,
        unit: "%",
        direction: Direction::LowerIsBetter,
        sources: &[oecd("JE_LTUR", "PC")],
    },
    IndicatorSpec {
        indicator: Indicator::Co2PerCapita,
        name: "CO₂ emissions per capita",
        kind: SourceKind::EcologicalHealth,
        unit: "t per person",
        direction: Direction::LowerIsBetter,
        sources: &[SourceCode { source: SourceId::Owid, code: "co2_per_capita", unit: "tonnes per person" }],
    },
    IndicatorSpec {
        indicator: Indicator::AirPollutionPm25,
        name: "Air pollution (PM2.5)",
        kind: SourceKind::EcologicalHealth,
        unit: "µg/m³",
        direction: Direction::LowerIsBetter,
        sources: &[
            oecd("EQ_AIRP", "MICRO_M3"),
            SourceCode { source: SourceId::Worldbank, code: "EN.ATM.PM25.MC.M3", unit: "" },
        ],
    },
    IndicatorSpec {
        indicator: Indicator::WaterQuality,
        name: "Water quality",
        kind: SourceKind::EcologicalHealth,
        unit: "%",
        direction: Direction::HigherIsBetter,
        sources: &[oecd("EQ_WATER", "PC")],
    },
    IndicatorSpec {
        indicator: Indicator::EducationalAttainment,
        name: "Educational attainment",
        kind: SourceKind::CommunityWellbeing,
        unit: "%",
        direction: Direction::HigherIsBetter,
        sources: &[oecd("ES_EDUA", "PC")],
    },
    IndicatorSpec {
        indicator: Indicator::StudentSkills,
        name: "Student skills",
        kind: SourceKind::CommunityWellbeing,
        unit: "score",
        direction: Direction::HigherIsBetter,
        sources: &[oecd("ES_STCS", "AVSCORE")],
    },
    IndicatorSpec {
        indicator: Indicator::SupportNetwork,
        name: "Quality of support network",
        kind: SourceKind::CommunityWellbeing,
        unit: "%",
        direction: Direction::HigherIsBetter,
        sources: &[oecd("SC_SNTWS", "PC")],
    },
];

/// The catalogue entry of `indicator`.
pub fn spec(indicator: Indicator) -> Option<&'static IndicatorSpec> {
    CATALOGUE.iter().find(|s| s.indicator == indicator)
}
