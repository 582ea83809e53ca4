//! The policy file: the integer model, its tiers and terms, the purpose weights, and the
//! training figures, sealed by a Poseidon policy hash (see [`crate::hash`]).
//!
//! Integer score of an applicant with model inputs `x` asking credit for `purpose`:
//! `score = Σ weights[i]·2^shifts[i]·x[i] + bias + purpose_weights[purpose]`, in units of `1/scale` logit
//! (log-odds of a *good* credit). The tier is the first tier whose `threshold` the score reaches
//! (`score >= threshold`, thresholds strictly decreasing); none reached: declined.

use std::path::Path;

use ccr_circuits::credit::{EligibilityError, EligibilityShape, PolicyParams, TierTerms};
use ccr_circuits::Fr;
use serde::{Deserialize, Serialize};

use crate::data::{encode_row, DataError};
use crate::schema::{FeatureKind, Schema};

/// Version of the policy format and of the hash layout (2: the policy is a private input of
/// one eligibility circuit per shape, the hash chains from the schema digest; version 1 files
/// are refused: train the policy again, or set `version` to 2 and `hash` to the hash the
/// refusal reports).
pub const POLICY_VERSION: u32 = 2;

fn production_shape() -> EligibilityShape {
    EligibilityShape::PRODUCTION
}

/// A bank's published assessment policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Format version ([`POLICY_VERSION`]).
    pub version: u32,
    /// The shape of the eligibility circuit the policy is proven in (64 inputs and 4 tiers
    /// when absent): its key serves every policy of the shape.
    #[serde(default = "production_shape")]
    pub shape: EligibilityShape,
    /// The features and their encoding (the schema trained on).
    pub schema: Schema,
    /// One int8 weight mantissa per model input, in [`Schema::input_names`] order.
    pub weights: Vec<i8>,
    /// Per model input, the power of two its mantissa is multiplied by (coefficient
    /// `weights[i]·2^shifts[i]`; see [`crate::train()`] for why).
    pub shifts: Vec<u8>,
    /// Integer bias (standardization folded in).
    pub bias: i64,
    /// Score units per logit: `score ≈ scale · logit(good)`.
    pub scale: u64,
    /// Tiers, best first, with strictly decreasing thresholds.
    pub tiers: Vec<Tier>,
    /// Integer bonuses added to the score per purpose of the credit.
    #[serde(alias = "purpose_weights")]
    pub purpose_weights: PurposeWeights,
    /// How the model was trained and how it performs (not hashed).
    pub report: TrainingReport,
    /// Poseidon policy hash (decimal field element), see [`crate::hash::policy_hash`].
    pub hash: String,
}

/// One tier: the score it needs and the terms it grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tier {
    /// Minimum integer score (inclusive).
    pub threshold: i64,
    /// Largest principal granted (rollup token units).
    #[serde(alias = "max_amount")]
    pub max_amount: u64,
    /// Yearly interest rate in basis points.
    #[serde(alias = "rate_bps")]
    pub rate_bps: u32,
    /// Term in months.
    #[serde(alias = "term_months")]
    pub term_months: u32,
}

/// The five purposes of credit of the community banks (in the seeds' order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A productive enterprise.
    ProductiveEnterprise,
    /// A creative project.
    CreativeProject,
    /// Community infrastructure.
    CommunityInfrastructure,
    /// Ecological restoration.
    EcologicalRestoration,
    /// An educational initiative.
    EducationalInitiative,
}

impl Purpose {
    /// All purposes, in code order (code = index).
    pub const ALL: [Purpose; 5] = [
        Purpose::ProductiveEnterprise,
        Purpose::CreativeProject,
        Purpose::CommunityInfrastructure,
        Purpose::EcologicalRestoration,
        Purpose::EducationalInitiative,
    ];

