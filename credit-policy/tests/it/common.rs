//! Shared fixtures: the German credit data and its trained policy (trained once per test run).

use std::path::PathBuf;
use std::sync::OnceLock;

use ccr_circuits::credit::EligibilityShape;
use ccr_credit_policy::policy::{Policy, PurposeWeights, Tier, TrainingReport, POLICY_VERSION};
use ccr_credit_policy::{train, Schema, Table, TrainConfig};

pub fn crate_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn german_schema() -> Schema {
    Schema::load(&crate_path("schemas/german_credit.json")).expect("the shipped German schema loads")
}

pub fn german_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        Table::read(&crate_path("data/german_credit.csv"), &german_schema(), true).expect("German CSV reads")
    })
}

/// The policy trained on German credit with the default configuration (seed 0).
pub fn german_policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| train(&german_schema(), german_table(), &TrainConfig::default()).expect("training"))
}

/// A small hand-written policy (independent of the solver's floating point), sealed.
pub fn tiny_policy() -> Policy {
    let schema = Schema::from_json(
        r#"{"name": "tiny", "label": {"column": "y", "bad": "bad", "good": "good"},
            "features": [
              {"name": "income", "type": "numeric", "clamp": [0, 1000]},
              {"name": "region", "type": "categorical", "categories": ["north", "south", "east"]},
              {"name": "years", "type": "numeric"}
            ]}"#,
    )
    .expect("tiny schema parses");
    let mut p = Policy {
        version: POLICY_VERSION,
        shape: EligibilityShape::PRODUCTION,
        schema,
        weights: vec![3, -7, 0, 12, -128],
        shifts: vec![0, 2, 0, 1, 0],
        bias: -250,
        scale: 40,
        tiers: vec![
            Tier { threshold: 900, max_amount: 5_000, rate_bps: 400, term_months: 24 },
            Tier { threshold: 100, max_amount: 1_000, rate_bps: 900, term_months: 12 },
        ],
        purpose_weights: PurposeWeights {
            productive_enterprise: 4,
            creative_project: 0,
            community_infrastructure: 8,
            ecological_restoration: 6,
            educational_initiative: -2,
        },
        report: TrainingReport {
            rows: 0,
            bad_rows: 0,
            l2_alpha: 1.0,
            seed: 0,
            folds: 5,
            float_auc_folds: vec![],
            quantized_auc_folds: vec![],
            float_auc: 0.0,
            quantized_auc: 0.0,
            tier_quantiles: vec![],
            tier_table: vec![],
        },
        hash: String::new(),
    };
    p.seal();
    p
}
