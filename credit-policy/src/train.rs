//! Training: a float logistic regression (linfa) on standardized inputs, its quantization to an
//! integer model, stratified k-fold cross-validation of both, tiers from the good class's scores.
//!
//! Standardization (as scikit-learn's `StandardScaler` on the numeric columns; one-hot bits
//! stay 0/1): `z = (x - μ) / σ`, σ the population standard deviation (1 if σ = 0). The float
//! model is `logit = Σ βᵢ zᵢ + c`, the log-odds of a **good** credit. Folding the
//! standardization into the weights gives a model over the raw integer inputs,
//! `eᵢ = βᵢ/σᵢ`, `b = c − Σ βᵢ μᵢ/σᵢ`.
//!
//! Quantization: each coefficient becomes an **int8 mantissa with a per-input power-of-two
//! exponent**, `cᵢ = wᵢ·2^shiftᵢ ≈ scale·eᵢ` with `wᵢ ∈ [-127, 127]`, and `bias = round(scale·b)`;
//! the circuit computes `Σ cᵢ xᵢ + bias` (constant multiples: no division, no extra constraint).
//! A single per-tensor int8 scale is not enough over *raw* inputs: on German credit the weight
//! per DM of `credit_amount` (≈1e-4) is 10⁴ times smaller than a one-hot weight and rounds to 0,
//! which cost 0.013 AUC. So `scale = 2^P`, with `P` the least power giving every input that matters
//! (its coefficient times its observed span at least 0.01 logit) a mantissa of at least 64
//! (7 significant bits); then `shiftᵢ` is the least shift bringing `|scale·eᵢ|` within int8.

use ccr_circuits::credit::EligibilityShape;
use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::auc::roc_auc;
use crate::data::Table;
use crate::policy::{Policy, PurposeWeights, Tier, TierStats, TrainingReport, POLICY_VERSION};
use crate::schema::Schema;

/// Terms of one tier, as configured for training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    /// Largest principal (rollup token units).
    pub max_amount: u64,
    /// Yearly interest rate in basis points.
    pub rate_bps: u32,
    /// Term in months.
    pub term_months: u32,
}

/// Training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Seed of the stratified folds.
    pub seed: u64,
    /// Number of cross-validation folds.
    pub folds: usize,
    /// L2 regularization (linfa's `alpha`; the loss is a sum, so this is scikit-learn's `1/C`).
    pub l2_alpha: f64,
    /// Per tier, best first: the quantile of the good class's scores that is its threshold
    /// (strictly decreasing).
    pub tier_quantiles: Vec<f64>,
    /// Per tier, best first: the terms granted (same length as `tier_quantiles`).
    pub terms: Vec<Terms>,
    /// Purpose bonuses in logits, in [`crate::policy::Purpose::ALL`] order; scaled by `scale`
    /// and rounded into the policy's integer purpose weights.
    pub purpose_bonus_logits: [f64; 5],
}

impl Default for TrainConfig {
    /// 5 folds, seed 0, `alpha = 1` (scikit-learn's default `C = 1`); three tiers at the good
    /// class's 60th, 30th and 10th percentiles; purpose bonuses from the seeds' purpose scores
    /// (85, 75, 95, 90, 80) as `(score − 75) / 100` logits.
    fn default() -> Self {
        TrainConfig {
            seed: 0,
            folds: 5,
            l2_alpha: 1.0,
            tier_quantiles: vec![0.60, 0.30, 0.10],
            terms: vec![
                Terms { max_amount: 10_000, rate_bps: 500, term_months: 36 },
                Terms { max_amount: 5_000, rate_bps: 800, term_months: 24 },
                Terms { max_amount: 2_000, rate_bps: 1_200, term_months: 12 },
            ],
            purpose_bonus_logits: [0.10, 0.0, 0.20, 0.15, 0.05],
        }
    }
}

