//! Eligibility: native twin vs circuit on a policy of the German credit shape (63 inputs,
//! 3 tiers) in the production-shape circuit (64 inputs, 4 tiers) over a state tree of depth 8,
//! a second policy of another schema and tier count under the same key, one tamper per
//! soundness test from a fresh valid witness, pinned cost (depth 8 and the production depth 24).

use ark_ff::{Field, PrimeField};
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::GR1CSVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ccr_circuits::babyjubjub::constraints::{enforce_public_key, PointVar};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::constraints::{sponge as sponge_gadget, EligibilityCircuit};
use ccr_circuits::credit::{
    chain, evaluate, member_scalar, nullifier, pack_terms, sponge, AccountLeaf, Application, Attestation,
    AttesterRegistry, EligibilityError, EligibilityShape, EligibilityStatement, EligibilityWitness,
    FinancialRecord, PolicyParams, TierTerms, REGISTRY_DEPTH,
};
use ccr_circuits::merkle::{SparseMerkleTree, PRODUCTION_DEPTH};
use ccr_circuits::state::account::Account;
use ccr_circuits::Fr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, new_cs, MODES};

/// The German credit schema's shape: categorical groups (size) and numeric clamps, in order.
enum Feature {
    Cat(usize),
    Num(i64, i64),
}

const GERMAN_SHAPE: [Feature; 20] = [
    Feature::Cat(4),
    Feature::Num(1, 72),
    Feature::Cat(5),
    Feature::Cat(11),
    Feature::Num(0, 20_000),
    Feature::Cat(5),
    Feature::Cat(5),
    Feature::Num(1, 4),
    Feature::Cat(5),
    Feature::Cat(3),
    Feature::Num(1, 4),
    Feature::Cat(4),
    Feature::Num(18, 100),
    Feature::Cat(3),
    Feature::Cat(3),
    Feature::Num(1, 4),
    Feature::Cat(4),
    Feature::Num(1, 2),
    Feature::Cat(2),
    Feature::Cat(2),
];

/// Input index of `credit_amount` (coefficient −1: 20,000 of it declines anyone).
const CREDIT_AMOUNT: usize = 4 + 1 + 5 + 11;

const NOW: u64 = 1_800_000_000;
const TIER2_MAX: u64 = 5_000;
/// Depth of the test state tree (production: 24).
const STATE_DEPTH: usize = 8;
/// The member's account index (key 10); key 11 holds account 98.
const ACCOUNT: u64 = 99;

/// The circuit's shape: the production one.
const SHAPE: EligibilityShape = EligibilityShape::PRODUCTION;

/// The schema digest of the fixture's policy (opaque to the circuit).
fn schema() -> Fr {
    Fr::from(0xC0FFEEu64)
}

/// The lowest-valued input vector: first category of each group, numerics at `lo`, padded
/// with zeros to the shape's 64 inputs.
fn base_features() -> Vec<i64> {
    let mut x = Vec::new();
    for f in &GERMAN_SHAPE {
        match *f {
            Feature::Cat(n) => x.extend((0..n).map(|i| i64::from(i == 0))),
            Feature::Num(lo, _) => x.push(lo),
        }
    }
    x.resize(SHAPE.inputs, 0);
    x
}

/// A policy of the German shape with random int8·2^shift coefficients, its bias set so that
/// [`base_features`] with credit amount 1,000 scores 500 (tier 2) with purpose 1 (weight 0).
fn params() -> PolicyParams {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let (mut bounds, mut one_hot) = (Vec::new(), Vec::new());
    for f in &GERMAN_SHAPE {
        match *f {
            Feature::Cat(n) => {
                one_hot.push((bounds.len(), n));
                bounds.extend((0..n).map(|_| (0, 1)));
            }
            Feature::Num(lo, hi) => bounds.push((lo, hi)),
        }
    }
    let mut coefficients: Vec<i64> =
        (0..bounds.len()).map(|_| i64::from(rng.gen_range(-126i8..=126)) << rng.gen_range(0..8u32)).collect();
    coefficients[CREDIT_AMOUNT] = -1;
    let mut x = base_features();
    x[CREDIT_AMOUNT] = 1_000;
    let raw: i64 = coefficients.iter().zip(&x).map(|(c, v)| c * v).sum();
    PolicyParams {
        shape: SHAPE,
        schema: schema(),
        coefficients,
        bounds,
        one_hot,
        bias: 500 - raw,
        tiers: vec![
            TierTerms { threshold: 1_000, max_amount: 10_000, rate_bps: 500, term_months: 36 },
            TierTerms { threshold: 0, max_amount: TIER2_MAX, rate_bps: 800, term_months: 24 },
            TierTerms { threshold: -1_000, max_amount: 2_000, rate_bps: 1_200, term_months: 12 },
        ],
        purpose_weights: [100, 0, 700, 300, -2_000],
    }
}

