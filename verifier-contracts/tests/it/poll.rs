//! The poll contract (`Poll.sol`) against the native specification (`ccr_circuits::vote`): only
//! a bank's owner opens polls; the on-chain message hash and chain are `Message::hash` and
//! `chain_hash`; messages are refused after the deadline; closing pads the chain to whole
//! batches with the pad message; processing runs from the last batch to batch 0 and tallying
//! from batch 0 up, with the public inputs of `poll::{process_input, tally_input}`; the results
//! must open the proven tally commitment (`results_commitment`). Proofs are checked by stand-in
//! verifiers (accept-all, reject-all): the circuits are tested in `ccr-circuits`.

use alloy_primitives::{Address, B256, U256};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field, UniformRand};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::poseidon;
use ccr_circuits::vote::trees::PAD_MESSAGE;
use ccr_circuits::vote::{chain_hash, results_commitment, Message, OptionResult, EMPTY_CHAIN};
use ccr_verifier_contracts::bindings::Poll::{self, PollErrors};
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::poll::{
    coordinator_hash, poll_artifact, process_input, publish_results_call, tally_input, NewPoll,
    PollContracts, PollDeploymentGas, PollPhase, PollSetup, ProcessStatement,
};
use ccr_verifier_contracts::rollup::{fr_to_u256, u256_to_fr};
use ccr_verifier_contracts::{solc, Artifact, Receipt, RollupError};

use crate::common::{accept_all_verifier, operator, reject_all_verifier, rng, Member, World};
use crate::flow::events;

/// The bank's pool account (index 0, opened by [`bank`]).
pub(crate) const POOL: u32 = 0;

/// A proof for the stand-in verifiers (they ignore it).
pub(crate) const PROOF: [U256; 8] = [U256::ZERO; 8];

/// The test sizes: 4 voters, 4 options, batches of 2 messages, tally batches of 2 ballots.
const SETUP: PollSetup = PollSetup { state_depth: 2, vote_depth: 2, batch_size: 2, tally_batch_size: 2 };

pub(crate) fn bank() -> Member {
    Member::new(1)
}

fn coordinator() -> PrivateKey {
    PrivateKey::from_bytes([0xc0; 32])
}

/// A message with random ciphertext under a valid ephemeral key (the contract cannot read it).
fn message(seed: u64) -> Message {
    let mut r = rng(seed);
    let data = std::array::from_fn(|_| Fr::rand(&mut r));
    Message { data, enc_pubkey: PrivateKey::random(&mut r).public_key() }
}

/// A rollup with bank 0 registered by [`bank`], and `Poll` beside it.
pub(crate) struct PollWorld {
    pub(crate) w: World,
    pub(crate) polls: PollContracts,
    /// What deploying `Poll` and its verifiers cost.
    pub(crate) gas: PollDeploymentGas,
}

impl PollWorld {
    pub(crate) fn new(process: &Artifact, tally: &Artifact, setup: PollSetup) -> Self {
        let mut w = World::new(&accept_all_verifier());
        let b = bank();
        w.fund(&b);
        w.rollup.create_account(&mut w.evm, b.l1, &b.key.public_key(), 0).unwrap();
        let register = Rollup::registerBankCall {
            pool: POOL,
            shape: 0,
            policyHash: U256::from(7),
            registryRoot: U256::from(9),
        };
        w.evm.transact_sol(b.l1, w.rollup.rollup, U256::ZERO, &register).unwrap();
        let (polls, gas) =
            PollContracts::deploy(&mut w.evm, operator(), &w.rollup, process, tally, &setup).unwrap();
        Self { w, polls, gas }
    }

    pub(crate) fn accepting() -> Self {
        Self::new(&accept_all_verifier(), &accept_all_verifier(), SETUP)
    }

    /// A poll of `voters` voters over `options` options, open for 10 minutes, with no proposal.
    pub(crate) fn new_poll(&self, options: u32, voters: u32) -> NewPoll {
        NewPoll {
            pool: POOL,
            options,
            deadline: self.w.evm.timestamp() + 600,
            voice_credits: 100,
            coordinator: coordinator().public_key(),
            initial_sb: Fr::from(4242u64),
            voters,
            proposal: B256::ZERO,
        }
    }

