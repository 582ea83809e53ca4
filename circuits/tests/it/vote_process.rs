//! The poll's trees, the processing witnesses and the processing circuit: witnesses replay the
//! native `process` exactly, every batch's circuit is satisfied with the native public input,
//! and a witness tampered in one value (from a fresh valid one) is not.

use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::{Point, BASE8, GENERATOR};
use ccr_circuits::merkle::{empty_hashes, SparseMerkleTree};
use ccr_circuits::poseidon;
use ccr_circuits::vote::cipher::is_valid_public_key;
use ccr_circuits::vote::constraints::curve::{check_point, decompose, torsion8};
use ccr_circuits::vote::constraints::ProcessCircuit;
use ccr_circuits::vote::trees::{
    ballot_leaf, empty_votes_root, fresh_ballot_root, initial_sb, pad_message_hash, sb_commitment,
    state_leaf, PollTrees, TreeError, VoteParams, PAD_MESSAGE,
};
use ccr_circuits::vote::witness::{
    process_public_input, process_witnesses, roster_word, ProcessBatchWitness, ProcessPublic,
    ProcessWitnesses, WitnessError,
};
use ccr_circuits::vote::{
    chain_hash, CipherError, Message, MessageError, Outcome, Poll, Rejection, SubmittedMessage, VoterState,
    EMPTY_CHAIN,
};
use ccr_circuits::Fr;

use crate::common::{assert_satisfied, assert_snapshot, assert_unsatisfied, new_cs};
use crate::vote_common::{key, padded, vote_message as vote};

const POLL_ID: u64 = 7;
const CREDITS: u64 = 100;
const A: u64 = 0;
const B: u64 = 1;
const C: u64 = 2;
const D: u64 = 3;

fn poll(coordinator: &PrivateKey) -> Poll {
    Poll {
        id: POLL_ID,
        options: 3,
        deadline: 1000,
        voice_credits: CREDITS,
        coordinator: coordinator.public_key(),
    }
}

struct Scenario {
    poll: Poll,
    coordinator: PrivateKey,
    keys: Vec<PrivateKey>,
    d2: PrivateKey,
    voters: Vec<VoterState>,
    /// The chain's messages (unpadded) and the outcome each must have.
    messages: Vec<(Message, Outcome)>,
}

/// Four voters A–D, three options, 13 messages covering every rule (the native test's cases,
/// at the test size: 4 voters).
fn scenario() -> Scenario {
    let coordinator = key(400);
    let poll = poll(&coordinator);
    let keys: Vec<PrivateKey> = (0..4).map(|i| key(200 + i)).collect();
    let d2 = key(300);
    let stranger = key(301);
    let voters = keys.iter().map(|k| poll.voter(k.public_key())).collect();
    let own = |i: u64| keys[i as usize].public_key();
    let c = &poll.coordinator;
    let (applied, ignored) = (Outcome::Applied, Outcome::Ignored);
    let messages = vec![
        // 0. B votes 6 on option 2 (processed after B's overspend 5, which kept the nonce).
        (vote(0, B, &keys[1], own(B), 2, 6, 1, POLL_ID, c), applied),
        // 1. A's first vote, replaced by A's vote change 9 (nonce 1 again, processed first).
        (
            vote(1, A, &keys[0], own(A), 0, 5, 1, POLL_ID, c),
            ignored(Rejection::BadNonce { expected: 3, got: 1 }),
        ),
        // 2. D, signed with D's new key before the key change 7.
        (vote(2, D, &d2, d2.public_key(), 0, 1, 2, POLL_ID, c), applied),
        // 3. A's second message (nonce 2).
        (vote(3, A, &keys[0], own(A), 1, 4, 2, POLL_ID, c), applied),
        // 4. Encrypted to someone else: unreadable.
        (
            vote(4, A, &keys[0], own(A), 2, 1, 3, POLL_ID, &stranger.public_key()),
            ignored(Rejection::Unreadable(MessageError::Cipher(CipherError::Padding))),
        ),
        // 5. B overspends: 11² > 100.
        (
            vote(5, B, &keys[1], own(B), 2, 11, 1, POLL_ID, c),
            ignored(Rejection::InsufficientCredits { available: 100, cost: 121 }),
        ),
        // 6. D under the key D later replaced.
        (vote(6, D, &keys[3], own(D), 2, 2, 2, POLL_ID, c), ignored(Rejection::BadSignature)),
        // 7. D's key change, with 3 on option 1.
        (vote(7, D, &keys[3], d2.public_key(), 1, 3, 1, POLL_ID, c), applied),
        // 8. C votes 8 on option 0.
        (vote(8, C, &keys[2], own(C), 0, 8, 1, POLL_ID, c), applied),
        // 9. A changes the vote on option 0 to 7.
        (vote(9, A, &keys[0], own(A), 0, 7, 1, POLL_ID, c), applied),
        // 10. Index 5 (low bits name B), signed by B: no such voter.
        (
            vote(10, 5, &keys[1], own(B), 1, 1, 1, POLL_ID, c),
            ignored(Rejection::UnknownVoter { state_index: 5, voters: 4 }),
        ),
        // 11. An option the poll does not have.
        (
            vote(11, C, &keys[2], own(C), 3, 1, 1, POLL_ID, c),
            ignored(Rejection::InvalidVoteOption { option: 3, options: 3 }),
        ),
        // 12. A command for another poll.
        (
            vote(12, C, &keys[2], own(C), 1, 1, 1, POLL_ID + 1, c),
            ignored(Rejection::WrongPoll { got: POLL_ID + 1 }),
        ),
    ];
    Scenario { poll, coordinator, keys, d2, voters, messages }
}