fn key(seed: u64) -> PrivateKey {
    PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(seed))
}

/// A settled state: member key 10 at [`ACCOUNT`] (with a loan and a nonce), key 11 at 98.
fn state() -> (SparseMerkleTree, AccountLeaf) {
    let mut tree = SparseMerkleTree::new(STATE_DEPTH).expect("depth 8");
    let mut mine = Account::new(key(10).public_key(), 12_345);
    mine.nonce = 4;
    mine.bank = 7;
    mine.debt = 1_000;
    tree.update(ACCOUNT, mine.leaf()).expect("index fits");
    tree.update(98, Account::new(key(11).public_key(), 50).leaf()).expect("index fits");
    (tree, AccountLeaf { balance: mine.balance, nonce: mine.nonce, ext: mine.ext_hash() })
}

/// A fresh valid application: attester 1 at slot 3 of the registry (beside attester 2 at
/// slot 5), member key 10 with account [`ACCOUNT`], tier 2 for purpose 1, 3,000 asked.
struct Fixture {
    params: PolicyParams,
    registry: AttesterRegistry,
    state: SparseMerkleTree,
    witness: EligibilityWitness,
}

impl Fixture {
    fn new() -> Self {
        let mut registry = AttesterRegistry::new();
        registry.add(3, &key(1).public_key()).expect("slot 3 exists");
        registry.add(5, &key(2).public_key()).expect("slot 5 exists");
        let mut features = base_features();
        features[CREDIT_AMOUNT] = 1_000;
        let member_key = key(10);
        let record = FinancialRecord {
            features,
            member: member_key.public_key(),
            expiry: NOW + 86_400,
            schema: schema(),
        };
        let (state, account_leaf) = state();
        let witness = EligibilityWitness {
            attestation: Attestation::sign(&key(1), &record, 1),
            record,
            registry_proof: registry.proof(3).expect("slot 3 exists"),
            member_key,
            application: Application {
                bank: 7,
                amount: 3_000,
                purpose: 1,
                epoch: 42,
                account: ACCOUNT,
                now: NOW,
            },
            account_leaf,
            account_proof: state.proof(ACCOUNT).expect("index fits"),
        };
        Self { params: params(), registry, state, witness }
    }

    fn evaluate(&self) -> Result<EligibilityStatement, EligibilityError> {
        self.evaluate_with(&self.witness)
    }

    fn evaluate_with(&self, w: &EligibilityWitness) -> Result<EligibilityStatement, EligibilityError> {
        evaluate(&self.params, self.params.hash(), self.registry.root(), self.state.root(), STATE_DEPTH, w)
    }

    fn statement(&self) -> EligibilityStatement {
        self.evaluate().expect("the fixture is eligible")
    }

    /// The attester re-signs the (edited) record for the application's purpose, as for a
    /// genuine record.
    fn resign(&mut self, attester: u64) {
        self.witness.attestation =
            Attestation::sign(&key(attester), &self.witness.record, self.witness.application.purpose);
    }
}

fn satisfied(params: &PolicyParams, statement: EligibilityStatement, witness: &EligibilityWitness) -> bool {
    let cs = new_cs();
    EligibilityCircuit::new(params.clone(), STATE_DEPTH, statement, witness.clone())
        .generate_constraints(cs.clone())
        .expect("synthesis succeeds on any assignment");
    cs.is_satisfied().expect("a proving-mode system")
}