    pub(crate) fn create(&mut self, poll: &NewPoll) -> u64 {
        self.polls.create_poll(&mut self.w.evm, bank().l1, poll).unwrap().0
    }

    fn publish(&mut self, poll_id: u64, m: &Message) -> Receipt {
        self.polls.publish_message(&mut self.w.evm, addr_of_voter(), poll_id, m).unwrap()
    }

    pub(crate) fn pass_deadline(&mut self, poll_id: u64) {
        let deadline = self.polls.poll(&mut self.w.evm, poll_id).unwrap().deadline;
        let now = self.w.evm.timestamp();
        self.w.evm.mine(deadline.saturating_sub(now) / 12 + 1);
        assert!(self.w.evm.timestamp() > deadline);
    }

    fn phase(&mut self, poll_id: u64) -> PollPhase {
        self.polls.poll(&mut self.w.evm, poll_id).unwrap().phase
    }
}

/// Anyone publishes messages: this address holds nothing on the rollup.
pub(crate) fn addr_of_voter() -> Address {
    Address::repeat_byte(0x77)
}

pub(crate) fn poll_error(result: Result<Receipt, RollupError>) -> PollErrors {
    let err = result.expect_err("the poll contract accepted it");
    err.poll_error().unwrap_or_else(|| panic!("not a poll contract error: {err}"))
}

fn phase_error(result: Result<Receipt, RollupError>, got: PollPhase, expected: PollPhase) {
    match poll_error(result) {
        PollErrors::WrongPhase(e) => {
            assert_eq!((e.phase, e.expected), (got.to_u8(), expected.to_u8()));
        }
        other => panic!("expected WrongPhase, got {other:?}"),
    }
}

/// The native chain over `messages` from the empty chain.
fn native_chain(messages: &[Message]) -> Fr {
    messages.iter().fold(EMPTY_CHAIN, chain_hash)
}

#[test]
fn poll_artifact_is_the_compiled_source() {
    let compiled =
        solc::compile(&solc::js_tools_dir(), &[("Poll.sol", ccr_verifier_contracts::poll::POLL_SOURCE)])
            .unwrap_or_else(|e| panic!("{e}"));
    let committed = poll_artifact().unwrap();
    assert!(
        compiled["Poll"] == committed,
        "artifacts/Poll.json is stale: run `node tools/js/build-contracts.js`"
    );
    assert!(committed.deployed_bytecode.len() <= 24_576, "Poll is above the EIP-170 code size limit");
    for p in [
        ccr_verifier_contracts::poll::poseidon_t4().unwrap(),
        ccr_verifier_contracts::poll::poseidon_t5().unwrap(),
    ] {
        assert_eq!(&p.bytecode[12..], &p.deployed_bytecode[..], "{}", p.contract_name);
    }
}

