//! Bank governance: a poll that decides a bank proposal (`Poll.createPoll`'s `proposal`, the
//! keccak256 of the new policy shape, policy hash and registry root: never a key, each shape's
//! key is the rollup's, fixed at deployment) and
//! `Rollup.executeProposal`, which adopts the parameters once the results are published with
//! more quadratic votes for (option 1) than against (option 0). The governance is the `Poll`
//! contract, set once by the rollup's deployer (`PollContracts::deploy` does). Proofs are
//! checked by the accept-all stand-in verifier: the circuits are tested in `ccr-circuits`.

use alloy_primitives::{keccak256, Address, B256, U256};
use alloy_sol_types::{SolEvent, SolValue};
use ark_bn254::Fr;
use ccr_circuits::vote::{results_commitment, OptionResult};
use ccr_verifier_contracts::batch_verify::vk_words;
use ccr_verifier_contracts::bindings::Poll::PollErrors;
use ccr_verifier_contracts::bindings::Rollup::{self, RollupErrors};
use ccr_verifier_contracts::poll::{create_poll_call, NewPoll, PollProposal};
use ccr_verifier_contracts::rollup::{execute_proposal_call, fr_to_u256};
use ccr_verifier_contracts::{BankProposal, Receipt, RollupError};

use crate::common::{accept_all_verifier, operator, stand_in_eligibility_key, Member, World};
use crate::flow::events;
use crate::poll::{addr_of_voter, bank, poll_error, PollWorld, POOL, PROOF};

/// The registration of [`PollWorld`]: shape 0, policy hash 7, registry root 9.
const OLD_SHAPE: u8 = 0;
const OLD_POLICY: u64 = 7;
const OLD_REGISTRY: u64 = 9;

/// A new policy's parameters: of the rollup's other shape (1: the test rollups have two), no
/// credit is proven here.
pub(crate) fn proposal() -> BankProposal {
    BankProposal::new(1, Fr::from(70u64), Fr::from(90u64))
}

/// Someone with nothing on the rollup: anyone may execute a passed proposal.
pub(crate) fn stranger() -> Address {
    Address::repeat_byte(0x55)
}

pub(crate) fn rollup_error(result: Result<Receipt, RollupError>) -> RollupErrors {
    let err = result.expect_err("the rollup accepted it");
    err.contract_error().unwrap_or_else(|| panic!("not a rollup contract error: {err}"))
}

/// A 2-option poll of 2 voters of bank [`POOL`] deciding `proposal`; returns its id.
pub(crate) fn open(pw: &mut PollWorld, proposal: B256) -> u64 {
    let poll = NewPoll { proposal, ..pw.new_poll(2, 2) };
    pw.create(&poll)
}

/// Closes poll `id` after its deadline, "proves" its one message batch and one ballot batch
/// (stand-in verifiers) and publishes `against` and `for` quadratic votes.
pub(crate) fn decide(pw: &mut PollWorld, id: u64, against: u128, for_: u128) {
    pw.pass_deadline(id);
    let evm = &mut pw.w.evm;
    pw.polls.close_poll(evm, addr_of_voter(), id).unwrap();
    pw.polls.process_messages(evm, operator(), id, Fr::from(1u64), &PROOF).unwrap();
    let results = [
        OptionResult { votes: against, spent: against * against },
        OptionResult { votes: for_, spent: for_ * for_ },
    ];
    let salt = Fr::from(31u64);
    pw.polls.tally_votes(evm, operator(), id, results_commitment(&results, salt), &PROOF).unwrap();
    pw.polls.publish_results(evm, addr_of_voter(), id, &results, salt).unwrap();
}

/// `Rollup.banks(pool)`.
pub(crate) fn bank_of(pw: &mut PollWorld, pool: u32) -> Rollup::banksReturn {
    pw.w.evm.call_sol(pw.w.rollup.rollup, &Rollup::banksCall { pool: U256::from(pool) }).unwrap()
}

/// The words stored in the `VkStore` data contract at `pointer` (its code after the `0x00`).
fn stored_words(pw: &PollWorld, pointer: Address) -> Vec<U256> {
    let code = pw.w.evm.code(pointer);
    assert_eq!(code.first(), Some(&0u8), "a VkStore data contract starts with STOP");
    code[1..].chunks(32).map(U256::from_be_slice).collect()
}