#[test]
fn native_and_circuit_agree_and_are_satisfied() {
    let f = Fixture::new();
    let st = f.statement();
    assert_eq!((st.tier, st.max_amount, st.rate_bps, st.term_months), (2, TIER2_MAX, 800, 24));
    assert_eq!(st.nullifier, nullifier(&key(10), 7, 42));
    assert_eq!(st.public_inputs().len(), EligibilityStatement::N_PUBLIC);
    let cs = new_cs();
    EligibilityCircuit::new(f.params.clone(), STATE_DEPTH, st, f.witness.clone())
        .generate_constraints(cs.clone())
        .expect("synthesis");
    assert_satisfied(&cs);
    let instance = cs.instance_assignment().expect("proving mode");
    assert_eq!(instance[0], Fr::ONE);
    assert_eq!(&instance[1..], st.public_inputs().as_slice());
}

#[test]
fn every_purpose_and_tier_agrees_with_the_circuit() {
    // Purpose weights move the fixture's score 500 to 600 (t2), 500 (t2), 1200 (t1), 800 (t2),
    // -1500 (declined); a credit amount of 1,800 lowers it by 800 more.
    let mut seen = Vec::new();
    for credit_amount in [1_000, 1_800] {
        for purpose in 0..5u8 {
            let mut f = Fixture::new();
            f.witness.record.features[CREDIT_AMOUNT] = credit_amount;
            f.witness.application.purpose = purpose;
            f.resign(1);
            f.witness.application.amount = 1_000;
            let score = f.params.score(&f.witness.record.features, purpose).expect("in range");
            match f.evaluate() {
                Ok(st) => {
                    assert_eq!(Some(usize::from(st.tier)), f.params.tier_of(score));
                    assert!(satisfied(&f.params, st, &f.witness), "purpose {purpose}, score {score}");
                    seen.push(st.tier);
                }
                Err(e) => {
                    assert_eq!(f.params.tier_of(score), None);
                    assert!(matches!(e, EligibilityError::Declined { .. }), "{e}");
                }
            }
        }
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, vec![1, 2, 3], "the cases reach every tier");
}

#[test]
fn setup_mode_has_the_same_shape() {
    let f = Fixture::new();
    let prove = new_cs();
    EligibilityCircuit::new(f.params.clone(), STATE_DEPTH, f.statement(), f.witness.clone())
        .generate_constraints(prove.clone())
        .expect("synthesis");
    let setup = ConstraintSystem::<Fr>::new_ref();
    setup.set_mode(SynthesisMode::Setup);
    EligibilityCircuit::setup(SHAPE, STATE_DEPTH)
        .generate_constraints(setup.clone())
        .expect("setup synthesis");
    assert_eq!(setup.num_constraints(), prove.num_constraints());
    assert_eq!(setup.num_instance_variables(), prove.num_instance_variables());
    assert_eq!(setup.num_witness_variables(), prove.num_witness_variables());
}

#[test]
fn eligibility_constraint_count_is_pinned() {
    let f = Fixture::new();
    let cs = new_cs();
    EligibilityCircuit::new(f.params.clone(), STATE_DEPTH, f.statement(), f.witness.clone())
        .generate_constraints(cs.clone())
        .expect("synthesis");
    let n = cs.num_constraints();
    assert_snapshot("eligibility_production_shape_constraints", n);
    // Production depth: the same circuit with 16 more path levels (setup mode: no witness).
    let setup = ConstraintSystem::<Fr>::new_ref();
    setup.set_mode(SynthesisMode::Setup);
    EligibilityCircuit::setup(SHAPE, PRODUCTION_DEPTH)
        .generate_constraints(setup.clone())
        .expect("setup synthesis");
    let n24 = setup.num_constraints();
    assert_eq!(
        n24 - n,
        (PRODUCTION_DEPTH - STATE_DEPTH) * 242,
        "242 per level: a path level and an index bit"
    );
    assert!(n24 <= 20_000, "{n24} constraints at depth 24: above the 20,000 goal");
    assert_snapshot("eligibility_production_shape_d24_constraints", n24);
}