#[test]
fn poll_only_a_bank_owner_creates_polls() {
    let mut pw = PollWorld::accepting();
    let poll = pw.new_poll(3, 3);
    // Not the owner of bank 0.
    let stranger = Member::new(2);
    pw.w.fund(&stranger);
    match poll_error(pw.polls.create_poll(&mut pw.w.evm, stranger.l1, &poll).map(|r| r.1)) {
        PollErrors::NotBankOwner(e) => assert_eq!((e.pool, e.owner), (U256::from(POOL), bank().l1)),
        other => panic!("expected NotBankOwner, got {other:?}"),
    }
    // Account 1 is no bank (its owner opened it, but never registered it).
    pw.w.rollup.create_account(&mut pw.w.evm, stranger.l1, &stranger.key.public_key(), 0).unwrap();
    let not_a_bank = NewPoll { pool: 1, ..poll };
    match poll_error(pw.polls.create_poll(&mut pw.w.evm, stranger.l1, &not_a_bank).map(|r| r.1)) {
        PollErrors::NotBankOwner(e) => assert_eq!((e.pool, e.owner), (U256::from(1), Address::ZERO)),
        other => panic!("expected NotBankOwner, got {other:?}"),
    }
    assert_eq!(pw.polls.poll_count(&mut pw.w.evm).unwrap(), 0);

    let (id, receipt) = pw.polls.create_poll(&mut pw.w.evm, bank().l1, &poll).unwrap();
    assert_eq!(id, 1);
    let created = events::<Poll::PollCreated>(&receipt);
    assert_eq!(created.len(), 1);
    assert_eq!((created[0].pollId, created[0].pool, created[0].options), (U256::from(1), POOL, 3));
    assert_eq!(created[0].initialSb, fr_to_u256(&poll.initial_sb));
    assert_eq!(created[0].proposal, B256::ZERO, "no proposal");
    let stored = pw.polls.poll(&mut pw.w.evm, id).unwrap();
    assert_eq!(stored.phase, PollPhase::Open);
    assert_eq!((stored.options, stored.voters, stored.deadline), (3, 3, poll.deadline));
    assert_eq!(stored.voice_credits, 100);
    assert_eq!(stored.coordinator, coordinator().public_key());
    assert_eq!(stored.coordinator_hash, coordinator_hash(&coordinator().public_key()));
    assert_eq!((stored.sb, stored.chain, stored.tally), (poll.initial_sb, EMPTY_CHAIN, Fr::ZERO));
    assert_eq!(stored.proposal, B256::ZERO);
    assert_eq!(pw.create(&poll), 2);
    assert_eq!(pw.phase(3), PollPhase::None);
}

#[test]
fn poll_creation_refuses_bad_parameters() {
    // A deployment whose tally batch is not a power of two (the tally circuit proves subtrees).
    let pw = PollWorld::accepting();
    let mut w = pw.w;
    let odd = PollSetup { tally_batch_size: 3, state_depth: 3, ..SETUP };
    let e = PollContracts::deploy(
        &mut w.evm,
        operator(),
        &w.rollup,
        &accept_all_verifier(),
        &accept_all_verifier(),
        &odd,
    )
    .expect_err("a tally batch of 3 is refused");
    assert!(matches!(e.poll_error(), Some(PollErrors::InvalidConfig(_))), "{e}");
    let mut pw = PollWorld::accepting();
    let ok = pw.new_poll(4, 4);
    let refuse = |pw: &mut PollWorld, poll: NewPoll| {
        poll_error(pw.polls.create_poll(&mut pw.w.evm, bank().l1, &poll).map(|r| r.1))
    };
    assert!(
        matches!(refuse(&mut pw, NewPoll { options: 0, ..ok }), PollErrors::BadOptions(e) if e.max == U256::from(4))
    );
    assert!(
        matches!(refuse(&mut pw, NewPoll { options: 5, ..ok }), PollErrors::BadOptions(e) if e.options == U256::from(5))
    );
    assert!(matches!(refuse(&mut pw, NewPoll { voters: 0, ..ok }), PollErrors::BadVoters(_)));
    assert!(
        matches!(refuse(&mut pw, NewPoll { voters: 5, ..ok }), PollErrors::BadVoters(e) if e.max == U256::from(4))
    );
    let past = pw.w.evm.timestamp() - 1;
    assert!(matches!(refuse(&mut pw, NewPoll { deadline: past, ..ok }), PollErrors::DeadlineInPast(_)));
    assert!(matches!(refuse(&mut pw, NewPoll { voice_credits: 0, ..ok }), PollErrors::ZeroVoiceCredits(_)));
    let off_curve = Point::new_unchecked(Fr::from(1u64), Fr::from(2u64));
    assert!(matches!(
        refuse(&mut pw, NewPoll { coordinator: off_curve, ..ok }),
        PollErrors::InvalidPublicKey(_)
    ));
    let identity = Point::new_unchecked(Fr::ZERO, Fr::ONE);
    assert!(matches!(
        refuse(&mut pw, NewPoll { coordinator: identity, ..ok }),
        PollErrors::InvalidPublicKey(_)
    ));
    // A non-canonical sb: r itself, sent raw.
    let raw = Poll::createPollCall {
        pool: POOL,
        options: 4,
        deadline: ok.deadline,
        voiceCredits: 100,
        coordX: fr_to_u256(&ok.coordinator.x),
        coordY: fr_to_u256(&ok.coordinator.y),
        initialSb: r_modulus(),
        voters: 4,
        proposal: B256::ZERO,
    };
    let err = pw.w.evm.transact_sol(bank().l1, pw.polls.poll, U256::ZERO, &raw).map_err(RollupError::from);
    assert!(matches!(poll_error(err), PollErrors::NonCanonical(e) if e.value == r_modulus()));
    assert_eq!(pw.create(&ok), 1, "the same poll with valid parameters");
}

