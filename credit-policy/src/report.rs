//! Human-readable summaries of a trained policy (printed by `ccr-policy train`, quoted in the README).

use std::fmt::Write;

use crate::policy::{Policy, Purpose};

fn mean_std(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
    (m, var.sqrt())
}

/// The model's figures, tier table, terms and purpose weights, as Markdown.
pub fn summary(p: &Policy) -> String {
    let r = &p.report;
    let (fm, fs) = mean_std(&r.float_auc_folds);
    let (qm, qs) = mean_std(&r.quantized_auc_folds);
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        s,
        "{} rows ({} bad), {} model inputs, L2 alpha {}, {}-fold stratified CV, seed {}",
        r.rows,
        r.bad_rows,
        p.weights.len(),
        r.l2_alpha,
        r.folds,
        r.seed
    );
    let _ = writeln!(s, "ROC AUC float     : {fm:.4} ± {fs:.4}  folds {:?}", round4(&r.float_auc_folds));
    let _ = writeln!(s, "ROC AUC quantized : {qm:.4} ± {qs:.4}  folds {:?}", round4(&r.quantized_auc_folds));
    let _ = writeln!(s, "quantized − float : {:+.4}", qm - fm);
    let _ = writeln!(
        s,
        "integer model: int8 weights in [{}, {}], shifts {}..={}, bias {}, scale {} (2^{}) score units per logit",
        p.weights.iter().min().copied().unwrap_or(0),
        p.weights.iter().max().copied().unwrap_or(0),
        p.shifts.iter().min().copied().unwrap_or(0),
        p.shifts.iter().max().copied().unwrap_or(0),
        p.bias,
        p.scale,
        p.scale.trailing_zeros()
    );
    let _ = writeln!(s, "\n| tier | threshold (score >=) | good-class quantile | rows | bad | bad rate | max amount | rate (bps) | term (months) |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    for (i, st) in r.tier_table.iter().enumerate() {
        let rate = if st.rows > 0 { st.bad_rows as f64 / st.rows as f64 } else { 0.0 };
        match (p.tiers.get(i), r.tier_quantiles.get(i)) {
            (Some(t), Some(q)) => {
                let _ = writeln!(
                    s,
                    "| {} | {} | {q:.2} | {} | {} | {rate:.3} | {} | {} | {} |",
                    st.tier, t.threshold, st.rows, st.bad_rows, t.max_amount, t.rate_bps, t.term_months
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "| {} | - | - | {} | {} | {rate:.3} | - | - | - |",
                    st.tier, st.rows, st.bad_rows
                );
            }
        }
    }
    let _ = writeln!(s, "\npurpose weights (score units):");
    for purpose in Purpose::ALL {
        let name =
            serde_json::to_value(purpose).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let _ = writeln!(s, "  {} {name}: {:+}", purpose.code(), p.purpose_weights.get(purpose));
    }
    let _ = writeln!(s, "\npolicy hash: {}", p.hash);
    s
}

fn round4(v: &[f64]) -> Vec<f64> {
    v.iter().map(|x| (x * 1e4).round() / 1e4).collect()
}

/// What one purpose's weight does to a set of applicants, against the same applicants without
/// a bonus (the model score alone). The eligibility circuit takes the weight of the purpose
/// the attester signed with the record: these rows change tier only with such an attestation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PurposeEffect {
    /// The purpose.
    pub purpose: Purpose,
    /// Its weight (score units).
    pub weight: i64,
    /// Applicants declined without a bonus that this purpose grants a tier.
    pub granted: usize,
    /// Applicants granted without a bonus whom this purpose moves to a better tier.
    pub moved_up: usize,
    /// Applicants granted without a bonus whom this purpose moves to a worse tier or declines
    /// (a negative weight).
    pub moved_down: usize,
}

/// The effect of each purpose's weight on the applicants `inputs` (encoded rows).
///
/// # Errors
///
/// [`crate::policy::PolicyError`] for a row that does not fit the policy.
pub fn purpose_effects(
    p: &Policy,
    inputs: &[Vec<i64>],
) -> Result<Vec<PurposeEffect>, crate::policy::PolicyError> {
    let base = inputs
        .iter()
        .map(|x| Ok(p.tier_of(p.model_score(x)?)))
        .collect::<Result<Vec<_>, crate::policy::PolicyError>>()?;
    Purpose::ALL
        .iter()
        .map(|&purpose| {
            let mut e = PurposeEffect {
                purpose,
                weight: p.purpose_weights.get(purpose),
                granted: 0,
                moved_up: 0,
                moved_down: 0,
            };
            for (x, &before) in inputs.iter().zip(&base) {
                let after = p.decide(x, purpose)?.tier;
                match (before, after) {
                    (None, Some(_)) => e.granted += 1,
                    (Some(b), Some(a)) if a < b => e.moved_up += 1,
                    (Some(b), a) if a.is_none_or(|a| a > b) => e.moved_down += 1,
                    _ => {}
                }
            }
            Ok(e)
        })
        .collect()
}

/// [`purpose_effects`] as a table.
pub fn purpose_effects_table(effects: &[PurposeEffect]) -> String {
    let mut s =
        String::from("purpose                   weight  declined→granted  moved up a tier  moved down\n");
    for e in effects {
        let name = serde_json::to_value(e.purpose)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{name:<25} {:>+7} {:>17} {:>16} {:>11}",
            e.weight, e.granted, e.moved_up, e.moved_down
        );
    }
    s.push_str("(against no bonus; each needs the attester to sign that purpose with the record)\n");
    s
}
