//! Reading a lender's CSV against its schema into integer model inputs and labels.

use std::path::Path;

use crate::schema::{FieldError, LabelSpec, Schema};

/// A CSV read through its schema: one encoded input vector per row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The integer model inputs of each row ([`Schema::n_inputs`] each).
    pub inputs: Vec<Vec<i64>>,
    /// Whether each row is labelled bad (`None` when the CSV has no label column).
    pub bad: Option<Vec<bool>>,
    /// The CSV line number of each row (the header is line 1).
    pub lines: Vec<u64>,
}

/// A CSV that does not match its schema.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read or is not well-formed CSV.
    #[error("cannot read CSV {path}: {source}")]
    Csv {
        /// The file.
        path: String,
        /// The reader's error (it names the line).
        source: csv::Error,
    },
    /// A schema column is missing from the header.
    #[error("CSV {path} has no column `{column}` (header: {header}); fix the CSV or the schema")]
    MissingColumn {
        /// The file.
        path: String,
        /// The column the schema expects.
        column: String,
        /// The header found.
        header: String,
    },
    /// A field does not fit its feature.
    #[error("CSV {path}, line {line}, column `{column}`: {reason}")]
    Field {
        /// The file.
        path: String,
        /// Line number (header = 1).
        line: u64,
        /// The column.
        column: String,
        /// What is wrong.
        reason: FieldError,
    },
    /// A label value is neither the schema's bad nor its good value.
    #[error("CSV {path}, line {line}, label column `{}`: `{value}` is neither bad (`{}`) nor good (`{}`)", label.column, label.bad, label.good)]
    Label {
        /// The file.
        path: String,
        /// Line number (header = 1).
        line: u64,
        /// The value found.
        value: String,
        /// The schema's label specification.
        label: Box<LabelSpec>,
    },
    /// The label column is required (training) but absent.
    #[error("CSV {path} has no label column `{column}`, which training needs")]
    NoLabel {
        /// The file.
        path: String,
        /// The schema's label column.
        column: String,
    },
    /// No data rows.
    #[error("CSV {path} has no data rows")]
    Empty {
        /// The file.
        path: String,
    },
    /// A single row (`--row`) with the wrong number of values.
    #[error("the row has {got} values but the schema has {expected} features ({names})")]
    RowWidth {
        /// Values given.
        got: usize,
        /// Features in the schema.
        expected: usize,
        /// The features, in order.
        names: String,
    },
    /// A single row's value does not fit its feature.
    #[error("row value {index} (`{column}`): {reason}")]
    RowField {
        /// 1-based position in the row.
        index: usize,
        /// The feature.
        column: String,
        /// What is wrong.
        reason: FieldError,
    },
}

impl Table {
    /// Reads `path` (a CSV with a header) through `schema`. Extra columns are ignored; the label
    /// column is read when present, and required when `need_label`.
    pub fn read(path: &Path, schema: &Schema, need_label: bool) -> Result<Self, DataError> {
        let p = path.display().to_string();
        let csv_err = |source| DataError::Csv { path: p.clone(), source };
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(path).map_err(csv_err)?;
        let header: Vec<String> =
            reader.headers().map_err(csv_err)?.iter().map(|h| h.trim().to_string()).collect();
        let column_of = |name: &str| header.iter().position(|h| h == name);
        let mut columns = Vec::with_capacity(schema.features.len());
        for f in &schema.features {
            columns.push(column_of(&f.name).ok_or_else(|| DataError::MissingColumn {
                path: p.clone(),
                column: f.name.clone(),
                header: header.join(","),
            })?);
        }
        let label_col = column_of(&schema.label.column);
        if need_label && label_col.is_none() {
            return Err(DataError::NoLabel { path: p, column: schema.label.column.clone() });
        }
        let mut table = Table { inputs: Vec::new(), bad: label_col.map(|_| Vec::new()), lines: Vec::new() };
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let line = record.position().map_or(0, |pos| pos.line());
            let mut x = Vec::with_capacity(schema.n_inputs());
            for (f, &c) in schema.features.iter().zip(&columns) {
                let value = record.get(c).unwrap_or("");
                f.encode(value, &mut x).map_err(|reason| DataError::Field {
                    path: p.clone(),
                    line,
                    column: f.name.clone(),
                    reason,
                })?;
            }
            if let (Some(c), Some(bad)) = (label_col, table.bad.as_mut()) {
                let value = record.get(c).unwrap_or("").trim();
                let l = &schema.label;
                bad.push(if value == l.bad {
                    true
                } else if value == l.good {
                    false
                } else {
                    return Err(DataError::Label {
                        path: p.clone(),
                        line,
                        value: value.to_string(),
                        label: Box::new(l.clone()),
                    });
                });
            }
            table.inputs.push(x);
            table.lines.push(line);
        }
        if table.inputs.is_empty() {
            return Err(DataError::Empty { path: p });
        }
        Ok(table)
    }
}

/// Encodes one row given as comma-separated values of the schema's features, in schema order.
pub fn encode_row(schema: &Schema, row: &str) -> Result<Vec<i64>, DataError> {
    let values: Vec<&str> = row.split(',').collect();
    if values.len() != schema.features.len() {
        return Err(DataError::RowWidth {
            got: values.len(),
            expected: schema.features.len(),
            names: schema.features.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(","),
        });
    }
    let mut x = Vec::with_capacity(schema.n_inputs());
    for (i, (f, v)) in schema.features.iter().zip(values).enumerate() {
        f.encode(v, &mut x).map_err(|reason| DataError::RowField {
            index: i + 1,
            column: f.name.clone(),
            reason,
        })?;
    }
    Ok(x)
}