/// The BN254 scalar field's order as a `uint256`.
fn r_modulus() -> U256 {
    U256::from_str_radix("21888242871839275222246405745257275088548364400416034343698204186575808495617", 10)
        .unwrap()
}

#[test]
fn poll_pad_message_hash_is_the_native_one() {
    let mut pw = PollWorld::accepting();
    let pad = PAD_MESSAGE;
    let on_chain = pw.w.evm.call_sol(pw.polls.poll, &Poll::PAD_MESSAGE_HASHCall {}).unwrap();
    assert_eq!(u256_to_fr(on_chain).unwrap(), pad.hash());
    assert_eq!(pw.polls.contract_message_hash(&mut pw.w.evm, &pad).unwrap(), pad.hash());
    for seed in 0..3 {
        let m = message(seed);
        assert_eq!(pw.polls.contract_message_hash(&mut pw.w.evm, &m).unwrap(), m.hash());
    }
}

#[test]
fn poll_message_chain_is_native_and_closing_pads_it() {
    let mut pw = PollWorld::accepting();
    let poll = pw.new_poll(4, 4);
    let id = pw.create(&poll);
    let messages: Vec<Message> = (0..3).map(message).collect();
    for (i, m) in messages.iter().enumerate() {
        let receipt = pw.publish(id, m);
        let chain = native_chain(&messages[..=i]);
        let published = events::<Poll::MessagePublished>(&receipt);
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].index, U256::from(i));
        assert_eq!(published[0].data, m.data.map(|d| fr_to_u256(&d)));
        assert_eq!(published[0].chain, fr_to_u256(&chain));
        let stored = pw.polls.poll(&mut pw.w.evm, id).unwrap();
        assert_eq!((stored.chain, stored.messages), (chain, i as u64 + 1));
    }
    // Every B = 2 messages, the batch chain is stored.
    assert_eq!(pw.polls.batch_chain(&mut pw.w.evm, id, 0).unwrap(), EMPTY_CHAIN);
    assert_eq!(pw.polls.batch_chain(&mut pw.w.evm, id, 1).unwrap(), native_chain(&messages[..2]));
    assert_eq!(pw.polls.batch_chain(&mut pw.w.evm, id, 2).unwrap(), Fr::ZERO, "incomplete batch");

    // Malformed messages are refused.
    let mut bad = message(9);
    bad.enc_pubkey = Point::new_unchecked(Fr::from(1u64), Fr::from(2u64));
    assert!(matches!(
        poll_error(pw.polls.publish_message(&mut pw.w.evm, addr_of_voter(), id, &bad)),
        PollErrors::InvalidPublicKey(_)
    ));
    let mut raw = ccr_verifier_contracts::poll::publish_message_call(id, &message(9));
    raw.data[3] = r_modulus();
    let err =
        pw.w.evm.transact_sol(addr_of_voter(), pw.polls.poll, U256::ZERO, &raw).map_err(RollupError::from);
    assert!(matches!(poll_error(err), PollErrors::NonCanonical(e) if e.value == r_modulus()));
    assert!(matches!(
        poll_error(pw.polls.publish_message(&mut pw.w.evm, addr_of_voter(), 7, &message(9))),
        PollErrors::UnknownPoll(_)
    ));

    // Not closable before the deadline; no message after it.
    assert!(matches!(
        poll_error(pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), id)),
        PollErrors::VotingNotOver(_)
    ));
    pw.pass_deadline(id);
    match poll_error(pw.polls.publish_message(&mut pw.w.evm, addr_of_voter(), id, &message(4))) {
        PollErrors::VotingClosed(e) => assert_eq!(e.deadline, U256::from(poll.deadline)),
        other => panic!("expected VotingClosed, got {other:?}"),
    }

    // Closing pads the third message's batch with one pad message.
    let receipt = pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), id).unwrap();
    let padded = chain_hash(native_chain(&messages), &PAD_MESSAGE);
    let closed = events::<Poll::PollClosed>(&receipt);
    assert_eq!(closed.len(), 1);
    assert_eq!((closed[0].messages, closed[0].batches), (U256::from(3), U256::from(2)));
    assert_eq!(closed[0].chain, fr_to_u256(&padded));
    let stored = pw.polls.poll(&mut pw.w.evm, id).unwrap();
    assert_eq!((stored.phase, stored.batches, stored.next_process_batch), (PollPhase::Processing, 2, 1));
    assert_eq!((stored.chain, stored.messages, stored.sb), (padded, 3, poll.initial_sb));
    assert_eq!(pw.polls.batch_chain(&mut pw.w.evm, id, 2).unwrap(), padded);
    phase_error(
        pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), id),
        PollPhase::Processing,
        PollPhase::Open,
    );
    assert!(matches!(
        poll_error(pw.polls.publish_message(&mut pw.w.evm, addr_of_voter(), id, &message(4))),
        PollErrors::VotingClosed(_)
    ));
}