/// The chain padded to a multiple of `b`, as `closePoll` leaves it.
fn witnesses(s: &Scenario, params: &VoteParams) -> ProcessWitnesses {
    let messages: Vec<Message> = s.messages.iter().map(|(m, _)| *m).collect();
    let mut n = 0u64;
    process_witnesses(
        &s.poll,
        &s.voters,
        &padded(&messages, params.batch_size),
        &s.coordinator,
        params,
        || {
            n += 1;
            Fr::from(9000 + n)
        },
    )
    .unwrap()
}

// ---------------------------------------------------------------- trees

#[test]
fn trees_commit_to_states_and_ballots() {
    let params = VoteParams::test(2);
    let s = scenario();
    let trees = PollTrees::initial(&params, &s.voters).unwrap();
    // Leaves spelled out.
    let v = s.voters[1];
    assert_eq!(state_leaf(&v), poseidon::hash_n(&[v.pubkey.x, v.pubkey.y, Fr::from(CREDITS)]));
    assert_eq!(trees.state.leaf(1).unwrap(), state_leaf(&v));
    let empty_votes = empty_votes_root(params.vote_depth);
    assert_eq!(empty_votes, empty_hashes(2)[2]);
    assert_eq!(trees.ballots.leaf(3).unwrap(), poseidon::hash2(Fr::ZERO, empty_votes));
    assert_eq!(ballot_leaf(0, empty_votes), trees.ballots.leaf(0).unwrap());
    // sb with salt 0 is initialSb.
    let sb = sb_commitment(trees.state.root(), trees.ballots.root(), Fr::ZERO);
    assert_eq!(initial_sb(&s.voters, &params).unwrap(), sb);
    assert_eq!(trees.sb(Fr::ZERO), sb);
    assert_ne!(trees.sb(Fr::ONE), sb);
    // Unused leaves are 0.
    let three = PollTrees::initial(&params, &s.voters[..3]).unwrap();
    assert_eq!(three.state.leaf(3).unwrap(), Fr::ZERO);
    assert_eq!(three.ballots.leaf(3).unwrap(), Fr::ZERO);
    // Too many voters or options.
    let five: Vec<VoterState> = (0..5).map(|_| s.voters[0]).collect();
    assert_eq!(initial_sb(&five, &params), Err(TreeError::TooManyVoters { voters: 5, depth: 2 }));
    assert_eq!(
        ccr_circuits::vote::trees::votes_tree(&[1; 5], 2).err(),
        Some(TreeError::TooManyOptions { options: 5, depth: 2 })
    );
    // A votes tree holds the weights at the options' indices.
    let votes = ccr_circuits::vote::trees::votes_tree(&[0, 3, 0], 2).unwrap();
    let mut manual = SparseMerkleTree::new(2).unwrap();
    manual.update(1, Fr::from(3u64)).unwrap();
    assert_eq!(votes.root(), manual.root());
}

