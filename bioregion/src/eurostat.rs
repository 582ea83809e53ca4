use serde_json::{Map, Value};

use crate::csvutil;
use crate::error::DataError;
use crate::observation::{IndicatorCode, Observation, RegionCode};
use crate::source::{check_query, DataSource, Query, SourceId, SourceKind};

const NAME: &str = "eurostat";

/// Eurostat's dissemination API answering JSON-stat 2.0: `id` (the dimensions, in order),
/// `size` (each one's length), `dimension.{d}.category.index` (code → position, or an array of
/// codes), and `value`, flattened row-major over `size`: a sparse object keyed by the flat
/// index (`{"0": 1.5, "7": null}`) or a dense array of exactly the product of `size`.
///
/// Every cell of the cube becomes an observation: a hole of the sparse object or a `null` is
/// a missing value. `status` (flags) is ignored. The dimensions `geo` (NUTS codes) and `time`
/// (years) are required; each other dimension longer than one adds its code to the indicator
/// (`{dataset}.{code}`), and a `unit` dimension gives the unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Eurostat {
    /// What the dataset is read for.
    pub kind: SourceKind,
    /// The dataset code (`nama_10r_2gdp`), the indicator's name.
    pub dataset: String,
    /// Filters on other dimensions, in the request (`("unit", "PPS_EU27_2020_HAB")`).
    pub filters: Vec<(String, String)>,
}

/// One dimension: its id and its codes by position.
struct Dimension {
    id: String,
    codes: Vec<String>,
}

fn shape(at: &str, message: &str) -> DataError {
    DataError::Shape { source_name: NAME, at: at.to_owned(), message: message.to_owned() }
}

/// A dimension's codes in position order, from `category.index` (an object or an array), or
/// from a one-entry `category.label` when `index` is left out.
fn dimension_codes(dimension: &Map<String, Value>, id: &str, size: usize) -> Result<Vec<String>, DataError> {
    let at = format!("$.dimension.{id}.category.index");
    let category = dimension
        .get(id)
        .and_then(|d| d.get("category"))
        .ok_or_else(|| shape(&format!("$.dimension.{id}.category"), "missing"))?;
    let codes: Vec<String> = match category.get("index") {
        Some(Value::Object(index)) => {
            let mut codes = vec![None; size];
            for (code, pos) in index {
                let pos = pos.as_u64().and_then(|p| usize::try_from(p).ok()).filter(|p| *p < size);
                let slot = pos
                    .and_then(|p| codes.get_mut(p))
                    .ok_or_else(|| shape(&at, &format!("`{code}` has a position outside 0..{size}")))?;
                if slot.replace(code.clone()).is_some() {
                    return Err(shape(&at, &format!("two codes at the position of `{code}`")));
                }
            }
            codes
                .into_iter()
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| shape(&at, &format!("fewer codes than its size {size}")))?
        }
        Some(Value::Array(index)) => index
            .iter()
            .map(|c| c.as_str().map(str::to_owned).ok_or_else(|| shape(&at, "a code that is not a string")))
            .collect::<Result<_, _>>()?,
        None => match category.get("label").and_then(Value::as_object) {
            Some(label) if label.len() == 1 => label.keys().cloned().collect(),
            _ => return Err(shape(&at, "missing (and `label` is not a single category)")),
        },
        Some(_) => return Err(shape(&at, "neither an object nor an array")),
    };
    if codes.len() != size {
        return Err(shape(&at, &format!("{} codes, `size` says {size}", codes.len())));
    }
    Ok(codes)
}

fn cell_value(at: &str, v: &Value) -> Result<Option<f64>, DataError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64().filter(|v| v.is_finite())),
        other => Err(DataError::NotANumber {
            source_name: NAME,
            at: at.to_owned(),
            field: "value".to_owned(),
            value: other.to_string(),
        }),
    }
}

impl DataSource for Eurostat {
    fn id(&self) -> SourceId {
        SourceId::Eurostat
    }

    fn kind(&self) -> SourceKind {
        self.kind
    }

