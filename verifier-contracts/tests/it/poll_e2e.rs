//! A poll end to end with real proofs: the processing and tally circuits' development keys at
//! the test size (state depth 2, vote depth 2, B = 2, T = 2), their generated Solidity verifiers
//! compiled by solc-js and deployed under `Poll.sol`, real encrypted and signed messages
//! published on revm, the chain closed and padded by the contract, then every message batch
//! proven (the last first) from the witnesses of `vote::witness::process_witnesses` and
//! accepted by `processMessages`, every ballot batch proven (the first first) from
//! `vote::tally_witness::tally_after_processing` and accepted by `tallyVotes`, and the results
//! published against the proven tally commitment.

use std::time::Instant;

use alloy_primitives::{Address, B256, U256};
use ark_bn254::Fr;
use ark_ff::Field;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::constraints::{ProcessCircuit, TallyCircuit};
use ccr_circuits::vote::tally_witness::{tally_after_processing, TallyBatchWitness, TallyParams};
use ccr_circuits::vote::trees::{initial_sb, VoteParams, PAD_MESSAGE};
use ccr_circuits::vote::witness::{process_witnesses, ProcessBatchWitness};
use ccr_circuits::vote::{
    chain_hash, Command, Message, OptionResult, Outcome, Poll as NativePoll, Rejection, VoterState,
    EMPTY_CHAIN,
};
use ccr_prover::Keypair;
use ccr_verifier_contracts::bindings::Poll::{self, PollErrors};
use ccr_verifier_contracts::poll::{
    poll_verifier_artifact, process_input, tally_input, NewPoll, PollContracts, PollPhase, PollSetup,
};
use ccr_verifier_contracts::rollup::{fr_to_u256, proof_words};
use ccr_verifier_contracts::Artifact;

use crate::common::{operator, rng, World};
use crate::flow::events;
use crate::poll::{bank, poll_error, PollWorld, POOL};

/// The processing circuit's test size: 4 voters, 4 options, 2 messages per processing proof.
const PARAMS: VoteParams = VoteParams::test(2);

/// Ballots per tally proof (T, a power of two): 3 voters take 2 tally proofs.
const TALLY_BATCH: usize = 2;

/// The tally circuit's test size: the same trees, [`TALLY_BATCH`] ballots per proof.
const TALLY_PARAMS: TallyParams = TallyParams::test(TALLY_BATCH);

/// The same sizes for the contract.
const SETUP: PollSetup =
    PollSetup { state_depth: 2, vote_depth: 2, batch_size: 2, tally_batch_size: TALLY_BATCH as u32 };

/// Voice credits per voter.
const CREDITS: u64 = 100;

/// Voters by state index.
const A: u64 = 0;
const B: u64 = 1;
const C: u64 = 2;

fn coordinator() -> PrivateKey {
    PrivateKey::from_bytes([0xc0; 32])
}

fn voter_key(index: u64) -> PrivateKey {
    PrivateKey::random(&mut rng(700 + index))
}

/// Messages are published from an address that holds nothing on the rollup.
fn relayer() -> Address {
    Address::repeat_byte(0x77)
}

/// The processing circuit's keys at [`PARAMS`] (INSECURE development setup), from the blank
/// batch.
fn process_keys() -> Keypair {
    let blank = ProcessBatchWitness::blank(PARAMS).expect("blank batch");
    ccr_prover::dev_setup(ProcessCircuit::new(blank), [0x5e; 32]).expect("setup")
}

/// The tally circuit's keys at [`TALLY_PARAMS`] (INSECURE development setup), from the blank
/// batch.
fn tally_keys() -> Keypair {
    let blank = TallyBatchWitness::blank(TALLY_PARAMS).expect("blank tally batch");
    ccr_prover::dev_setup(TallyCircuit::new(blank), [0x7a; 32]).expect("setup")
}

/// The generated verifier `name` of `keys`, compiled by the pinned solc-js.
fn verifier(keys: &Keypair, name: &str, notice: &str) -> Artifact {
    poll_verifier_artifact(&keys.vk, name, notice).unwrap_or_else(|e| panic!("{e}"))
}

/// A signed command encrypted to the poll's coordinator (a fresh ephemeral key per `seq`).
fn vote(
    seq: u64,
    poll: &NativePoll,
    index: u64,
    signer: &PrivateKey,
    option: u64,
    weight: u64,
    nonce: u64,
) -> Message {
    let command = Command {
        state_index: index,
        new_pubkey: voter_key(index).public_key(),
        vote_option: option,
        new_vote_weight: weight,
        nonce,
        poll_id: poll.id,
        salt: Fr::from(3000 + seq),
    };
    Message::sign_and_encrypt(&command, signer, &PrivateKey::random(&mut rng(8000 + seq)), &poll.coordinator)
        .expect("encrypt")
}

