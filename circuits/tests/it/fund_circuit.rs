//! The fund's epoch circuit against the native table (issue 11, item 4): the same inputs give
//! a satisfied circuit whose public table hash and fund are the native table's; one tampered
//! value at a time (a report value, a signature, an unregistered or duplicate attester, a
//! stale report, a report of another region, a grant above its cap, a broken conservation, a
//! contribution, the parameters) leaves it unsatisfied. Constraint counts are pinned.

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use ccr_circuits::health::constraints::{epoch_inputs, EpochCircuit, EpochStatement, EpochWitness};
use ccr_circuits::health::fund::{params_hash, EpochTable, FundError, FundMember, FundParams};
use ccr_circuits::health::score::{BankActivity, HealthParams};
use ccr_circuits::health::{HealthAttesterRegistry, SignedReport, SCALE};
use ccr_circuits::Fr;

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, new_cs};
use crate::fund::{activity, key, members, registry, reports, signed, values, EPOCH, GREECE};

fn inputs(
    members: &[FundMember],
    reports: &[SignedReport],
    banks: usize,
) -> (EpochTable, EpochStatement, EpochWitness) {
    epoch_inputs(
        &HealthParams::default(),
        &FundParams::default(),
        &registry(),
        EPOCH,
        100_000,
        members,
        reports,
        banks,
    )
    .unwrap()
}

