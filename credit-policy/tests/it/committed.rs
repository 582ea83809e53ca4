//! The committed German policy file (`policies/german.json`, `ccr-policy train` with seed 0):
//! it loads, its stored hash is the hash of its contents, and it fits the eligibility circuit.

use ccr_credit_policy::hash::policy_hash;
use ccr_credit_policy::{
    german_data_file, german_policy, german_policy_file, Policy, Purpose, GERMAN_DATA_CSV,
};

use crate::common::german_table;

/// The hash the README quotes for the German policy (seed 0).
const GERMAN_HASH: &str = "12538035057365796148750813838228531284340668051331564608915734057204759899677";

#[test]
fn committed_german_policy_loads_and_its_hash_is_its_contents() {
    let p = Policy::load(&german_policy_file()).expect("the committed policy loads and checks");
    assert_eq!(p.hash, policy_hash(&p).to_string());
    assert_eq!(p.hash, GERMAN_HASH, "the committed file is the policy the README documents");
    assert_eq!(p.report.seed, 0);
    let params = p.circuit_params().expect("fits the circuit");
    assert_eq!(params.hash().to_string(), p.hash);
    // The copies built into binaries are the files.
    assert_eq!(german_policy().expect("built-in policy").hash, p.hash);
    assert_eq!(GERMAN_DATA_CSV, std::fs::read_to_string(german_data_file()).expect("data file"));
}

#[test]
fn committed_german_policy_scores_the_german_rows() {
    let p = Policy::load(&german_policy_file()).expect("loads");
    let params = p.circuit_params().expect("fits the circuit");
    let mut tiers = [0usize; 4];
    for x in &german_table().inputs {
        let d = p.decide(x, Purpose::CreativeProject).expect("score fits");
        assert_eq!(params.score(x, Purpose::CreativeProject.code()).expect("fits"), d.score);
        tiers[d.tier.unwrap_or(0)] += 1;
    }
    // The README's tier table (no purpose bonus: creative project's weight is 0).
    assert_eq!(tiers, [224, 295, 250, 231]);
}

#[test]
fn purpose_names_are_the_circuits() {
    for p in Purpose::ALL {
        let name = serde_json::to_value(p).expect("serializes");
        assert_eq!(name.as_str(), ccr_circuits::credit::purpose_name(p.code()), "{p:?}");
        assert_eq!(Purpose::parse(name.as_str().expect("a string")), Some(p));
    }
    assert_eq!(ccr_circuits::credit::purpose_name(5), None);
}

/// Issue 10, hole 4: what each purpose's weight does on the German rows (against no bonus).
/// The weight is the attested purpose's: these rows change tier only when an attester signs
/// that purpose with the record, never by the member's choice.
#[test]
fn purpose_effects_on_the_german_rows() {
    let p = Policy::load(&german_policy_file()).expect("loads");
    let effects = ccr_credit_policy::report::purpose_effects(&p, &german_table().inputs).expect("fits");
    let got: Vec<(Purpose, usize, usize, usize)> =
        effects.iter().map(|e| (e.purpose, e.granted, e.moved_up, e.moved_down)).collect();
    assert_eq!(
        got,
        vec![
            (Purpose::ProductiveEnterprise, 17, 47, 0),
            (Purpose::CreativeProject, 0, 0, 0),
            (Purpose::CommunityInfrastructure, 34, 107, 0),
            (Purpose::EcologicalRestoration, 23, 80, 0),
            (Purpose::EducationalInitiative, 10, 28, 0),
        ]
    );
    let table = ccr_credit_policy::report::purpose_effects_table(&effects);
    assert!(table.contains("community_infrastructure") && table.contains("attester"), "{table}");
}

/// Policy files use the casing of every other JSON the project writes (camelCase keys); a file
/// written before the change, with snake_case keys, still reads as the same policy.
#[test]
fn policy_keys_are_camel_case_and_old_snake_case_files_still_read() {
    let policy = german_policy().expect("built-in policy");
    let json = serde_json::to_string(&policy).expect("serializes");
    for key in ["purposeWeights", "maxAmount", "rateBps", "termMonths", "ecologicalRestoration", "tierTable"]
    {
        assert!(json.contains(&format!("\"{key}\":")), "{key} missing from {json}");
    }
    assert!(!json.contains("\"purpose_weights\":"));
    let snake =
        ["purposeWeights", "maxAmount", "rateBps", "termMonths", "productiveEnterprise", "creativeProject"]
            .iter()
            .zip([
                "purpose_weights",
                "max_amount",
                "rate_bps",
                "term_months",
                "productive_enterprise",
                "creative_project",
            ])
            .fold(json, |j, (camel, snake)| j.replace(&format!("\"{camel}\":"), &format!("\"{snake}\":")));
    assert!(snake.contains("\"purpose_weights\":"));
    let old = Policy::from_json(&snake, "a snake_case policy").expect("a snake_case file still reads");
    assert_eq!(old, policy);
}