    /// The purpose's integer code (0..=4), as the circuit and transactions carry it.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The purpose with code `code`.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// Parses `productive_enterprise`, `productive-enterprise` or a code `0`..`4`.
    pub fn parse(s: &str) -> Option<Self> {
        if let Ok(code) = s.parse::<u8>() {
            return Self::from_code(code);
        }
        let norm = s.trim().replace('-', "_").to_ascii_lowercase();
        serde_json::from_value(serde_json::Value::String(norm)).ok()
    }
}

/// Score bonus per purpose (score units).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurposeWeights {
    /// Bonus for a productive enterprise.
    #[serde(alias = "productive_enterprise")]
    pub productive_enterprise: i64,
    /// Bonus for a creative project.
    #[serde(alias = "creative_project")]
    pub creative_project: i64,
    /// Bonus for community infrastructure.
    #[serde(alias = "community_infrastructure")]
    pub community_infrastructure: i64,
    /// Bonus for ecological restoration.
    #[serde(alias = "ecological_restoration")]
    pub ecological_restoration: i64,
    /// Bonus for an educational initiative.
    #[serde(alias = "educational_initiative")]
    pub educational_initiative: i64,
}

impl PurposeWeights {
    /// The bonus for `purpose`.
    pub fn get(&self, purpose: Purpose) -> i64 {
        self.as_array()[usize::from(purpose.code())]
    }

    /// The bonuses in code order.
    pub fn as_array(&self) -> [i64; 5] {
        [
            self.productive_enterprise,
            self.creative_project,
            self.community_infrastructure,
            self.ecological_restoration,
            self.educational_initiative,
        ]
    }
}

/// Training figures written into the policy file (informational, not hashed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrainingReport {
    /// Rows trained on.
    pub rows: usize,
    /// Of which labelled bad.
    #[serde(alias = "bad_rows")]
    pub bad_rows: usize,
    /// L2 regularization `alpha` of linfa's logistic regression (≈ scikit-learn's `1/C`).
    #[serde(alias = "l2_alpha")]
    pub l2_alpha: f64,
    /// Seed of the stratified folds.
    pub seed: u64,
    /// Number of cross-validation folds.
    pub folds: usize,
    /// Float model's ROC AUC per fold.
    #[serde(alias = "float_auc_folds")]
    pub float_auc_folds: Vec<f64>,
    /// Quantized model's ROC AUC per fold.
    #[serde(alias = "quantized_auc_folds")]
    pub quantized_auc_folds: Vec<f64>,
    /// Mean float AUC over the folds.
    #[serde(alias = "float_auc")]
    pub float_auc: f64,
    /// Mean quantized AUC over the folds.
    #[serde(alias = "quantized_auc")]
    pub quantized_auc: f64,
    /// Quantiles of the good class's scores (final model, no purpose bonus) that set the thresholds.
    #[serde(alias = "tier_quantiles")]
    pub tier_quantiles: Vec<f64>,
    /// Per tier (then "declined"): applicants, of which bad, on the training data, no purpose bonus.
    #[serde(alias = "tier_table")]
    pub tier_table: Vec<TierStats>,
}

/// How the training rows fall into one tier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierStats {
    /// `"1"`, `"2"`, ... or `"declined"`.
    pub tier: String,
    /// Rows in the tier.
    pub rows: usize,
    /// Of which bad.
    #[serde(alias = "bad_rows")]
    pub bad_rows: usize,
}

/// The outcome of scoring one applicant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The integer score, purpose bonus included.
    pub score: i64,
    /// 1-based tier, `None` if declined.
    pub tier: Option<usize>,
}

