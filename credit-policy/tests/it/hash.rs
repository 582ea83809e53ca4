//! The Poseidon policy hash: pinned, sensitive to every integer it covers, and a file round trip.

use ccr_circuits::poseidon::hash_n;
use ccr_circuits::Fr;
use ccr_credit_policy::hash::{policy_elements, policy_hash, sponge};
use ccr_credit_policy::policy::PolicyError;
use ccr_credit_policy::schema::FeatureKind;
use ccr_credit_policy::Policy;

use crate::common::{german_policy, tiny_policy};

/// Pinned: changing the hash layout must be a deliberate, versioned change.
const TINY_POLICY_HASH: &str =
    "13409248475780072421192245549319232786642643149736454989756026152184227694235";

#[test]
fn tiny_policy_hash_is_pinned() {
    let p = tiny_policy();
    assert_eq!(p.hash, TINY_POLICY_HASH);
    assert_eq!(policy_hash(&p).to_string(), p.hash);
}

#[test]
fn sponge_is_chained_poseidon12_over_padded_chunks() {
    let e: Vec<Fr> = (1..=13u64).map(Fr::from).collect();
    let mut first = [Fr::from(0u64); 12];
    first[0] = Fr::from(13u64);
    first[1..].copy_from_slice(&e[..11]);
    let s1 = hash_n(&first);
    let mut second = [Fr::from(0u64); 12];
    second[0] = s1;
    second[1..3].copy_from_slice(&e[11..]);
    assert_eq!(sponge(&e), hash_n(&second));
}

#[test]
fn signed_integers_are_encoded_mod_r() {
    let p = tiny_policy();
    let e = policy_elements(&p);
    // Version, 3 features × 4, n_inputs, then the weights 3, -7, 0, 12, -128, then the shifts.
    let w = &e[1 + 1 + 12 + 1..][..10];
    let f = |v: i64| Fr::from(v);
    assert_eq!(w, &[f(3), f(-7), f(0), f(12), f(-128), f(0), f(2), f(0), f(1), f(0)]);
    assert_eq!(w[1], -Fr::from(7u64));
    assert_eq!(e[1 + 1 + 12 + 1 + 10], -Fr::from(250u64));
}

#[test]
fn hash_changes_when_any_weight_changes() {
    for policy in [tiny_policy(), german_policy().clone()] {
        let base = policy_hash(&policy);
        for i in 0..policy.weights.len() {
            let mut p = policy.clone();
            p.weights[i] = if p.weights[i] == i8::MAX { p.weights[i] - 1 } else { p.weights[i] + 1 };
            assert_ne!(policy_hash(&p), base, "weight {i}");
            let mut p = policy.clone();
            p.shifts[i] += 1;
            assert_ne!(policy_hash(&p), base, "shift {i}");
        }
    }
}

type Edit = Box<dyn Fn(&mut Policy)>;

#[test]
fn hash_changes_with_bias_tiers_terms_purposes_and_names() {
    let base = tiny_policy();
    let h = policy_hash(&base);
    let edits: Vec<Edit> = vec![
        Box::new(|p| p.bias += 1),
        Box::new(|p| p.scale += 1),
        Box::new(|p| p.tiers[1].threshold += 1),
        Box::new(|p| p.tiers[0].max_amount += 1),
        Box::new(|p| p.tiers[0].rate_bps += 1),
        Box::new(|p| p.tiers[1].term_months += 1),
        Box::new(|p| p.purpose_weights.ecological_restoration += 1),
        Box::new(|p| p.schema.features[0].name = "incomes".into()),
        Box::new(|p| {
            if let FeatureKind::Categorical { categories } = &mut p.schema.features[1].kind {
                categories.swap(0, 1);
            }
        }),
        Box::new(|p| p.schema.features[0].kind = FeatureKind::Numeric { clamp: Some([0, 1001]) }),
        Box::new(|p| p.schema.features[2].kind = FeatureKind::Numeric { clamp: Some([0, 0]) }),
    ];
    for (i, edit) in edits.iter().enumerate() {
        let mut p = base.clone();
        edit(&mut p);
        assert_ne!(policy_hash(&p), h, "edit {i}");
    }
    // The training report is not hashed.
    let mut p = base.clone();
    p.report.float_auc = 0.5;
    assert_eq!(policy_hash(&p), h);
}

#[test]
fn policy_file_round_trips_and_detects_tampering() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("policy.json");
    let p = german_policy();
    p.save(&path).expect("save");
    let back = Policy::load(&path).expect("load");
    assert_eq!(&back, p);

    let mut edited = p.clone();
    edited.weights[0] = edited.weights[0].wrapping_add(1);
    edited.save(&path).expect("save edited");
    let e = Policy::load(&path).expect_err("stale hash is refused");
    assert!(matches!(e, PolicyError::HashMismatch { .. }), "{e}");
}
