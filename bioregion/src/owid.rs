use crate::csvutil::{self, Table};
use crate::error::DataError;
use crate::observation::{IndicatorCode, Observation};
use crate::source::{check_query, join_regions, DataSource, Query, SourceId, SourceKind};

/// Our World in Data's bulk CSV (`owid-co2-data.csv`): one row per country-year, columns
/// `iso_code, country, year` and one per measure (`co2`, `co2_per_capita`, …).
///
/// Rows of aggregates (an empty `iso_code`, or one starting `OWID_`) are skipped; an empty
/// cell is a missing value.
#[derive(Debug, Clone, PartialEq)]
pub struct OwidBulk {
    /// What the file is read for.
    pub kind: SourceKind,
    /// The repository's file name without `.csv` (`owid-co2-data` in `owid/co2-data`).
    pub file: String,
    /// The measure columns read (each becomes an indicator of that name).
    pub columns: Vec<String>,
}

impl OwidBulk {
    /// `owid-co2-data.csv`, read for `columns`.
    pub fn co2(columns: &[&str]) -> Self {
        Self {
            kind: SourceKind::EcologicalHealth,
            file: "owid-co2-data".to_owned(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        }
    }
}

/// The unit of an OWID CO₂ column, from `owid-co2-codebook.csv`.
fn owid_unit(column: &str) -> Option<String> {
    let unit = match column {
        "co2" | "consumption_co2" => "million tonnes",
        "co2_per_capita" | "consumption_co2_per_capita" => "tonnes per person",
        "population" => "people",
        _ => return None,
    };
    Some(unit.to_owned())
}

/// OWID's own codes for aggregates (`OWID_WRL`) and rows without a code.
fn is_aggregate(code: &str) -> bool {
    code.is_empty() || code.starts_with("OWID_")
}

impl DataSource for OwidBulk {
    fn id(&self) -> SourceId {
        SourceId::Owid
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The whole file, `https://raw.githubusercontent.com/owid/co2-data/master/{file}.csv`:
    /// the bulk CSV takes no filter; [`DataSource::parse`] reads it all.
    fn request_url(&self, query: &Query) -> Result<String, DataError> {
        check_query(self.name(), query)?;
        Ok(format!("https://raw.githubusercontent.com/owid/co2-data/master/{}.csv", self.file))
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Observation>, DataError> {
        let name = self.name();
        let table = Table::read(name, bytes)?;
        let iso = table.column(name, "iso_code", false)?;
        let year = table.column(name, "year", false)?;
        let columns = self
            .columns
            .iter()
            .map(|c| Ok((c.as_str(), table.column(name, c, false)?)))
            .collect::<Result<Vec<_>, DataError>>()?;
        let mut out = Vec::new();
        for (line, row) in &table.rows {
            let cell = |i: usize| row.get(i).unwrap_or("");
            if is_aggregate(cell(iso)) {
                continue;
            }
            let region = csvutil::iso3(name, format!("line {line}, field `iso_code`"), cell(iso))?;
            let y = csvutil::year(name, format!("line {line}, field `year`"), cell(year))?;
            for (column, i) in &columns {
                out.push(Observation {
                    source: SourceId::Owid,
                    region: region.clone(),
                    indicator: IndicatorCode((*column).to_owned()),
                    year: y,
                    value: csvutil::number(name, *line, column, cell(*i))?,
                    unit: owid_unit(column),
                });
            }
        }
        Ok(out)
    }
}

/// An Our World in Data grapher chart's CSV (`…/grapher/{slug}.csv?useColumnShortNames=true`):
/// `Entity, Code, Year` and one column per variable, named by its short name. Every column after
/// those three becomes an indicator of that name. Aggregates (no code, `OWID_…`) are skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct OwidGrapher {
    /// What the chart is read for.
    pub kind: SourceKind,
    /// The chart's slug (`co-emissions-per-capita`).
    pub slug: String,
}

impl DataSource for OwidGrapher {
    fn id(&self) -> SourceId {
        SourceId::OwidGrapher
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    /// `https://ourworldindata.org/grapher/{slug}.csv?useColumnShortNames=true&csvType=filtered&country=DEU~FRA&time=2015..2022`
    /// (its metadata: the same path ending `.metadata.json`).
    fn request_url(&self, query: &Query) -> Result<String, DataError> {
        check_query(self.name(), query)?;
        Ok(format!(
            "https://ourworldindata.org/grapher/{}.csv?useColumnShortNames=true&csvType=filtered&country={}&time={}..{}",
            self.slug,
            join_regions(query, "~"),
            query.first_year,
            query.last_year,
        ))
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Observation>, DataError> {
        let name = self.name();
        let table = Table::read(name, bytes)?;
        let code = table.column(name, "Code", true)?;
        let year = table.column(name, "Year", true)?;
        let entity = table.column(name, "Entity", true)?;
        let columns: Vec<(usize, String)> = table
            .header
            .iter()
            .enumerate()
            .filter(|(i, _)| ![code, year, entity].contains(i))
            .map(|(i, h)| (i, h.clone()))
            .collect();
        if columns.is_empty() {
            return Err(DataError::MissingColumn { source_name: name, column: "a value column".to_owned() });
        }
        let mut out = Vec::new();
        for (line, row) in &table.rows {
            let cell = |i: usize| row.get(i).unwrap_or("");
            if is_aggregate(cell(code)) {
                continue;
            }
            let region = csvutil::iso3(name, format!("line {line}, field `Code`"), cell(code))?;
            let y = csvutil::year(name, format!("line {line}, field `Year`"), cell(year))?;
            for (i, column) in &columns {
                out.push(Observation {
                    source: SourceId::OwidGrapher,
                    region: region.clone(),
                    indicator: IndicatorCode(column.clone()),
                    year: y,
                    value: csvutil::number(name, *line, column, cell(*i))?,
                    unit: None,
                });
            }
        }
        Ok(out)
    }
}