#[test]
fn governance_passed_proposal_is_executed_by_anyone() {
    let mut pw = PollWorld::accepting();
    let p = proposal();
    let id = open(&mut pw, p.hash());
    let stored = pw.polls.poll(&mut pw.w.evm, id).unwrap();
    assert_eq!(stored.proposal, p.hash());
    let before = PollProposal { pool: POOL, proposal: p.hash(), passed: false };
    assert_eq!(pw.polls.proposal_of(&mut pw.w.evm, id).unwrap(), before);

    // Before the results are published it has not passed.
    match rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), id, &p)) {
        RollupErrors::ProposalNotPassed(e) => assert_eq!(e.pollId, U256::from(id)),
        other => panic!("expected ProposalNotPassed, got {other:?}"),
    }
    decide(&mut pw, id, 3, 4);
    let after = PollProposal { passed: true, ..before };
    assert_eq!(pw.polls.proposal_of(&mut pw.w.evm, id).unwrap(), after);

    // Other parameters than the proposal's: the shape, the policy hash or the registry.
    let shape = BankProposal { shape: 0, ..p.clone() };
    let policy = BankProposal { policy_hash: Fr::from(71u64), ..p.clone() };
    let registry = BankProposal { registry_root: Fr::from(91u64), ..p.clone() };
    for wrong in [&shape, &policy, &registry] {
        match rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), id, wrong)) {
            RollupErrors::ProposalMismatch(e) => assert_eq!(e.pollId, U256::from(id)),
            other => panic!("expected ProposalMismatch, got {other:?}"),
        }
    }
    let old = bank_of(&mut pw, POOL);
    assert_eq!(
        (old.shape, old.policyHash, old.registryRoot),
        (OLD_SHAPE, U256::from(OLD_POLICY), U256::from(OLD_REGISTRY))
    );
    assert!(!pw.w.rollup.proposal_executed(&mut pw.w.evm, id).unwrap());

    // Anyone executes it: the bank's parameters are the proposal's, its owner unchanged.
    let receipt = pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), id, &p).unwrap();
    let new = bank_of(&mut pw, POOL);
    assert_eq!(new.owner, bank().l1);
    assert_eq!(new.shape, p.shape, "the bank's policy is of the proposal's shape");
    // Its credits now verify under the rollup's key of that shape, stored at deployment.
    let key = pw.w.rollup.eligibility_key_pointer(&mut pw.w.evm, p.shape).unwrap();
    assert_eq!(stored_words(&pw, key), vk_words(&stand_in_eligibility_key(p.shape)));
    assert_eq!(
        (new.policyHash, new.registryRoot),
        (fr_to_u256(&p.policy_hash), fr_to_u256(&p.registry_root))
    );
    assert!(pw.w.rollup.proposal_executed(&mut pw.w.evm, id).unwrap());

    // A new version of the bank's parameters, the same BankRegistered event as registerBank's,
    // then ProposalExecuted.
    let topics: Vec<B256> = receipt.logs.iter().filter_map(|l| l.topics().first().copied()).collect();
    assert_eq!(
        topics,
        vec![
            Rollup::BankVersionAdded::SIGNATURE_HASH,
            Rollup::BankRegistered::SIGNATURE_HASH,
            Rollup::ProposalExecuted::SIGNATURE_HASH
        ]
    );
    let version = events::<Rollup::BankVersionAdded>(&receipt);
    assert_eq!((version[0].pool, version[0].version, version[0].shape), (POOL, U256::from(1), p.shape));
    let registered = events::<Rollup::BankRegistered>(&receipt);
    assert_eq!((registered[0].pool, registered[0].owner, registered[0].shape), (POOL, bank().l1, p.shape));
    assert_eq!(registered[0].policyHash, fr_to_u256(&p.policy_hash));
    assert_eq!(registered[0].registryRoot, fr_to_u256(&p.registry_root));
    let executed = events::<Rollup::ProposalExecuted>(&receipt);
    assert_eq!((executed[0].pollId, executed[0].pool), (U256::from(id), POOL));

    // Once.
    match rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, bank().l1, id, &p)) {
        RollupErrors::ProposalAlreadyExecuted(e) => assert_eq!(e.pollId, U256::from(id)),
        other => panic!("expected ProposalAlreadyExecuted, got {other:?}"),
    }
    assert_eq!(bank_of(&mut pw, POOL), new);
    println!("executeProposal: {} gas", receipt.gas_used);
    // No key stored any more (it was a 44-word VkStore data contract, ~360,000 gas): the new
    // version's three fresh slots, the governance's proposalOf and deadlineOf. Gas is
    // deterministic, this guards regressions.
    assert!((80_000..=160_000).contains(&receipt.gas_used), "executeProposal: {} gas", receipt.gas_used);
}

