//! The schema of a lender's data: which CSV columns are features, how each is encoded into the
//! integer inputs of the model, and which column is the label.
//!
//! Encoding (fixed, the eligibility circuit mirrors it):
//! - a **numeric** feature is an integer; with `clamp: [lo, hi]` it is clamped into that range
//!   (the circuit range-checks it instead). It is one model input.
//! - a **categorical** feature is one of its category codes, encoded **one-hot**: one 0/1 model
//!   input per category, in the order listed, exactly one of them 1. One-hot (rather than integer
//!   levels) gives every category its own weight, and costs the circuit only a bit check per input.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// A dataset's schema (the JSON schema file).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// A name for the data set (informational).
    pub name: String,
    /// The label column and the value that marks a bad credit.
    pub label: LabelSpec,
    /// The features, in model order.
    pub features: Vec<Feature>,
}

/// The label column: `bad` marks a bad credit (the class the model ranks below), `good` a good one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSpec {
    /// The CSV column holding the label.
    pub column: String,
    /// The value meaning "bad credit".
    pub bad: String,
    /// The value meaning "good credit".
    pub good: String,
}

/// One feature column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    /// The CSV column name.
    pub name: String,
    /// Its type and encoding.
    #[serde(flatten)]
    pub kind: FeatureKind,
}

/// How a feature is read and encoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeatureKind {
    /// An integer, optionally clamped into `[lo, hi]`; one model input.
    Numeric {
        /// Inclusive range the value is clamped into.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clamp: Option<[i64; 2]>,
    },
    /// One of the listed codes; one-hot, one model input per code.
    Categorical {
        /// The category codes, in input order.
        categories: Vec<String>,
    },
}

/// A schema file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The file could not be read.
    #[error("cannot read schema file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a schema in JSON.
    #[error("schema {path} is not valid: {source} (expected {{\"name\", \"label\": {{\"column\", \"bad\", \"good\"}}, \"features\": [...]}})")]
    Json {
        /// The file.
        path: String,
        /// The parser's message, with line and column.
        source: serde_json::Error,
    },
    /// No features listed.
    #[error("the schema lists no features")]
    NoFeatures,
    /// Two features share a column name.
    #[error("feature `{0}` is listed twice in the schema")]
    DuplicateFeature(String),
    /// The label column is also listed as a feature.
    #[error("the label column `{0}` is also listed as a feature: remove it from `features`")]
    LabelIsFeature(String),
    /// `bad` and `good` are the same value.
    #[error("the label's `bad` and `good` values are both `{0}`: they must differ")]
    SameLabelValues(String),
    /// A categorical feature with no categories.
    #[error("categorical feature `{0}` lists no categories")]
    NoCategories(String),
    /// A category code listed twice.
    #[error("categorical feature `{feature}` lists category `{category}` twice")]
    DuplicateCategory {
        /// The feature.
        feature: String,
        /// The repeated code.
        category: String,
    },
    /// A clamp range with `lo > hi`.
    #[error("numeric feature `{feature}` has clamp [{lo}, {hi}] with lo > hi")]
    ClampInverted {
        /// The feature.
        feature: String,
        /// Lower bound given.
        lo: i64,
        /// Upper bound given.
        hi: i64,
    },
}

