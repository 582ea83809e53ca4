//! The trained German policy in the production-shape eligibility circuit: its native twin
//! scores every row as `Policy::decide`, and the circuit agrees with it on every row.

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::constraints::EligibilityCircuit;
use ccr_circuits::credit::{
    evaluate, AccountLeaf, Application, Attestation, AttesterRegistry, EligibilityError,
    EligibilityStatement, EligibilityWitness, FinancialRecord, PolicyParams,
};
use ccr_circuits::merkle::SparseMerkleTree;
use ccr_circuits::state::account::Account;
use ccr_circuits::Fr;
use ccr_credit_policy::hash::{policy_elements, policy_hash, schema_digest};
use ccr_credit_policy::policy::PolicyError;
use ccr_credit_policy::schema::FeatureKind;
use ccr_credit_policy::{Policy, Purpose};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::common::{crate_path, german_policy, german_table};

/// The policy's constants as the circuit takes them.
fn params(policy: &Policy) -> PolicyParams {
    policy.circuit_params().expect("the German policy fits the circuit")
}

fn key(seed: u64) -> PrivateKey {
    PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(seed))
}

const NOW: u64 = 1_800_000_000;
/// Depth of the test state tree (the circuits crate pins the German shape at this depth).
const STATE_DEPTH: usize = 8;
const ACCOUNT: u64 = 12;

/// The settled state: the member (key 20) at [`ACCOUNT`].
fn state() -> SparseMerkleTree {
    let mut t = SparseMerkleTree::new(STATE_DEPTH).expect("depth 8");
    t.update(ACCOUNT, Account::new(key(20).public_key(), 700).leaf()).expect("index fits");
    t
}

/// A witness for row `x` asking `amount` for `purpose`, attested by a registered attester.
fn witness(registry: &AttesterRegistry, x: &[i64], purpose: Purpose, amount: u64) -> EligibilityWitness {
    let member_key = key(20);
    let mut features = x.to_vec();
    features.resize(german_policy().shape.inputs, 0);
    let record = FinancialRecord {
        features,
        member: member_key.public_key(),
        expiry: NOW + 1,
        schema: schema_digest(german_policy()),
    };
    EligibilityWitness {
        attestation: Attestation::sign(&key(1), &record, purpose.code()),
        record,
        registry_proof: registry.proof(0).expect("slot 0"),
        member_key,
        application: Application {
            bank: 1,
            amount,
            purpose: purpose.code(),
            epoch: 3,
            account: ACCOUNT,
            now: NOW,
        },
        account_leaf: AccountLeaf {
            balance: 700,
            nonce: 0,
            ext: Account::new(key(20).public_key(), 0).ext_hash(),
        },
        account_proof: state().proof(ACCOUNT).expect("index fits"),
    }
}

fn eval(
    params: &PolicyParams,
    registry: &AttesterRegistry,
    w: &EligibilityWitness,
) -> Result<EligibilityStatement, EligibilityError> {
    evaluate(params, params.hash(), registry.root(), state().root(), STATE_DEPTH, w)
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
    EligibilityCircuit::new(params.clone(), STATE_DEPTH, statement, w.clone())
        .generate_constraints(cs.clone())
        .expect("synthesis");
    (cs.num_constraints(), cs.is_satisfied().expect("proving mode"))
}

/// Whether the circuit for `statement` and `w` is satisfied, checked as the prover checks it:
/// the witness alone synthesized (no linear combination built), then every constraint of
/// `matrices` (the setup circuit's) evaluated on it. A thousand rows in seconds.
fn satisfies(
    matrices: &ccr_prover::ConstraintMatrices,
    params: &PolicyParams,
    statement: EligibilityStatement,
    w: &EligibilityWitness,
) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
    EligibilityCircuit::new(params.clone(), STATE_DEPTH, statement, w.clone())
        .generate_constraints(cs.clone())
        .expect("synthesis");
    let mut z = cs.instance_assignment().expect("proving mode");
    z.extend(cs.witness_assignment().expect("proving mode"));
    matrices.is_satisfied(&z)
}

#[test]
fn circuit_params_hash_to_the_policy_hash() {
    let p = german_policy();
    assert_eq!(params(p).circuit_elements(), policy_elements(p));
    assert_eq!(params(p).schema, schema_digest(p));
    assert_eq!(params(p).hash(), policy_hash(p));
    assert_eq!(p.hash, policy_hash(p).to_string());
    params(p).check().expect("the German policy fits the circuit");
}