#[test]
fn poll_closing_pads_empty_polls_and_leaves_whole_batches() {
    let setup = PollSetup { batch_size: 4, ..SETUP };
    let mut pw = PollWorld::new(&accept_all_verifier(), &accept_all_verifier(), setup);
    let poll = pw.new_poll(2, 2);
    let empty = pw.create(&poll);
    let whole = pw.create(&poll);
    let messages: Vec<Message> = (10..14).map(message).collect();
    for m in &messages {
        pw.publish(whole, m);
    }
    pw.pass_deadline(whole);
    pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), empty).unwrap();
    pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), whole).unwrap();

    // No message: one full batch of padding.
    let pads = native_chain(&[PAD_MESSAGE; 4]);
    let e = pw.polls.poll(&mut pw.w.evm, empty).unwrap();
    assert_eq!((e.messages, e.batches, e.next_process_batch, e.chain), (0, 1, 0, pads));
    assert_eq!(pw.polls.batch_chain(&mut pw.w.evm, empty, 1).unwrap(), pads);
    // Exactly one batch: no padding.
    let w = pw.polls.poll(&mut pw.w.evm, whole).unwrap();
    assert_eq!((w.messages, w.batches, w.chain), (4, 1, native_chain(&messages)));
    assert_eq!(pw.polls.batch_chain(&mut pw.w.evm, whole, 1).unwrap(), native_chain(&messages));
}

/// The results of a 3-option poll and their salt.
fn results() -> (Vec<OptionResult>, Fr) {
    let results = vec![
        OptionResult { votes: 3, spent: 9 },
        OptionResult { votes: 5, spent: 13 },
        OptionResult { votes: 5, spent: 25 },
    ];
    (results, Fr::from(987_654_321u64))
}

