//! The eligibility circuit: the relation of [`super::evaluate`] in R1CS, for every policy of
//! one [`EligibilityShape`].
//!
//! Public inputs, in order ([`EligibilityStatement::public_inputs`]): bank, amount, purpose,
//! tier, max_amount, rate_bps, term_months, policy_hash, registry_root, nullifier, account,
//! epoch, now, state_root. The shape and the state tree depth are the circuit's; the policy is
//! a private input.
//!
//! Relation, with private schema digest `S`, policy elements (coefficients `c`, purpose weights
//! with the bias `pw'`, thresholds `t` and packed terms `p`, [`PolicyParams::circuit_elements`]),
//! record `(x, M, expiry)`, attester `A`, signature `σ`, registry path, member scalar `a` and
//! account leaf `(balance, nonce, ext)` with its state path:
//! 1. `policy_hash = chain(S; c, pw', (t, p)…)` (the policy is the one the hash opens).
//! 2. `purpose` ∈ 0..=4 as five bits summing to 1; `score = Σ cᵢ·xᵢ + Σ bⱼ·pw'ⱼ` (one product
//!    per input and purpose).
//! 3. `geₖ = [tₖ ≤ score]` (offset comparisons, 66 each); `ge_last = 1` (else declined:
//!    unsatisfiable; it also bounds the score, so it needs no range check of its own); `tier = T + 1 − Σ geₖ`; the tier's packed terms `Σ (geₖ − geₖ₋₁)·pₖ`
//!    equal `max_amount + 2⁶⁴·rate_bps + 2⁹⁶·term_months`, each below its bound (64, 32, 32
//!    bits), so the packing is unique.
//! 4. `amount < 2⁶⁴`, `amount ≤ max_amount`; `now < 2⁶⁴`, `expiry − now − 1 < 2⁶⁴`.
//! 5. `σ` verifies over `Poseidon([chain(S; x, M.x, expiry), purpose])` under `A` (the attester
//!    signed the record, encoded under the policy's schema, *for this purpose*: the purpose
//!    whose weight the score took is the attested one); `Poseidon([A.x, A.y])` is in the
//!    registry under `registry_root`.
//! 6. `M = a·B8` with `a < l` (the record is the member's); `nullifier = Poseidon([a, bank, epoch])`.
//! 7. `account` in `state_depth` bits, those bits the path directions: `Poseidon5([M.x, M.y,
//!    balance, nonce, ext])` is the leaf at index `account` under `state_root` (the account is
//!    the member's).
//!
//! What the circuit leaves to the attester and to whoever registers the policy (input bounds,
//! one-hot groups, the policy's own rules) is explained in [`super`].
//!
//! Cost for the production shape (64 inputs, 4 tiers) at state depth `d`: `14,186 + 242·d`
//! constraints, **19,994 at the production depth 24** (goal: 20,000), 16,122 at depth 8 (both
//! pinned in `tests/snapshots/eligibility_production_shape{,_d24}_constraints.txt`).
//! Breakdown: policy hash 7 × 516, record commitment 6 × 516, signature 3,078, the signed
//! message 240, registry path 8 × 241 + leaf 240, `M = a·B8` 815, nullifier ~260, score 69
//! products, tiers 4 × 66, terms, amount and expiry about 400; the account: its index in `d`
//! bits (`d + 1`), the leaf's Poseidon5 (322) and `d` path levels of 241. The policy as a
//! private input costs its hash (3,612) and 74 products, less the per-input bounds checks the
//! attester's signature over the schema replaces.

use ark_ff::{AdditiveGroup, Field};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::boolean::Boolean;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use super::{
    EligibilityShape, EligibilityStatement, EligibilityWitness, PolicyParams, N_PURPOSES, REGISTRY_DEPTH,
    SCORE_BITS, SPONGE_RATE,
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
    chain(FpVar::constant(Fr::from(elements.len() as u64)), elements)
}

