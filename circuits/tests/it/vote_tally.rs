//! The tally witnesses and the tally circuit: over the native test's poll (five voters, three
//! options), the witnesses reproduce the native `process` tally, every batch's circuit is
//! satisfied with the native public input, and a witness or statement changed in one value
//! (from a fresh valid witness) is not.

use ark_ff::{AdditiveGroup, Field};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, SynthesisMode};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::batch::fr_to_be_bytes;
use ccr_circuits::vote::constraints::TallyCircuit;
use ccr_circuits::vote::tally_witness::{
    tally_after_processing, tally_public_input, tally_witnesses, BallotSlot, TallyBatchWitness, TallyParams,
    TallyWitnessError, TallyWitnesses,
};
use ccr_circuits::vote::trees::VoteParams;
use ccr_circuits::vote::witness::{process_witnesses, ProcessWitnesses};
use ccr_circuits::vote::{
    chain_hash, process, results_commitment, Ballot, Message, OptionResult, Poll, SubmittedMessage,
    VoterState, EMPTY_CHAIN,
};
use ccr_circuits::Fr;
use sha2::{Digest, Sha256};

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, new_cs};
use crate::vote_common::{key, padded, vote_message};

const POLL_ID: u64 = 7;
const DEADLINE: u64 = 1000;
const CREDITS: u64 = 100;
const A: u64 = 0;
const B: u64 = 1;
const C: u64 = 2;
const D: u64 = 3;
const E: u64 = 4;
/// Five voters: a state tree of depth 3; three options: a votes tree of depth 2.
const PARAMS: VoteParams = VoteParams { state_depth: 3, vote_depth: 2, batch_size: 4 };

struct Scenario {
    poll: Poll,
    coordinator: PrivateKey,
    voters: Vec<VoterState>,
    /// The chain's messages, unpadded.
    messages: Vec<Message>,
}

#[allow(clippy::too_many_arguments)]
fn vote(
    seq: u64,
    index: u64,
    signer: &PrivateKey,
    new_key: Point,
    option: u64,
    weight: u64,
    nonce: u64,
    to: &Point,
) -> Message {
    vote_message(seq, index, signer, new_key, option, weight, nonce, POLL_ID, to)
}

/// The native test's poll (`vote.rs`): its 14 messages accepted before the deadline (L1 refuses
/// the 15th), covering every rule.
fn scenario() -> Scenario {
    let coordinator = key(400);
    let poll = Poll {
        id: POLL_ID,
        options: 3,
        deadline: DEADLINE,
        voice_credits: CREDITS,
        coordinator: coordinator.public_key(),
    };
    let k: Vec<PrivateKey> = (0..5).map(|i| key(200 + i)).collect();
    let (d2, stranger) = (key(300), key(301));
    let own = |i: u64| k[i as usize].public_key();
    let c = &poll.coordinator;
    let messages = vec![
        vote(0, B, &k[1], own(B), 2, 6, 1, c),
        vote(1, A, &k[0], own(A), 0, 5, 1, c),
        vote(2, D, &d2, d2.public_key(), 0, 1, 2, c),
        vote(3, C, &k[2], own(C), 1, 7, 2, c),
        vote(4, A, &k[0], own(A), 2, 1, 3, &stranger.public_key()),
        vote(5, A, &k[0], own(A), 1, 4, 2, c),
        vote(6, D, &k[3], own(D), 2, 2, 2, c),
        vote(7, B, &k[1], own(B), 2, 11, 1, c),
        vote(8, C, &k[2], own(C), 0, 8, 1, c),
        vote(9, E, &stranger, own(E), 2, 1, 2, c),
        vote(10, D, &k[3], d2.public_key(), 1, 3, 1, c),
        vote(11, E, &k[4], own(E), 1, 2, 1, c),
        vote(12, A, &k[0], own(A), 0, 7, 1, c),
        vote(13, C, &k[2], own(C), 3, 1, 1, c),
    ];
    let voters = k.iter().map(|k| poll.voter(k.public_key())).collect();
    Scenario { poll, coordinator, voters, messages }
}

fn processing(s: &Scenario) -> ProcessWitnesses {
    let mut n = 0u64;
    process_witnesses(
        &s.poll,
        &s.voters,
        &padded(&s.messages, PARAMS.batch_size),
        &s.coordinator,
        &PARAMS,
        || {
            n += 1;
            Fr::from(9000 + n)
        },
    )
    .unwrap()
}