/// `Poll` beside a rollup whose bank 0 is registered by [`bank`], with `process` as the
/// processing verifier and `tally` as the tally verifier.
fn deploy(process: &Artifact, tally: &Artifact) -> (World, PollContracts) {
    let pw = PollWorld::new(process, tally, SETUP);
    println!(
        "verifiers (test size) deployment: processing {} gas, tally {} gas",
        pw.gas.process_verifier, pw.gas.tally_verifier
    );
    (pw.w, pw.polls)
}

/// The starting states of the voters at these state indices, each with [`CREDITS`].
fn roster(indices: &[u64]) -> Vec<VoterState> {
    indices
        .iter()
        .map(|i| VoterState { pubkey: voter_key(*i).public_key(), voice_credits: CREDITS })
        .collect()
}

/// Bank [`POOL`] opens a poll of three options, messages until ten minutes from now, with
/// `initialSb` over `roster` and `voters` as L1's count: the call and the poll as the coordinator
/// sees it.
fn open_poll(
    w: &mut World,
    polls: &PollContracts,
    roster: &[VoterState],
    voters: u32,
) -> (NewPoll, NativePoll) {
    let deadline = w.evm.timestamp() + 600;
    let new_poll = NewPoll {
        pool: POOL,
        options: 3,
        deadline,
        voice_credits: CREDITS,
        coordinator: coordinator().public_key(),
        initial_sb: initial_sb(roster, &PARAMS).unwrap(),
        voters,
        proposal: B256::ZERO,
    };
    let (id, _) = polls.create_poll(&mut w.evm, bank().l1, &new_poll).unwrap();
    let poll = NativePoll {
        id,
        options: 3,
        deadline,
        voice_credits: CREDITS,
        coordinator: coordinator().public_key(),
    };
    (new_poll, poll)
}