/// `fresh_ballot_root(n)` is the ballot root of `n` registered voters before any message, natively
/// and in the gadget, for every count the tree holds.
#[test]
fn the_fresh_ballot_root_is_the_initial_ballot_tree_of_every_count() {
    use ark_r1cs_std::alloc::AllocVar;
    use ark_r1cs_std::fields::fp::FpVar;
    use ark_r1cs_std::GR1CSVar;
    use ccr_circuits::range::enforce_bits;
    use ccr_circuits::vote::constraints::process::fresh_ballot_root as fresh_ballot_root_var;
    let s = scenario();
    for depth in [2usize, 3] {
        let params = VoteParams { state_depth: depth, vote_depth: 2, batch_size: 1 };
        for n in 0..=params.max_voters() {
            let voters: Vec<VoterState> = (0..n).map(|i| s.voters[i % 4]).collect();
            let trees = PollTrees::initial(&params, &voters).unwrap();
            let native = fresh_ballot_root(n as u64, &params).unwrap();
            assert_eq!(native, trees.ballots.root(), "depth {depth}, {n} voters");
            let cs = new_cs();
            let count = FpVar::new_witness(cs.clone(), || Ok(Fr::from(n as u64))).unwrap();
            let bits = enforce_bits(&count, depth + 1).unwrap();
            assert_eq!(fresh_ballot_root_var(&bits, &params).unwrap().value().unwrap(), native);
            assert_satisfied(&cs);
        }
        let over = params.max_voters() as u64 + 1;
        assert_eq!(
            fresh_ballot_root(over, &params),
            Err(TreeError::TooManyVoters { voters: over as usize, depth })
        );
    }
}

#[test]
fn the_padding_message_is_unreadable_and_its_hash_is_pinned() {
    assert_eq!(PAD_MESSAGE.data, [Fr::ZERO; 10]);
    assert_eq!(PAD_MESSAGE.enc_pubkey, Point::zero());
    assert!(!is_valid_public_key(&PAD_MESSAGE.enc_pubkey));
    assert_eq!(PAD_MESSAGE.decrypt(&key(1)), Err(MessageError::InvalidEphemeralKey));
    let zeros5 = poseidon::hash_n(&[Fr::ZERO; 5]);
    assert_eq!(pad_message_hash(), poseidon::hash_n(&[zeros5, zeros5, Fr::ZERO, Fr::ONE]));
    assert_snapshot("vote_pad_message_hash", pad_message_hash());
}

// ---------------------------------------------------------------- witnesses