#[test]
fn sponge_gadget_equals_native_in_every_mode() {
    let elements: Vec<Fr> = (0..23u64).map(|i| Fr::from(i * 1_000 + 7) - Fr::from(5_000u64)).collect();
    for len in [1, 11, 12, 23] {
        for mode in MODES {
            let cs = new_cs();
            let vars = elements[..len]
                .iter()
                .map(|&e| FpVar::new_variable(cs.clone(), || Ok(e), mode))
                .collect::<Result<Vec<_>, _>>()
                .expect("allocation");
            let out = sponge_gadget(&vars).expect("synthesis");
            assert_eq!(out.value().expect("assigned"), sponge(&elements[..len]));
            assert_satisfied(&cs);
        }
    }
}

#[test]
fn public_key_gadget_accepts_the_secret_scalar_only() {
    let member = key(10);
    for (scalar, expect) in [(member_scalar(&member), true), (member_scalar(&member) + Fr::ONE, false)] {
        let cs = new_cs();
        let a = FpVar::new_witness(cs.clone(), || Ok(scalar)).expect("allocation");
        let pk = PointVar::new_witness(cs.clone(), || Ok(member.public_key())).expect("allocation");
        enforce_public_key(&a, &pk).expect("synthesis");
        assert_eq!(cs.is_satisfied().expect("proving mode"), expect);
    }
    // a + l names the same point but is not canonical: rejected, so the nullifier is unique.
    let l = Fr::from_bigint(<ccr_circuits::babyjubjub::ScalarField as PrimeField>::MODULUS).expect("l < r");
    let cs = new_cs();
    let a = FpVar::new_witness(cs.clone(), || Ok(member_scalar(&member) + l)).expect("allocation");
    let pk = PointVar::new_witness(cs.clone(), || Ok(member.public_key())).expect("allocation");
    enforce_public_key(&a, &pk).expect("synthesis");
    assert_unsatisfied(&cs);
}

#[test]
fn tampered_feature_fails() {
    let f = Fixture::new();
    let st = f.statement();
    let mut w = f.witness.clone();
    w.record.features[CREDIT_AMOUNT] -= 1;
    assert!(matches!(f.evaluate_with(&w), Err(EligibilityError::BadSignature(_))));
    assert!(!satisfied(&f.params, st, &w));
}

#[test]
fn wrong_attester_fails() {
    // Attester 2 is registered, but attester 1 signed: claiming attester 2 breaks the signature.
    let f = Fixture::new();
    let st = f.statement();
    let mut w = f.witness.clone();
    w.attestation.attester = key(2).public_key();
    w.registry_proof = f.registry.proof(5).expect("slot 5");
    assert!(matches!(f.evaluate_with(&w), Err(EligibilityError::BadSignature(_))));
    assert!(!satisfied(&f.params, st, &w));
}

#[test]
fn attester_not_in_registry_fails() {
    let mut f = Fixture::new();
    let st = f.statement();
    f.resign(3);
    assert_eq!(f.evaluate().expect_err("unregistered"), EligibilityError::AttesterNotInRegistry { index: 3 });
    assert!(!satisfied(&f.params, st, &f.witness));
}

#[test]
fn expired_record_fails() {
    let mut f = Fixture::new();
    let st = f.statement();
    f.witness.record.expiry = NOW;
    f.resign(1);
    assert_eq!(f.evaluate().expect_err("expired"), EligibilityError::Expired { expiry: NOW, now: NOW });
    assert!(!satisfied(&f.params, st, &f.witness));
}

#[test]
fn amount_above_tier_max_fails() {
    let mut f = Fixture::new();
    let mut st = f.statement();
    f.witness.application.amount = TIER2_MAX + 1;
    st.amount = TIER2_MAX + 1;
    assert_eq!(
        f.evaluate().expect_err("too much"),
        EligibilityError::AmountAboveTierMax { amount: TIER2_MAX + 1, tier: 2, max: TIER2_MAX }
    );
    assert!(!satisfied(&f.params, st, &f.witness));
}

