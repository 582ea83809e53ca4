//! Groth16 for the eligibility circuit of a small shape (8 inputs, 2 tiers) over a depth-4
//! state tree: a policy proven, verified, written to and read from the portable proof file; a
//! second policy proven under the same key; a declined applicant gets the native error and no
//! proof; tampered statements and files fail.

use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::{
    AccountLeaf, Application, Attestation, AttesterRegistry, EligibilityError, EligibilityShape,
    EligibilityWitness, FinancialRecord, PolicyParams, TierTerms,
};
use ccr_circuits::merkle::SparseMerkleTree;
use ccr_circuits::state::account::Account;
use ccr_prover::eligibility::{
    dev_setup_eligibility, eligibility_circuit_name, prove_eligibility, verify_eligibility, AccountProofFile,
    EligibilityProofError, EligibilityProofFile,
};
use ccr_prover::{Fr, ProverError};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

const DEPTH: usize = 4;
const NOW: u64 = 1_800_000_000;
/// The test shape: 8 inputs, 2 tiers (production: 64 and 4).
const SHAPE: EligibilityShape = EligibilityShape { inputs: 8, tiers: 2 };

/// Two numeric inputs in [0, 100] and a 3-way category; score = 3·a − 2·b + 10·[cat 0] − 50.
fn params() -> PolicyParams {
    PolicyParams {
        shape: SHAPE,
        schema: Fr::from(4242u64),
        coefficients: vec![3, -2, 10, 0, 0],
        bounds: vec![(0, 100), (0, 100), (0, 1), (0, 1), (0, 1)],
        one_hot: vec![(2, 3)],
        bias: -50,
        tiers: vec![
            TierTerms { threshold: 100, max_amount: 5_000, rate_bps: 500, term_months: 24 },
            TierTerms { threshold: 0, max_amount: 1_000, rate_bps: 900, term_months: 12 },
        ],
        purpose_weights: [0, 5, 10, 15, 20],
    }
}

/// Another bank's policy of the same shape: six numeric inputs, one tier.
fn other_params() -> PolicyParams {
    PolicyParams {
        shape: SHAPE,
        schema: Fr::from(777u64),
        coefficients: vec![1, 1, 1, 1, 1, -1],
        bounds: vec![(0, 1_000); 6],
        one_hot: vec![],
        bias: 0,
        tiers: vec![TierTerms { threshold: 500, max_amount: 9_000, rate_bps: 300, term_months: 36 }],
        purpose_weights: [0; 5],
    }
}

fn key(seed: u64) -> PrivateKey {
    PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(seed))
}

struct World {
    registry: AttesterRegistry,
    state: SparseMerkleTree,
}

fn world() -> World {
    let mut registry = AttesterRegistry::new();
    registry.add(2, &key(1).public_key()).unwrap();
    let mut state = SparseMerkleTree::new(DEPTH).unwrap();
    state.update(5, Account::new(key(10).public_key(), 300).leaf()).unwrap();
    World { registry, state }
}

fn witness(w: &World, features: Vec<i64>, amount: u64) -> EligibilityWitness {
    witness_under(w, &params(), features, amount)
}

/// A record encoded under `params`' schema (padded to the shape), attested for purpose 2.
fn witness_under(
    w: &World,
    params: &PolicyParams,
    mut features: Vec<i64>,
    amount: u64,
) -> EligibilityWitness {
    let member_key = key(10);
    features.resize(SHAPE.inputs, 0);
    let record = FinancialRecord {
        features,
        member: member_key.public_key(),
        expiry: NOW + 10,
        schema: params.schema,
    };
    let ext = Account::new(member_key.public_key(), 0).ext_hash();
    EligibilityWitness {
        attestation: Attestation::sign(&key(1), &record, 2),
        record,
        registry_proof: w.registry.proof(2).unwrap(),
        member_key,
        application: Application { bank: 1, amount, purpose: 2, epoch: 9, account: 5, now: NOW },
        account_leaf: AccountLeaf { balance: 300, nonce: 0, ext },
        account_proof: w.state.proof(5).unwrap(),
    }
}

