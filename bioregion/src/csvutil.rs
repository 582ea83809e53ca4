use crate::error::DataError;
use crate::observation::RegionCode;

/// A CSV document's header and rows, the BOM stripped.
pub(crate) struct Table {
    /// The header's cells.
    pub header: Vec<String>,
    /// Each row with its 1-based line number.
    pub rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    /// Reads `bytes` as CSV with a header row; a leading UTF-8 BOM is dropped.
    pub fn read(source_name: &'static str, bytes: &[u8]) -> Result<Self, DataError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
        let csv_error = |e: csv::Error| DataError::Csv {
            source_name,
            at: e.position().map_or_else(|| "header".to_owned(), |p| format!("line {}", p.line())),
            message: e.to_string(),
        };
        let header = reader.headers().map_err(csv_error)?.iter().map(str::to_owned).collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, csv::Position::line);
            rows.push((line, record));
        }
        Ok(Self { header, rows })
    }

    /// The index of the column whose header is `name` (or, for SDMX-CSV's `labels=both`,
    /// starts with `name: `), compared case-insensitively when `any_case`.
    pub fn column(&self, source_name: &'static str, name: &str, any_case: bool) -> Result<usize, DataError> {
        self.find(name, any_case)
            .ok_or_else(|| DataError::MissingColumn { source_name, column: name.to_owned() })
    }

    /// Like [`Table::column`], `None` when absent.
    pub fn find(&self, name: &str, any_case: bool) -> Option<usize> {
        self.header.iter().position(|h| {
            let code = code_part(h);
            if any_case {
                code.eq_ignore_ascii_case(name)
            } else {
                code == name
            }
        })
    }
}

/// The code of an SDMX-CSV `labels=both` cell (`DEU: Germany` gives `DEU`); other cells as
/// they are.
pub(crate) fn code_part(cell: &str) -> &str {
    cell.split_once(": ").map_or(cell, |(code, _)| code).trim()
}

/// A cell's value: empty (or SDMX's `NaN`) is missing; otherwise a finite number.
pub(crate) fn number(
    source_name: &'static str,
    line: u64,
    field: &str,
    cell: &str,
) -> Result<Option<f64>, DataError> {
    let cell = cell.trim();
    if cell.is_empty() || cell == "NaN" {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(DataError::NotANumber {
            source_name,
            at: format!("line {line}"),
            field: field.to_owned(),
            value: cell.to_owned(),
        }),
    }
}

/// An ISO alpha-3 region.
pub(crate) fn iso3(source_name: &'static str, at: String, cell: &str) -> Result<RegionCode, DataError> {
    RegionCode::iso3(cell).ok_or_else(|| DataError::BadRegion {
        source_name,
        at,
        value: cell.to_owned(),
        expected: "ISO 3166-1 alpha-3",
    })
}

/// An annual period: exactly four digits.
pub(crate) fn year(source_name: &'static str, at: String, cell: &str) -> Result<u16, DataError> {
    let cell = cell.trim();
    match cell.parse::<u16>() {
        Ok(y) if cell.len() == 4 && cell.bytes().all(|b| b.is_ascii_digit()) => Ok(y),
        _ => Err(DataError::BadYear { source_name, at, value: cell.to_owned() }),
    }
}