#[test]
fn poll_e2e_real_processing_and_tally_proofs_publish_results() {
    let t = Instant::now();
    let keys = process_keys();
    let setup_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let tkeys = tally_keys();
    let tally_setup_secs = t.elapsed().as_secs_f64();
    let process_verifier = verifier(
        &keys,
        "ProcessVerifier",
        "Poll message processing, state depth 2, vote depth 2, batch 2.\n\
         INSECURE development key (tests only).",
    );
    let tally_verifier = verifier(
        &tkeys,
        "TallyVerifier",
        "Poll tally, state depth 2, vote depth 2, 2 ballots per proof.\n\
         INSECURE development key (tests only).",
    );
    let (mut w, polls) = deploy(&process_verifier, &tally_verifier);

    // ---- the poll: three voters, three options, initialSb over their starting states ----------
    let voters = roster(&[A, B, C]);
    let (new_poll, poll) = open_poll(&mut w, &polls, &voters, 3);
    let (id, deadline) = (poll.id, poll.deadline);
    let stranger = PrivateKey::from_bytes([0x5a; 32]);
    let (ka, kb) = (voter_key(A), voter_key(B));
    // In submission order; processing runs last to first.
    let messages = [
        // B votes 6 on option 2 (applied after B's overspend below, which kept the nonce).
        (vote(0, &poll, B, &kb, 2, 6, 1), Outcome::Applied),
        // A's first vote, replaced by A's vote change (processed first, nonce 1 taken).
        (vote(1, &poll, A, &ka, 0, 5, 1), Outcome::Ignored(Rejection::BadNonce { expected: 2, got: 1 })),
        // C's index, signed by a key that is not C's.
        (vote(2, &poll, C, &stranger, 1, 3, 1), Outcome::Ignored(Rejection::BadSignature)),
        // B overspends: 11² > 100.
        (
            vote(3, &poll, B, &kb, 2, 11, 1),
            Outcome::Ignored(Rejection::InsufficientCredits { available: 100, cost: 121 }),
        ),
        // A changes the vote: 7 on option 0.
        (vote(4, &poll, A, &ka, 0, 7, 1), Outcome::Applied),
    ];
    let mut chain = EMPTY_CHAIN;
    for (m, _) in &messages {
        polls.publish_message(&mut w.evm, relayer(), id, m).unwrap();
        chain = chain_hash(chain, m);
    }
    assert_eq!(polls.poll(&mut w.evm, id).unwrap().chain, chain, "the contract's chain is native");

    // ---- close: 5 messages padded to 3 batches of 2 ------------------------------------------
    let now = w.evm.timestamp();
    w.evm.mine((deadline - now) / 12 + 1);
    polls.close_poll(&mut w.evm, relayer(), id).unwrap();
    let mut padded: Vec<Message> = messages.iter().map(|(m, _)| *m).collect();
    padded.push(PAD_MESSAGE);
    let stored = polls.poll(&mut w.evm, id).unwrap();
    assert_eq!((stored.phase, stored.batches, stored.next_process_batch), (PollPhase::Processing, 3, 2));
    assert_eq!(stored.chain, padded.iter().fold(EMPTY_CHAIN, chain_hash));
    assert_eq!(stored.sb, new_poll.initial_sb);

    // ---- the coordinator's witnesses: the native outcomes ---------------------------------------
    let mut salts = (1..).map(|n: u64| Fr::from(77_000 + n));
    let witnesses = process_witnesses(&poll, &voters, &padded, &coordinator(), &PARAMS, || {
        salts.next().unwrap_or(Fr::ONE)
    })
    .unwrap();
    let expected: Vec<Outcome> = messages.iter().map(|(_, o)| *o).collect();
    assert_eq!(&witnesses.processed.outcomes[..5], &expected[..]);
    assert_eq!(witnesses.batches.len(), 3);
    assert_eq!(witnesses.batches.iter().map(|b| b.batch_index).collect::<Vec<_>>(), vec![2, 1, 0]);

    // ---- prove each batch, the last first, and submit it ----------------------------------------
    let mut prove_secs = Vec::new();
    let mut process_gas = Vec::new();
    for (step, batch) in witnesses.batches.iter().enumerate() {
        let sb_after = batch.sb_after();
        let statement = polls.next_process_statement(&mut w.evm, id, sb_after).unwrap();
        assert_eq!(statement.sb_before, batch.sb_before(), "batch {}", batch.batch_index);
        assert_eq!((statement.chain_start, statement.chain_end), (batch.chain_start, batch.chain_end));
        assert_eq!(process_input(&statement), batch.public_input());

        let t = Instant::now();
        let (proof, public) = ccr_prover::prove_with_public_inputs(
            &keys.pk,
            ProcessCircuit::new(batch.clone()),
            &mut rng(step as u64),
        )
        .unwrap();
        prove_secs.push(t.elapsed().as_secs_f64());
        assert_eq!(public, [batch.public_input()]);
        assert!(ccr_prover::verify(&keys.vk, &public, &proof).unwrap());
        let words = proof_words(&proof);

        if step == 0 {
            // The same proof with another sbAfter: the contract's input differs, the pairing fails.
            let tampered = sb_after + Fr::ONE;
            let wrong = polls.next_process_statement(&mut w.evm, id, tampered).unwrap();
            match poll_error(polls.process_messages(&mut w.evm, operator(), id, tampered, &words)) {
                PollErrors::InvalidProof(e) => assert_eq!(e.input, fr_to_u256(&process_input(&wrong))),
                other => panic!("expected InvalidProof, got {other:?}"),
            }
            let unchanged = polls.poll(&mut w.evm, id).unwrap();
            assert_eq!((unchanged.sb, unchanged.next_process_batch), (new_poll.initial_sb, 2));
        }

        let receipt = polls.process_messages(&mut w.evm, operator(), id, sb_after, &words).unwrap();
        process_gas.push(receipt.gas_used);
        let ev = events::<Poll::MessagesProcessed>(&receipt);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].batch, U256::from(batch.batch_index));
        assert_eq!((ev[0].sbBefore, ev[0].sbAfter), (fr_to_u256(&batch.sb_before()), fr_to_u256(&sb_after)));
        assert_eq!(ev[0].input, fr_to_u256(&batch.public_input()), "the contract's input is the circuit's");
    }
    let stored = polls.poll(&mut w.evm, id).unwrap();
    assert_eq!(stored.phase, PollPhase::Tallying);
    assert_eq!(stored.sb, witnesses.final_sb(), "the contract's sb is the coordinator's final sb");

    // ---- the tally witnesses over the processing's final trees -------------------------------------
    let results = witnesses.processed.tally.results.clone();
    let votes: Vec<u128> = results.iter().map(|r| r.votes).collect();
    assert_eq!(votes, vec![7, 0, 6]);
    let mut tally_salts = (1..).map(|n: u64| Fr::from(91_000 + n));
    let tally =
        tally_after_processing(&poll, &witnesses, TALLY_BATCH, || tally_salts.next().unwrap_or(Fr::ONE))
            .unwrap();
    assert_eq!(tally.results, results, "the tally proofs' results are the native ones");
    assert_eq!(tally.total_spent, 49 + 36);
    let tally_batches = polls.tally_batches(&mut w.evm, 3).unwrap();
    assert_eq!(tally_batches, 2);
    assert_eq!(tally.batches.len() as u64, tally_batches);
    assert_eq!(tally.batches.iter().map(|b| b.batch_index).collect::<Vec<_>>(), vec![0, 1]);

    // ---- prove each ballot batch, the first first, and submit it --------------------------------
    let mut tally_prove_secs = Vec::new();
    let mut tally_gas = Vec::new();
    for batch in &tally.batches {
        let k = batch.batch_index;
        let stored = polls.poll(&mut w.evm, id).unwrap();
        assert_eq!((stored.phase, stored.next_tally_batch), (PollPhase::Tallying, k));
        assert_eq!(batch.sb_final(), stored.sb, "batch {k}: the witness's sbFinal is the contract's");
        assert_eq!(
            batch.tally_before(),
            stored.tally,
            "batch {k}: the witness's tallyBefore is the contract's"
        );
        let tally_after = batch.tally_after();
        let contract_input =
            polls.contract_tally_input(&mut w.evm, id, stored.sb, k, stored.tally, tally_after).unwrap();
        assert_eq!(contract_input, batch.public_input());

        let t = Instant::now();
        let (proof, public) = ccr_prover::prove_with_public_inputs(
            &tkeys.pk,
            TallyCircuit::new(batch.clone()),
            &mut rng(100 + k),
        )
        .unwrap();
        tally_prove_secs.push(t.elapsed().as_secs_f64());
        assert_eq!(public, [batch.public_input()]);
        assert!(ccr_prover::verify(&tkeys.vk, &public, &proof).unwrap());
        let words = proof_words(&proof);

        if k == 0 {
            // The same proof with another tallyAfter: the contract's input differs, the pairing fails.
            let tampered = tally_after + Fr::ONE;
            let wrong = tally_input(id, stored.sb, k, stored.tally, tampered);
            match poll_error(polls.tally_votes(&mut w.evm, operator(), id, tampered, &words)) {
                PollErrors::InvalidProof(e) => assert_eq!(e.input, fr_to_u256(&wrong)),
                other => panic!("expected InvalidProof, got {other:?}"),
            }
            let unchanged = polls.poll(&mut w.evm, id).unwrap();
            assert_eq!(
                (unchanged.phase, unchanged.tally, unchanged.next_tally_batch),
                (PollPhase::Tallying, stored.tally, 0)
            );
        }

        let receipt = polls.tally_votes(&mut w.evm, operator(), id, tally_after, &words).unwrap();
        tally_gas.push(receipt.gas_used);
        let ev = events::<Poll::VotesTallied>(&receipt);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].batch, U256::from(k));
        assert_eq!(
            (ev[0].tallyBefore, ev[0].tallyAfter),
            (fr_to_u256(&batch.tally_before()), fr_to_u256(&tally_after))
        );
        assert_eq!(ev[0].input, fr_to_u256(&batch.public_input()), "the contract's input is the circuit's");
    }
    let stored = polls.poll(&mut w.evm, id).unwrap();
    assert_eq!(stored.phase, PollPhase::Tallied);
    assert_eq!(stored.tally, tally.commitment(), "the contract's tally is the results' commitment");

    // ---- the results: one vote moved between options is refused, the native ones accepted ------
    let mut moved: Vec<OptionResult> = results.clone();
    moved[0].votes -= 1;
    moved[1].votes += 1;
    match poll_error(polls.publish_results(&mut w.evm, relayer(), id, &moved, tally.salt)) {
        PollErrors::ResultsMismatch(e) => assert_eq!(e.tally, fr_to_u256(&tally.commitment())),
        other => panic!("expected ResultsMismatch, got {other:?}"),
    }
    assert_eq!(polls.poll(&mut w.evm, id).unwrap().phase, PollPhase::Tallied);
    let receipt = polls.publish_results(&mut w.evm, relayer(), id, &results, tally.salt).unwrap();
    let ev = events::<Poll::PollResult>(&receipt);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].winner, U256::ZERO);
    assert_eq!(ev[0].votes, votes.iter().map(|v| U256::from(*v)).collect::<Vec<_>>());
    assert_eq!(polls.poll(&mut w.evm, id).unwrap().phase, PollPhase::Published);
    let outcome = polls.result_of(&mut w.evm, id).unwrap();
    assert_eq!((outcome.winner, outcome.results, outcome.total_spent), (0, results, 49 + 36));

    let secs = |v: &[f64]| v.iter().map(|s| format!("{s:.1}")).collect::<Vec<_>>().join(" / ");
    let gases = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(" / ");
    println!(
        "Poll with real proofs (state depth 2, vote depth 2, B = 2, T = {TALLY_BATCH}): setup processing \
         {setup_secs:.1} s, tally {tally_setup_secs:.1} s; prove processing {} s, tally {} s (test profile)",
        secs(&prove_secs),
        secs(&tally_prove_secs)
    );
    println!(
        "  processMessages with the real Groth16 verifier: {} gas (batches {})",
        gases(&process_gas),
        witnesses.batches.iter().map(|b| b.batch_index.to_string()).collect::<Vec<_>>().join(" / ")
    );
    println!("  tallyVotes with the real Groth16 verifier: {} gas (batches 0 / 1)", gases(&tally_gas));
    // The stand-in's ~50,500 plus the pairing check of one public input (~193,000): gas is
    // deterministic, this guards regressions.
    for gas in process_gas {
        assert!((230_000..=260_000).contains(&gas), "processMessages with a real proof: {gas} gas");
    }
    // The same pairing check; batch 0 also writes the tally slot from zero (~14,000 more).
    for gas in tally_gas {
        assert!((230_000..=270_000).contains(&gas), "tallyVotes with a real proof: {gas} gas");
    }
}