    /// `https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data/{dataset}?format=JSON&lang=EN&geo=DE&time=2022`,
    /// with one `geo=` per region (NUTS codes), one `time=` per year, then the filters. The
    /// query's indicators are not used: the dataset and filters choose the measure.
    fn request_url(&self, query: &Query) -> Result<String, DataError> {
        check_query(NAME, query)?;
        let mut url = format!(
            "https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data/{}?format=JSON&lang=EN",
            self.dataset
        );
        for region in &query.regions {
            if RegionCode::nuts(region.as_str()).is_none() {
                return Err(DataError::Query {
                    source_name: NAME,
                    message: format!("`{region}` is not a NUTS code"),
                });
            }
            url.push_str(&format!("&geo={region}"));
        }
        for year in query.first_year..=query.last_year {
            url.push_str(&format!("&time={year}"));
        }
        for (dimension, code) in &self.filters {
            url.push_str(&format!("&{dimension}={code}"));
        }
        Ok(url)
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Observation>, DataError> {
        let json: Value = serde_json::from_slice(bytes)
            .map_err(|e| DataError::Json { source_name: NAME, message: e.to_string() })?;
        if let Some(error) = json.get("error") {
            // An object, or an array of them.
            let first = error.as_array().and_then(|e| e.first()).unwrap_or(error);
            let label =
                first.get("label").and_then(Value::as_str).map_or_else(|| error.to_string(), str::to_owned);
            return Err(DataError::Api { source_name: NAME, message: label });
        }
        if let Some(class) = json.get("class") {
            if class != "dataset" {
                return Err(shape("$.class", &format!("{class}, not \"dataset\"")));
            }
        }
        let ids: Vec<String> = json
            .get("id")
            .and_then(Value::as_array)
            .ok_or_else(|| shape("$.id", "missing or not an array"))?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| shape("$.id", "a dimension id that is not a string"))
            })
            .collect::<Result<_, _>>()?;
        let sizes: Vec<usize> = json
            .get("size")
            .and_then(Value::as_array)
            .ok_or_else(|| shape("$.size", "missing or not an array"))?
            .iter()
            .map(|v| {
                v.as_u64()
                    .and_then(|s| usize::try_from(s).ok())
                    .ok_or_else(|| shape("$.size", "a size that is not a count"))
            })
            .collect::<Result<_, _>>()?;
        if ids.len() != sizes.len() {
            return Err(shape(
                "$.size",
                &format!("{} sizes for {} dimensions in `id`", sizes.len(), ids.len()),
            ));
        }
        let total = sizes
            .iter()
            .try_fold(1usize, |acc, s| acc.checked_mul(*s))
            .ok_or_else(|| shape("$.size", "the cube's size overflows"))?;
        let dimension = json
            .get("dimension")
            .and_then(Value::as_object)
            .ok_or_else(|| shape("$.dimension", "missing or not an object"))?;
        let dims: Vec<Dimension> = ids
            .iter()
            .zip(&sizes)
            .map(|(id, size)| Ok(Dimension { id: id.clone(), codes: dimension_codes(dimension, id, *size)? }))
            .collect::<Result<_, DataError>>()?;
        let position = |id: &str| {
            dims.iter().position(|d| d.id == id).ok_or_else(|| shape("$.id", &format!("no `{id}` dimension")))
        };
        let geo = position("geo")?;
        let time = position("time")?;
        let unit = dims.iter().position(|d| d.id == "unit");
        let regions: Vec<RegionCode> = dims[geo]
            .codes
            .iter()
            .map(|c| {
                RegionCode::nuts(c).ok_or_else(|| DataError::BadRegion {
                    source_name: NAME,
                    at: "$.dimension.geo.category.index".to_owned(),
                    value: c.clone(),
                    expected: "NUTS",
                })
            })
            .collect::<Result<_, _>>()?;
        let years: Vec<u16> = dims[time]
            .codes
            .iter()
            .map(|c| csvutil::year(NAME, "$.dimension.time.category.index".to_owned(), c))
            .collect::<Result<_, _>>()?;

        let mut values: Vec<Option<f64>> = vec![None; total];
        match json.get("value") {
            Some(Value::Object(sparse)) => {
                for (key, v) in sparse {
                    let at = format!("$.value.{key}");
                    let slot = key
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| values.get_mut(i))
                        .ok_or_else(|| shape(&at, &format!("not a flat index below {total}")))?;
                    *slot = cell_value(&at, v)?;
                }
            }
            Some(Value::Array(dense)) => {
                if dense.len() != total {
                    return Err(DataError::ValueCount {
                        source_name: NAME,
                        got: dense.len(),
                        expected: total,
                    });
                }
                for (i, (slot, v)) in values.iter_mut().zip(dense).enumerate() {
                    *slot = cell_value(&format!("$.value[{i}]"), v)?;
                }
            }
            _ => return Err(shape("$.value", "missing, or neither an object nor an array")),
        }

        let mut out = Vec::with_capacity(total);
        let mut coords = vec![0usize; dims.len()];
        for (flat, value) in values.into_iter().enumerate() {
            // Row-major: the last dimension varies fastest.
            let mut rest = flat;
            for (d, size) in sizes.iter().enumerate().rev() {
                coords[d] = rest % size;
                rest /= size;
            }
            let mut indicator = self.dataset.clone();
            for (d, dim) in dims.iter().enumerate() {
                if d != geo && d != time && dim.codes.len() > 1 {
                    indicator.push('.');
                    indicator.push_str(&dim.codes[coords[d]]);
                }
            }
            out.push(Observation {
                source: SourceId::Eurostat,
                region: regions[coords[geo]].clone(),
                indicator: IndicatorCode(indicator),
                year: years[coords[time]],
                value,
                unit: unit.map(|u| dims[u].codes[coords[u]].clone()),
            });
        }
        Ok(out)
    }
}
