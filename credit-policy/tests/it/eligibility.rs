//! The trained German policy in the eligibility circuit: its native twin scores every row as
//! `Policy::decide`, and the circuit is satisfied for a sample of applicants.

use std::str::FromStr;

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::constraints::EligibilityCircuit;
use ccr_circuits::credit::{
    evaluate, Application, Attestation, AttesterRegistry, EligibilityError, EligibilityStatement,
    EligibilityWitness, FinancialRecord, PolicyParams, TierTerms,
};
use ccr_circuits::Fr;
use ccr_credit_policy::hash::{policy_elements, policy_hash, sponge};
use ccr_credit_policy::schema::FeatureKind;
use ccr_credit_policy::{Policy, Purpose};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::common::{crate_path, german_policy, german_table};

/// The policy's constants as the circuit takes them.
fn params(policy: &Policy) -> PolicyParams {
    let (mut bounds, mut one_hot) = (Vec::new(), Vec::new());
    for f in &policy.schema.features {
        match &f.kind {
            FeatureKind::Numeric { clamp } => {
                let [lo, hi] = clamp.expect("every German numeric feature is clamped");
                bounds.push((lo, hi));
            }
            FeatureKind::Categorical { categories } => {
                one_hot.push((bounds.len(), categories.len()));
                bounds.extend(categories.iter().map(|_| (0, 1)));
            }
        }
    }
    PolicyParams {
        coefficients: policy.coefficients(),
        bounds,
        one_hot,
        bias: policy.bias,
        tiers: policy
            .tiers
            .iter()
            .map(|t| TierTerms {
                threshold: t.threshold,
                max_amount: t.max_amount,
                rate_bps: t.rate_bps,
                term_months: t.term_months,
            })
            .collect(),
        purpose_weights: policy.purpose_weights.as_array(),
        hash: Fr::from_str(&policy.hash).expect("the policy hash is a field element"),
    }
}

fn key(seed: u64) -> PrivateKey {
    PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(seed))
}

const NOW: u64 = 1_800_000_000;

/// A witness for row `x` asking `amount` for `purpose`, attested by a registered attester.
fn witness(registry: &AttesterRegistry, x: &[i64], purpose: Purpose, amount: u64) -> EligibilityWitness {
    let member_key = key(20);
    let record = FinancialRecord { features: x.to_vec(), member: member_key.public_key(), expiry: NOW + 1 };
    EligibilityWitness {
        attestation: Attestation::sign(&key(1), &record),
        record,
        registry_proof: registry.proof(0).expect("slot 0"),
        member_key,
        application: Application {
            bank: 1,
            amount,
            purpose: purpose.code(),
            epoch: 3,
            account: 12,
            now: NOW,
        },
    }
}

fn registry() -> AttesterRegistry {
    let mut r = AttesterRegistry::new();
    r.add(0, &key(1).public_key()).expect("slot 0");
    r
}

/// (constraints, satisfied) of the circuit for `statement` and `w`.
fn synthesize(
    params: &PolicyParams,
    statement: EligibilityStatement,
    w: &EligibilityWitness,
) -> (usize, bool) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    EligibilityCircuit::new(params.clone(), statement, w.clone())
        .generate_constraints(cs.clone())
        .expect("synthesis");
    (cs.num_constraints(), cs.is_satisfied().expect("proving mode"))
}

#[test]
fn circuit_sponge_and_hash_are_the_policy_hash() {
    let p = german_policy();
    let elements = policy_elements(p);
    assert_eq!(ccr_circuits::credit::sponge(&elements), sponge(&elements));
    assert_eq!(params(p).hash, policy_hash(p));
    params(p).check().expect("the German policy fits the circuit");
}

#[test]
fn native_twin_scores_every_german_row_as_the_policy() {
    let p = german_policy();
    let params = params(p);
    for x in &german_table().inputs {
        params.check_inputs(x).expect("encoded rows are within the schema's bounds");
        for purpose in Purpose::ALL {
            let d = p.decide(x, purpose).expect("score fits");
            let score = params.score(x, purpose.code()).expect("score fits");
            assert_eq!(score, d.score);
            assert_eq!(params.tier_of(score), d.tier);
        }
    }
}

#[test]
fn circuit_is_satisfied_for_german_applicants_and_not_for_a_declined_one() {
    let p = german_policy();
    let params = params(p);
    let registry = registry();
    let pinned: usize = std::fs::read_to_string(crate_path(
        "../circuits/tests/snapshots/eligibility_german_shape_constraints.txt",
    ))
    .expect("the circuits crate pins the German-shape count")
    .trim()
    .parse()
    .expect("a number");
    let purpose = Purpose::EcologicalRestoration;
    let mut approved = 0;
    let mut declined = 0;
    for x in &german_table().inputs {
        let decision = p.decide(x, purpose).expect("score fits");
        match decision.tier {
            Some(tier) if approved < 5 => {
                let max = p.tiers[tier - 1].max_amount;
                let w = witness(&registry, x, purpose, max);
                let st = evaluate(&params, params.hash, registry.root(), &w).expect("eligible");
                assert_eq!(usize::from(st.tier), tier);
                let (n, ok) = synthesize(&params, st, &w);
                assert!(ok, "row scoring {} in tier {tier}", decision.score);
                assert_eq!(n, pinned, "the trained policy has the pinned German shape");
                approved += 1;
            }
            None if declined < 1 => {
                let w = witness(&registry, x, purpose, 1);
                assert!(matches!(
                    evaluate(&params, params.hash, registry.root(), &w),
                    Err(EligibilityError::Declined { .. })
                ));
                // No claimed tier is satisfiable: take a valid statement's other fields.
                let good = german_table()
                    .inputs
                    .iter()
                    .find(|g| p.decide(g, purpose).expect("fits").tier.is_some())
                    .expect("someone is approved");
                let valid =
                    evaluate(&params, params.hash, registry.root(), &witness(&registry, good, purpose, 1))
                        .expect("eligible");
                for (k, t) in p.tiers.iter().enumerate() {
                    let st = EligibilityStatement {
                        tier: k as u8 + 1,
                        max_amount: t.max_amount,
                        rate_bps: t.rate_bps,
                        term_months: t.term_months,
                        ..valid
                    };
                    assert!(!synthesize(&params, st, &w).1, "declined row claimed tier {}", k + 1);
                }
                declined += 1;
            }
            _ => {}
        }
        if approved == 5 && declined == 1 {
            break;
        }
    }
    assert_eq!((approved, declined), (5, 1));
}