#[test]
fn poll_processes_last_batch_first_tallies_and_publishes_results() {
    let mut pw = PollWorld::accepting();
    let poll = pw.new_poll(3, 3);
    let id = pw.create(&poll);
    let messages: Vec<Message> = (20..23).map(message).collect();
    for m in &messages {
        pw.publish(id, m);
    }
    let sb_after = Fr::from(1u64);
    phase_error(
        pw.polls.process_messages(&mut pw.w.evm, operator(), id, sb_after, &PROOF),
        PollPhase::Open,
        PollPhase::Processing,
    );
    assert!(matches!(
        poll_error(pw.polls.process_messages(&mut pw.w.evm, operator(), 9, sb_after, &PROOF)),
        PollErrors::UnknownPoll(_)
    ));
    pw.pass_deadline(id);
    pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), id).unwrap();

    // The chains of the batches, natively: [0, after 2 messages, after 3 + 1 pad].
    let chains =
        [EMPTY_CHAIN, native_chain(&messages[..2]), chain_hash(native_chain(&messages), &PAD_MESSAGE)];
    let statement = |j: usize, sb_before: Fr, sb_after: Fr| ProcessStatement {
        poll_id: id,
        coordinator_hash: poseidon::hash2(poll.coordinator.x, poll.coordinator.y),
        options: 3,
        voice_credits: 100,
        voters: poll.voters,
        first: j == 1,
        chain_start: chains[j],
        chain_end: chains[j + 1],
        sb_before,
        sb_after,
    };
    phase_error(
        pw.polls.tally_votes(&mut pw.w.evm, operator(), id, Fr::ONE, &PROOF),
        PollPhase::Processing,
        PollPhase::Tallying,
    );
    let sbs = [poll.initial_sb, Fr::from(111u64), Fr::from(222u64)];
    // Batch 1 (the last) first, then batch 0.
    for (step, j) in [1usize, 0].into_iter().enumerate() {
        let s = statement(j, sbs[step], sbs[step + 1]);
        assert_eq!(pw.polls.next_process_statement(&mut pw.w.evm, id, sbs[step + 1]).unwrap(), s);
        assert_eq!(pw.polls.contract_process_input(&mut pw.w.evm, &s).unwrap(), process_input(&s));
        let receipt =
            pw.polls.process_messages(&mut pw.w.evm, operator(), id, sbs[step + 1], &PROOF).unwrap();
        let ev = events::<Poll::MessagesProcessed>(&receipt);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].batch, U256::from(j));
        assert_eq!((ev[0].sbBefore, ev[0].sbAfter), (fr_to_u256(&sbs[step]), fr_to_u256(&sbs[step + 1])));
        assert_eq!(ev[0].input, fr_to_u256(&process_input(&s)), "the contract's public input is the spec's");
    }
    let stored = pw.polls.poll(&mut pw.w.evm, id).unwrap();
    assert_eq!((stored.phase, stored.sb), (PollPhase::Tallying, sbs[2]));
    phase_error(
        pw.polls.process_messages(&mut pw.w.evm, operator(), id, sb_after, &PROOF),
        PollPhase::Tallying,
        PollPhase::Processing,
    );

    // 3 voters, 2 ballots per tally proof: batches 0 and 1.
    assert_eq!(pw.polls.tally_batches(&mut pw.w.evm, 3).unwrap(), 2);
    let (res, salt) = results();
    let tallies = [Fr::ZERO, Fr::from(333u64), results_commitment(&res, salt)];
    phase_error(
        pw.polls.publish_results(&mut pw.w.evm, operator(), id, &res, salt),
        PollPhase::Tallying,
        PollPhase::Tallied,
    );
    for k in 0..2usize {
        let expected = tally_input(id, sbs[2], k as u64, tallies[k], tallies[k + 1]);
        let on_chain = pw
            .polls
            .contract_tally_input(&mut pw.w.evm, id, sbs[2], k as u64, tallies[k], tallies[k + 1])
            .unwrap();
        assert_eq!(on_chain, expected);
        let receipt = pw.polls.tally_votes(&mut pw.w.evm, operator(), id, tallies[k + 1], &PROOF).unwrap();
        let ev = events::<Poll::VotesTallied>(&receipt);
        assert_eq!(ev.len(), 1);
        assert_eq!((ev[0].batch, ev[0].input), (U256::from(k), fr_to_u256(&expected)));
        assert_eq!(ev[0].tallyBefore, fr_to_u256(&tallies[k]));
    }
    let stored = pw.polls.poll(&mut pw.w.evm, id).unwrap();
    assert_eq!((stored.phase, stored.tally, stored.next_tally_batch), (PollPhase::Tallied, tallies[2], 2));
    phase_error(
        pw.polls.tally_votes(&mut pw.w.evm, operator(), id, Fr::ONE, &PROOF),
        PollPhase::Tallied,
        PollPhase::Tallying,
    );
    let err = pw.polls.result_of(&mut pw.w.evm, id).expect_err("no results yet");
    assert!(matches!(err.poll_error(), Some(PollErrors::ResultsNotPublished(_))));

    // Wrong results, salt, length or total are refused.
    let mut wrong = res.clone();
    wrong[0].votes += 1;
    assert!(matches!(
        poll_error(pw.polls.publish_results(&mut pw.w.evm, operator(), id, &wrong, salt)),
        PollErrors::ResultsMismatch(e) if e.tally == fr_to_u256(&tallies[2])
    ));
    assert!(matches!(
        poll_error(pw.polls.publish_results(&mut pw.w.evm, operator(), id, &res, salt + Fr::ONE)),
        PollErrors::ResultsMismatch(_)
    ));
    assert!(matches!(
        poll_error(pw.polls.publish_results(&mut pw.w.evm, operator(), id, &res[..2], salt)),
        PollErrors::ResultLength(_)
    ));
    let mut raw = publish_results_call(id, &res, salt);
    raw.totalSpent += U256::from(1);
    let err = pw.w.evm.transact_sol(operator(), pw.polls.poll, U256::ZERO, &raw).map_err(RollupError::from);
    assert!(matches!(poll_error(err), PollErrors::TotalSpentMismatch(e) if e.sum == U256::from(47)));
    let mut raw = publish_results_call(id, &res, salt);
    raw.votes[1] = U256::from(1) << 128;
    let err = pw.w.evm.transact_sol(operator(), pw.polls.poll, U256::ZERO, &raw).map_err(RollupError::from);
    assert!(matches!(poll_error(err), PollErrors::ResultOutOfRange(e) if e.option == U256::from(1)));

    // The right ones are published; options 1 and 2 tie on votes: the lower index wins.
    let receipt = pw.polls.publish_results(&mut pw.w.evm, addr_of_voter(), id, &res, salt).unwrap();
    let ev = events::<Poll::PollResult>(&receipt);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].winner, U256::from(1));
    assert_eq!(ev[0].votes, vec![U256::from(3), U256::from(5), U256::from(5)]);
    let outcome = pw.polls.result_of(&mut pw.w.evm, id).unwrap();
    assert_eq!((outcome.winner, outcome.total_spent), (1, 47));
    assert_eq!(outcome.results, res);
    assert_eq!(pw.phase(id), PollPhase::Published);
    phase_error(
        pw.polls.publish_results(&mut pw.w.evm, operator(), id, &res, salt),
        PollPhase::Published,
        PollPhase::Tallied,
    );
}