#[test]
fn witnesses_replay_the_native_processing() {
    let s = scenario();
    let params = VoteParams::test(4);
    let w = witnesses(&s, &params);
    let expected: Vec<Outcome> = s.messages.iter().map(|(_, o)| *o).collect();
    assert_eq!(&w.processed.outcomes[..13], &expected[..]);
    // The three padding messages are unreadable.
    for o in &w.processed.outcomes[13..] {
        assert_eq!(*o, Outcome::Ignored(Rejection::Unreadable(MessageError::InvalidEphemeralKey)));
    }
    // Same final states and ballots as `process`, and the trees built from them.
    assert_eq!(w.final_voters, w.processed.voters);
    assert_eq!(w.final_ballots, w.processed.ballots);
    let native = PollTrees::new(&params, &w.processed.voters, &w.processed.ballots).unwrap();
    assert_eq!(w.final_trees.state.root(), native.state.root());
    assert_eq!(w.final_trees.ballots.root(), native.ballots.root());
    assert_eq!(w.final_sb(), native.sb(w.final_salt));
    let ballots: Vec<(u64, Vec<u64>)> = w.final_ballots.iter().map(|b| (b.nonce, b.votes.clone())).collect();
    assert_eq!(ballots, vec![(2, vec![7, 4, 0]), (1, vec![0, 0, 6]), (1, vec![8, 0, 0]), (2, vec![1, 3, 0])]);
    assert_eq!(w.final_voters[D as usize].pubkey, s.d2.public_key());
    assert_eq!(w.final_voters[A as usize].pubkey, s.keys[0].public_key());

    // Four batches, proven last first; consecutive sb and chains link up.
    assert_eq!(w.batches.len(), 4);
    assert_eq!(w.batches.iter().map(|b| b.batch_index).collect::<Vec<_>>(), vec![3, 2, 1, 0]);
    assert_eq!(w.batches[0].sb_before(), initial_sb(&s.voters, &params).unwrap());
    for pair in w.batches.windows(2) {
        assert_eq!(pair[0].sb_after(), pair[1].sb_before());
        assert_eq!(pair[1].chain_end, pair[0].chain_start);
    }
    assert_eq!(w.batches[3].chain_start, EMPTY_CHAIN);
    let chain = padded(&s.messages.iter().map(|(m, _)| *m).collect::<Vec<_>>(), 4)
        .iter()
        .fold(EMPTY_CHAIN, chain_hash);
    assert_eq!(w.batches[0].chain_end, chain);
    assert_eq!(w.batches[3].sb_after(), w.final_sb());

    // The public input, spelled out.
    let b = &w.batches[1];
    let public = ProcessPublic {
        poll_id: POLL_ID,
        coordinator_hash: poseidon::hash2(s.poll.coordinator.x, s.poll.coordinator.y),
        options: 3,
        voice_credits: CREDITS,
        voters: 4,
        first: false,
        chain_start: b.chain_start,
        chain_end: b.chain_end,
        sb_before: b.sb_before(),
        sb_after: b.sb_after(),
    };
    assert_eq!(b.public_input(), process_public_input(&public));
    // Only the last batch, proven first, starts from initialSb.
    assert_eq!(w.batches.iter().map(|b| b.first).collect::<Vec<_>>(), vec![true, false, false, false]);
    assert!(w.batches.iter().all(|b| b.voters == 4));
    assert_eq!(roster_word(4, true), 4 + (1 << 32));
    // Debug output shows no plaintext or key.
    let shown = format!("{b:?}");
    assert!(!shown.contains("decrypted") && !shown.contains("scalar"), "{shown}");
}

#[test]
fn witnesses_refuse_an_unpadded_chain() {
    let s = scenario();
    let params = VoteParams::test(4);
    let messages: Vec<Message> = s.messages.iter().map(|(m, _)| *m).collect();
    let err = process_witnesses(&s.poll, &s.voters, &messages, &s.coordinator, &params, || Fr::ZERO);
    assert_eq!(err.err(), Some(WitnessError::NotPadded { messages: 13, batch_size: 4 }));
    let err = process_witnesses(&s.poll, &s.voters, &[], &s.coordinator, &params, || Fr::ZERO);
    assert_eq!(err.err(), Some(WitnessError::NotPadded { messages: 0, batch_size: 4 }));
}

// ---------------------------------------------------------------- gadgets

#[test]
fn points_are_checked_as_the_native_key_check() {
    let t8 = torsion8();
    assert_eq!(t8[0], Point::zero());
    let cases = [
        BASE8,
        key(1).public_key(),
        GENERATOR,
        Point::zero(),
        t8[4],
        (key(2).public_key() + t8[3]).into(),
        Point::new_unchecked(Fr::from(1u64), Fr::from(2u64)),
        Point::new_unchecked(Fr::ZERO, Fr::ZERO),
    ];
    for p in cases {
        if p.is_on_curve() {
            let (k, q) = decompose(&p);
            assert_eq!(Point::from(q.mul_by_cofactor_to_group() + t8[k]), p);
        }
        let cs = new_cs();
        let var = ccr_circuits::babyjubjub::constraints::PointVar::new(
            ark_r1cs_std::fields::fp::FpVar::new_witness(cs.clone(), || Ok(p.x)).unwrap(),
            ark_r1cs_std::fields::fp::FpVar::new_witness(cs.clone(), || Ok(p.y)).unwrap(),
        );
        let checked = check_point(&var).unwrap();
        use ark_r1cs_std::GR1CSVar;
        assert_eq!(checked.valid.value().unwrap(), is_valid_public_key(&p), "{p:?}");
        assert_eq!(checked.on_curve.value().unwrap(), p.is_on_curve(), "{p:?}");
        assert_satisfied(&cs);
    }
}

use ark_r1cs_std::alloc::AllocVar;

