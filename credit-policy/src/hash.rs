//! The Poseidon policy hash and the schema digest: what the eligibility circuit recomputes to
//! bind a proof to a published policy, and what an attester signs a record under.
//!
//! Every signed integer `v` becomes the field element `v mod r` (BN254's scalar field).
//!
//! **Schema digest** (layout version 2): the sponge of
//!
//! ```text
//! POLICY_VERSION, shape.inputs, shape.tiers, scale,
//! n_features, then per feature: kind (0 numeric, 1 categorical) and
//!     numeric:     has_clamp (0/1), lo, hi      (0, 0 without clamp)
//!     categorical: number of categories, 0, 0
//! names_digest
//! ```
//!
//! `names_digest` binds the names (the meaning of each input): the same sponge over, for each
//! feature, its name then (categorical) each category code, each string as its byte length then
//! its UTF-8 bytes in 31-byte big-endian chunks. The digest is how members' data become the
//! model's inputs: a record is encoded and attested under it, so a policy change that keeps
//! the schema (new weights, tiers, purpose weights) keeps members' attestations valid.
//!
//! **Policy hash**: `ccr_circuits::credit::chain` from the schema digest over the circuit
//! elements (`ccr_circuits::credit::circuit_elements`): the coefficients `weights[i]·2^shifts[i]`
//! padded with zeros to the shape's inputs, `bias + purpose_weights[j]` for the five purposes
//! (productive enterprise .. educational initiative), then per tier (the last repeated up to
//! the shape's tiers) its threshold and `max_amount + 2⁶⁴·rate_bps + 2⁹⁶·term_months`. The hash
//! covers everything that decides a verdict; two files with the same hash decide alike
//! (`weights` and `shifts` enter as their products, the bias inside each purpose weight). The
//! training report is not hashed.
//!
//! Sponge: `state = len(elements)`; for each chunk of 11 elements (the last one zero-padded),
//! `state = Poseidon₁₂([state, chunk…])` (circomlib parameters); the hash is the final `state`.
//! The chain is the same without the length: `state` starts at the schema digest (whose
//! elements name the shape, which fixes the number of elements).

use ark_ff::PrimeField;
use ccr_circuits::credit::{chain, circuit_elements};
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

/// The schema digest's elements, in hash order.
pub fn schema_elements(policy: &Policy) -> Vec<Fr> {
    let mut e: Vec<Fr> = vec![
        Fr::from(u64::from(POLICY_VERSION)),
        Fr::from(policy.shape.inputs as u64),
        Fr::from(policy.shape.tiers as u64),
        Fr::from(policy.scale),
    ];
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
    e.push(sponge(&names));
    e
}

/// The schema digest: what records are encoded and attested under.
pub fn schema_digest(policy: &Policy) -> Fr {
    sponge(&schema_elements(policy))
}

/// The policy's circuit elements, in hash order (see the module documentation).
pub fn policy_elements(policy: &Policy) -> Vec<Fr> {
    circuit_elements(
        policy.shape,
        &policy.coefficients(),
        policy.bias,
        &policy.purpose_weights.as_array(),
        &policy.tier_terms(),
    )
}

/// The policy hash: the chain from [`schema_digest`] over [`policy_elements`].
pub fn policy_hash(policy: &Policy) -> Fr {
    chain(schema_digest(policy), &policy_elements(policy))
}