#[test]
fn poll_refuses_invalid_proofs_with_the_spec_input() {
    // Processing proofs refused.
    let mut pw = PollWorld::new(&reject_all_verifier(), &accept_all_verifier(), SETUP);
    let poll = pw.new_poll(2, 2);
    let id = pw.create(&poll);
    pw.pass_deadline(id);
    pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), id).unwrap();
    let sb_after = Fr::from(5u64);
    let s = pw.polls.next_process_statement(&mut pw.w.evm, id, sb_after).unwrap();
    assert_eq!(s.chain_start, EMPTY_CHAIN);
    assert_eq!(s.chain_end, native_chain(&[PAD_MESSAGE; 2]));
    match poll_error(pw.polls.process_messages(&mut pw.w.evm, operator(), id, sb_after, &PROOF)) {
        PollErrors::InvalidProof(e) => assert_eq!(e.input, fr_to_u256(&process_input(&s))),
        other => panic!("expected InvalidProof, got {other:?}"),
    }
    let stored = pw.polls.poll(&mut pw.w.evm, id).unwrap();
    assert_eq!((stored.phase, stored.sb), (PollPhase::Processing, poll.initial_sb), "nothing moved");

    // Tally proofs refused.
    let mut pw = PollWorld::new(&accept_all_verifier(), &reject_all_verifier(), SETUP);
    let poll = pw.new_poll(2, 2);
    let id = pw.create(&poll);
    pw.pass_deadline(id);
    pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), id).unwrap();
    pw.polls.process_messages(&mut pw.w.evm, operator(), id, sb_after, &PROOF).unwrap();
    let tally = Fr::from(6u64);
    match poll_error(pw.polls.tally_votes(&mut pw.w.evm, operator(), id, tally, &PROOF)) {
        PollErrors::InvalidProof(e) => {
            assert_eq!(e.input, fr_to_u256(&tally_input(id, sb_after, 0, Fr::ZERO, tally)));
        }
        other => panic!("expected InvalidProof, got {other:?}"),
    }
    assert_eq!(pw.polls.poll(&mut pw.w.evm, id).unwrap().tally, Fr::ZERO);
    // A non-canonical commitment is refused before the proof.
    let raw = Poll::tallyVotesCall { pollId: U256::from(id), tallyAfter: r_modulus(), proof: PROOF };
    let err = pw.w.evm.transact_sol(operator(), pw.polls.poll, U256::ZERO, &raw).map_err(RollupError::from);
    assert!(matches!(poll_error(err), PollErrors::NonCanonical(_)));
}