// ---------------------------------------------------------------- the circuit

fn synthesize(circuit: ProcessCircuit) -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    let cs = new_cs();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs
}

#[test]
fn every_batch_of_the_poll_is_satisfied_with_the_native_public_input() {
    let s = scenario();
    let params = VoteParams::test(4);
    let w = witnesses(&s, &params);
    for b in &w.batches {
        let cs = synthesize(ProcessCircuit::new(b.clone()));
        assert_satisfied(&cs);
        assert_eq!(cs.num_instance_variables(), 2, "one public input (and the constant one)");
        // The circuit computes the native public input.
        let cs2 = ConstraintSystem::<Fr>::new_ref();
        ProcessCircuit::with_computed_public_input(b.clone()).generate_constraints(cs2.clone()).unwrap();
        assert_satisfied(&cs2);
        let instance = cs2.instance_assignment().unwrap()[1];
        assert_eq!(instance, b.public_input(), "batch {}", b.batch_index);
    }
}

/// The batch holding messages 8–11 (C's vote, A's vote change, an unknown voter, a bad option):
/// two applied and two ignored messages.
fn fresh() -> ProcessBatchWitness {
    let s = scenario();
    let w = witnesses(&s, &VoteParams::test(4));
    let b = w.batches.into_iter().find(|b| b.batch_index == 2).unwrap();
    assert_satisfied(&synthesize(ProcessCircuit::new(b.clone())));
    b
}

fn assert_tamper_caught(b: ProcessBatchWitness, computed: bool) {
    let circuit =
        if computed { ProcessCircuit::with_computed_public_input(b) } else { ProcessCircuit::new(b) };
    assert_unsatisfied(&synthesize(circuit));
}

#[test]
fn a_tampered_decrypted_field_is_caught() {
    let mut b = fresh();
    // message 9 (A's vote change, applied): its new key's x
    b.messages[1].decrypted[1] += Fr::ONE;
    assert_tamper_caught(b, true);
    let mut b = fresh();
    // message 10 (ignored): the packed command
    b.messages[2].decrypted[0] += Fr::ONE;
    assert_tamper_caught(b, true);
}

#[test]
fn a_tampered_merkle_sibling_is_caught() {
    let mut b = fresh();
    b.messages[0].state_proof.siblings[1] += Fr::ONE;
    assert_tamper_caught(b, true);
    let mut b = fresh();
    b.messages[1].ballot_proof.siblings[0] += Fr::ONE;
    assert_tamper_caught(b, true);
    let mut b = fresh();
    b.messages[1].vote_proof.siblings[0] += Fr::ONE;
    assert_tamper_caught(b, true);
}

#[test]
fn a_tampered_balance_or_weight_is_caught() {
    let mut b = fresh();
    let v = b.messages[0].voter.as_mut().unwrap();
    v.voice_credits += 1;
    assert_tamper_caught(b, true);
    let mut b = fresh();
    // A's old weight on option 0 (0 when message 9 is processed)
    b.messages[1].old_weight += 1;
    assert_tamper_caught(b, true);
    let mut b = fresh();
    // claim an existing voter's leaf is empty
    b.messages[0].voter = None;
    assert_tamper_caught(b, true);
}

#[test]
fn a_wrong_sb_after_is_caught() {
    let mut b = fresh();
    b.state_root_after += Fr::ONE;
    assert_tamper_caught(b, false);
    // Skipping a valid message: claim the roots did not move.
    let mut b = fresh();
    b.state_root_after = b.state_root_before;
    b.ballot_root_after = b.ballot_root_before;
    assert_tamper_caught(b, false);
}

#[test]
fn a_tampered_message_element_is_caught() {
    for i in [0usize, 9] {
        let mut b = fresh();
        b.messages[1].message.data[i] += Fr::ONE;
        assert_tamper_caught(b, true);
        let mut b = fresh();
        b.messages[1].message.data[i] += Fr::ONE;
        assert_tamper_caught(b, false);
    }
    let mut b = fresh();
    b.messages[0].message.enc_pubkey = BASE8;
    assert_tamper_caught(b, true);
}