fn tally(s: &Scenario, p: &ProcessWitnesses, t: usize) -> TallyWitnesses {
    let mut n = 0u64;
    tally_after_processing(&s.poll, p, t, || {
        n += 1;
        Fr::from(7000 + n)
    })
    .unwrap()
}

// ---------------------------------------------------------------- witnesses

#[test]
fn tally_witnesses_reproduce_the_native_tally() {
    let s = scenario();
    let p = processing(&s);
    let w = tally(&s, &p, 2);

    // The native `process` of the same chain, committed with the last tally salt.
    let submitted: Vec<SubmittedMessage> =
        s.messages.iter().map(|m| SubmittedMessage { message: *m, submitted_at: DEADLINE }).collect();
    let native = process(&s.poll, &s.voters, &submitted, &s.coordinator, w.salt).unwrap();
    let results = vec![
        OptionResult { votes: 7 + 8 + 1, spent: 49 + 64 + 1 },
        OptionResult { votes: 4 + 3 + 2, spent: 16 + 9 + 4 },
        OptionResult { votes: 6, spent: 36 },
    ];
    assert_eq!(native.tally.results, results, "the native test's results");
    assert_eq!(w.results, native.tally.results);
    assert_eq!(w.total_spent, 179);
    let chain = s.messages.iter().fold(EMPTY_CHAIN, chain_hash);
    assert_eq!(w.tally(chain), native.tally);
    assert_eq!(w.commitment(), results_commitment(&results, w.salt));

    // Three batches of two ballots ([A, B], [C, D], [E, empty]), linked by their commitments.
    assert_eq!(w.batches.len(), 3);
    assert_eq!(w.batches[0].tally_before(), Fr::ZERO);
    assert_eq!(w.batches[0].totals_before, vec![OptionResult::default(); 3]);
    for pair in w.batches.windows(2) {
        assert_eq!(pair[0].tally_after(), pair[1].tally_before());
        assert_eq!(pair[0].totals_after, pair[1].totals_before);
    }
    assert_eq!(w.batches[2].tally_after(), w.commitment());
    for (k, b) in w.batches.iter().enumerate() {
        assert_eq!(b.batch_index, k as u64);
        assert_eq!(b.sb_final(), p.final_sb(), "sbFinal is what the last processing proof left");
        assert_eq!(b.subtree_proof.siblings.len(), 2);
    }
    let last = &w.batches[2].slots;
    assert!(last[0].occupied && !last[1].occupied);
    assert_eq!(last[0].ballot, Ballot { nonce: 1, votes: vec![0, 2, 0] });
    assert_eq!(last[1].ballot, Ballot { nonce: 0, votes: vec![0, 0, 0] });
    // After the first batch: A's [7, 4, 0] and B's [0, 0, 6].
    assert_eq!(w.batches[0].totals_after[0], OptionResult { votes: 7, spent: 49 });
    assert_eq!(w.batches[0].spent_after(), 49 + 16 + 36);

    // One batch of all eight leaves, or eight batches of one: the same results.
    for t in [1, 4, 8] {
        let other = tally(&s, &p, t);
        assert_eq!(other.batches.len(), 5usize.div_ceil(t));
        assert_eq!(other.results, results, "T = {t}");
    }

    // The public input, spelled out: sha256 of five 32-byte words, mod r.
    let b = &w.batches[1];
    let mut h = Sha256::new();
    for x in [Fr::from(POLL_ID), b.sb_final(), Fr::ONE, b.tally_before(), b.tally_after()] {
        h.update(fr_to_be_bytes(&x));
    }
    use ark_ff::PrimeField;
    assert_eq!(b.public_input(), Fr::from_be_bytes_mod_order(&h.finalize()));
    assert_eq!(
        b.public_input(),
        tally_public_input(POLL_ID, p.final_sb(), 1, b.tally_before(), b.tally_after())
    );
    // Debug output shows no ballot or salt.
    let shown = format!("{b:?} {w:?}");
    assert!(!shown.contains("slots") && !shown.contains("salt") && !shown.contains("votes"), "{shown}");
}