/// A policy that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read or written.
    #[error("cannot access policy file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a policy in JSON.
    #[error("policy file {path} is not valid: {source}")]
    Json {
        /// The file.
        path: String,
        /// The parser's message.
        source: serde_json::Error,
    },
    /// The embedded schema is invalid.
    #[error("policy's schema: {0}")]
    Schema(#[from] crate::schema::SchemaError),
    /// Structure does not add up.
    #[error("policy is inconsistent: {0}")]
    Inconsistent(String),
    /// The stored hash is not the hash of the contents.
    #[error("policy hash mismatch: file says {stored}, contents hash to {computed}; the file was edited or corrupted")]
    HashMismatch {
        /// The hash in the file.
        stored: String,
        /// The hash of the contents.
        computed: String,
    },
    /// An input vector of the wrong length.
    #[error("applicant has {got} model inputs, the policy {expected}")]
    InputWidth {
        /// Inputs given.
        got: usize,
        /// Inputs expected.
        expected: usize,
    },
    /// The score does not fit in 64 bits (an unclamped numeric feature out of range).
    #[error("score overflows i64: clamp the numeric features in the schema")]
    Overflow,
    /// A data or row error while scoring.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A numeric feature without a clamp cannot enter the eligibility circuit.
    #[error("numeric feature `{feature}` has no clamp: the eligibility circuit needs bounded inputs; add \"clamp\": [lo, hi] to it in the schema and retrain the policy")]
    Unclamped {
        /// The feature's name.
        feature: String,
    },
    /// The policy breaks a rule of the eligibility circuit.
    #[error("the policy cannot be proven in the eligibility circuit: {0}")]
    Circuit(#[from] EligibilityError),
}

impl Policy {
    /// Checks the structure (lengths, threshold order) and that `hash` is the contents' hash.
    pub fn check(&self) -> Result<(), PolicyError> {
        if self.version != POLICY_VERSION {
            return Err(PolicyError::Inconsistent(format!(
                "version {} (this tool reads version {POLICY_VERSION})",
                self.version
            )));
        }
        self.schema.validate()?;
        if self.weights.len() != self.schema.n_inputs() {
            return Err(PolicyError::Inconsistent(format!(
                "{} weights for {} model inputs",
                self.weights.len(),
                self.schema.n_inputs()
            )));
        }
        if self.shifts.len() != self.weights.len() {
            return Err(PolicyError::Inconsistent(format!(
                "{} shifts for {} weights",
                self.shifts.len(),
                self.weights.len()
            )));
        }
        if let Some(s) = self.shifts.iter().find(|&&s| u32::from(s) > crate::train::MAX_SCALE_BITS) {
            return Err(PolicyError::Inconsistent(format!(
                "shift {s} above {}",
                crate::train::MAX_SCALE_BITS
            )));
        }
        if self.tiers.is_empty() {
            return Err(PolicyError::Inconsistent("no tiers".into()));
        }
        if self.tiers.windows(2).any(|w| w[0].threshold <= w[1].threshold) {
            return Err(PolicyError::Inconsistent("tier thresholds must be strictly decreasing".into()));
        }
        let computed = crate::hash::policy_hash(self).to_string();
        if computed != self.hash {
            return Err(PolicyError::HashMismatch { stored: self.hash.clone(), computed });
        }
        Ok(())
    }

    /// Recomputes and stores the policy hash (after building or editing a policy).
    pub fn seal(&mut self) {
        self.hash = crate::hash::policy_hash(self).to_string();
    }

    /// Reads a policy file and checks it (hash included).
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let p = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| PolicyError::Io { path: p.clone(), source })?;
        Self::from_json(&text, &p)
    }

    /// Parses a policy's JSON (`origin` names it in errors) and checks it (hash included).
    pub fn from_json(text: &str, origin: &str) -> Result<Self, PolicyError> {
        let policy: Policy = serde_json::from_str(text)
            .map_err(|source| PolicyError::Json { path: origin.to_owned(), source })?;
        policy.check()?;
        Ok(policy)
    }

    /// Writes the policy as pretty JSON.
    pub fn save(&self, path: &Path) -> Result<(), PolicyError> {
        let p = path.display().to_string();
        let text = serde_json::to_string_pretty(self)
            .map_err(|source| PolicyError::Json { path: p.clone(), source })?;
        std::fs::write(path, text + "\n").map_err(|source| PolicyError::Io { path: p, source })
    }

    /// The integer coefficient of each input: `weights[i]·2^shifts[i]`.
    pub fn coefficients(&self) -> Vec<i64> {
        self.weights.iter().zip(&self.shifts).map(|(&w, &s)| i64::from(w) << s).collect()
    }

    /// The model's integer score without purpose bonus: `Σ weights[i]·2^shifts[i]·x[i] + bias`.
    pub fn model_score(&self, x: &[i64]) -> Result<i64, PolicyError> {
        if x.len() != self.weights.len() || self.shifts.len() != self.weights.len() {
            return Err(PolicyError::InputWidth { got: x.len(), expected: self.weights.len() });
        }
        self.coefficients().iter().zip(x).try_fold(self.bias, |acc, (&c, &xi)| {
            c.checked_mul(xi).and_then(|t| acc.checked_add(t)).ok_or(PolicyError::Overflow)
        })
    }

    /// The 1-based tier of `score`, `None` if declined.
    pub fn tier_of(&self, score: i64) -> Option<usize> {
        self.tiers.iter().position(|t| score >= t.threshold).map(|i| i + 1)
    }

    /// Scores encoded inputs for `purpose`: the native twin of the eligibility circuit.
    pub fn decide(&self, x: &[i64], purpose: Purpose) -> Result<Decision, PolicyError> {
        let score = self
            .model_score(x)?
            .checked_add(self.purpose_weights.get(purpose))
            .ok_or(PolicyError::Overflow)?;
        Ok(Decision { score, tier: self.tier_of(score) })
    }

    /// The policy as the eligibility circuit's private input: shape, schema digest,
    /// coefficients, input bounds (a numeric feature's clamp, `[0, 1]` for a one-hot bit),
    /// one-hot groups, bias, tiers and purpose weights (its hash, [`PolicyParams::hash`], is
    /// this file's `hash`). Checked with [`PolicyParams::check`].
    ///
    /// # Errors
    ///
    /// [`PolicyError::Unclamped`] for a numeric feature without a clamp,
    /// [`PolicyError::Circuit`] when the parameters break a rule of the circuit (more inputs
    /// or tiers than the shape has, scores beyond an i64).
    pub fn circuit_params(&self) -> Result<PolicyParams, PolicyError> {
        let (mut bounds, mut one_hot) = (Vec::new(), Vec::new());
        for f in &self.schema.features {
            match &f.kind {
                FeatureKind::Numeric { clamp: Some([lo, hi]) } => bounds.push((*lo, *hi)),
                FeatureKind::Numeric { clamp: None } => {
                    return Err(PolicyError::Unclamped { feature: f.name.clone() })
                }
                FeatureKind::Categorical { categories } => {
                    one_hot.push((bounds.len(), categories.len()));
                    bounds.extend(categories.iter().map(|_| (0, 1)));
                }
            }
        }
        let params = PolicyParams {
            shape: self.shape,
            schema: crate::hash::schema_digest(self),
            coefficients: self.coefficients(),
            bounds,
            one_hot,
            bias: self.bias,
            tiers: self.tier_terms(),
            purpose_weights: self.purpose_weights.as_array(),
        };
        params.check()?;
        Ok(params)
    }

    /// The tiers as the circuit takes them.
    pub fn tier_terms(&self) -> Vec<TierTerms> {
        self.tiers
            .iter()
            .map(|t| TierTerms {
                threshold: t.threshold,
                max_amount: t.max_amount,
                rate_bps: t.rate_bps,
                term_months: t.term_months,
            })
            .collect()
    }

    /// The policy hash as a field element ([`crate::hash::policy_hash`]).
    pub fn hash_fr(&self) -> Fr {
        crate::hash::policy_hash(self)
    }

    /// The schema digest records are encoded and attested under ([`crate::hash::schema_digest`]).
    pub fn schema_digest(&self) -> Fr {
        crate::hash::schema_digest(self)
    }

    /// Scores a row of comma-separated feature values in schema order.
    pub fn decide_row(&self, row: &str, purpose: Purpose) -> Result<Decision, PolicyError> {
        let x = encode_row(&self.schema, row)?;
        self.decide(&x, purpose)
    }
}