#[test]
fn declined_applicant_satisfies_no_claimed_tier() {
    let mut f = Fixture::new();
    let valid = f.statement();
    f.witness.record.features[CREDIT_AMOUNT] = 20_000;
    f.resign(1);
    assert!(matches!(f.evaluate(), Err(EligibilityError::Declined { score: -18_500, lowest: -1_000 })));
    for (k, t) in f.params.tiers.iter().enumerate() {
        let st = EligibilityStatement {
            tier: k as u8 + 1,
            max_amount: t.max_amount,
            rate_bps: t.rate_bps,
            term_months: t.term_months,
            amount: 1,
            ..valid
        };
        assert!(!satisfied(&f.params, st, &f.witness), "claimed tier {}", k + 1);
    }
}

#[test]
fn wrong_tier_claim_fails() {
    let f = Fixture::new();
    let t1 = f.params.tiers[0];
    let st = EligibilityStatement {
        tier: 1,
        max_amount: t1.max_amount,
        rate_bps: t1.rate_bps,
        term_months: t1.term_months,
        ..f.statement()
    };
    assert!(!satisfied(&f.params, st, &f.witness));
}

#[test]
fn wrong_policy_hash_fails() {
    let f = Fixture::new();
    let mut st = f.statement();
    st.policy_hash += Fr::ONE;
    assert!(matches!(
        evaluate(&f.params, st.policy_hash, f.registry.root(), f.state.root(), STATE_DEPTH, &f.witness),
        Err(EligibilityError::PolicyMismatch { .. })
    ));
    assert!(!satisfied(&f.params, st, &f.witness));
}

#[test]
fn wrong_nullifier_fails() {
    let f = Fixture::new();
    for other in [nullifier(&key(10), 7, 43), nullifier(&key(10), 8, 42), nullifier(&key(11), 7, 42)] {
        let st = EligibilityStatement { nullifier: other, ..f.statement() };
        assert!(!satisfied(&f.params, st, &f.witness));
    }
}

#[test]
fn record_of_another_member_fails() {
    // The record and attestation are valid, but for key 10; the prover holds key 11.
    let f = Fixture::new();
    let mut w = f.witness.clone();
    w.member_key = key(11);
    assert_eq!(f.evaluate_with(&w).expect_err("not the member"), EligibilityError::RecordNotForMember);
    let st = EligibilityStatement { nullifier: nullifier(&key(11), 7, 42), ..f.statement() };
    assert!(!satisfied(&f.params, st, &w));
}

/// Bounds and one-hot groups are the attester's statement under the schema (see the module
/// docs of `ccr_circuits::credit`): the native check refuses a record that breaks them before
/// any proving, with the input named; padding beyond the policy's inputs must be zero.
#[test]
fn feature_out_of_bounds_or_broken_one_hot_is_refused_natively() {
    for (index, value) in [(CREDIT_AMOUNT, 20_001), (CREDIT_AMOUNT, -1), (0, 0), (1, 1), (63, 1)] {
        let mut f = Fixture::new();
        f.witness.record.features[index] = value;
        f.resign(1);
        assert!(
            matches!(
                f.evaluate(),
                Err(EligibilityError::FeatureOutOfRange { .. } | EligibilityError::OneHot { .. })
            ),
            "input {index} = {value}"
        );
    }
    let mut f = Fixture::new();
    f.witness.record.features.pop();
    f.resign(1);
    assert_eq!(
        f.evaluate().expect_err("63 features"),
        EligibilityError::FeatureWidth { got: 63, expected: 64 }
    );
}

/// Before records named their schema, a record attested under one encoding could be scored by
/// a policy of another encoding with as many inputs (a bank that reorders or re-clamps its
/// features, or another bank): the inputs meant something else there. The record is now
/// signed over its schema digest, which the policy hash opens.
#[test]
fn attack_record_read_under_another_schema() {
    let f = Fixture::new();
    let st = f.statement();
    // The same policy under another schema, the record unchanged (signed under the first).
    let other = PolicyParams { schema: schema() + Fr::ONE, ..f.params.clone() };
    let st_other = EligibilityStatement { policy_hash: other.hash(), ..st };
    assert_eq!(
        evaluate(&other, other.hash(), f.registry.root(), f.state.root(), STATE_DEPTH, &f.witness)
            .expect_err("another schema"),
        EligibilityError::SchemaMismatch { record: schema(), policy: schema() + Fr::ONE }
    );
    assert!(!satisfied(&other, st_other, &f.witness));
    // Relabelling the record's schema breaks the attester's signature.
    let mut w = f.witness.clone();
    w.record.schema = schema() + Fr::ONE;
    assert!(matches!(
        evaluate(&other, other.hash(), f.registry.root(), f.state.root(), STATE_DEPTH, &w),
        Err(EligibilityError::BadSignature(_))
    ));
    assert!(!satisfied(&other, st_other, &w));
}