#[test]
fn governance_rejected_proposals_are_not_executed() {
    let mut pw = PollWorld::accepting();
    let p = proposal();
    // More against than for, and a tie: both reject.
    for (against, for_) in [(5, 2), (4, 4)] {
        let id = open(&mut pw, p.hash());
        decide(&mut pw, id, against, for_);
        let status = pw.polls.proposal_of(&mut pw.w.evm, id).unwrap();
        assert_eq!(
            status,
            PollProposal { pool: POOL, proposal: p.hash(), passed: false },
            "{against}:{for_}"
        );
        match rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), id, &p)) {
            RollupErrors::ProposalNotPassed(e) => assert_eq!(e.pollId, U256::from(id)),
            other => panic!("expected ProposalNotPassed, got {other:?}"),
        }
    }
    let bank = bank_of(&mut pw, POOL);
    assert_eq!((bank.policyHash, bank.registryRoot), (U256::from(OLD_POLICY), U256::from(OLD_REGISTRY)));
}

#[test]
fn governance_refuses_polls_without_proposal_unknown_polls_and_bad_keys() {
    let mut pw = PollWorld::accepting();
    let p = proposal();
    // A 2-option poll with no proposal, "for" ahead: nothing to execute.
    let id = open(&mut pw, B256::ZERO);
    decide(&mut pw, id, 1, 6);
    let status = pw.polls.proposal_of(&mut pw.w.evm, id).unwrap();
    assert_eq!(status, PollProposal { pool: POOL, proposal: B256::ZERO, passed: false });
    match rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), id, &p)) {
        RollupErrors::ProposalMismatch(e) => assert_eq!(e.pollId, U256::from(id)),
        other => panic!("expected ProposalMismatch, got {other:?}"),
    }

    // No such poll: the governance's own error comes back.
    assert!(matches!(
        poll_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), 99, &p)),
        PollErrors::UnknownPoll(e) if e.pollId == U256::from(99)
    ));
    assert!(matches!(
        pw.polls.proposal_of(&mut pw.w.evm, 99).expect_err("no poll 99").poll_error(),
        Some(PollErrors::UnknownPoll(_))
    ));

    // A passed proposal of a shape the rollup has no key for (it has shapes 0 and 1) is
    // refused as registerBank refuses it; so is a policy hash that is not a field element.
    let unknown = BankProposal { shape: 2, ..p.clone() };
    let id = open(&mut pw, unknown.hash());
    decide(&mut pw, id, 0, 1);
    match rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), id, &unknown)) {
        RollupErrors::UnknownShape(e) => assert_eq!(e.shape, U256::from(2)),
        other => panic!("expected UnknownShape, got {other:?}"),
    }
    assert!(!pw.w.rollup.proposal_executed(&mut pw.w.evm, id).unwrap());
    let poll = open(&mut pw, keccak256((U256::ZERO, modulus(), U256::from(90)).abi_encode_params()));
    decide(&mut pw, poll, 0, 1);
    let call = Rollup::executeProposalCall {
        pollId: U256::from(poll),
        shape: 0,
        policyHash: modulus(),
        registryRoot: U256::from(90),
    };
    let err = pw.w.evm.transact_sol(stranger(), pw.w.rollup.rollup, U256::ZERO, &call).expect_err("refused");
    assert_eq!(
        RollupError::from(err).contract_error(),
        Some(RollupErrors::BadEligibilityKey(Rollup::BadEligibilityKey { words: U256::ZERO }))
    );
    let bank = bank_of(&mut pw, POOL);
    assert_eq!(
        (bank.shape, bank.policyHash, bank.registryRoot),
        (OLD_SHAPE, U256::from(OLD_POLICY), U256::from(OLD_REGISTRY))
    );
}

