//! The integer scorer (the eligibility circuit's native twin) against a direct recomputation.

use ccr_credit_policy::data::encode_row;
use ccr_credit_policy::policy::PolicyError;
use ccr_credit_policy::Purpose;

use crate::common::{german_policy, german_table, tiny_policy};

#[test]
fn integer_score_equals_direct_recomputation_on_every_german_row() {
    let p = german_policy();
    for x in &german_table().inputs {
        let direct: i128 = (0..x.len())
            .map(|i| i128::from(p.weights[i]) * (1i128 << p.shifts[i]) * i128::from(x[i]))
            .sum::<i128>()
            + i128::from(p.bias);
        for purpose in Purpose::ALL {
            let d = p.decide(x, purpose).expect("score fits");
            let expected = direct + i128::from(p.purpose_weights.get(purpose));
            assert_eq!(i128::from(d.score), expected);
            let tier = p.tiers.iter().position(|t| i128::from(t.threshold) <= expected).map(|i| i + 1);
            assert_eq!(d.tier, tier);
        }
    }
}

#[test]
fn tiny_policy_known_answers() {
    let p = tiny_policy();
    // Coefficients 3, -7·4, 0, 12·2, -128.
    // income 200 (·3), region south (·0), years 1 (·-128): 600 - 128 - 250 = 222, + 8.
    let d = p.decide_row("200,south,1", Purpose::CommunityInfrastructure).expect("scores");
    assert_eq!(d.score, 230);
    assert_eq!(d.tier, Some(2));
    // income clamped to 1000: 3000 - 28 - 250 = 2722: tier 1.
    let d = p.decide_row("5000,north,0", Purpose::CreativeProject).expect("scores");
    assert_eq!((d.score, d.tier), (2722, Some(1)));
    // Below every threshold: declined.
    let d = p.decide_row("0,east,2", Purpose::EducationalInitiative).expect("scores");
    assert_eq!((d.score, d.tier), (24 - 256 - 250 - 2, None));
}

#[test]
fn scorer_rejects_wrong_widths_and_overflow() {
    let p = tiny_policy();
    assert!(matches!(
        p.decide(&[1, 0, 0], Purpose::CreativeProject),
        Err(PolicyError::InputWidth { got: 3, .. })
    ));
    let x = encode_row(&p.schema, &format!("0,north,{}", i64::MAX)).expect("unclamped numeric");
    assert!(matches!(p.decide(&x, Purpose::CreativeProject), Err(PolicyError::Overflow)));
}

#[test]
fn purposes_parse_by_name_and_code() {
    assert_eq!(Purpose::parse("ecological-restoration"), Some(Purpose::EcologicalRestoration));
    assert_eq!(Purpose::parse("community_infrastructure"), Some(Purpose::CommunityInfrastructure));
    assert_eq!(Purpose::parse("4"), Some(Purpose::EducationalInitiative));
    assert_eq!(Purpose::parse("5"), None);
    assert_eq!(Purpose::parse("speculation"), None);
}