/// In-circuit [`super::chain`]. Cost: one Poseidon₁₂ (516 constraints) per 11 elements.
pub fn chain(init: FpVar<Fr>, elements: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut state = init;
    for chunk in elements.chunks(SPONGE_RATE) {
        let mut input = Vec::with_capacity(SPONGE_RATE + 1);
        input.push(state);
        input.extend(chunk.iter().cloned());
        input.resize(SPONGE_RATE + 1, FpVar::zero());
        state = hash(&input)?;
    }
    Ok(state)
}

/// `2⁶³`: a signed 64-bit integer plus this lies in `[0, 2⁶⁴)`.
fn offset() -> Fr {
    Fr::from(1u64 << 63)
}

/// The eligibility circuit for one shape and one state tree depth. Without policy, statement
/// and witness (setup) every allocation is empty: one key serves every policy of the shape.
#[derive(Clone, Debug)]
pub struct EligibilityCircuit {
    shape: EligibilityShape,
    state_depth: usize,
    params: Option<PolicyParams>,
    statement: Option<EligibilityStatement>,
    witness: Option<EligibilityWitness>,
}

impl EligibilityCircuit {
    /// The circuit proving `statement` from `witness` (normally [`super::evaluate`]'s output)
    /// under the policy `params`, in the circuit of `params.shape`, over a state tree of depth
    /// `state_depth`.
    pub fn new(
        params: PolicyParams,
        state_depth: usize,
        statement: EligibilityStatement,
        witness: EligibilityWitness,
    ) -> Self {
        Self {
            shape: params.shape,
            state_depth,
            params: Some(params),
            statement: Some(statement),
            witness: Some(witness),
        }
    }

    /// The circuit of `shape` without values, for key generation.
    pub fn setup(shape: EligibilityShape, state_depth: usize) -> Self {
        Self { shape, state_depth, params: None, statement: None, witness: None }
    }
}