/// Training that cannot proceed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The data has no label column.
    #[error("training needs labelled data: add the label column `{0}` to the CSV")]
    NoLabel(String),
    /// A class has fewer rows than folds.
    #[error("{class} class has {rows} rows, fewer than the {folds} folds: add data or use fewer folds")]
    TooFewRows {
        /// "bad" or "good".
        class: &'static str,
        /// Rows of that class.
        rows: usize,
        /// Folds asked for.
        folds: usize,
    },
    /// linfa's solver failed.
    #[error("logistic regression failed: {0}")]
    Fit(#[from] linfa_logistic::error::Error),
    /// All weights are zero: nothing to quantize.
    #[error("the fitted model has all weights zero: the features carry no signal")]
    ZeroModel,
    /// The configuration is inconsistent.
    #[error("training configuration: {0}")]
    Config(String),
}

/// A fitted float model over standardized inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatModel {
    /// Per input: the mean subtracted (0 for one-hot bits).
    pub mean: Vec<f64>,
    /// Per input: the standard deviation divided by (1 for one-hot bits).
    pub std: Vec<f64>,
    /// Coefficients on standardized inputs (log-odds of good).
    pub coef: Vec<f64>,
    /// Intercept.
    pub intercept: f64,
}

/// The quantized integer model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantModel {
    /// int8 weight mantissas on the raw integer inputs.
    pub weights: Vec<i8>,
    /// Per input, the power of two multiplying its mantissa.
    pub shifts: Vec<u8>,
    /// Integer bias.
    pub bias: i64,
    /// Score units per logit.
    pub scale: u64,
}

impl FloatModel {
    /// Fits on the rows `rows` of `inputs` (`numeric[i]`: input `i` is standardized).
    pub fn fit(
        inputs: &[Vec<i64>],
        bad: &[bool],
        rows: &[usize],
        numeric: &[bool],
        l2_alpha: f64,
    ) -> Result<Self, TrainError> {
        let n_in = numeric.len();
        let count = rows.len() as f64;
        let mut mean = vec![0.0; n_in];
        let mut std = vec![1.0; n_in];
        for i in (0..n_in).filter(|&i| numeric[i]) {
            let m = rows.iter().map(|&r| inputs[r][i] as f64).sum::<f64>() / count;
            let var = rows.iter().map(|&r| (inputs[r][i] as f64 - m).powi(2)).sum::<f64>() / count;
            mean[i] = m;
            std[i] = if var > 0.0 { var.sqrt() } else { 1.0 };
        }
        let records = Array2::from_shape_fn((rows.len(), n_in), |(r, i)| {
            (inputs[rows[r]][i] as f64 - mean[i]) / std[i]
        });
        let good: Array1<bool> = rows.iter().map(|&r| !bad[r]).collect();
        let dataset = Dataset::new(records, good);
        let fitted = LogisticRegression::default()
            .alpha(l2_alpha)
            .max_iterations(1_000)
            .gradient_tolerance(1e-6)
            .fit(&dataset)?;
        // linfa models the probability of its `pos` class; orient the logit towards "good".
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        Ok(FloatModel {
            mean,
            std,
            coef: fitted.params().iter().map(|b| sign * b).collect(),
            intercept: sign * fitted.intercept(),
        })
    }

    /// The log-odds of good for raw inputs `x`.
    pub fn logit(&self, x: &[i64]) -> f64 {
        self.intercept
            + x.iter()
                .enumerate()
                .map(|(i, &v)| self.coef[i] * (v as f64 - self.mean[i]) / self.std[i])
                .sum::<f64>()
    }

    /// The same model over raw inputs: (weights `βᵢ/σᵢ`, bias `c − Σ βᵢ μᵢ/σᵢ`).
    pub fn folded(&self) -> (Vec<f64>, f64) {
        let w: Vec<f64> = self.coef.iter().zip(&self.std).map(|(b, s)| b / s).collect();
        let bias = self.intercept - w.iter().zip(&self.mean).map(|(w, m)| w * m).sum::<f64>();
        (w, bias)
    }

