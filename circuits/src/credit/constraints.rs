//! The eligibility circuit: the relation of [`super::evaluate`] in R1CS.
//!
//! Public inputs, in order ([`EligibilityStatement::public_inputs`]): bank, amount, purpose,
//! tier, max_amount, rate_bps, term_months, policy_hash, registry_root, nullifier, account,
//! epoch, now, state_root. The policy ([`PolicyParams`]) and the state tree depth are circuit
//! constants.
//!
//! Relation, with private record `(x, M, expiry)`, attester `A`, signature `σ`, registry path,
//! member scalar `a` and account leaf `(balance, nonce, ext)` with its state path:
//! 1. `policy_hash` = the constant hash of the policy (1 constraint).
//! 2. every `xᵢ` within its bounds (a bit: `x·(x − 1) = 0`; a numeric: `x − lo` and `hi − x`
//!    in `k` bits, `k` the bit length of `hi − lo`); each one-hot group sums to 1.
//! 3. `purpose` ∈ 0..=4 as five bits summing to 1; `score = Σ cᵢ·xᵢ + bias + Σ bⱼ·pwⱼ`
//!    (linear), `score + 2⁶³` in 64 bits.
//! 4. `geₖ = [thresholdₖ ≤ score]` (offset comparisons, 66 each); `ge_last = 1` (else
//!    declined: unsatisfiable); `tier = n + 1 − Σ geₖ`; the tier's terms
//!    `Σ (geₖ − geₖ₋₁)·termsₖ` equal the public max_amount, rate, term.
//! 5. `amount < 2⁶⁴`, `amount ≤ max_amount`; `now, expiry < 2⁶⁴`, `expiry − now − 1 < 2⁶⁴`.
//! 6. `σ` verifies over `Poseidon([sponge(x, M.x, M.y, expiry), purpose])` under `A` (the
//!    attester signed the record *for this purpose*: the purpose whose weight the score took
//!    is the attested one); `Poseidon([A.x, A.y])` is in the registry under `registry_root`.
//! 7. `M = a·B8` with `a < l` (the record is the member's); `nullifier = Poseidon([a, bank, epoch])`.
//! 8. `account` in `state_depth` bits, those bits the path directions: `Poseidon5([M.x, M.y,
//!    balance, nonce, ext])` is the leaf at index `account` under `state_root` (the account is
//!    the member's).
//!
//! Cost with the German policy (63 inputs, 3 tiers) at state depth `d`: `10,672 + 242·d`
//! constraints, **16,480 at the production depth 24** and 12,608 at depth 8 (both pinned in
//! `tests/snapshots/eligibility_german_shape{,_d24}_constraints.txt`). Breakdown: signature
//! 3,078, record sponge 6 × 516, the signed message `Poseidon([commitment, purpose])` 240,
//! registry path 8 × 241 + leaf 240, `M = a·B8` 815, nullifier
//! ~260, input bounds, score, tiers, amount and expiry about 700; the account: its index in
//! `d` bits (`d + 1`), the leaf's Poseidon5 (322) and `d` path levels of 241.

use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::{
    EligibilityStatement, EligibilityWitness, PolicyParams, N_PURPOSES, REGISTRY_DEPTH, SCORE_BITS,
    SPONGE_RATE,
};
use crate::babyjubjub::constraints::{enforce_public_key, verify_poseidon_gadget, PointVar, SignatureVar};
use crate::lc::linear_combination;
use crate::merkle::constraints::MerklePathVar;
use crate::merkle::MAX_DEPTH;
use crate::poseidon::constraints::{hash, hash2};
use crate::range::{enforce_bits, enforce_le, is_le, AMOUNT_BITS};
use crate::Fr;

/// In-circuit [`super::sponge`]. Cost: one Poseidon₁₂ (516 constraints) per 11 elements.
pub fn sponge(elements: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut state = FpVar::constant(Fr::from(elements.len() as u64));
    for chunk in elements.chunks(SPONGE_RATE) {
        let mut input = Vec::with_capacity(SPONGE_RATE + 1);
        input.push(state);
        input.extend(chunk.iter().cloned());
        input.resize(SPONGE_RATE + 1, FpVar::zero());
        state = hash(&input)?;
    }
    Ok(state)
}

/// `2⁶³ + v` as a field element: a signed 64-bit integer moved into `[0, 2⁶⁴)`.
fn offset(v: i64) -> Fr {
    Fr::from((i128::from(v) + (1i128 << 63)) as u64)
}

/// The eligibility circuit for one policy and one state tree depth. Without statement and
/// witness (setup) every allocation is empty.
#[derive(Clone, Debug)]
pub struct EligibilityCircuit {
    params: PolicyParams,
    state_depth: usize,
    statement: Option<EligibilityStatement>,
    witness: Option<EligibilityWitness>,
}

