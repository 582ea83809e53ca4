//! A poll end to end with real message-processing proofs: the processing circuit's development
//! keys at the test size (state depth 2, vote depth 2, B = 2), its generated Solidity verifier
//! compiled by solc-js and deployed under `Poll.sol`, real encrypted and signed messages
//! published on revm, the chain closed and padded by the contract, then every batch proven (the
//! last first) from the witnesses of `vote::witness::process_witnesses` and accepted by
//! `processMessages`. The tally proof is not built yet (no tally circuit): its verifier is the
//! accept-all stand-in, so the tally step only checks the contract's bookkeeping.

use std::time::Instant;

use alloy_primitives::{Address, U256};
use ark_bn254::Fr;
use ark_ff::Field;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::constraints::ProcessCircuit;
use ccr_circuits::vote::trees::{initial_sb, VoteParams, PAD_MESSAGE};
use ccr_circuits::vote::witness::{process_witnesses, ProcessBatchWitness};
use ccr_circuits::vote::{
    chain_hash, results_commitment, Command, Message, Outcome, Poll as NativePoll, Rejection, VoterState,
    EMPTY_CHAIN,
};
use ccr_prover::Keypair;
use ccr_verifier_contracts::bindings::Poll::{self, PollErrors};
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::poll::{process_input, NewPoll, PollContracts, PollPhase, PollSetup};
use ccr_verifier_contracts::rollup::{fr_to_u256, proof_words};
use ccr_verifier_contracts::{solc, solidity_verifier, Artifact, Receipt, RollupError};

use crate::common::{accept_all_verifier, operator, rng, Member, World};
use crate::flow::events;

/// The circuit's test size: 4 voters, 4 options, 2 messages per processing proof.
const PARAMS: VoteParams = VoteParams::test(2);

/// The same sizes for the contract (tally batches of 2 ballots).
const SETUP: PollSetup = PollSetup { state_depth: 2, vote_depth: 2, batch_size: 2, tally_batch_size: 2 };

/// The bank's pool account (index 0).
const POOL: u32 = 0;

/// Voice credits per voter.
const CREDITS: u64 = 100;

/// Voters by state index.
const A: u64 = 0;
const B: u64 = 1;
const C: u64 = 2;

fn bank() -> Member {
    Member::new(1)
}

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

/// The generated verifier of `keys`, compiled by the pinned solc-js.
fn process_verifier(keys: &Keypair) -> Artifact {
    let notice = "Poll message processing, state depth 2, vote depth 2, batch 2.\n\
                  INSECURE development key (tests only).";
    let source = solidity_verifier(&keys.vk, "ProcessVerifier", notice).expect("generate verifier");
    solc::compile_contract(&solc::js_tools_dir(), "ProcessVerifier", &source)
        .unwrap_or_else(|e| panic!("{e}"))
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

fn poll_error(result: Result<Receipt, RollupError>) -> PollErrors {
    let err = result.expect_err("the poll contract accepted it");
    err.poll_error().unwrap_or_else(|| panic!("not a poll contract error: {err}"))
}

/// A rollup whose bank 0 is registered by [`bank`], and `Poll` beside it with `process` as
/// the processing verifier and the accept-all stand-in as the tally verifier.
fn deploy(process: &Artifact) -> (World, PollContracts) {
    let mut w = World::new(&accept_all_verifier());
    let b = bank();
    w.fund(&b);
    w.rollup.create_account(&mut w.evm, b.l1, &b.key.public_key(), 0).unwrap();
    let register = Rollup::registerBankCall {
        pool: POOL,
        vkWords: vec![U256::from(1); 44],
        policyHash: U256::from(7),
        registryRoot: U256::from(9),
    };
    w.evm.transact_sol(b.l1, w.rollup.rollup, U256::ZERO, &register).unwrap();
    // Stand-in tally verifier: there is no tally circuit yet.
    let (polls, gas) =
        PollContracts::deploy(&mut w.evm, operator(), &w.rollup, process, &accept_all_verifier(), &SETUP)
            .unwrap();
    println!("processing verifier (test size) deployment: {} gas", gas.process_verifier);
    (w, polls)
}

#[test]
fn poll_e2e_real_processing_proofs_move_sb_on_chain() {
    let t = Instant::now();
    let keys = process_keys();
    let setup_secs = t.elapsed().as_secs_f64();
    let verifier = process_verifier(&keys);
    let (mut w, polls) = deploy(&verifier);

    // ---- the poll: three voters, three options, initialSb over their starting states ----------
    let voters: Vec<VoterState> = [A, B, C]
        .iter()
        .map(|i| VoterState { pubkey: voter_key(*i).public_key(), voice_credits: CREDITS })
        .collect();
    let deadline = w.evm.timestamp() + 600;
    let new_poll = NewPoll {
        pool: POOL,
        options: 3,
        deadline,
        voice_credits: CREDITS,
        coordinator: coordinator().public_key(),
        initial_sb: initial_sb(&voters, &PARAMS).unwrap(),
        voters: 3,
    };
    let (id, _) = polls.create_poll(&mut w.evm, bank().l1, &new_poll).unwrap();
    let poll = NativePoll {
        id,
        options: 3,
        deadline,
        voice_credits: CREDITS,
        coordinator: coordinator().public_key(),
    };
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

    // ---- tally (stand-in verifier) and the native results published -------------------------------
    let results = witnesses.processed.tally.results.clone();
    let votes: Vec<u128> = results.iter().map(|r| r.votes).collect();
    assert_eq!(votes, vec![7, 0, 6]);
    let salt = Fr::from(4_242u64);
    let tally_batches = polls.tally_batches(&mut w.evm, 3).unwrap();
    assert_eq!(tally_batches, 2);
    polls.tally_votes(&mut w.evm, operator(), id, Fr::from(5u64), &[U256::ZERO; 8]).unwrap();
    let commitment = results_commitment(&results, salt);
    polls.tally_votes(&mut w.evm, operator(), id, commitment, &[U256::ZERO; 8]).unwrap();
    polls.publish_results(&mut w.evm, relayer(), id, &results, salt).unwrap();
    let outcome = polls.result_of(&mut w.evm, id).unwrap();
    assert_eq!((outcome.winner, outcome.results, outcome.total_spent), (0, results, 49 + 36));

    println!(
        "Poll with real processing proofs (state depth 2, vote depth 2, B = 2): setup {setup_secs:.1} s, \
         prove {} s (test profile)",
        prove_secs.iter().map(|s| format!("{s:.1}")).collect::<Vec<_>>().join(" / ")
    );
    println!(
        "  processMessages with the real Groth16 verifier: {} gas (batches {})",
        process_gas.iter().map(u64::to_string).collect::<Vec<_>>().join(" / "),
        witnesses.batches.iter().map(|b| b.batch_index.to_string()).collect::<Vec<_>>().join(" / ")
    );
    // The stand-in's ~50,500 plus the pairing check of one public input (~193,000): gas is
    // deterministic, this guards regressions.
    for gas in process_gas {
        assert!((230_000..=260_000).contains(&gas), "processMessages with a real proof: {gas} gas");
    }
}
