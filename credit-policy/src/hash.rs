//! The Poseidon policy hash: what a circuit recomputes to bind a proof to a published policy.
//!
//! Every signed integer `v` becomes the field element `v mod r` (BN254's scalar field). The
//! policy's contents become this sequence of elements (layout version 1):
//!
//! ```text
//! POLICY_VERSION,
//! n_features, then per feature: kind (0 numeric, 1 categorical) and
//!     numeric:     has_clamp (0/1), lo, hi      (0, 0 without clamp)
//!     categorical: number of categories, 0, 0
//! n_inputs, weights[0..n_inputs], shifts[0..n_inputs],
//! bias, scale,
//! n_tiers, then per tier: threshold, max_amount, rate_bps, term_months,
//! purpose_weights[0..5]                          (productive enterprise .. educational initiative),
//! names_digest
//! ```
//!
//! `names_digest` binds the names (the meaning of each input): the same sponge over, for each
//! feature, its name then (categorical) each category code, each string as its byte length then
//! its UTF-8 bytes in 31-byte big-endian chunks.
//!
//! Sponge: `state = len(elements)`; for each chunk of 11 elements (the last one zero-padded),
//! `state = Poseidon₁₂([state, chunk…])` (circomlib parameters); the hash is the final `state`.

use ark_ff::PrimeField;
use ccr_circuits::Fr;

use crate::policy::{Policy, POLICY_VERSION};
use crate::schema::FeatureKind;

/// The sponge of the module documentation: the eligibility circuit's own
/// ([`ccr_circuits::credit::sponge`]), so the policy hash and the circuit cannot drift apart.
pub use ccr_circuits::credit::sponge;

/// A string as field elements: byte length, then 31-byte big-endian chunks.
pub fn string_elements(s: &str) -> Vec<Fr> {
    let bytes = s.as_bytes();
    let mut out = vec![Fr::from(bytes.len() as u64)];
    out.extend(bytes.chunks(31).map(Fr::from_be_bytes_mod_order));
    out
}

/// The integer contents of `policy`, in hash order, as field elements.
pub fn policy_elements(policy: &Policy) -> Vec<Fr> {
    let mut e: Vec<Fr> = vec![Fr::from(u64::from(POLICY_VERSION))];
    let features = &policy.schema.features;
    e.push(Fr::from(features.len() as u64));
    let mut names = Vec::new();
    for f in features {
        names.extend(string_elements(&f.name));
        match &f.kind {
            FeatureKind::Numeric { clamp } => {
                let (has, lo, hi) = clamp.map_or((0, 0, 0), |[lo, hi]| (1, lo, hi));
                e.extend([Fr::from(0u64), Fr::from(has as u64), Fr::from(lo), Fr::from(hi)]);
            }
            FeatureKind::Categorical { categories } => {
                e.extend([Fr::from(1u64), Fr::from(categories.len() as u64), Fr::from(0u64), Fr::from(0u64)]);
                for c in categories {
                    names.extend(string_elements(c));
                }
            }
        }
    }
    e.push(Fr::from(policy.weights.len() as u64));
    e.extend(policy.weights.iter().map(|&w| Fr::from(i64::from(w))));
    e.extend(policy.shifts.iter().map(|&s| Fr::from(u64::from(s))));
    e.push(Fr::from(policy.bias));
    e.push(Fr::from(policy.scale));
    e.push(Fr::from(policy.tiers.len() as u64));
    for t in &policy.tiers {
        e.extend([
            Fr::from(t.threshold),
            Fr::from(t.max_amount),
            Fr::from(u64::from(t.rate_bps)),
            Fr::from(u64::from(t.term_months)),
        ]);
    }
    e.extend(policy.purpose_weights.as_array().map(Fr::from));
    e.push(sponge(&names));
    e
}

/// The policy hash.
pub fn policy_hash(policy: &Policy) -> Fr {
    sponge(&policy_elements(policy))
}