    /// Quantizes over raw inputs (see the module documentation); `span[i]` is the observed
    /// range `max − min` of input `i`.
    pub fn quantize(&self, span: &[f64]) -> Result<QuantModel, TrainError> {
        let (w, bias) = self.folded();
        if w.iter().all(|v| *v == 0.0) {
            return Err(TrainError::ZeroModel);
        }
        // Least P giving every input that matters a mantissa of at least 64.
        let p = w
            .iter()
            .zip(span)
            .filter(|(e, s)| e.abs() * s.max(1.0) >= 0.01)
            .map(|(e, _)| (64.0 / e.abs()).log2().ceil())
            .fold(0.0_f64, f64::max)
            .min(MAX_SCALE_BITS as f64);
        let scale = 2f64.powi(p as i32);
        let (mut weights, mut shifts) = (Vec::with_capacity(w.len()), Vec::with_capacity(w.len()));
        for e in &w {
            let c = scale * e;
            let mut shift = 0u8;
            while (c / 2f64.powi(i32::from(shift))).round().abs() > 127.0 {
                shift += 1;
            }
            weights.push((c / 2f64.powi(i32::from(shift))).round() as i8);
            shifts.push(shift);
        }
        Ok(QuantModel { weights, shifts, bias: (scale * bias).round() as i64, scale: scale as u64 })
    }
}

/// Largest score scale exponent: `scale ≤ 2^40`, so that scores stay far inside `i64`.
pub const MAX_SCALE_BITS: u32 = 40;

impl QuantModel {
    /// `Σ wᵢ·2^shiftᵢ·xᵢ + bias` (saturating; the policy's checked scorer reports overflow instead).
    pub fn score(&self, x: &[i64]) -> i64 {
        self.weights
            .iter()
            .zip(&self.shifts)
            .zip(x)
            .fold(self.bias, |acc, ((&w, &s), &v)| acc.saturating_add((i64::from(w) << s).saturating_mul(v)))
    }
}

/// Per input, `max − min` over the rows `rows`.
pub fn spans(inputs: &[Vec<i64>], rows: &[usize]) -> Vec<f64> {
    let n = inputs.first().map_or(0, Vec::len);
    (0..n)
        .map(|i| {
            let (lo, hi) = rows
                .iter()
                .fold((i64::MAX, i64::MIN), |(lo, hi), &r| (lo.min(inputs[r][i]), hi.max(inputs[r][i])));
            (hi as f64) - (lo as f64)
        })
        .collect()
}

/// Stratified fold of each row: each class shuffled with ChaCha20 seeded by `seed`, then dealt
/// round-robin into `k` folds.
pub fn stratified_folds(bad: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut fold = vec![0; bad.len()];
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..bad.len()).filter(|&i| bad[i] == class).collect();
        idx.shuffle(&mut rng);
        for (j, &i) in idx.iter().enumerate() {
            fold[i] = j % k;
        }
    }
    fold
}

/// Per-fold ROC AUC of the float and the quantized model (good ranked above bad).
pub fn cross_validate(
    table: &Table,
    bad: &[bool],
    numeric: &[bool],
    cfg: &TrainConfig,
) -> Result<(Vec<f64>, Vec<f64>), TrainError> {
    let fold = stratified_folds(bad, cfg.folds, cfg.seed);
    let (mut float_auc, mut quant_auc) = (Vec::new(), Vec::new());
    for k in 0..cfg.folds {
        let train: Vec<usize> = (0..bad.len()).filter(|&i| fold[i] != k).collect();
        let test: Vec<usize> = (0..bad.len()).filter(|&i| fold[i] == k).collect();
        let model = FloatModel::fit(&table.inputs, bad, &train, numeric, cfg.l2_alpha)?;
        let quant = model.quantize(&spans(&table.inputs, &train))?;
        let good: Vec<bool> = test.iter().map(|&i| !bad[i]).collect();
        let fs: Vec<f64> = test.iter().map(|&i| model.logit(&table.inputs[i])).collect();
        let qs: Vec<f64> = test.iter().map(|&i| quant.score(&table.inputs[i]) as f64).collect();
        let auc = |s: &[f64]| roc_auc(s, &good).ok_or(TrainError::Config(format!("fold {k} lacks a class")));
        float_auc.push(auc(&fs)?);
        quant_auc.push(auc(&qs)?);
    }
    Ok((float_auc, quant_auc))
}