/// Gas of each entry point, printed (`-- --nocapture`) and guarded (gas is deterministic).
#[test]
fn poll_gas() {
    let setup = PollSetup { state_depth: 10, vote_depth: 3, batch_size: 25, tally_batch_size: 32 };
    let mut pw = PollWorld::new(&accept_all_verifier(), &accept_all_verifier(), setup);
    let poll = pw.new_poll(8, 100);
    let (id, created) = pw.polls.create_poll(&mut pw.w.evm, bank().l1, &poll).unwrap();
    let mut publish = Vec::new();
    for seed in 0..26 {
        publish.push(pw.publish(id, &message(100 + seed)).gas_used);
    }
    pw.pass_deadline(id);
    // 26 messages: the second batch is padded with 24 pad messages.
    let close = pw.polls.close_poll(&mut pw.w.evm, addr_of_voter(), id).unwrap().gas_used;
    let mut process = Vec::new();
    for i in 0..2u64 {
        process.push(
            pw.polls
                .process_messages(&mut pw.w.evm, operator(), id, Fr::from(i + 1), &PROOF)
                .unwrap()
                .gas_used,
        );
    }
    let results: Vec<OptionResult> =
        (0..8u128).map(|i| OptionResult { votes: i + 1, spent: (i + 1) * (i + 1) }).collect();
    let salt = Fr::from(5u64);
    let mut tally = Vec::new();
    for k in 0..4u64 {
        let after = if k == 3 { results_commitment(&results, salt) } else { Fr::from(k + 10) };
        tally.push(pw.polls.tally_votes(&mut pw.w.evm, operator(), id, after, &PROOF).unwrap().gas_used);
    }
    let publish_results =
        pw.polls.publish_results(&mut pw.w.evm, operator(), id, &results, salt).unwrap().gas_used;
    println!("Poll gas (B = 25, T = 25, 8 options, stand-in verifiers):");
    println!("  createPoll                         {:>9}", created.gas_used);
    println!("  publishMessage first / later       {:>9} / {}", publish[0], publish[1]);
    println!("  publishMessage storing a batch     {:>9}", publish[24]);
    println!("  closePoll, 24 pad messages         {:>9}", close);
    println!("  processMessages last / first batch {:>9} / {}", process[0], process[1]);
    println!("  tallyVotes first / last            {:>9} / {}", tally[0], tally[3]);
    println!("  publishResults, 8 options          {:>9}", publish_results);
    let in_range = |gas: u64, lo: u64, hi: u64, what: &str| {
        assert!((lo..=hi).contains(&gas), "{what}: {gas} gas, expected {lo}..={hi}");
    };
    println!(
        "  (a real Groth16 verifier of one public input adds ~189,000 to processMessages and tallyVotes)"
    );
    in_range(created.gas_used, 180_000, 230_000, "createPoll");
    in_range(publish[1], 330_000, 380_000, "publishMessage");
    in_range(close, 700_000, 860_000, "closePoll");
    in_range(process[0], 45_000, 60_000, "processMessages");
    in_range(tally[0], 45_000, 70_000, "tallyVotes");
    in_range(publish_results, 640_000, 770_000, "publishResults");
}