/// A policy opened that is not the one the public hash names leaves the circuit unsatisfied,
/// one circuit element at a time (a coefficient, a purpose weight, a threshold, packed terms).
#[test]
fn policy_opened_against_another_hash_fails() {
    let f = Fixture::new();
    let st = f.statement();
    let tampers: [fn(&mut PolicyParams); 6] = [
        |p| p.coefficients[CREDIT_AMOUNT] = -2,
        |p| p.coefficients[0] += 1,
        |p| p.bias += 1,
        |p| p.purpose_weights[1] = 1,
        |p| p.tiers[1].threshold = 499,
        |p| p.tiers[1].rate_bps = 799,
    ];
    for (i, tamper) in tampers.iter().enumerate() {
        let mut p = f.params.clone();
        tamper(&mut p);
        assert_ne!(p.hash(), f.params.hash(), "tamper {i}");
        assert!(matches!(
            evaluate(&p, f.params.hash(), f.registry.root(), f.state.root(), STATE_DEPTH, &f.witness),
            Err(EligibilityError::PolicyMismatch { .. })
        ));
        // The statement names the genuine hash; the witness opens the tampered policy.
        assert!(!satisfied(&p, st, &f.witness), "tamper {i}");
    }
}

/// The policy hash is the chain from the schema over the documented circuit elements: padding
/// to 64 coefficients, the bias inside each purpose weight, the last tier repeated.
#[test]
fn policy_hash_layout_is_the_documented_one() {
    let p = params();
    let e = p.circuit_elements();
    assert_eq!(e.len(), SHAPE.policy_elements());
    assert_eq!(e.len(), 77, "7 calls of Poseidon12 for the production shape");
    assert_eq!(e[63], Fr::from(0u64), "input 63 is padding");
    assert_eq!(e[64 + 2], Fr::from(i128::from(p.bias) + 700));
    let t3 = p.tiers[2];
    let last = [Fr::from(-1_000i64), pack_terms(t3.max_amount, t3.rate_bps, t3.term_months)];
    assert_eq!(e[69 + 4..69 + 6], last, "tier 3");
    assert_eq!(e[69 + 6..], last, "tier 3 repeated as tier 4");
    assert_eq!(pack_terms(2_000, 1_200, 12), Fr::from(2_000u128 + (1_200u128 << 64) + (12u128 << 96)));
    assert_eq!(p.hash(), chain(schema(), &e));
}

/// One key for every policy of the shape: a second policy with another schema, other
/// coefficients, four tiers and other purpose weights is proven by the same circuit (the
/// same constraint system, compared in setup mode).
#[test]
fn a_second_policy_uses_the_same_circuit() {
    let mut f = Fixture::new();
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let n = 40;
    let coefficients: Vec<i64> = (0..n).map(|_| i64::from(rng.gen_range(-50i8..=50))).collect();
    // centred: inputs at their mean 50 score 0
    let bias = -50 * coefficients.iter().sum::<i64>();
    f.params = PolicyParams {
        shape: SHAPE,
        schema: Fr::from(77u64),
        coefficients,
        bounds: vec![(0, 100); n],
        one_hot: vec![],
        bias,
        tiers: vec![
            TierTerms { threshold: 8_000, max_amount: 50_000, rate_bps: 300, term_months: 60 },
            TierTerms { threshold: 2_000, max_amount: 20_000, rate_bps: 450, term_months: 48 },
            TierTerms { threshold: -2_000, max_amount: 8_000, rate_bps: 700, term_months: 24 },
            TierTerms { threshold: -30_000, max_amount: 1_000, rate_bps: 1_500, term_months: 6 },
        ],
        purpose_weights: [0, 10, 20, 30, 40],
    };
    let mut seen = Vec::new();
    for seed in 0..12u64 {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut features: Vec<i64> = (0..n).map(|_| rng.gen_range(0..=100)).collect();
        features.resize(SHAPE.inputs, 0);
        f.witness.record = FinancialRecord { features, schema: Fr::from(77u64), ..f.witness.record.clone() };
        f.witness.application.amount = 500;
        f.resign(1);
        let score = f.params.score(&f.witness.record.features, 1).expect("fits");
        match f.evaluate() {
            Ok(st) => {
                assert_eq!(Some(usize::from(st.tier)), f.params.tier_of(score));
                assert!(satisfied(&f.params, st, &f.witness), "seed {seed}, score {score}");
                seen.push(st.tier);
            }
            Err(e) => assert!(matches!(e, EligibilityError::Declined { .. }), "{e}"),
        }
    }
    seen.sort_unstable();
    seen.dedup();
    assert!(seen.len() >= 2, "several tiers reached: {seen:?}");
}