/// The `q` quantile of sorted `values`: the element at index `⌊q·(n−1)⌋` (lower nearest rank).
pub fn lower_quantile(sorted: &[i64], q: f64) -> i64 {
    let idx = (q * (sorted.len() - 1) as f64).floor() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Cross-validates, fits the final model on all rows, quantizes it and builds the sealed policy.
pub fn train(schema: &Schema, table: &Table, cfg: &TrainConfig) -> Result<Policy, TrainError> {
    let bad = table.bad.as_deref().ok_or_else(|| TrainError::NoLabel(schema.label.column.clone()))?;
    if cfg.tier_quantiles.len() != cfg.terms.len() || cfg.terms.is_empty() {
        return Err(TrainError::Config("one set of terms per tier quantile, at least one tier".into()));
    }
    if cfg.folds < 2 {
        return Err(TrainError::Config(format!("{} folds: at least 2 are needed", cfg.folds)));
    }
    let n_bad = bad.iter().filter(|&&b| b).count();
    for (class, rows) in [("bad", n_bad), ("good", bad.len() - n_bad)] {
        if rows < cfg.folds {
            return Err(TrainError::TooFewRows { class, rows, folds: cfg.folds });
        }
    }
    let numeric = schema.numeric_inputs();
    let (float_folds, quant_folds) = cross_validate(table, bad, &numeric, cfg)?;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;

    let all: Vec<usize> = (0..bad.len()).collect();
    let model = FloatModel::fit(&table.inputs, bad, &all, &numeric, cfg.l2_alpha)?;
    let quant = model.quantize(&spans(&table.inputs, &all))?;
    let scores: Vec<i64> = table.inputs.iter().map(|x| quant.score(x)).collect();
    let mut good_scores: Vec<i64> = scores.iter().zip(bad).filter(|(_, &b)| !b).map(|(&s, _)| s).collect();
    good_scores.sort_unstable();
    let thresholds: Vec<i64> = cfg.tier_quantiles.iter().map(|&q| lower_quantile(&good_scores, q)).collect();
    if thresholds.windows(2).any(|w| w[0] <= w[1]) {
        return Err(TrainError::Config(format!(
            "tier quantiles {:?} give thresholds {thresholds:?}, not strictly decreasing: spread the quantiles",
            cfg.tier_quantiles
        )));
    }
    let tiers: Vec<Tier> = thresholds
        .iter()
        .zip(&cfg.terms)
        .map(|(&threshold, t)| Tier {
            threshold,
            max_amount: t.max_amount,
            rate_bps: t.rate_bps,
            term_months: t.term_months,
        })
        .collect();
    let mut tier_table: Vec<TierStats> = (0..=tiers.len())
        .map(|i| TierStats {
            tier: if i < tiers.len() { (i + 1).to_string() } else { "declined".into() },
            rows: 0,
            bad_rows: 0,
        })
        .collect();
    for (&s, &b) in scores.iter().zip(bad) {
        let slot = tiers.iter().position(|t| s >= t.threshold).unwrap_or(tiers.len());
        tier_table[slot].rows += 1;
        tier_table[slot].bad_rows += usize::from(b);
    }
    let pw = cfg.purpose_bonus_logits.map(|l| (l * quant.scale as f64).round() as i64);
    // The production shape when the policy fits it, else the next one of 64-input steps.
    let shape = EligibilityShape {
        inputs: schema.n_inputs().max(1).next_multiple_of(64),
        tiers: tiers.len().max(EligibilityShape::PRODUCTION.tiers),
    };
    let mut policy = Policy {
        version: POLICY_VERSION,
        shape,
        schema: schema.clone(),
        weights: quant.weights,
        shifts: quant.shifts,
        bias: quant.bias,
        scale: quant.scale,
        tiers,
        purpose_weights: PurposeWeights {
            productive_enterprise: pw[0],
            creative_project: pw[1],
            community_infrastructure: pw[2],
            ecological_restoration: pw[3],
            educational_initiative: pw[4],
        },
        report: TrainingReport {
            rows: bad.len(),
            bad_rows: n_bad,
            l2_alpha: cfg.l2_alpha,
            seed: cfg.seed,
            folds: cfg.folds,
            float_auc: mean(&float_folds),
            quantized_auc: mean(&quant_folds),
            float_auc_folds: float_folds,
            quantized_auc_folds: quant_folds,
            tier_quantiles: cfg.tier_quantiles.clone(),
            tier_table,
        },
        hash: String::new(),
    };
    policy.seal();
    Ok(policy)
}