fn satisfied(statement: EpochStatement, witness: EpochWitness) -> bool {
    let cs = new_cs();
    EpochCircuit::new(statement, witness).generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

fn check(statement: EpochStatement, witness: EpochWitness) {
    let cs = new_cs();
    EpochCircuit::new(statement, witness).generate_constraints(cs.clone()).unwrap();
    assert_satisfied(&cs);
}

fn refuse(what: &str, statement: EpochStatement, witness: EpochWitness) {
    let cs = new_cs();
    EpochCircuit::new(statement, witness).generate_constraints(cs.clone()).unwrap();
    assert!(!cs.is_satisfied().unwrap(), "{what}: the circuit accepts it");
    assert_unsatisfied(&cs);
}

/// The statement of `table` under the default parameters.
fn statement_of(table: &EpochTable) -> EpochStatement {
    EpochCircuit::statement(table, registry().root(), &HealthParams::default(), &FundParams::default())
}

#[test]
fn native_and_circuit_agree_on_three_regions_and_a_padding_slot() {
    let (table, statement, witness) = inputs(&members(), &reports(), 4);
    assert!(table.conserves());
    assert_eq!(table.lines.len(), 4, "three banks and one padding slot");
    assert_eq!((table.lines[3].contribution, table.lines[3].grant), (0, 0));
    assert_eq!(statement.fund_after, table.fund_after);
    assert_eq!(statement.table_hash, table.hash());
    check(statement, witness);
}

#[test]
fn native_and_circuit_agree_on_edge_cases() {
    // No report for Greece (no need), a bank with no flow (no weight), a bank with nothing at
    // all, a lone report with missing values, one with a single report, and no weight at all.
    let mut ms = members();
    ms[1].activity = BankActivity { pool_balance: 7_777, ..BankActivity::default() };
    ms.push(FundMember { pool: 13, bioregion: 3, activity: BankActivity::default() });
    let mut rs: Vec<SignedReport> = reports().into_iter().filter(|r| r.report.bioregion != 2).collect();
    let mut sparse = values(GREECE);
    sparse[2] = None;
    sparse[5] = None;
    rs.push(signed(4, 3, EPOCH - 3, sparse));
    let (_, statement, witness) = inputs(&ms, &rs, 4);
    check(statement, witness);
    // Nobody lent or was repaid: every weight is 0, no grant.
    let idle: Vec<_> = members()
        .into_iter()
        .map(|m| FundMember { activity: activity(m.activity.pool_balance, 0, 0, 0), ..m })
        .collect();
    let (table, statement, witness) = inputs(&idle, &reports(), 3);
    assert_eq!(table.granted, 0);
    check(statement, witness);
    // Two reports for a region: the worse of the two.
    let two: Vec<_> = reports().into_iter().filter(|r| r.attester != key(3).public_key()).collect();
    let (_, statement, witness) = inputs(&members(), &two, 3);
    check(statement, witness);
}

#[test]
fn caps_bind_in_the_circuit_as_natively() {
    // A rich fund: every grant hits its cap.
    let (table, statement, witness) = epoch_inputs(
        &HealthParams::default(),
        &FundParams::default(),
        &registry(),
        EPOCH,
        1_000_000_000,
        &members(),
        &reports(),
        3,
    )
    .unwrap();
    assert!(table.lines.iter().all(|l| l.grant == l.cap), "{:?}", table.lines);
    check(statement, witness);
}

/// A fresh valid (statement, witness) of two banks in two regions and a padding slot.
fn fresh() -> (EpochTable, EpochStatement, EpochWitness) {
    inputs(&members()[1..], &reports(), 3)
}

#[test]
fn tampered_reports_are_refused() {
    // A report value changed after signing.
    let (_, statement, mut witness) = fresh();
    witness.reports[0][0].signed.report.values[0] = Some(76 * SCALE);
    refuse("a value changed", statement, witness);
    // A signature's S.
    let (_, statement, mut witness) = fresh();
    witness.reports[1][2].signed.signature.s += Fr::from(1u64);
    refuse("a signature", statement, witness);
    // A report of another region in bank 0's slots (the message carries the bank's region).
    let (_, statement, mut witness) = fresh();
    witness.reports[0][1] = witness.reports[1][1].clone();
    refuse("another region's report", statement, witness);
    // The same attester twice for one bank.
    let (_, statement, mut witness) = fresh();
    witness.reports[0][2] = witness.reports[0][0].clone();
    refuse("a duplicate attester", statement, witness);
    // A report dropped from a slot: the table's hash names the reports read.
    let (_, statement, mut witness) = fresh();
    witness.reports[0].pop();
    refuse("a report left out", statement, witness);
}

#[test]
fn an_unregistered_attester_is_refused() {
    // Attester 9 signs for Greece; its path is attester 1's.
    let (_, statement, mut witness) = fresh();
    let forged = signed(9, 2, EPOCH, values(GREECE));
    witness.reports[1][0].signed = forged;
    refuse("an unregistered attester", statement, witness);
    // With its own registry the same report is fine: the circuit reads the public root.
    let mut other = HealthAttesterRegistry::new();
    other.add(0, &key(9).public_key()).unwrap();
    other.add(1, &key(2).public_key()).unwrap();
    other.add(2, &key(3).public_key()).unwrap();
    other.add(3, &key(1).public_key()).unwrap();
    let mut rs = reports();
    rs.retain(|r| r.report.bioregion != 0);
    rs[3] = signed(9, 2, EPOCH, values(GREECE));
    let (_, statement, witness) = epoch_inputs(
        &HealthParams::default(),
        &FundParams::default(),
        &other,
        EPOCH,
        100_000,
        &members()[1..],
        &rs,
        3,
    )
    .unwrap();
    check(statement, witness);
}

#[test]
fn a_stale_report_is_refused() {
    // The table restated for an epoch past the reports' age.
    let (mut table, _, witness) = fresh();
    table.epoch = EPOCH + FundParams::default().max_report_age + 1;
    refuse("stale", statement_of(&table), witness.clone());
    // At the age limit it holds.
    table.epoch = EPOCH + FundParams::default().max_report_age;
    check(statement_of(&table), witness.clone());
    // And a report from after the epoch does not.
    table.epoch = EPOCH - 1;
    refuse("from the future", statement_of(&table), witness);
}

#[test]
fn a_table_other_than_the_native_one_is_refused() {
    let (table, statement, witness) = fresh();
    check(statement.clone(), witness.clone());
    // A grant above its cap, the fund paying for it.
    let mut t = table.clone();
    let line = t.lines.iter_mut().find(|l| l.cap > 0).unwrap();
    line.grant = line.cap + 1;
    t.fund_after = t.fund_before + t.collected - t.lines.iter().map(|l| l.grant).sum::<u64>();
    refuse("a grant above its cap", statement_of(&t), witness.clone());
    // Conservation broken: one more unit left in the fund.
    let mut s = statement.clone();
    s.fund_after += 1;
    refuse("broken conservation", s, witness.clone());
    // A contribution lowered.
    let mut t = table.clone();
    t.lines[0].contribution -= 1;
    t.fund_after -= 1;
    refuse("a contribution", statement_of(&t), witness.clone());
    // A score restated.
    let mut t = table.clone();
    t.lines[1].health.score += 1;
    refuse("a score", statement_of(&t), witness.clone());
    // Other parameters than the witness's.
    let mut s = statement.clone();
    s.params_hash =
        params_hash(&HealthParams::default(), &FundParams { contribution_bps: 300, ..FundParams::default() });
    refuse("parameters", s, witness.clone());
    // A line as L1 reads it (what its moves are queued from, what it checks against the
    // members and the rollup's flows), restated alone with the table's hash unchanged: a grant,
    // a pool, a contribution, a bioregion, a flow.
    let (bioregion, flow) =
        (Fr::from(1u128 << 96) * Fr::from(1u128 << 64), Fr::from(1u128 << 96) * Fr::from(1u128 << 96));
    for (i, delta) in [
        (0, Fr::from(1u128 << 96)),
        (1, Fr::from(1u64)),
        (2, Fr::from(1u64 << 32)),
        (0, bioregion),
        (1, flow),
        (2, -flow),
    ] {
        let mut s = statement.clone();
        s.lines[i] += delta;
        refuse("a line", s, witness.clone());
    }
    // An activity figure changed in the witness alone.
    let mut w = witness;
    w.members[0].activity.repaid += 1;
    refuse("an activity figure", statement, w);
}

#[test]
fn parameters_out_of_their_limits_are_refused() {
    // Bounds against the indicator's direction, consistently hashed.
    let mut health = HealthParams::default();
    std::mem::swap(&mut health.regional[0].worst, &mut health.regional[0].best);
    assert!(matches!(
        FundParams::default().table(&health, &registry(), EPOCH, 0, &members(), &reports()),
        Err(FundError::Params(_))
    ));
    let (table, _, mut witness) = fresh();
    witness.health = health;
    let mut s = EpochCircuit::statement(&table, registry().root(), &health, &FundParams::default());
    s.table_hash = table.hash();
    assert!(!satisfied(s, witness));
    // A contribution share above the limit.
    let fund = FundParams { contribution_bps: 2_001, ..FundParams::default() };
    let (table, _, mut witness) = fresh();
    witness.fund = fund;
    let s = EpochCircuit::statement(&table, registry().root(), &HealthParams::default(), &fund);
    assert!(!satisfied(s, witness));
}

#[test]
fn epoch_constraint_count_is_pinned() {
    let count = |banks: usize| {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        EpochCircuit::setup(banks).generate_constraints(cs.clone()).unwrap();
        cs.num_constraints()
    };
    let (one, two) = (count(1), count(2));
    let per_bank = two - one;
    assert!(per_bank <= 35_000, "{per_bank} constraints per bank: above the 35,000 goal");
    assert_snapshot("health_epoch_per_bank_constraints", per_bank);
    assert_snapshot("health_epoch_overhead_constraints", one - per_bank);
    // Setup has the proving shape.
    let (_, statement, witness) = inputs(&members()[..1], &reports(), 1);
    let cs = new_cs();
    EpochCircuit::new(statement, witness).generate_constraints(cs.clone()).unwrap();
    assert_eq!(cs.num_constraints(), one);
}

/// circomlibjs's message and signature of two reports (`tools/js/gen-health-fixtures.js`):
/// ours are equal, and the epoch circuit accepts the reports under their attesters' keys.
#[test]
fn reports_match_circomlibjs_known_answers() {
    use ccr_circuits::babyjubjub::eddsa::{PrivateKey, Signature};
    use ccr_circuits::babyjubjub::Point;
    use ccr_circuits::health::fund::padding;
    use ccr_circuits::health::IndicatorReport;

    use crate::common::{fixture, fr};

    let fx = fixture("health_circomlibjs.json");
    for (i, v) in fx["vectors"].as_array().unwrap().iter().enumerate() {
        let r = &v["report"];
        let values = std::array::from_fn(|j| r["values"][j].as_str().map(|s| s.parse::<i64>().unwrap()));
        let report = IndicatorReport {
            bioregion: r["bioregion"].as_u64().unwrap() as u32,
            epoch: r["epoch"].as_u64().unwrap() as u32,
            data_year: r["data_year"].as_u64().unwrap() as u16,
            source_digest: hex::decode(r["source_digest"].as_str().unwrap()).unwrap().try_into().unwrap(),
            values,
        };
        assert_eq!(report.message(), fr(v["message"].as_str().unwrap()), "vector {i}: message");
        let key = PrivateKey::from_bytes(
            hex::decode(v["private_key"].as_str().unwrap()).unwrap().try_into().unwrap(),
        );
        let public = Point::new_unchecked(
            fr(v["public_key"][0].as_str().unwrap()),
            fr(v["public_key"][1].as_str().unwrap()),
        );
        assert_eq!(key.public_key(), public, "vector {i}: key");
        let s = &v["signature"];
        let signature = Signature {
            r8: Point::new_unchecked(fr(s["R8"][0].as_str().unwrap()), fr(s["R8"][1].as_str().unwrap())),
            s: fr(s["S"].as_str().unwrap()),
        };
        let signed = SignedReport::sign(&key, report.clone()).unwrap();
        assert_eq!(signed.signature, signature, "vector {i}: signature");

        // Through the circuit: one bank of the report's bioregion, the attester registered.
        let mut registry = HealthAttesterRegistry::new();
        registry.add(7, &public).unwrap();
        let bank = FundMember {
            pool: 5,
            bioregion: report.bioregion,
            activity: activity(50_000, 10_000, 4_000, 1_000),
        };
        let (_, statement, witness) = epoch_inputs(
            &HealthParams::default(),
            &FundParams::default(),
            &registry,
            report.epoch,
            0,
            &[bank, padding(0)],
            &[signed],
            2,
        )
        .unwrap();
        check(statement, witness);
    }
}