#[test]
fn governance_proposal_polls_have_two_options() {
    let mut pw = PollWorld::accepting();
    let hash = proposal().hash();
    for options in [1, 3, 4] {
        let poll = NewPoll { proposal: hash, ..pw.new_poll(options, 2) };
        match poll_error(pw.polls.create_poll(&mut pw.w.evm, bank().l1, &poll).map(|r| r.1)) {
            PollErrors::BadOptions(e) => assert_eq!((e.options, e.max), (U256::from(options), U256::from(2))),
            other => panic!("expected BadOptions, got {other:?}"),
        }
    }
    assert_eq!(pw.polls.poll_count(&mut pw.w.evm).unwrap(), 0);
    // The call the L1 client sends carries the proposal; PollCreated reports it.
    let poll = NewPoll { proposal: hash, ..pw.new_poll(2, 2) };
    assert_eq!(create_poll_call(&poll).proposal, hash);
    let (id, receipt) = pw.polls.create_poll(&mut pw.w.evm, bank().l1, &poll).unwrap();
    let created = events::<ccr_verifier_contracts::bindings::Poll::PollCreated>(&receipt);
    assert_eq!((created[0].pollId, created[0].options, created[0].proposal), (U256::from(id), 2, hash));
    // The contract's first poll; ~20,000 of it is the proposal's fresh storage slot.
    println!("createPoll with a proposal: {} gas", receipt.gas_used);
    assert!((200_000..=250_000).contains(&receipt.gas_used), "createPoll: {} gas", receipt.gas_used);
}

#[test]
fn governance_is_set_once_by_the_rollup_deployer() {
    // A rollup alone: no governance, nothing to execute.
    let mut w = World::new(&accept_all_verifier());
    assert_eq!(w.rollup.governance(&mut w.evm).unwrap(), None);
    let deployer = w.evm.call_sol(w.rollup.rollup, &Rollup::deployerCall {}).unwrap();
    assert_eq!(deployer, operator());
    assert!(matches!(
        rollup_error(w.rollup.execute_proposal(&mut w.evm, stranger(), 1, &proposal())),
        RollupErrors::NoGovernance(_)
    ));
    let member = Member::new(3);
    w.fund(&member);
    match rollup_error(w.rollup.set_governance(&mut w.evm, member.l1, Address::repeat_byte(0x99))) {
        RollupErrors::NotDeployer(e) => assert_eq!(e.deployer, operator()),
        other => panic!("expected NotDeployer, got {other:?}"),
    }
    assert!(matches!(
        rollup_error(w.rollup.set_governance(&mut w.evm, operator(), Address::ZERO)),
        RollupErrors::InvalidConfig(_)
    ));
    let poll = Address::repeat_byte(0x99);
    let receipt = w.rollup.set_governance(&mut w.evm, operator(), poll).unwrap();
    let set = events::<Rollup::GovernanceSet>(&receipt);
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].poll, poll);
    assert_eq!(w.rollup.governance(&mut w.evm).unwrap(), Some(poll));
    assert!(matches!(
        rollup_error(w.rollup.set_governance(&mut w.evm, operator(), Address::repeat_byte(0x98))),
        RollupErrors::GovernanceAlreadySet(_)
    ));
    assert_eq!(w.rollup.governance(&mut w.evm).unwrap(), Some(poll));

    // `PollContracts::deploy` sets its Poll as the governance; a second Poll cannot take over.
    let mut pw = PollWorld::accepting();
    assert_eq!(pw.w.rollup.governance(&mut pw.w.evm).unwrap(), Some(pw.polls.poll));
    match rollup_error(pw.w.rollup.set_governance(&mut pw.w.evm, operator(), stranger())) {
        RollupErrors::GovernanceAlreadySet(_) => {}
        other => panic!("expected GovernanceAlreadySet, got {other:?}"),
    }
    let call = execute_proposal_call(7, &proposal());
    assert_eq!((call.pollId, call.shape), (U256::from(7), 1));
    assert_eq!((call.policyHash, call.registryRoot), (U256::from(70), U256::from(90)));
}

/// The proposal hash is `keccak256(abi.encode(uint8 shape, uint256 policyHash, uint256
/// registryRoot))`: three 32-byte words, the shape's first, as `executeProposal` computes it.
#[test]
fn governance_proposal_hash_is_the_abi_encoding_of_shape_policy_and_registry() {
    let p = BankProposal::new(3, Fr::from(70u64), Fr::from(90u64));
    let mut encoded = [0u8; 96];
    encoded[31] = 3;
    encoded[63] = 70;
    encoded[95] = 90;
    assert_eq!(p.hash(), keccak256(encoded));
    assert_ne!(p.hash(), BankProposal { shape: 2, ..p.clone() }.hash());
}

/// The order of the BN254 scalar field, as a word.
fn modulus() -> U256 {
    U256::from_str_radix(&<Fr as ark_ff::PrimeField>::MODULUS.to_string(), 10).unwrap()
}