#[test]
fn tally_witnesses_refuse_bad_parameters_and_ballots() {
    let s = scenario();
    let p = processing(&s);
    let params = |t| TallyParams { state_depth: 3, vote_depth: 2, batch_size: t };
    let build = |t: usize, voters: &[VoterState], ballots: &[Ballot], poll: &Poll| {
        tally_witnesses(poll, &params(t), voters, ballots, p.final_salt, || Fr::ONE).err()
    };
    let (v, b) = (&p.final_voters[..], &p.final_ballots[..]);
    for t in [0, 3, 6, 16] {
        assert_eq!(
            build(t, v, b, &s.poll),
            Some(TallyWitnessError::BatchSize { batch_size: t, max: 8 }),
            "T = {t}"
        );
    }
    assert_eq!(
        tally_after_processing(&s.poll, &p, 3, || Fr::ONE).err(),
        Some(TallyWitnessError::BatchSize { batch_size: 3, max: 8 })
    );
    assert_eq!(build(2, &[], &[], &s.poll), Some(TallyWitnessError::NoVoters));
    assert_eq!(build(2, v, &b[..4], &s.poll), Some(TallyWitnessError::BallotCount { voters: 5, ballots: 4 }));
    let mut short = b.to_vec();
    short[3].votes.pop();
    assert_eq!(
        build(2, v, &short, &s.poll),
        Some(TallyWitnessError::BallotShape { index: 3, got: 2, options: 3 })
    );
    let five = Poll { options: 5, ..s.poll };
    assert_eq!(build(2, v, b, &five), Some(TallyWitnessError::Options { options: 5, max: 4 }));
    // The error says what to do.
    let msg = TallyWitnessError::BatchSize { batch_size: 3, max: 8 }.to_string();
    assert!(msg.contains("power of two"), "{msg}");
}

// ---------------------------------------------------------------- the circuit

fn synthesize(circuit: TallyCircuit) -> ConstraintSystemRef<Fr> {
    let cs = new_cs();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs
}

#[test]
fn every_tally_batch_is_satisfied_with_the_native_public_input() {
    let s = scenario();
    let p = processing(&s);
    // T = 2: three batches, the last half empty; T = 8: the whole tree (no path above it).
    for t in [2, 8] {
        let w = tally(&s, &p, t);
        for b in &w.batches {
            let cs = synthesize(TallyCircuit::new(b.clone()));
            assert_satisfied(&cs);
            assert_eq!(cs.num_instance_variables(), 2, "one public input (and the constant one)");
            // The circuit computes the native public input.
            let cs2 = synthesize(TallyCircuit::with_computed_public_input(b.clone()));
            assert_satisfied(&cs2);
            assert_eq!(
                cs2.instance_assignment().unwrap()[1],
                b.public_input(),
                "T = {t}, k = {}",
                b.batch_index
            );
        }
    }
}

/// Batch 1 of T = 2 (C's and D's ballots): a batch after the first, so that the totals and the
/// tally before it are opened.
fn fresh() -> TallyBatchWitness {
    let s = scenario();
    let w = tally(&s, &processing(&s), 2);
    let b = w.batches[1].clone();
    assert_satisfied(&synthesize(TallyCircuit::new(b.clone())));
    b
}

/// The tampered witness against L1's statement for the untampered batch: sbFinal, k and
/// tallyBefore are L1's, tallyAfter the honest one.
fn assert_caught(tampered: TallyBatchWitness) {
    let input = fresh().public_input();
    assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(tampered, input)));
}

#[test]
fn a_tampered_vote_or_nonce_is_caught() {
    let mut b = fresh();
    b.slots[0].ballot.votes[0] += 1;
    assert_caught(b);
    let mut b = fresh();
    b.slots[1].ballot.votes[2] += 1;
    assert_caught(b);
    let mut b = fresh();
    b.slots[1].ballot.nonce += 1;
    assert_caught(b);
    // A vote moved within a ballot: D's 1 on option 0 to option 2 (same total votes).
    let mut b = fresh();
    b.slots[1].ballot.votes[0] -= 1;
    b.slots[1].ballot.votes[2] += 1;
    assert_caught(b);
}