#[test]
fn a_wrong_coordinator_key_is_caught() {
    let mut b = fresh();
    b.coordinator_scalar += Fr::ONE;
    assert_tamper_caught(b, true);
    // Another key pair entirely: the coordinator hash in the public input differs.
    let mut b = fresh();
    let other = key(999);
    b.coordinator = other.public_key();
    b.coordinator_scalar = Fr::from(other.secret_scalar().into_bigint());
    assert_tamper_caught(b, false);
}

#[test]
fn a_first_proof_from_used_ballots_is_caught() {
    // Batch 1 starts after C's and A's votes (batch 2): its ballots are not fresh, so it cannot
    // be proven as the poll's first.
    let s = scenario();
    let w = witnesses(&s, &VoteParams::test(4));
    let mut b = w.batches.iter().find(|b| b.batch_index == 1).unwrap().clone();
    assert_satisfied(&synthesize(ProcessCircuit::new(b.clone())));
    b.first = true;
    assert_tamper_caught(b, true);
}

/// Hole 7: `createPoll` took the voter count apart from `initialSb`. A bank commits a roster of
/// four keys (A–D) but tells L1 there are three voters: the fourth key's votes were processed
/// (and, in a tally batch holding index 3, counted) although L1 says it has no voter there.
/// Now the first proof checks that `initialSb` holds exactly `voters` fresh ballots, and every
/// proof ignores a command whose index is not below `voters`.
#[test]
fn attack_poll_roster_exceeds_voter_count() {
    let s = scenario();
    // One message a proof, so that a batch holds D's key change (message 7) alone.
    let params = VoteParams::test(1);
    let w = witnesses(&s, &params);
    // L1 says 3 voters; the coordinator proves over the 4-key roster. The first proof fails, even
    // for the statement the circuit computes: initialSb holds a fourth ballot.
    let mut first = w.batches[0].clone();
    assert!(first.first);
    first.voters = 3;
    assert_unsatisfied(&synthesize(ProcessCircuit::new(first.clone())));
    assert_unsatisfied(&synthesize(ProcessCircuit::with_computed_public_input(first)));

    // A later proof cannot apply D's key change either: D is not below the count.
    let mut later = w.batches.iter().find(|b| b.batch_index == 7).unwrap().clone();
    assert_eq!(later.messages[0].voter.map(|v| v.pubkey), Some(s.keys[D as usize].public_key()));
    assert_ne!(later.sb_after(), later.sb_before(), "applied in the honest run");
    later.voters = 3;
    assert_unsatisfied(&synthesize(ProcessCircuit::new(later.clone())));
    // What it can prove leaves the roots where they were.
    let ignored = ProcessBatchWitness {
        state_root_after: later.state_root_before,
        ballot_root_after: later.ballot_root_before,
        ..later.clone()
    };
    let cs = synthesize(ProcessCircuit::with_computed_public_input(later.clone()));
    assert_satisfied(&cs);
    assert_eq!(cs.instance_assignment().unwrap()[1], ignored.public_input());
    // And it can prove it without a ballot at D's index (a roster of 3 has none there): a key
    // past the count never stalls the processing.
    let mut no_ballot = later.clone();
    no_ballot.messages[0].ballot_nonce = 0;
    no_ballot.messages[0].votes_root = Fr::ZERO;
    no_ballot.messages[0].ballot_proof.siblings.iter_mut().for_each(|x| *x = Fr::from(77u64));
    let cs = synthesize(ProcessCircuit::with_computed_public_input(no_ballot));
    assert_satisfied(&cs);
    assert_eq!(cs.instance_assignment().unwrap()[1], ignored.public_input());

    // Natively the same: a roster of three makes D's messages those of an unknown voter.
    let processed = ccr_circuits::vote::process(
        &s.poll,
        &s.voters[..3],
        &s.messages
            .iter()
            .map(|(m, _)| SubmittedMessage { message: *m, submitted_at: 0 })
            .collect::<Vec<_>>(),
        &s.coordinator,
        Fr::ZERO,
    )
    .unwrap();
    assert_eq!(
        processed.outcomes[7],
        Outcome::Ignored(Rejection::UnknownVoter { state_index: D, voters: 3 })
    );
}