/// Hole 7 on L1: a bank's `initialSb` commits four keys while `createPoll` says three voters.
/// The coordinator proves the first batch over the four-key roster (the statement its witness
/// gives: `voters = 4`); L1 checks the statement of its own count, `voters = 3`, and refuses the
/// proof. (With `voters = 3` in the witness the circuit is unsatisfiable: `initialSb` holds a
/// fourth ballot; see the circuits' `attack_poll_roster_exceeds_voter_count`.)
#[test]
fn attack_poll_roster_exceeds_voter_count_on_l1() {
    let keys = process_keys();
    let process_verifier = verifier(
        &keys,
        "ProcessVerifier",
        "Poll message processing, state depth 2, vote depth 2, batch 2.\nINSECURE development key (tests only).",
    );
    let (mut w, polls) = deploy(&process_verifier, &process_verifier);
    let d = 3u64;
    let roster = roster(&[A, B, C, d]);
    let (new_poll, poll) = open_poll(&mut w, &polls, &roster, 3);
    let (id, deadline) = (poll.id, poll.deadline);
    // The fourth key votes 10 on option 1.
    let m = vote(0, &poll, d, &voter_key(d), 1, 10, 1);
    polls.publish_message(&mut w.evm, relayer(), id, &m).unwrap();
    let now = w.evm.timestamp();
    w.evm.mine((deadline - now) / 12 + 1);
    polls.close_poll(&mut w.evm, relayer(), id).unwrap();

    let witnesses =
        process_witnesses(&poll, &roster, &[m, PAD_MESSAGE], &coordinator(), &PARAMS, || Fr::from(5u64))
            .unwrap();
    assert_eq!(witnesses.processed.outcomes[0], Outcome::Applied, "applied over the four-key roster");
    let batch = &witnesses.batches[0];
    assert_eq!((batch.voters, batch.first), (4, true));
    let (proof, public) =
        ccr_prover::prove_with_public_inputs(&keys.pk, ProcessCircuit::new(batch.clone()), &mut rng(1))
            .unwrap();
    assert!(ccr_prover::verify(&keys.vk, &public, &proof).unwrap(), "a valid proof of the 4-voter statement");
    let statement = polls.next_process_statement(&mut w.evm, id, batch.sb_after()).unwrap();
    assert_eq!((statement.voters, statement.first), (3, true));
    assert_ne!(process_input(&statement), batch.public_input());
    match poll_error(polls.process_messages(
        &mut w.evm,
        operator(),
        id,
        batch.sb_after(),
        &proof_words(&proof),
    )) {
        PollErrors::InvalidProof(e) => assert_eq!(e.input, fr_to_u256(&process_input(&statement))),
        other => panic!("expected InvalidProof, got {other:?}"),
    }
    let stored = polls.poll(&mut w.evm, id).unwrap();
    assert_eq!((stored.sb, stored.next_process_batch), (new_poll.initial_sb, 0));
}
