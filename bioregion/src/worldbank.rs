use serde_json::Value;

use crate::csvutil;
use crate::error::DataError;
use crate::observation::{IndicatorCode, Observation};
use crate::source::{check_query, join_regions, DataSource, Query, SourceId, SourceKind};

const NAME: &str = "worldbank";

/// World Bank API v2 (`format=json`): a two-element array, the paging metadata
/// `{page, pages, per_page, total, sourceid, lastupdated}` and the rows
/// `[{indicator{id,value}, country{id,value}, countryiso3code, date, value|null, unit, obs_status, decimal}]`.
///
/// `page`, `pages`, `per_page` and `total` are read whether numbers or strings (`per_page` is
/// sometimes a string); a `null` value stays missing; an error answer
/// (`[{"message": [{id, key, value}]}]`) is refused with its message. [`DataSource::parse`]
/// refuses a response that is one page of several: see [`WorldBank::parse_page`].
#[derive(Debug, Clone, PartialEq)]
pub struct WorldBank {
    /// What the indicator is read for.
    pub kind: SourceKind,
    /// Rows per page asked for (`per_page`).
    pub per_page: u32,
}

/// A World Bank response's paging metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// This page (from 1).
    pub page: u64,
    /// Pages in all.
    pub pages: u64,
    /// Rows per page.
    pub per_page: u64,
    /// Rows in all.
    pub total: u64,
}

impl WorldBank {
    /// An indicator read for `kind`, 1,000 rows per page.
    pub fn new(kind: SourceKind) -> Self {
        Self { kind, per_page: 1000 }
    }

    /// The request URL of one page (from 1) of `query`.
    ///
    /// # Errors
    /// As [`DataSource::request_url`].
    pub fn page_url(&self, query: &Query, page: u64) -> Result<String, DataError> {
        let mut url = self.request_url(query)?;
        if page > 1 {
            url.push_str(&format!("&page={page}"));
        }
        Ok(url)
    }

    /// Parses one page of a response, checking the page's row count against its paging
    /// metadata.
    ///
    /// # Errors
    /// The first fault, with its JSON path.
    pub fn parse_page(&self, bytes: &[u8]) -> Result<(Paging, Vec<Observation>), DataError> {
        let json: Value = serde_json::from_slice(bytes)
            .map_err(|e| DataError::Json { source_name: NAME, message: e.to_string() })?;
        let top = json.as_array().ok_or_else(|| shape("$", "not an array"))?;
        if let [only] = top.as_slice() {
            if let Some(messages) = only.get("message").and_then(Value::as_array) {
                let message = messages
                    .iter()
                    .map(|m| {
                        let field = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                        format!("{} {}: {}", field("id"), field("key"), field("value"))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(DataError::Api { source_name: NAME, message });
            }
        }
        let [meta, rows] = top.as_slice() else {
            return Err(shape("$", &format!("{} elements, not the two of [paging, rows]", top.len())));
        };
        let paging = Paging {
            page: count(meta, "page")?,
            pages: count(meta, "pages")?,
            per_page: count(meta, "per_page")?,
            total: count(meta, "total")?,
        };
        let rows: &[Value] = match rows {
            Value::Null => &[],
            Value::Array(rows) => rows,
            _ => return Err(shape("$[1]", "neither an array nor null")),
        };
        let expected = if paging.page < paging.pages {
            paging.per_page
        } else {
            paging.total.saturating_sub(paging.per_page.saturating_mul(paging.page.saturating_sub(1)))
        };
        if rows.len() as u64 != expected {
            return Err(shape(
                "$[1]",
                &format!(
                    "{} rows, page {} of {} with {} per page and {} in all says {expected}",
                    rows.len(),
                    paging.page,
                    paging.pages,
                    paging.per_page,
                    paging.total
                ),
            ));
        }
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let at = |k: &str| format!("$[1][{i}].{k}");
            let text = |k: &str| {
                row.get(k).and_then(Value::as_str).ok_or_else(|| shape(&at(k), "missing or not a string"))
            };
            let region = csvutil::iso3(NAME, at("countryiso3code"), text("countryiso3code")?)?;
            let indicator = row
                .get("indicator")
                .and_then(|i| i.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| shape(&at("indicator.id"), "missing or not a string"))?;
            let year = csvutil::year(NAME, at("date"), text("date")?)?;
            let value = match row.get("value") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
                Some(other) => {
                    return Err(DataError::NotANumber {
                        source_name: NAME,
                        at: format!("$[1][{i}]"),
                        field: "value".to_owned(),
                        value: other.to_string(),
                    })
                }
            };
            out.push(Observation {
                source: SourceId::Worldbank,
                region,
                indicator: IndicatorCode(indicator.to_owned()),
                year,
                value,
                unit: row.get("unit").and_then(Value::as_str).filter(|u| !u.is_empty()).map(str::to_owned),
            });
        }
        Ok((paging, out))
    }
}

fn shape(at: &str, message: &str) -> DataError {
    DataError::Shape { source_name: NAME, at: at.to_owned(), message: message.to_owned() }
}

/// A paging count, a number or a string of digits.
fn count(meta: &Value, key: &str) -> Result<u64, DataError> {
    let at = format!("$[0].{key}");
    match meta.get(key) {
        Some(Value::Number(n)) => n.as_u64().ok_or_else(|| shape(&at, "not a count")),
        Some(Value::String(s)) => s.parse().map_err(|_| DataError::NotANumber {
            source_name: NAME,
            at: "$[0]".to_owned(),
            field: key.to_owned(),
            value: s.clone(),
        }),
        _ => Err(shape(&at, "missing")),
    }
}

impl DataSource for WorldBank {
    fn id(&self) -> SourceId {
        SourceId::Worldbank
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    /// `https://api.worldbank.org/v2/country/DEU;FRA/indicator/EN.ATM.PM25.MC.M3?format=json&date=2015:2023&per_page=1000`:
    /// one indicator per request.
    fn request_url(&self, query: &Query) -> Result<String, DataError> {
        check_query(NAME, query)?;
        let [indicator] = query.indicators.as_slice() else {
            return Err(DataError::Query {
                source_name: NAME,
                message: format!("one indicator per request, not {}", query.indicators.len()),
            });
        };
        Ok(format!(
            "https://api.worldbank.org/v2/country/{}/indicator/{indicator}?format=json&date={}:{}&per_page={}",
            join_regions(query, ";"),
            query.first_year,
            query.last_year,
            self.per_page,
        ))
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Observation>, DataError> {
        let (paging, rows) = self.parse_page(bytes)?;
        if paging.pages > 1 {
            return Err(DataError::Paged {
                source_name: NAME,
                page: paging.page,
                pages: paging.pages,
                per_page: paging.per_page,
                total: paging.total,
            });
        }
        Ok(rows)
    }
}