/// Hole 7: `createPoll` took the voice credits apart from `initialSb`. A bank gives one key's
/// roster leaf 10,000 credits in a poll of 100: B's overspend (11² = 121) was applied. Now a
/// voter's balance is the poll's credits until their first applied message, whatever the leaf
/// holds.
#[test]
fn attack_poll_voter_key_holds_extra_credits() {
    let mut s = scenario();
    s.voters[B as usize].voice_credits = 10_000;
    let params = VoteParams::test(4);
    let w = witnesses(&s, &params);
    // Natively: B's overspend is refused as if the leaf held the poll's 100.
    assert_eq!(
        w.processed.outcomes[5],
        Outcome::Ignored(Rejection::InsufficientCredits { available: 100, cost: 121 })
    );
    let expected: Vec<Outcome> = s.messages.iter().map(|(_, o)| *o).collect();
    assert_eq!(&w.processed.outcomes[..13], &expected[..]);
    assert_eq!(w.final_voters[B as usize].voice_credits, 100 - 36);
    // The circuit computes exactly that statement for every batch: no witness of it applies the
    // overspend (the openings are bound by the roots, `valid` is computed from them).
    for b in &w.batches {
        assert_satisfied(&synthesize(ProcessCircuit::new(b.clone())));
        let cs = synthesize(ProcessCircuit::with_computed_public_input(b.clone()));
        assert_satisfied(&cs);
        assert_eq!(cs.instance_assignment().unwrap()[1], b.public_input(), "batch {}", b.batch_index);
    }
}

#[test]
fn blank_batches_are_satisfied_and_the_constraint_count_is_pinned() {
    let params = VoteParams::test(2);
    let blank = ProcessBatchWitness::blank(params).unwrap();
    let cs = synthesize(ProcessCircuit::new(blank));
    assert_satisfied(&cs);
    assert_snapshot("vote_process_depth2_2_batch2_constraints", cs.num_constraints());
}

/// Constraints per message at the production size (state depth 10, vote depth 3): the
/// difference between batches of 2 and 1 message.
#[test]
fn constraints_per_message_at_production_size() {
    let count = |b: usize| {
        let params = VoteParams { batch_size: b, ..VoteParams::PRODUCTION };
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
        ProcessCircuit::new(ProcessBatchWitness::blank(params).unwrap())
            .generate_constraints(cs.clone())
            .unwrap();
        cs.num_constraints()
    };
    let (one, two) = (count(1), count(2));
    let per_message = two - one;
    assert_snapshot("vote_process_production_per_message_constraints", per_message);
    assert_snapshot("vote_process_production_batch_overhead_constraints", one - per_message);
}

#[test]
fn gadget_costs_are_pinned() {
    use ark_r1cs_std::fields::fp::FpVar;
    use ccr_circuits::babyjubjub::constraints::{PointVar, SignatureVar};
    use ccr_circuits::vote::constraints::signature::verify_poseidon_bit;
    let w = |cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>, v: Fr| {
        FpVar::new_witness(cs.clone(), || Ok(v)).unwrap()
    };
    // A point check.
    let cs = new_cs();
    let p = key(1).public_key();
    check_point(&PointVar::new(w(&cs, p.x), w(&cs, p.y))).unwrap();
    assert_snapshot("vote_check_point_constraints", cs.num_constraints());
    // A signature as a bit: valid, and a forged S.
    let signer = key(2);
    let msg = Fr::from(42u64);
    let sig = signer.sign_poseidon(msg);
    let l = Fr::from_bigint(ccr_circuits::babyjubjub::ScalarField::MODULUS).unwrap();
    // valid; a forged S; the malleated S + l (the same point S·B8, refused as non-canonical)
    for (s, expected) in [(sig.s, true), (sig.s + Fr::ONE, false), (sig.s + l, false)] {
        let cs = new_cs();
        let a = signer.public_key();
        let bit = verify_poseidon_bit(
            &w(&cs, msg),
            &SignatureVar { r8: PointVar::new(w(&cs, sig.r8.x), w(&cs, sig.r8.y)), s: w(&cs, s) },
            &PointVar::new(w(&cs, a.x), w(&cs, a.y)),
        )
        .unwrap();
        use ark_r1cs_std::GR1CSVar;
        assert_eq!(bit.value().unwrap(), expected);
        assert_satisfied(&cs);
        assert_snapshot("vote_signature_bit_constraints", cs.num_constraints());
    }
}