#[test]
fn a_tampered_sibling_or_root_is_caught() {
    let mut b = fresh();
    b.subtree_proof.siblings[0] += Fr::ONE;
    assert_caught(b);
    let mut b = fresh();
    b.subtree_proof.siblings[1] += Fr::ONE;
    assert_caught(b);
    let mut b = fresh();
    b.state_root += Fr::ONE;
    assert_caught(b);
    let mut b = fresh();
    b.sb_salt += Fr::ONE;
    assert_caught(b);
}

#[test]
fn a_tampered_running_total_is_caught() {
    let mut b = fresh();
    b.totals_before[0].votes += 1;
    assert_caught(b);
    let mut b = fresh();
    b.totals_before[2].spent += 1;
    assert_caught(b);
    let mut b = fresh();
    b.salt_before += Fr::ONE;
    assert_caught(b);
    // A claimed total after the batch that the ballots do not give, as the prover's statement.
    let mut b = fresh();
    b.totals_after[1].votes += 1;
    assert_unsatisfied(&synthesize(TallyCircuit::new(b)));
}

#[test]
fn a_wrong_tally_is_caught() {
    // One vote moved from option 0 to option 1 in the totals after the batch.
    let honest = fresh();
    let mut moved = honest.totals_after.clone();
    moved[0].votes -= 1;
    moved[1].votes += 1;
    let wrong = results_commitment(&moved, honest.salt_after);
    let input = tally_public_input(POLL_ID, honest.sb_final(), 1, honest.tally_before(), wrong);
    assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(honest.clone(), input)));
    // The same as the prover's claim.
    let mut b = honest.clone();
    b.totals_after = moved;
    assert_unsatisfied(&synthesize(TallyCircuit::new(b)));
    // A wrong total spent with the right per-option totals.
    let after = &honest.totals_after;
    let mut r = Fr::ZERO;
    for o in after {
        r = ccr_circuits::poseidon::hash_n(&[r, Fr::from(o.votes), Fr::from(o.spent)]);
    }
    let wrong = ccr_circuits::poseidon::hash_n(&[r, Fr::from(honest.spent_after() + 1), honest.salt_after]);
    let input = tally_public_input(POLL_ID, honest.sb_final(), 1, honest.tally_before(), wrong);
    assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(honest, input)));
}

#[test]
fn a_wrong_statement_is_caught() {
    let b = fresh();
    let (sb, before, after) = (b.sb_final(), b.tally_before(), b.tally_after());
    for input in [
        // tallyAfter
        tally_public_input(POLL_ID, sb, 1, before, after + Fr::ONE),
        // sbFinal
        tally_public_input(POLL_ID, sb + Fr::ONE, 1, before, after),
        // k
        tally_public_input(POLL_ID, sb, 2, before, after),
        // tallyBefore
        tally_public_input(POLL_ID, sb, 1, before + Fr::ONE, after),
        // the poll
        tally_public_input(POLL_ID + 1, sb, 1, before, after),
    ] {
        assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(b.clone(), input)));
    }
    // Another k in the witness: the subtree sits elsewhere in the tree.
    let mut w = fresh();
    w.batch_index = 2;
    assert_caught(w);
}

#[test]
fn a_later_batch_cannot_pass_as_the_first() {
    // Batch 1's ballots claimed as batch 0 (tally 0, totals from 0) cannot open sbFinal at
    // index 0, and batch 1 with the totals restarted cannot claim tallyBefore = 0.
    let b = fresh();
    let mut w = b.clone();
    w.batch_index = 0;
    w.totals_before = vec![OptionResult::default(); 3];
    let input = tally_public_input(POLL_ID, b.sb_final(), 0, Fr::ZERO, w.tally_after());
    assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(w, input)));
    let input = tally_public_input(POLL_ID, b.sb_final(), 1, Fr::ZERO, b.tally_after());
    assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(b, input)));
}

#[test]
fn the_first_batch_starts_from_zero_totals() {
    // Batch 0 from inflated totals, the tally after following them: tallyBefore is still 0
    // and sbFinal untouched, only the start is wrong.
    let s = scenario();
    let w = tally(&s, &processing(&s), 2);
    let mut b = w.batches[0].clone();
    b.totals_before[0] = OptionResult { votes: 100, spent: 100 };
    b.totals_after[0].votes += 100;
    b.totals_after[0].spent += 100;
    assert_eq!(b.tally_before(), Fr::ZERO);
    let cs = synthesize(TallyCircuit::with_computed_public_input(b.clone()));
    assert_unsatisfied(&cs);
    assert_eq!(cs.instance_assignment().unwrap()[1], b.public_input(), "only the start is wrong");
}

