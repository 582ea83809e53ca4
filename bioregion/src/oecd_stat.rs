use crate::csvutil::{self, Table};
use crate::error::DataError;
use crate::observation::{IndicatorCode, Observation};
use crate::source::{check_query, join_regions, DataSource, Query, SourceId, SourceKind};

/// The older OECD.Stat CSV layout, as in the shipped `oecd_bli.csv` (Better Life Index):
/// a UTF-8 BOM, then `LOCATION, Country, INDICATOR, Indicator, MEASURE, Measure, INEQUALITY,
/// Inequality, Unit Code, Unit, PowerCode Code, PowerCode, Reference Period Code, Reference
/// Period, Value, Flag Codes, Flags`.
///
/// Only the totals are read (`INEQUALITY` = `TOT`; the men/women and high/low rows are
/// skipped), and the `OECD` aggregate row is skipped. The BLI file states no data year
/// (`Reference Period Code` is empty): such rows take [`OecdStat::year_when_unstated`].
#[derive(Debug, Clone, PartialEq)]
pub struct OecdStat {
    /// What the file is read for.
    pub kind: SourceKind,
    /// The OECD.Stat dataset code (`BLI`), for the request URL.
    pub dataset: String,
    /// The data year of rows whose `Reference Period Code` is empty (the BLI edition's
    /// year, which the file itself does not state).
    pub year_when_unstated: u16,
}

impl OecdStat {
    /// The Better Life Index (`BLI`), rows without a period dated `year_when_unstated`.
    pub fn bli(kind: SourceKind, year_when_unstated: u16) -> Self {
        Self { kind, dataset: "BLI".to_owned(), year_when_unstated }
    }
}

/// Location codes of aggregates, not regions, skipped.
const AGGREGATES: &[&str] = &["OECD"];

impl DataSource for OecdStat {
    fn id(&self) -> SourceId {
        SourceId::OecdStat
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    /// OECD.Stat's CSV export, `https://stats.oecd.org/SDMX-JSON/data/BLI/DEU+FRA.JE_LTUR+EQ_AIRP.L.TOT/all?contentType=csv`
    /// (key `LOCATION.INDICATOR.MEASURE.INEQUALITY`). OECD.Stat was retired in 2024: the
    /// URL is kept as the provenance of the shipped file; new requests go to [`crate::OecdSdmx`].
    fn request_url(&self, query: &Query) -> Result<String, DataError> {
        check_query(self.name(), query)?;
        Ok(format!(
            "https://stats.oecd.org/SDMX-JSON/data/{}/{}.{}.L.TOT/all?contentType=csv",
            self.dataset,
            join_regions(query, "+"),
            query.indicators.join("+"),
        ))
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Observation>, DataError> {
        let name = self.name();
        let table = Table::read(name, bytes)?;
        let location = table.column(name, "LOCATION", false)?;
        let indicator = table.column(name, "INDICATOR", false)?;
        let inequality = table.column(name, "INEQUALITY", false)?;
        let unit = table.column(name, "Unit Code", false)?;
        let period = table.column(name, "Reference Period Code", false)?;
        let value = table.column(name, "Value", false)?;
        let mut out = Vec::new();
        for (line, row) in &table.rows {
            let cell = |i: usize| row.get(i).unwrap_or("");
            if cell(inequality) != "TOT" || AGGREGATES.contains(&cell(location)) {
                continue;
            }
            let region = csvutil::iso3(name, format!("line {line}, field `LOCATION`"), cell(location))?;
            let year = match cell(period).trim() {
                "" => self.year_when_unstated,
                p => csvutil::year(name, format!("line {line}, field `Reference Period Code`"), p)?,
            };
            let unit = Some(cell(unit).to_owned()).filter(|u| !u.is_empty());
            out.push(Observation {
                source: SourceId::OecdStat,
                region,
                indicator: IndicatorCode(cell(indicator).to_owned()),
                year,
                value: csvutil::number(name, *line, "Value", cell(value))?,
                unit,
            });
        }
        Ok(out)
    }
}