impl EligibilityCircuit {
    /// The circuit proving `statement` from `witness` (normally [`super::evaluate`]'s output)
    /// over a state tree of depth `state_depth`.
    pub fn new(
        params: PolicyParams,
        state_depth: usize,
        statement: EligibilityStatement,
        witness: EligibilityWitness,
    ) -> Self {
        Self { params, state_depth, statement: Some(statement), witness: Some(witness) }
    }

    /// The circuit without values, for key generation.
    pub fn setup(params: PolicyParams, state_depth: usize) -> Self {
        Self { params, state_depth, statement: None, witness: None }
    }
}

impl ConstraintSynthesizer<Fr> for EligibilityCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let p = &self.params;
        // An invalid policy is a wiring error: nothing the prover could satisfy.
        p.check().map_err(|_| SynthesisError::Unsatisfiable)?;
        let state_depth = self.state_depth;
        if state_depth == 0 || state_depth > MAX_DEPTH {
            return Err(SynthesisError::Unsatisfiable);
        }
        let missing = || SynthesisError::AssignmentMissing;
        let values = self.statement.as_ref().map(EligibilityStatement::public_inputs);
        let public = (0..EligibilityStatement::N_PUBLIC)
            .map(|i| FpVar::new_input(cs.clone(), || values.as_ref().map(|v| v[i]).ok_or_else(missing)))
            .collect::<Result<Vec<_>, _>>()?;
        let [bank, amount, purpose, tier, max_amount, rate_bps, term_months, policy_hash, registry_root, nullifier, account, epoch, now, state_root] =
            <[FpVar<Fr>; EligibilityStatement::N_PUBLIC]>::try_from(public)
                .unwrap_or_else(|_| unreachable!("N_PUBLIC inputs were allocated"));
        let w = self.witness.as_ref();

        // 1. policy_hash = the policy's constant hash
        policy_hash.enforce_equal(&FpVar::constant(p.hash))?;

        // 2. inputs within bounds
        let x = (0..p.coefficients.len())
            .map(|i| {
                FpVar::new_witness(cs.clone(), || {
                    w.and_then(|w| w.record.features.get(i)).map(|&v| super::int_to_fr(v)).ok_or_else(missing)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (xi, &(lo, hi)) in x.iter().zip(&p.bounds) {
            if (lo, hi) == (0, 1) {
                // x · (x − 1) = 0
                xi.mul_equals(&(xi - Fr::ONE), &FpVar::zero())?;
            } else if lo == hi {
                xi.enforce_equal(&FpVar::constant(super::int_to_fr(lo)))?;
            } else {
                let k = 128 - ((i128::from(hi) - i128::from(lo)) as u128).leading_zeros() as usize;
                // 0 ≤ x − lo < 2^k and 0 ≤ hi − x < 2^k, with 2^k ≤ 2·(hi − lo): x ∈ [lo, hi]
                enforce_bits(&(xi - super::int_to_fr(lo)), k)?;
                enforce_bits(&(FpVar::constant(super::int_to_fr(hi)) - xi), k)?;
            }
        }
        for &(start, len) in &p.one_hot {
            // Σ x_group = 1
            linear_combination(x[start..start + len].iter().map(|v| (Fr::ONE, v.clone())), Fr::ZERO)
                .enforce_equal(&FpVar::one())?;
        }

        // 3. purpose bits and the score
        let purpose_value = self.statement.as_ref().map(|s| s.purpose);
        let purpose_bits = (0..N_PURPOSES)
            .map(|j| {
                Boolean::new_witness(cs.clone(), || {
                    purpose_value.map(|v| usize::from(v) == j).ok_or_else(missing)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Σ bⱼ = 1 and Σ j·bⱼ = purpose
        linear_combination(purpose_bits.iter().map(|b| (Fr::ONE, FpVar::from(b.clone()))), Fr::ZERO)
            .enforce_equal(&FpVar::one())?;
        linear_combination(
            purpose_bits.iter().enumerate().map(|(j, b)| (Fr::from(j as u64), FpVar::from(b.clone()))),
            Fr::ZERO,
        )
        .enforce_equal(&purpose)?;
        // score + 2⁶³ = Σ cᵢ·xᵢ + Σ pwⱼ·bⱼ + bias + 2⁶³ (one linear combination)
        let terms = p.coefficients.iter().map(|&c| super::int_to_fr(c)).zip(x.iter().cloned()).chain(
            p.purpose_weights
                .iter()
                .map(|&w| super::int_to_fr(w))
                .zip(purpose_bits.iter().map(|b| FpVar::from(b.clone()))),
        );
        let score = linear_combination(terms, offset(p.bias));
        enforce_bits(&score, SCORE_BITS)?;

        // 4. tier and terms
        let ge = p
            .tiers
            .iter()
            .map(|t| is_le(&FpVar::constant(offset(t.threshold)), &score, SCORE_BITS))
            .collect::<Result<Vec<_>, _>>()?;
        // the lowest tier is reached (else the applicant is declined)
        ge.last().ok_or(SynthesisError::Unsatisfiable)?.enforce_equal(&Boolean::TRUE)?;
        let n = p.tiers.len() as u64;
        // tier = n + 1 − Σ geₖ
        linear_combination(ge.iter().map(|g| (-Fr::ONE, FpVar::from(g.clone()))), Fr::from(n + 1))
            .enforce_equal(&tier)?;
        // selₖ = geₖ − geₖ₋₁ is 1 at the tier only (geₖ is monotone: thresholds decrease)
        let sel: Vec<FpVar<Fr>> = ge
            .iter()
            .enumerate()
            .map(|(k, g)| {
                let g = FpVar::from(g.clone());
                if k == 0 {
                    g
                } else {
                    g - FpVar::from(ge[k - 1].clone())
                }
            })
            .collect();
        let pick = |f: &dyn Fn(&super::TierTerms) -> u64| {
            linear_combination(p.tiers.iter().map(|t| Fr::from(f(t))).zip(sel.iter().cloned()), Fr::ZERO)
        };
        // max_amount, rate, term = Σ selₖ · termsₖ
        pick(&|t| t.max_amount).enforce_equal(&max_amount)?;
        pick(&|t| u64::from(t.rate_bps)).enforce_equal(&rate_bps)?;
        pick(&|t| u64::from(t.term_months)).enforce_equal(&term_months)?;

        // 5. amount ≤ max_amount (both below 2⁶⁴), expiry > now
        enforce_bits(&amount, AMOUNT_BITS)?;
        enforce_le(&amount, &max_amount, AMOUNT_BITS)?;
        let expiry =
            FpVar::new_witness(cs.clone(), || w.map(|w| Fr::from(w.record.expiry)).ok_or_else(missing))?;
        enforce_bits(&expiry, 64)?;
        enforce_bits(&now, 64)?;
        // expiry − now − 1 ∈ [0, 2⁶⁴) ⇔ expiry > now, for both below 2⁶⁴
        enforce_bits(&(&expiry - &now - Fr::ONE), 64)?;

        // 6. the attester's signature over the record, the attester in the registry
        let member = PointVar::new_witness(cs.clone(), || w.map(|w| w.record.member).ok_or_else(missing))?;
        let mut elements = x;
        elements.extend([member.x.clone(), member.y.clone(), expiry]);
        let commitment = sponge(&elements)?;
        // the attester signed Poseidon([commitment, purpose]) with the public purpose, whose
        // weight the score took: a purpose other than the attested one breaks the signature
        let message = hash2(&commitment, &purpose)?;
        let attester =
            PointVar::new_witness(cs.clone(), || w.map(|w| w.attestation.attester).ok_or_else(missing))?;
        let signature =
            SignatureVar::new_witness(cs.clone(), || w.map(|w| w.attestation.signature).ok_or_else(missing))?;
        verify_poseidon_gadget(&message, &signature, &attester)?;
        let index = w.map(|w| w.registry_proof.index);
        let index_bits = (0..REGISTRY_DEPTH)
            .map(|l| {
                Boolean::new_witness(cs.clone(), || index.map(|i| (i >> l) & 1 == 1).ok_or_else(missing))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let path =
            MerklePathVar::new_witness(cs.clone(), index_bits, w.map(|w| &w.registry_proof), REGISTRY_DEPTH)?;
        // root(Poseidon([A.x, A.y])) = registry_root
        path.root(&hash2(&attester.x, &attester.y)?)?.enforce_equal(&registry_root)?;

        // 7. M = a·B8 and the nullifier
        let a = FpVar::new_witness(cs.clone(), || {
            w.map(|w| super::member_scalar(&w.member_key)).ok_or_else(missing)
        })?;
        enforce_public_key(&a, &member)?;
        // nullifier = Poseidon([a, bank, epoch])
        hash(&[a, bank, epoch])?.enforce_equal(&nullifier)?;

        // 8. the account: Poseidon5([M.x, M.y, balance, nonce, ext]) at index `account`
        // (its state_depth bits are the path directions) under state_root
        let account_bits = enforce_bits(&account, state_depth)?;
        let leaf_field = |f: fn(&super::AccountLeaf) -> Fr| {
            FpVar::new_witness(cs.clone(), || w.map(|w| f(&w.account_leaf)).ok_or_else(missing))
        };
        let balance = leaf_field(|l| Fr::from(l.balance))?;
        let nonce = leaf_field(|l| Fr::from(l.nonce))?;
        let ext = leaf_field(|l| l.ext)?;
        let leaf = hash(&[member.x.clone(), member.y.clone(), balance, nonce, ext])?;
        let path =
            MerklePathVar::new_witness(cs.clone(), account_bits, w.map(|w| &w.account_proof), state_depth)?;
        path.root(&leaf)?.enforce_equal(&state_root)
    }
}