#[test]
fn native_twin_scores_every_german_row_as_the_policy() {
    let p = german_policy();
    let params = params(p);
    for x in &german_table().inputs {
        let mut padded = x.clone();
        padded.resize(p.shape.inputs, 0);
        params.check_inputs(&padded).expect("encoded rows are within the schema's bounds");
        for purpose in Purpose::ALL {
            let d = p.decide(x, purpose).expect("score fits");
            let score = params.score(&padded, purpose.code()).expect("score fits");
            assert_eq!(score, d.score);
            assert_eq!(params.tier_of(score), d.tier);
        }
    }
}

/// Native ⇔ circuit on every German row (the purpose rotating): an approved row's statement
/// satisfies the circuit at the tier `Policy::decide` gives; a declined row satisfies no
/// claimed tier. The first rows through arkworks' own satisfiability check, every row through
/// the prover's (the setup circuit's matrices evaluated on the witness).
#[test]
fn circuit_agrees_with_the_policy_on_every_german_row() {
    let p = german_policy();
    let params = params(p);
    let registry = registry();
    let pinned: usize = std::fs::read_to_string(crate_path(
        "../circuits/tests/snapshots/eligibility_production_shape_constraints.txt",
    ))
    .expect("the circuits crate pins the production-shape count")
    .trim()
    .parse()
    .expect("a number");
    let matrices =
        ccr_prover::ConstraintMatrices::synthesize(EligibilityCircuit::setup(params.shape, STATE_DEPTH))
            .expect("setup synthesis");
    assert_eq!(matrices.num_constraints(), pinned, "one circuit for every policy of the shape");
    let (mut approved, mut declined) = (0, 0);
    for (i, x) in german_table().inputs.iter().enumerate() {
        let purpose = Purpose::ALL[i % Purpose::ALL.len()];
        let decision = p.decide(x, purpose).expect("score fits");
        match decision.tier {
            Some(tier) => {
                let max = p.tiers[tier - 1].max_amount;
                let w = witness(&registry, x, purpose, max);
                let st = eval(&params, &registry, &w).expect("eligible");
                assert_eq!(usize::from(st.tier), tier);
                if approved < 3 {
                    let (n, ok) = synthesize(&params, st, &w);
                    assert!(ok && n == pinned, "row {i}: arkworks' check");
                }
                assert!(
                    satisfies(&matrices, &params, st, &w),
                    "row {i} scoring {} in tier {tier}",
                    decision.score
                );
                approved += 1;
            }
            None => {
                let w = witness(&registry, x, purpose, 1);
                assert!(matches!(eval(&params, &registry, &w), Err(EligibilityError::Declined { .. })));
                // No claimed tier is satisfiable: the statement of the lowest tier is the one a
                // cheat would try (the others need a higher score still).
                let t = p.tiers.last().expect("tiers");
                let st = EligibilityStatement {
                    bank: 1,
                    amount: 1,
                    purpose: purpose.code(),
                    tier: p.tiers.len() as u8,
                    max_amount: t.max_amount,
                    rate_bps: t.rate_bps,
                    term_months: t.term_months,
                    policy_hash: params.hash(),
                    registry_root: registry.root(),
                    nullifier: ccr_circuits::credit::nullifier(&key(20), 1, 3),
                    account: ACCOUNT,
                    epoch: 3,
                    now: NOW,
                    state_root: state().root(),
                };
                if declined < 3 {
                    assert!(!synthesize(&params, st, &w).1, "declined row {i}: arkworks' check");
                }
                assert!(!satisfies(&matrices, &params, st, &w), "declined row {i} claimed the lowest tier");
                declined += 1;
            }
        }
    }
    assert_eq!(approved + declined, german_table().inputs.len());
    assert!(approved > 0 && declined > 0, "{approved} approved, {declined} declined");
}

#[test]
fn circuit_params_refuse_an_unclamped_numeric_feature() {
    // The tiny policy's `years` has no clamp.
    let tiny = crate::common::tiny_policy();
    match tiny.circuit_params() {
        Err(PolicyError::Unclamped { feature }) => assert_eq!(feature, "years"),
        other => panic!("expected Unclamped, got {other:?}"),
    }
    assert!(tiny.circuit_params().expect_err("unclamped").to_string().contains("add \"clamp\""));
}

#[test]
fn circuit_params_are_the_policys_constants() {
    let p = german_policy();
    let params = params(p);
    assert_eq!(params.coefficients, p.coefficients());
    assert_eq!(params.bias, p.bias);
    assert_eq!(params.purpose_weights, p.purpose_weights.as_array());
    assert_eq!(params.tiers.len(), p.tiers.len());
    assert_eq!(params.bounds.len(), p.schema.n_inputs());
    let groups =
        p.schema.features.iter().filter(|f| matches!(f.kind, FeatureKind::Categorical { .. })).count();
    assert_eq!(params.one_hot.len(), groups);
}
