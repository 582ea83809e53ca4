//! The Poseidon policy hash: pinned, sensitive to every integer it covers, and a file round trip.

use ccr_circuits::poseidon::hash_n;
use ccr_circuits::Fr;
use ccr_credit_policy::hash::{policy_elements, policy_hash, schema_digest, sponge};
use ccr_credit_policy::policy::PolicyError;
use ccr_credit_policy::schema::FeatureKind;
use ccr_credit_policy::Policy;

use crate::common::{german_policy, tiny_policy};

/// Pinned: changing the hash layout must be a deliberate, versioned change.
const TINY_POLICY_HASH: &str = "9678717404849918166659599213634654260533218338320890987831596424586004586301";

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
    // The coefficients weights·2^shifts: 3, -7·4, 0, 12·2, -128, then zeros to 64 inputs.
    let f = |v: i64| Fr::from(v);
    assert_eq!(e[..5], [f(3), f(-28), f(0), f(24), f(-128)]);
    assert_eq!(e[1], -Fr::from(28u64));
    assert!(e[5..64].iter().all(|&v| v == Fr::from(0u64)));
    // The purpose weights with the bias -250 inside: 4, 0, 8, 6, -2.
    assert_eq!(e[64..69], [f(-246), f(-250), f(-242), f(-244), f(-252)]);
    assert_eq!(e.len(), 64 + 5 + 2 * 4);
}

#[test]
fn hash_changes_when_any_coefficient_changes() {
    for policy in [tiny_policy(), german_policy().clone()] {
        let base = policy_hash(&policy);
        for i in 0..policy.weights.len() {
            let mut p = policy.clone();
            p.weights[i] = if p.weights[i] == i8::MAX { p.weights[i] - 1 } else { p.weights[i] + 1 };
            assert_ne!(policy_hash(&p), base, "weight {i}");
            let mut p = policy.clone();
            p.shifts[i] += 1;
            // A shift moves the coefficient unless the weight is zero: the hash covers what
            // decides, and a zero coefficient decides alike at any shift.
            assert_eq!(policy_hash(&p) == base, policy.weights[i] == 0, "shift {i}");
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
        Box::new(|p| p.shape.inputs = 128),
        Box::new(|p| p.shape.tiers = 5),
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

/// The schema digest covers the encoding and the shape, not the model: members' records stay
/// attested across a change of weights, tiers or purpose weights, and not across a change of
/// encoding.
#[test]
fn schema_digest_covers_the_encoding_only() {
    let base = tiny_policy();
    let d = schema_digest(&base);
    let same: Vec<Edit> = vec![
        Box::new(|p| p.weights[0] += 1),
        Box::new(|p| p.bias += 1),
        Box::new(|p| p.tiers[0].threshold += 1),
        Box::new(|p| p.purpose_weights.creative_project += 1),
    ];
    for (i, edit) in same.iter().enumerate() {
        let mut p = base.clone();
        edit(&mut p);
        assert_eq!(schema_digest(&p), d, "model edit {i}");
        assert_ne!(policy_hash(&p), policy_hash(&base), "model edit {i}");
    }
    let other: Vec<Edit> = vec![
        Box::new(|p| p.schema.features[0].name = "incomes".into()),
        Box::new(|p| p.schema.features[0].kind = FeatureKind::Numeric { clamp: Some([0, 1001]) }),
        Box::new(|p| p.shape.inputs = 128),
    ];
    for (i, edit) in other.iter().enumerate() {
        let mut p = base.clone();
        edit(&mut p);
        assert_ne!(schema_digest(&p), d, "encoding edit {i}");
    }
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