impl ConstraintSynthesizer<Fr> for EligibilityCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let shape = self.shape;
        let state_depth = self.state_depth;
        // An invalid shape or depth is a wiring error: nothing the prover could satisfy.
        if shape.check().is_err() || state_depth == 0 || state_depth > MAX_DEPTH {
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

        // 1. the policy, opened against the public hash from the schema digest
        let elements = self.params.as_ref().map(PolicyParams::circuit_elements);
        if elements.as_ref().is_some_and(|e| e.len() != shape.policy_elements()) {
            // a policy that does not fit the shape
            return Err(SynthesisError::Unsatisfiable);
        }
        let policy = (0..shape.policy_elements())
            .map(|i| FpVar::new_witness(cs.clone(), || elements.as_ref().map(|e| e[i]).ok_or_else(missing)))
            .collect::<Result<Vec<_>, _>>()?;
        let schema =
            FpVar::new_witness(cs.clone(), || self.params.as_ref().map(|p| p.schema).ok_or_else(missing))?;
        chain(schema.clone(), &policy)?.enforce_equal(&policy_hash)?;
        let (coefficients, rest) = policy.split_at(shape.inputs);
        let (purpose_weights, tiers) = rest.split_at(N_PURPOSES);
        let thresholds: Vec<&FpVar<Fr>> = tiers.iter().step_by(2).collect();
        let packed: Vec<&FpVar<Fr>> = tiers.iter().skip(1).step_by(2).collect();

        // 2. purpose bits and the score
        let x = (0..shape.inputs)
            .map(|i| {
                FpVar::new_witness(cs.clone(), || {
                    w.and_then(|w| w.record.features.get(i)).map(|&v| super::int_to_fr(v)).ok_or_else(missing)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
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
        // score + 2⁶³ = Σ cᵢ·xᵢ + Σ pw'ⱼ·bⱼ + 2⁶³ (one product per term, one linear combination)
        let products = coefficients
            .iter()
            .zip(&x)
            .map(|(c, xi)| c * xi)
            .chain(purpose_weights.iter().zip(&purpose_bits).map(|(pw, b)| pw * FpVar::from(b.clone())))
            .collect::<Vec<_>>();
        let score = linear_combination(products.into_iter().map(|t| (Fr::ONE, t)), offset());

        // 3. tier and terms
        let ge = thresholds
            .iter()
            .map(|&t| is_le(&(t + offset()), &score, SCORE_BITS))
            .collect::<Result<Vec<_>, _>>()?;
        // the lowest tier is reached (else the applicant is declined). No separate range check
        // of the score: `is_le` put `score − t_last` in [0, 2⁶⁴), so the offset score lies in
        // [t_last + 2⁶³, t_last + 2⁶³ + 2⁶⁴) and every comparison above reads its top bit
        // correctly (the thresholds are the policy's i64s, fixed by the hash).
        ge.last().ok_or(SynthesisError::Unsatisfiable)?.enforce_equal(&Boolean::TRUE)?;
        let n = shape.tiers as u64;
        // tier = T + 1 − Σ geₖ (a repeated last tier counts once: it is reached with the last)
        linear_combination(ge.iter().map(|g| (-Fr::ONE, FpVar::from(g.clone()))), Fr::from(n + 1))
            .enforce_equal(&tier)?;
        // selₖ = geₖ − geₖ₋₁ is 1 at the tier only (geₖ is monotone: thresholds decrease)
        let selected = ge
            .iter()
            .enumerate()
            .zip(&packed)
            .map(|((k, g), &p)| {
                let g = FpVar::from(g.clone());
                let sel = if k == 0 { g } else { g - FpVar::from(ge[k - 1].clone()) };
                sel * p
            })
            .collect::<Vec<_>>();
        // the tier's packed terms are max_amount + 2⁶⁴·rate + 2⁹⁶·term, each in range: unique
        enforce_bits(&max_amount, AMOUNT_BITS)?;
        enforce_bits(&rate_bps, 32)?;
        enforce_bits(&term_months, 32)?;
        linear_combination(selected.into_iter().map(|t| (Fr::ONE, t)), Fr::ZERO).enforce_equal(
            &linear_combination(
                [
                    (Fr::ONE, max_amount.clone()),
                    (Fr::from(1u128 << 64), rate_bps),
                    (Fr::from(1u128 << 96), term_months),
                ],
                Fr::ZERO,
            ),
        )?;

        // 4. amount ≤ max_amount (both below 2⁶⁴), expiry > now
        enforce_bits(&amount, AMOUNT_BITS)?;
        enforce_le(&amount, &max_amount, AMOUNT_BITS)?;
        let expiry =
            FpVar::new_witness(cs.clone(), || w.map(|w| Fr::from(w.record.expiry)).ok_or_else(missing))?;
        enforce_bits(&now, 64)?;
        // expiry − now − 1 ∈ [0, 2⁶⁴) with now < 2⁶⁴: expiry = now + 1 + d, an integer above
        // now (below 2⁶⁵: no wrap), whatever the attester signed
        enforce_bits(&(&expiry - &now - Fr::ONE), 64)?;

        // 5. the attester's signature over the record, the attester in the registry
        let member = PointVar::new_witness(cs.clone(), || w.map(|w| w.record.member).ok_or_else(missing))?;
        let mut elements = x;
        elements.extend([member.x.clone(), expiry]);
        let commitment = chain(schema, &elements)?;
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

        // 6. M = a·B8 and the nullifier
        let a = FpVar::new_witness(cs.clone(), || {
            w.map(|w| super::member_scalar(&w.member_key)).ok_or_else(missing)
        })?;
        enforce_public_key(&a, &member)?;
        // nullifier = Poseidon([a, bank, epoch])
        hash(&[a, bank, epoch])?.enforce_equal(&nullifier)?;

        // 7. the account: Poseidon5([M.x, M.y, balance, nonce, ext]) at index `account`
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
