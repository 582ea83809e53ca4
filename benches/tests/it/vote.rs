use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ccr_benches::vote::{self, ProcessConstraints, VoteReport};
use ccr_circuits::vote::constraints::ProcessCircuit;
use ccr_circuits::vote::trees::VoteParams;
use ccr_circuits::Fr;

/// Constraints at the test size add up to the circuit's pinned count of a batch of 2.
#[test]
fn vote_constraints_per_message_and_batch_add_up() {
    let params = VoteParams::test(2);
    let c = vote::process_constraints(&params).expect("synthesis");
    let pinned: usize =
        include_str!("../../../circuits/tests/snapshots/vote_process_depth2_2_batch2_constraints.txt")
            .trim()
            .parse()
            .expect("a count");
    assert_eq!(c.batch(2), pinned);
    assert!(c.per_message > 10_000 && c.batch_overhead > c.per_message, "{c:?}");
}

/// The benchmark's batch: every vote valid (checked by `batch_witness`), a voter with several
/// messages included, and the circuit satisfied with the batch's public input.
#[test]
fn vote_batch_of_valid_votes_satisfies_the_circuit() {
    let params = VoteParams::test(6);
    let (witness, voters, options, _) = vote::batch_witness(&params).expect("witness");
    assert_eq!((voters, options), (4, 4));
    assert_eq!(witness.messages.len(), 6);
    assert_ne!(witness.sb_after(), witness.sb_before());
    let cs = ConstraintSystem::<Fr>::new_ref();
    ProcessCircuit::new(witness.clone()).generate_constraints(cs.clone()).expect("synthesis");
    assert!(cs.is_satisfied().expect("satisfiability"));
    assert_eq!(cs.instance_assignment().expect("instance")[1], witness.public_input());

    let err = vote::batch_witness(&VoteParams::test(0)).expect_err("an empty batch");
    assert!(err.to_string().contains("--batch must be at least 1"), "{err}");
    let err = vote::process_constraints(&VoteParams { vote_depth: 11, ..params }).expect_err("too deep");
    assert!(err.to_string().contains("--vote-depth must be 1 to 10"), "{err}");
}

#[test]
fn vote_report_renders_as_a_table_and_json() {
    let latency = |ms: u64| ccr_benches::Latency::of(vec![std::time::Duration::from_millis(ms)]);
    let report = VoteReport {
        params: VoteParams { state_depth: 10, vote_depth: 3, batch_size: 5 },
        voters: 5,
        options: 8,
        constraints: ProcessConstraints { per_message: 100, batch_overhead: 1_000 },
        batch_constraints: 1_500,
        witness: std::time::Duration::from_millis(20),
        setup: std::time::Duration::from_secs(3),
        prove: latency(4_000),
        verify: latency(5),
    };
    let table = vote::render(&report);
    assert!(table.contains("| per message | 100 |"), "{table}");
    assert!(table.contains("| batch of 25 (computed) | 3500 |"), "{table}");
    assert!(table.contains("| 5 | 20.00 ms | 3.00 s | 4.00 s | 4.00 s | 0.80 s | 5.00 ms |"), "{table}");
    let json = vote::to_json(&report);
    assert_eq!(json["constraints"]["productionBatch"], 3_500);
    assert_eq!(json["proveS"]["median"], 4.0);
    assert_eq!(json["batchSize"], 5);
}

/// The MACI comparison at the test size: our tally at the largest batch the tree holds, its
/// marginal cost from half that batch, and every MACI row with its source.
#[test]
fn vote_maci_comparison_renders_ours_beside_maci() {
    let params = VoteParams::test(2);
    let process = ProcessConstraints { per_message: 100, batch_overhead: 1_000 };
    let c = vote::maci_comparison(&params, process).expect("tally synthesis");
    assert_eq!(c.tally_batch, params.max_voters().min(vote::MACI_V2_TALLY_BATCH));
    assert!(c.tally_constraints > c.tally_half_constraints, "{c:?}");
    let table = vote::render_maci(&c);
    assert!(table.contains("| 3500 | 25 messages | 100 (marginal) |"), "{table}");
    for m in &vote::MACI_FIGURES {
        assert!(table.contains(m.circuit), "{table}");
        assert_eq!(m.constraints / m.per_proof, m.per_item());
    }
    assert!(table.contains("| 798167 | 25 messages | 31926 (31687 marginal) |"), "{table}");
    assert!(table.contains("maci-circuits 2.5.0"), "{table}");
    let json = vote::maci_to_json(&c);
    assert_eq!(json["maci"].as_array().map(Vec::len), Some(vote::MACI_FIGURES.len()));
}