#[test]
fn registry_has_the_documented_depth_and_redacts_records() {
    let f = Fixture::new();
    assert_eq!(f.witness.registry_proof.siblings.len(), REGISTRY_DEPTH);
    let shown = format!("{:?}", f.witness);
    assert!(shown.contains("64 redacted") && shown.contains("PrivateKey(<redacted>)"), "{shown}");
}

#[test]
fn tampered_account_path_sibling_fails() {
    let f = Fixture::new();
    let st = f.statement();
    for level in [0, 3, STATE_DEPTH - 1] {
        let mut w = f.witness.clone();
        w.account_proof.siblings[level] += Fr::ONE;
        assert!(matches!(
            f.evaluate_with(&w),
            Err(EligibilityError::AccountNotMember { account: ACCOUNT, .. })
        ));
        assert!(!satisfied(&f.params, st, &w), "sibling at level {level}");
    }
}

#[test]
fn tampered_account_leaf_fields_fail() {
    let f = Fixture::new();
    let st = f.statement();
    let tampers: [fn(&mut AccountLeaf); 3] = [|l| l.balance += 1, |l| l.nonce += 1, |l| l.ext += Fr::ONE];
    for (i, tamper) in tampers.iter().enumerate() {
        let mut w = f.witness.clone();
        tamper(&mut w.account_leaf);
        assert!(matches!(f.evaluate_with(&w), Err(EligibilityError::AccountNotMember { .. })), "tamper {i}");
        assert!(!satisfied(&f.params, st, &w), "tamper {i}");
    }
}

#[test]
fn account_public_input_is_bound_to_the_members_key() {
    let f = Fixture::new();
    let st = f.statement();
    // The public account alone changed: the path's direction bits no longer reach the root.
    for other in [ACCOUNT - 1, ACCOUNT + 1, ACCOUNT + (1 << STATE_DEPTH)] {
        assert!(!satisfied(&f.params, EligibilityStatement { account: other, ..st }, &f.witness), "{other}");
    }
    // Claiming another member's account (98, key 11) with that account's genuine path.
    let mut w = f.witness.clone();
    w.application.account = 98;
    w.account_proof = f.state.proof(98).expect("index fits");
    w.account_leaf =
        AccountLeaf { balance: 50, nonce: 0, ext: Account::new(key(11).public_key(), 0).ext_hash() };
    assert_eq!(
        f.evaluate_with(&w).expect_err("not the member's account"),
        EligibilityError::AccountNotMember { account: 98, state_root: f.state.root() }
    );
    assert!(!satisfied(&f.params, EligibilityStatement { account: 98, ..st }, &w));
    // An index beyond the tree: refused natively with the same error.
    let mut w = f.witness.clone();
    w.application.account = 1 << STATE_DEPTH;
    assert!(matches!(f.evaluate_with(&w), Err(EligibilityError::AccountNotMember { .. })));
}

#[test]
fn wrong_state_root_fails() {
    let f = Fixture::new();
    let st = f.statement();
    assert_eq!(st.state_root, f.state.root());
    let other = f.state.root() + Fr::ONE;
    assert_eq!(
        evaluate(&f.params, f.params.hash(), f.registry.root(), other, STATE_DEPTH, &f.witness)
            .expect_err("another root"),
        EligibilityError::AccountNotMember { account: ACCOUNT, state_root: other }
    );
    assert!(!satisfied(&f.params, EligibilityStatement { state_root: other, ..st }, &f.witness));
}