#[test]
fn an_empty_leaf_carries_no_votes() {
    let s = scenario();
    let w = tally(&s, &processing(&s), 2);
    let honest = w.batches[2].clone();
    assert!(!honest.slots[1].occupied);
    // The empty leaf (index 5) claimed as a ballot: its leaf would be a hash, not 0.
    let mut b = honest.clone();
    b.slots[1] = BallotSlot { occupied: true, ballot: Ballot { nonce: 0, votes: vec![0, 0, 0] } };
    assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(b, honest.public_input())));
    // The empty leaf kept 0 but with votes, the totals and tally following them: the
    // strongest cheat (sbFinal untouched, the tally the prover's).
    let mut b = honest.clone();
    b.slots[1].ballot.votes[1] = 5;
    b.totals_after[1].votes += 5;
    b.totals_after[1].spent += 25;
    let cs = synthesize(TallyCircuit::with_computed_public_input(b.clone()));
    assert_unsatisfied(&cs);
    assert_eq!(
        cs.instance_assignment().unwrap()[1],
        b.public_input(),
        "only the empty leaf's votes are wrong"
    );
}

#[test]
fn a_vote_on_an_option_outside_the_poll_is_not_counted() {
    // A poll of 2 options whose final ballots (by a processing this circuit does not see)
    // hold a weight on option 2: the circuit refuses it, whatever the tally.
    let s = scenario();
    let p = processing(&s);
    let poll = Poll { options: 2, ..s.poll };
    let ballots: Vec<Ballot> =
        p.final_ballots.iter().map(|b| Ballot { nonce: b.nonce, votes: b.votes[..2].to_vec() }).collect();
    let params = TallyParams::new(&PARAMS, 2).unwrap();
    let w = tally_witnesses(&poll, &params, &p.final_voters, &ballots, Fr::ONE, || Fr::from(3u64)).unwrap();
    let honest = w.batches[0].clone();
    assert_satisfied(&synthesize(TallyCircuit::new(honest.clone())));
    // B's 6 on option 2 put back in the ballot (a different ballot root) with the options at 2.
    let mut b = honest.clone();
    b.slots[1].ballot.votes.push(6);
    assert_unsatisfied(&synthesize(TallyCircuit::with_computed_public_input(b)));
    // Claiming 1 option drops option 1 from the commitment: not the honest tally.
    let mut b = honest.clone();
    b.options = 1;
    b.totals_before.truncate(1);
    b.totals_after.truncate(1);
    assert_unsatisfied(&synthesize(TallyCircuit::with_public_input(b, honest.public_input())));
}

#[test]
fn blank_batches_are_satisfied_and_the_constraint_count_is_pinned() {
    let blank = TallyBatchWitness::blank(TallyParams::test(2)).unwrap();
    let cs = synthesize(TallyCircuit::new(blank));
    assert_satisfied(&cs);
    assert_snapshot("vote_tally_depth2_2_batch2_constraints", cs.num_constraints());
    assert!(TallyBatchWitness::blank(TallyParams::test(3)).is_err());
}

fn setup_count(params: TallyParams) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    TallyCircuit::new(TallyBatchWitness::blank(params).unwrap()).generate_constraints(cs.clone()).unwrap();
    cs.num_constraints()
}

/// Constraints per ballot at the production size (state depth 10, vote depth 3, 8 options):
/// the difference between batches of 8 and 4 ballots, over 4 (a ballot and its share of the
/// subtree); and the whole proof at T = 32.
#[test]
fn constraints_per_ballot_at_production_size() {
    let count = |t| setup_count(TallyParams { batch_size: t, ..TallyParams::PRODUCTION });
    let (four, eight) = (count(4), count(8));
    // Four more ballots add four subtree nodes and remove one path level: about one ballot and
    // one node each.
    let per_ballot = (eight - four) / 4;
    assert_snapshot("vote_tally_production_per_ballot_constraints", per_ballot);
    assert_snapshot("vote_tally_production_batch_overhead_constraints", four - 4 * per_ballot);
    assert_snapshot("vote_tally_production_batch32_constraints", count(TallyParams::PRODUCTION.batch_size));
}