#[test]
fn eligibility_proof_round_trips_through_the_proof_file() {
    let w = world();
    let keys = dev_setup_eligibility(SHAPE, DEPTH, [3; 32]).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    // score 3·50 − 2·10 + 10 − 50 + 10 = 100: tier 1
    let (proof, st) = prove_eligibility(
        &keys.pk,
        &params(),
        DEPTH,
        w.registry.root(),
        w.state.root(),
        witness(&w, vec![50, 10, 1, 0, 0], 4_000),
        &mut rng,
    )
    .unwrap();
    assert_eq!((st.tier, st.max_amount, st.account, st.state_root), (1, 5_000, 5, w.state.root()));
    assert!(verify_eligibility(&keys.vk, &st, &proof).unwrap());
    // arkworks' stock prover on the same witness: its proof verifies too.
    let circuit = ccr_circuits::credit::constraints::EligibilityCircuit::new(
        params(),
        DEPTH,
        st,
        witness(&w, vec![50, 10, 1, 0, 0], 4_000),
    );
    let stock =
        <ark_groth16::Groth16<ccr_prover::Bn254> as ark_snark::SNARK<Fr>>::prove(&keys.pk, circuit, &mut rng)
            .unwrap();
    assert!(verify_eligibility(&keys.vk, &st, &stock).unwrap());
    for tampered in [
        ccr_circuits::credit::EligibilityStatement { amount: 4_001, ..st },
        ccr_circuits::credit::EligibilityStatement { account: 6, ..st },
        ccr_circuits::credit::EligibilityStatement { state_root: st.state_root + Fr::from(1u64), ..st },
    ] {
        assert!(!verify_eligibility(&keys.vk, &tampered, &proof).unwrap());
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proof.json");
    EligibilityProofFile::new(&st, &proof, &keys.vk).unwrap().save(&path).unwrap();
    let file = EligibilityProofFile::load(&path).unwrap();
    let (back, ok) = file.verify(&keys.vk).unwrap();
    assert!(ok);
    assert_eq!(back, st);
    let text = std::fs::read_to_string(&path).unwrap();
    let hash = format!("\"policyHash\": \"{}\"", params().hash());
    assert!(text.contains("\"statement\"") && text.contains("\"vkHash\"") && text.contains(&hash));

    // A tampered amount in the file: a well-formed statement the proof does not prove.
    let mut bad = file.clone();
    bad.statement.amount += 1;
    assert!(!bad.verify(&keys.vk).unwrap().1);
    // Another key: refused by its hash before any pairing.
    let other = dev_setup_eligibility(SHAPE, DEPTH, [4; 32]).unwrap();
    assert!(matches!(file.verify(&other.vk), Err(EligibilityProofError::VerifyingKeyMismatch { .. })));
    // A non-canonical field element.
    let mut bad = file.clone();
    bad.statement.nullifier = "1".repeat(80);
    assert!(matches!(bad.verify(&keys.vk), Err(EligibilityProofError::File { .. })));
}

#[test]
fn a_declined_applicant_gets_the_native_error_and_no_proof() {
    let w = world();
    let keys = dev_setup_eligibility(SHAPE, DEPTH, [3; 32]).unwrap();
    // score 3·0 − 2·100 + 0 − 50 + 10 = −240: declined
    let err = prove_eligibility(
        &keys.pk,
        &params(),
        DEPTH,
        w.registry.root(),
        w.state.root(),
        witness(&w, vec![0, 100, 0, 1, 0], 10),
        &mut ChaCha20Rng::seed_from_u64(1),
    )
    .unwrap_err();
    assert!(
        matches!(err, EligibilityProofError::Ineligible(EligibilityError::Declined { score: -240, .. })),
        "{err:?}"
    );
    // A stale state root: the account error, telling the member to fetch a fresh proof.
    let err = prove_eligibility(
        &keys.pk,
        &params(),
        DEPTH,
        w.registry.root(),
        Fr::from(1u64),
        witness(&w, vec![50, 10, 1, 0, 0], 10),
        &mut ChaCha20Rng::seed_from_u64(1),
    )
    .unwrap_err();
    assert!(err.to_string().contains("fetch a fresh proof"), "{err}");
}

/// One key, two banks' policies: the second policy (another schema, other coefficients, one
/// tier) is proven with the same proving key and verifies under the same verifying key; its
/// statement names its own policy hash, and a proof does not carry over to the other hash.
#[test]
fn a_second_policy_is_proven_under_the_same_key() {
    let w = world();
    let keys = dev_setup_eligibility(SHAPE, DEPTH, [3; 32]).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (proof, st) = prove_eligibility(
        &keys.pk,
        &other_params(),
        DEPTH,
        w.registry.root(),
        w.state.root(),
        witness_under(&w, &other_params(), vec![100, 100, 100, 100, 200, 50], 9_000),
        &mut rng,
    )
    .unwrap();
    assert_eq!((st.tier, st.max_amount, st.rate_bps, st.term_months), (1, 9_000, 300, 36));
    assert_eq!(st.policy_hash, other_params().hash());
    assert_ne!(other_params().hash(), params().hash());
    assert!(verify_eligibility(&keys.vk, &st, &proof).unwrap());
    let relabelled = ccr_circuits::credit::EligibilityStatement { policy_hash: params().hash(), ..st };
    assert!(!verify_eligibility(&keys.vk, &relabelled, &proof).unwrap());
    // A record encoded under the first policy's schema is refused under the second.
    let err = prove_eligibility(
        &keys.pk,
        &other_params(),
        DEPTH,
        w.registry.root(),
        w.state.root(),
        witness(&w, vec![100, 100, 100, 100, 200, 50], 10),
        &mut rng,
    )
    .unwrap_err();
    assert!(
        matches!(err, EligibilityProofError::Ineligible(EligibilityError::SchemaMismatch { .. })),
        "{err}"
    );
}

#[test]
fn setup_refuses_bad_shapes_and_names_the_circuit() {
    assert!(matches!(dev_setup_eligibility(SHAPE, 0, [0; 32]), Err(ProverError::Params(_))));
    let empty = EligibilityShape { inputs: 8, tiers: 0 };
    assert!(matches!(dev_setup_eligibility(empty, DEPTH, [0; 32]), Err(ProverError::Params(_))));
    // A policy that does not fit the key's shape: refused natively, no proof.
    let w = world();
    let keys = dev_setup_eligibility(SHAPE, DEPTH, [3; 32]).unwrap();
    let mut wide = params();
    wide.shape = EligibilityShape { inputs: 4, tiers: 2 };
    let err = prove_eligibility(
        &keys.pk,
        &wide,
        DEPTH,
        w.registry.root(),
        w.state.root(),
        witness(&w, vec![50, 10, 1, 0, 0], 10),
        &mut ChaCha20Rng::seed_from_u64(1),
    )
    .unwrap_err();
    assert!(matches!(err, EligibilityProofError::Ineligible(EligibilityError::InvalidPolicy(_))), "{err}");
    assert_eq!(eligibility_circuit_name(EligibilityShape::PRODUCTION, 24), "eligibility-64x4-d24");
}

#[test]
fn account_proof_file_round_trips_and_redacts() {
    let w = world();
    let leaf = AccountLeaf { balance: 300, nonce: 0, ext: Account::new(key(10).public_key(), 0).ext_hash() };
    let file = AccountProofFile::new(w.state.root(), &leaf, &w.state.proof(5).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("account.json");
    file.save(&path).unwrap();
    let back = AccountProofFile::load(&path).unwrap();
    let (root, l, proof) = back.parts().unwrap();
    assert_eq!((root, l, proof.clone()), (w.state.root(), leaf, w.state.proof(5).unwrap()));
    assert!(proof.verify(root, l.leaf(key(10).public_key())));
    let shown = format!("{back:?}");
    assert!(shown.contains("<redacted>") && !shown.contains("balance"), "{shown}");
}