impl Schema {
    /// Reads and validates a schema file.
    pub fn load(path: &Path) -> Result<Self, SchemaError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SchemaError::Io { path: path.display().to_string(), source })?;
        Self::from_json(&text).map_err(|e| match e {
            SchemaError::Json { source, .. } => {
                SchemaError::Json { path: path.display().to_string(), source }
            }
            other => other,
        })
    }

    /// Parses and validates a schema from JSON text.
    pub fn from_json(text: &str) -> Result<Self, SchemaError> {
        let schema: Schema = serde_json::from_str(text)
            .map_err(|source| SchemaError::Json { path: "<text>".into(), source })?;
        schema.validate()?;
        Ok(schema)
    }

    /// Checks the schema's internal consistency.
    pub fn validate(&self) -> Result<(), SchemaError> {
        if self.features.is_empty() {
            return Err(SchemaError::NoFeatures);
        }
        if self.label.bad == self.label.good {
            return Err(SchemaError::SameLabelValues(self.label.bad.clone()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &self.features {
            if !seen.insert(f.name.as_str()) {
                return Err(SchemaError::DuplicateFeature(f.name.clone()));
            }
            if f.name == self.label.column {
                return Err(SchemaError::LabelIsFeature(f.name.clone()));
            }
            match &f.kind {
                FeatureKind::Numeric { clamp: Some([lo, hi]) } if lo > hi => {
                    return Err(SchemaError::ClampInverted { feature: f.name.clone(), lo: *lo, hi: *hi });
                }
                FeatureKind::Numeric { .. } => {}
                FeatureKind::Categorical { categories } => {
                    if categories.is_empty() {
                        return Err(SchemaError::NoCategories(f.name.clone()));
                    }
                    let mut cats = std::collections::BTreeSet::new();
                    for c in categories {
                        if !cats.insert(c.as_str()) {
                            return Err(SchemaError::DuplicateCategory {
                                feature: f.name.clone(),
                                category: c.clone(),
                            });
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Number of integer model inputs (numeric features plus one per category).
    pub fn n_inputs(&self) -> usize {
        self.features.iter().map(Feature::width).sum()
    }

    /// For each model input: `true` if it is a numeric feature, `false` for a one-hot bit.
    pub fn numeric_inputs(&self) -> Vec<bool> {
        self.features
            .iter()
            .flat_map(|f| match &f.kind {
                FeatureKind::Numeric { .. } => vec![true],
                FeatureKind::Categorical { categories } => vec![false; categories.len()],
            })
            .collect()
    }

    /// A readable name per model input: `feature` or `feature=code`.
    pub fn input_names(&self) -> Vec<String> {
        self.features
            .iter()
            .flat_map(|f| match &f.kind {
                FeatureKind::Numeric { .. } => vec![f.name.clone()],
                FeatureKind::Categorical { categories } => {
                    categories.iter().map(|c| format!("{}={c}", f.name)).collect()
                }
            })
            .collect()
    }
}

impl Feature {
    /// Number of model inputs this feature encodes to.
    pub fn width(&self) -> usize {
        match &self.kind {
            FeatureKind::Numeric { .. } => 1,
            FeatureKind::Categorical { categories } => categories.len(),
        }
    }

    /// Encodes one raw CSV value, appending its inputs to `out`.
    pub fn encode(&self, value: &str, out: &mut Vec<i64>) -> Result<(), FieldError> {
        let value = value.trim();
        match &self.kind {
            FeatureKind::Numeric { clamp } => {
                let v = parse_integral(value).ok_or_else(|| FieldError::NotInteger(value.to_string()))?;
                out.push(match clamp {
                    Some([lo, hi]) => v.clamp(*lo, *hi),
                    None => v,
                });
            }
            FeatureKind::Categorical { categories } => {
                let pos = categories.iter().position(|c| c == value).ok_or_else(|| {
                    FieldError::UnknownCategory { value: value.to_string(), allowed: categories.join(", ") }
                })?;
                out.extend((0..categories.len()).map(|i| i64::from(i == pos)));
            }
        }
        Ok(())
    }
}

/// An integer as spreadsheets export one: `500000`, `12.0`, `-3.00`, `5.00E+05`, `5e5` are all
/// integers; `7.5`, `1e-1`, `1,000`, an empty field or one past `i64` are not (`None`). Exact:
/// the decimal digits are shifted by the exponent, never rounded through a float.
pub fn parse_integral(value: &str) -> Option<i64> {
    if let Ok(v) = value.parse::<i64>() {
        return Some(v);
    }
    let (mantissa, exponent) = match value.find(['e', 'E']) {
        Some(i) => (&value[..i], value[i + 1..].parse::<i32>().ok()?),
        None => (value, 0),
    };
    let (negative, unsigned) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits_ok(whole) || !digits_ok(fraction) {
        return None;
    }
    // value = digits · 10^(exponent − fraction.len()), exactly
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some(0);
    }
    let shift = i64::from(exponent) - fraction.len() as i64;
    let digits = if shift >= 0 {
        // A nonzero value times 10²⁰ or more is past i64.
        let zeros = usize::try_from(shift).ok().filter(|z| *z < 20)?;
        format!("{digits}{}", "0".repeat(zeros))
    } else {
        let dropped = usize::try_from(-shift).ok()?;
        let (kept, rest) = digits.split_at(digits.len().saturating_sub(dropped));
        // What the exponent shifts past the point must be zeros (and something must remain).
        if rest.bytes().any(|b| b != b'0') || dropped > digits.len() {
            return None;
        }
        kept.to_owned()
    };
    let magnitude: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

/// Why one CSV field does not fit its feature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A numeric feature's value is not an integer.
    #[error("`{0}` is not an integer")]
    NotInteger(String),
    /// A categorical feature's value is not one of its codes.
    #[error("`{value}` is not one of the schema's categories ({allowed})")]
    UnknownCategory {
        /// The value found.
        value: String,
        /// The codes allowed.
        allowed: String,
    },
}