#[test]
fn state_depth_must_match_the_path() {
    let f = Fixture::new();
    for depth in [0, 64] {
        assert_eq!(
            evaluate(&f.params, f.params.hash(), f.registry.root(), f.state.root(), depth, &f.witness)
                .expect_err("bad depth"),
            EligibilityError::StateDepth(depth)
        );
    }
    assert!(matches!(
        evaluate(&f.params, f.params.hash(), f.registry.root(), f.state.root(), STATE_DEPTH + 1, &f.witness),
        Err(EligibilityError::AccountNotMember { .. })
    ));
    // A circuit of another depth is not satisfied by this path (its siblings are missing or
    // its root differs).
    let cs = new_cs();
    let r = EligibilityCircuit::new(f.params.clone(), STATE_DEPTH - 1, f.statement(), f.witness.clone())
        .generate_constraints(cs.clone());
    assert!(r.is_ok());
    assert_unsatisfied(&cs);
}

/// Issue 10, hole 4: the attester attested the record for purpose 1 (creative project, weight 0:
/// score 500, tier 2); the member claims community infrastructure (purpose 2, weight +700:
/// score 1,200, tier 1) with the same attestation. The purpose must be the attested one.
#[test]
fn attack_self_declared_purpose_moves_tier() {
    let f = Fixture::new();
    let attested = f.statement();
    assert_eq!((attested.purpose, attested.tier), (1, 2));
    let mut w = f.witness.clone();
    w.application.purpose = 2;
    let t1 = f.params.tiers[0];
    let claimed = EligibilityStatement {
        purpose: 2,
        tier: 1,
        max_amount: t1.max_amount,
        rate_bps: t1.rate_bps,
        term_months: t1.term_months,
        ..attested
    };
    assert_eq!(
        f.evaluate_with(&w).expect_err("purpose 2 is not attested"),
        EligibilityError::PurposeNotAttested { attested: 1, claimed: 2 }
    );
    assert!(!satisfied(&f.params, claimed, &w), "the circuit proves tier 1 for a purpose nobody attested");
    // Relabelling the attestation's purpose does not help: the signature is over purpose 1.
    w.attestation.purpose = 2;
    assert!(matches!(f.evaluate_with(&w), Err(EligibilityError::BadSignature(_))));
    assert!(!satisfied(&f.params, claimed, &w));
    // An attestation for purpose 2 proves tier 1: purpose-driven credit, attested.
    let mut f = Fixture::new();
    f.witness.application.purpose = 2;
    f.resign(1);
    assert_eq!(f.statement(), claimed);
    assert!(satisfied(&f.params, claimed, &f.witness));
}

#[test]
fn tampered_purpose_alone_fails() {
    // Purpose 3 (weight +300: score 800) keeps tier 2 and its terms: only the public purpose
    // differs from the attested one.
    let f = Fixture::new();
    let st = f.statement();
    let tampered = EligibilityStatement { purpose: 3, ..st };
    assert_eq!(f.params.tier_of(f.params.score(&f.witness.record.features, 3).expect("fits")), Some(2));
    assert!(!satisfied(&f.params, tampered, &f.witness));
    // The witness's application alone (the statement is the attested one): natively refused.
    let mut w = f.witness.clone();
    w.application.purpose = 3;
    assert_eq!(
        f.evaluate_with(&w).expect_err("not attested"),
        EligibilityError::PurposeNotAttested { attested: 1, claimed: 3 }
    );
    // The attestation's purpose alone: refused natively, and the circuit (which signs over the
    // public purpose) is still satisfied by the genuine statement only.
    let mut w = f.witness.clone();
    w.attestation.purpose = 3;
    assert_eq!(
        f.evaluate_with(&w).expect_err("not attested"),
        EligibilityError::PurposeNotAttested { attested: 3, claimed: 1 }
    );
    assert!(satisfied(&f.params, st, &f.witness));
}
