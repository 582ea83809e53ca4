use crate::csvutil::{self, code_part, Table};
use crate::error::DataError;
use crate::observation::{IndicatorCode, Observation};
use crate::source::{check_query, join_regions, DataSource, Query, SourceId, SourceKind};

/// One position of an SDMX data key (the dimensions in the dataflow's order, joined by `.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdmxKeyPart {
    /// The query's regions (`DEU+FRA`): the `REF_AREA` dimension.
    Regions,
    /// The query's indicators (`JE_LTUR+EQ_AIRP`): the `MEASURE` dimension.
    Indicators,
    /// A fixed code (`_T` for totals).
    Fixed(String),
    /// Any code: an empty position.
    Any,
}

/// OECD's SDMX REST API (the OECD Data Explorer), answering SDMX-CSV: a header row of
/// dimension ids (`REF_AREA`, `MEASURE`, `TIME_PERIOD`, `OBS_VALUE`, `UNIT_MEASURE`, …),
/// with labels either in columns of their own (`format=csvfilewithlabels`) or after the code
/// (`DEU: Germany`, SDMX-CSV `labels=both`); both are read.
///
/// Only annual periods are accepted; `OBS_VALUE` empty or `NaN` is missing.
#[derive(Debug, Clone, PartialEq)]
pub struct OecdSdmx {
    /// What the dataflow is read for.
    pub kind: SourceKind,
    /// The maintenance agency (`OECD.WISE.WDP`).
    pub agency: String,
    /// The dataflow, `DSD@DF` (`DSD_HSL@DF_HSL_CWB`).
    pub dataflow: String,
    /// The dataflow's version (empty: the latest).
    pub version: String,
    /// The data key's positions, in the dataflow's dimension order.
    pub key: Vec<SdmxKeyPart>,
}

impl DataSource for OecdSdmx {
    fn id(&self) -> SourceId {
        SourceId::OecdSdmx
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    /// `https://sdmx.oecd.org/public/rest/data/{agency},{DSD@DF},{version}/{key}?startPeriod=…&endPeriod=…&dimensionAtObservation=AllDimensions&format=csvfilewithlabels`.
    fn request_url(&self, query: &Query) -> Result<String, DataError> {
        check_query(self.name(), query)?;
        let key: Vec<String> = self
            .key
            .iter()
            .map(|part| match part {
                SdmxKeyPart::Regions => join_regions(query, "+"),
                SdmxKeyPart::Indicators => query.indicators.join("+"),
                SdmxKeyPart::Fixed(code) => code.clone(),
                SdmxKeyPart::Any => String::new(),
            })
            .collect();
        Ok(format!(
            "https://sdmx.oecd.org/public/rest/data/{},{},{}/{}?startPeriod={}&endPeriod={}&dimensionAtObservation=AllDimensions&format=csvfilewithlabels",
            self.agency,
            self.dataflow,
            self.version,
            key.join("."),
            query.first_year,
            query.last_year,
        ))
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Observation>, DataError> {
        let name = self.name();
        let table = Table::read(name, bytes)?;
        let area = table.column(name, "REF_AREA", false)?;
        let measure = table.column(name, "MEASURE", false)?;
        let period = table.column(name, "TIME_PERIOD", false)?;
        let value = table.column(name, "OBS_VALUE", false)?;
        let unit = table.find("UNIT_MEASURE", false);
        let mut out = Vec::new();
        for (line, row) in &table.rows {
            let cell = |i: usize| code_part(row.get(i).unwrap_or(""));
            out.push(Observation {
                source: SourceId::OecdSdmx,
                region: csvutil::iso3(name, format!("line {line}, field `REF_AREA`"), cell(area))?,
                indicator: IndicatorCode(cell(measure).to_owned()),
                year: csvutil::year(name, format!("line {line}, field `TIME_PERIOD`"), cell(period))?,
                value: csvutil::number(name, *line, "OBS_VALUE", row.get(value).unwrap_or(""))?,
                unit: unit.map(cell).filter(|u| !u.is_empty()).map(str::to_owned),
            });
        }
        Ok(out)
    }
}
