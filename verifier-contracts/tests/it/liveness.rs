//! Issue 10, holes 3 and 5: no user action makes a sealed credit batch unsettleable, and a
//! bank's parameters change only through its members' passed proposals, in poll order, before
//! they expire.
//!
//! Hole 3: a credit is checked against the version of its bank's parameters that was in force
//! during its batch's epoch (the `Credits.versions` index, checked by L1), and its proof's time
//! against its epoch's start, never against the settlement's time. So the borrower registering
//! its account as a bank, the owner changing the registry, a passed proposal executed, or a
//! settlement more than a day after the proof, all between acceptance and settlement, leave the
//! batch settleable. Hole 5: once the rollup has a governance, `registerBank` (again) and
//! `setRegistryRoot` are refused (`GovernedBank`), an older poll's proposal after a newer one's
//! is refused (`ProposalOutOfOrder`), and a passed proposal expires `PROPOSAL_EXPIRY` after its
//! poll's deadline (`ProposalExpired`).

use alloy_primitives::{B256, U256};
use ark_bn254::Fr;
use ark_groth16::Proof;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::credit::EligibilityStatement;
use ccr_circuits::vote::{results_commitment, OptionResult};
use ccr_verifier_contracts::bindings::Rollup::{self, RollupErrors};
use ccr_verifier_contracts::poll::{NewPoll, PollContracts, PollSetup};
use ccr_verifier_contracts::rollup::{fr_to_u256, CreditProofs};
use ccr_verifier_contracts::BankProposal;

use crate::common::{accept_all_verifier, operator};
use crate::credit::{credit_batch, params, prove, registry, setup, Setup, MEMBER, POOL};
use crate::flow::{contract_error, events};
use crate::governance::{decide, open, proposal, rollup_error, stranger};
use crate::poll::{bank, PollWorld, PROOF};

/// Seconds in a day, and the 12-second blocks of the test chain in a day.
const DAY: u64 = 24 * 3600;
const BLOCKS_PER_DAY: u64 = DAY / 12;

/// Alice's credit proof under bank version `version` (its state root after batch 1).
fn credit_proofs(proof: &Proof<ark_bn254::Bn254>, st: &EligibilityStatement, version: u64) -> CreditProofs {
    let mut c = CreditProofs::default();
    c.push(proof, &st.public_inputs(), 1, version);
    c
}

/// The credit batch of `amount` settles: one `CreditGranted` of Alice's nullifier.
fn settles(
    s: &mut Setup,
    amount: u64,
    proof: &Proof<ark_bn254::Bn254>,
    st: &EligibilityStatement,
    version: u64,
) {
    let batch = credit_batch(s, amount, st, credit_proofs(proof, st, version));
    let receipt =
        s.w.rollup.submit_batch(&mut s.w.evm, operator(), &batch).expect("the sealed credit batch settles");
    let granted: Vec<Rollup::CreditGranted> = events(&receipt);
    assert_eq!(granted.len(), 1);
    assert_eq!((granted[0].pool, granted[0].borrower, granted[0].amount), (POOL, MEMBER, amount));
    assert_eq!(granted[0].nullifier, fr_to_u256(&st.nullifier));
    let batches = s.w.evm.call_sol(s.w.rollup.rollup, &Rollup::batchCountCall {}).unwrap();
    assert_eq!(batches, U256::from(2));
}

/// `Rollup.bankVersionCount(pool)`.
fn versions(s: &mut Setup, pool: u32) -> U256 {
    s.w.evm.call_sol(s.w.rollup.rollup, &Rollup::bankVersionCountCall { pool: U256::from(pool) }).unwrap()
}

#[test]
fn attack_borrower_registers_its_account_as_a_bank_before_settlement() {
    let mut s = setup();
    let (proof, st) = prove(&s, 1_000);
    // The credit is accepted (checked against bank version 0); then Alice, who owns her
    // account, registers it as a bank before the batch settles.
    let alice = s.alice.l1;
    s.w.rollup.register_bank(&mut s.w.evm, alice, MEMBER, 0, params().hash(), registry().root()).unwrap();
    assert_eq!(versions(&mut s, MEMBER), U256::from(1));
    // Before the fix: BorrowerIsBank(0), forever. Whether a borrower may borrow is the L2
    // state's rule (a pool never borrows), which the batch proof enforces.
    settles(&mut s, 1_000, &proof, &st, 0);
}

#[test]
fn attack_owner_changes_the_registry_between_acceptance_and_settlement() {
    let mut s = setup();
    let (proof, st) = prove(&s, 1_000);
    let bob = s.bob.l1;
    s.w.rollup.set_registry_root(&mut s.w.evm, bob, POOL, Fr::from(1u64)).unwrap();
    assert_eq!(versions(&mut s, POOL), U256::from(2));
    // The current version (1) has another registry: the credit names version 0, which was in
    // force during epoch 0. Before the fix: CreditMismatch(0, 8), forever.
    let b = credit_batch(&s, 1_000, &st, credit_proofs(&proof, &st, 1));
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::CreditMismatch(Rollup::CreditMismatch { slot: U256::ZERO, input: U256::from(8) })
    );
    settles(&mut s, 1_000, &proof, &st, 0);
}

#[test]
fn attack_settlement_more_than_a_day_after_the_proof() {
    let mut s = setup();
    let (proof, st) = prove(&s, 1_000);
    // The operator (or L1 congestion) delays settlement by more than a day, still in epoch 0.
    s.w.evm.mine(BLOCKS_PER_DAY + 10);
    assert!(s.w.evm.timestamp() > st.now + DAY);
    // Before the fix: StaleEligibilityProof, forever.
    settles(&mut s, 1_000, &proof, &st, 0);
}

#[test]
fn a_proof_older_than_a_day_before_its_epoch_is_stale() {
    let mut s = setup();
    let (proof, st) = prove(&s, 1_000);
    // Epoch 1 starts 30 days after genesis: a proof of epoch 0's time is stale for it.
    let start =
        s.w.evm.call_sol(s.w.rollup.rollup, &Rollup::epochStartCall { epoch: U256::from(1) }).unwrap();
    let late = EligibilityStatement { epoch: 1, ..st };
    s.w.evm.mine((start.saturating_to::<u64>() - s.w.evm.timestamp()) / 12 + 1);
    let mut b = credit_batch(&s, 1_000, &late, credit_proofs(&proof, &late, 0));
    b.epoch = 1;
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::StaleEligibilityProof(Rollup::StaleEligibilityProof {
            slot: U256::ZERO,
            provenAt: U256::from(st.now),
            epochStart: start,
        })
    );
}

/// The test sizes of `Poll` (as the poll tests').
pub(crate) const POLL_SETUP: PollSetup =
    PollSetup { state_depth: 2, vote_depth: 2, batch_size: 2, tally_batch_size: 2 };

/// Poll of Bob's bank deciding `proposal`, passed 1:2; returns its id.
pub(crate) fn pass(s: &mut Setup, polls: &PollContracts, proposal: B256) -> u64 {
    let poll = NewPoll {
        pool: POOL,
        options: 2,
        deadline: s.w.evm.timestamp() + 600,
        voice_credits: 100,
        coordinator: PrivateKey::from_bytes([0xc0; 32]).public_key(),
        initial_sb: Fr::from(4242u64),
        voters: 2,
        proposal,
    };
    let (id, _) = polls.create_poll(&mut s.w.evm, s.bob.l1, &poll).unwrap();
    s.w.evm.mine(600 / 12 + 1);
    let evm = &mut s.w.evm;
    polls.close_poll(evm, stranger(), id).unwrap();
    polls.process_messages(evm, operator(), id, Fr::from(1u64), &PROOF).unwrap();
    let results = [OptionResult { votes: 1, spent: 1 }, OptionResult { votes: 2, spent: 4 }];
    let salt = Fr::from(31u64);
    polls.tally_votes(evm, operator(), id, results_commitment(&results, salt), &PROOF).unwrap();
    polls.publish_results(evm, stranger(), id, &results, salt).unwrap();
    id
}

#[test]
fn attack_passed_proposal_executed_between_acceptance_and_settlement() {
    let mut s = setup();
    let (polls, _) = PollContracts::deploy(
        &mut s.w.evm,
        operator(),
        &s.w.rollup,
        &accept_all_verifier(),
        &accept_all_verifier(),
        &POLL_SETUP,
    )
    .unwrap();
    // The members vote a new shape, policy and registry; the poll is decided.
    let p = BankProposal::new(1, Fr::from(4243u64), Fr::from(5u64));
    let id = pass(&mut s, &polls, p.hash());
    // Alice's credit is accepted under version 0; then anyone executes the proposal.
    let (proof, st) = prove(&s, 1_000);
    s.w.rollup.execute_proposal(&mut s.w.evm, stranger(), id, &p).unwrap();
    assert_eq!(versions(&mut s, POOL), U256::from(2));
    // Before the fix: CreditMismatch(0, 7), forever.
    settles(&mut s, 1_000, &proof, &st, 0);
}

#[test]
fn a_credit_names_a_version_in_force_during_its_epoch() {
    let mut s = setup();
    let (proof, st) = prove(&s, 1_000);
    // No version 1 yet.
    let b = credit_batch(&s, 1_000, &st, credit_proofs(&proof, &st, 1));
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::BankVersionNotInForce(Rollup::BankVersionNotInForce {
            slot: U256::ZERO,
            version: U256::from(1)
        })
    );
    // Version 0 replaced, and version 1 replaced before epoch 1 starts: in epoch 1 only
    // version 2 was in force. A credit of epoch 1 under version 0 is refused.
    let bob = s.bob.l1;
    s.w.rollup.set_registry_root(&mut s.w.evm, bob, POOL, Fr::from(1u64)).unwrap();
    s.w.rollup.set_registry_root(&mut s.w.evm, bob, POOL, registry().root()).unwrap();
    let start =
        s.w.evm.call_sol(s.w.rollup.rollup, &Rollup::epochStartCall { epoch: U256::from(1) }).unwrap();
    s.w.evm.mine((start.saturating_to::<u64>() - s.w.evm.timestamp()) / 12 + 1);
    let fresh = EligibilityStatement { epoch: 1, now: s.w.evm.timestamp(), ..st };
    let mut b = credit_batch(&s, 1_000, &fresh, credit_proofs(&proof, &fresh, 0));
    b.epoch = 1;
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::BankVersionNotInForce(Rollup::BankVersionNotInForce {
            slot: U256::ZERO,
            version: U256::ZERO
        })
    );
    // Under version 2 (same policy and registry as 0) it passes the bank checks and fails
    // only on the proof, which was made for epoch 0.
    let mut b = credit_batch(&s, 1_000, &fresh, credit_proofs(&proof, &fresh, 2));
    b.epoch = 1;
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::InvalidEligibilityProofs(Rollup::InvalidEligibilityProofs {})
    );
}

#[test]
fn attack_older_proposal_executed_after_a_newer_one() {
    let mut pw = PollWorld::accepting();
    let old = proposal();
    let new = BankProposal { registry_root: Fr::from(91u64), ..proposal() };
    let first = open(&mut pw, old.hash());
    decide(&mut pw, first, 0, 3);
    let second = open(&mut pw, new.hash());
    decide(&mut pw, second, 0, 3);
    pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), second, &new).unwrap();
    // Before the fix: accepted, bringing back the registry the members replaced.
    assert_eq!(
        rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), first, &old)),
        RollupErrors::ProposalOutOfOrder(Rollup::ProposalOutOfOrder {
            pollId: U256::from(first),
            lastPoll: U256::from(second)
        })
    );
    let bank = crate::governance::bank_of(&mut pw, crate::poll::POOL);
    assert_eq!(bank.registryRoot, U256::from(91));
    let last = pw
        .w
        .evm
        .call_sol(pw.w.rollup.rollup, &Rollup::lastProposalPollCall { pool: U256::from(crate::poll::POOL) })
        .unwrap();
    assert_eq!(last, U256::from(second));
}

#[test]
fn attack_owner_changes_bank_parameters_after_governance() {
    let mut pw = PollWorld::accepting();
    let owner = bank().l1;
    let pool = crate::poll::POOL;
    // Before the fix: both accepted, bypassing the members' vote.
    assert_eq!(
        rollup_error(pw.w.rollup.set_registry_root(&mut pw.w.evm, owner, pool, Fr::from(1u64))),
        RollupErrors::GovernedBank(Rollup::GovernedBank { pool: U256::from(pool) })
    );
    let register =
        Rollup::registerBankCall { pool, shape: 0, policyHash: U256::from(8), registryRoot: U256::from(10) };
    let err = pw.w.evm.transact_sol(owner, pw.w.rollup.rollup, U256::ZERO, &register).expect_err("refused");
    assert_eq!(
        ccr_verifier_contracts::RollupError::from(err).contract_error(),
        Some(RollupErrors::GovernedBank(Rollup::GovernedBank { pool: U256::from(pool) }))
    );
    let b = crate::governance::bank_of(&mut pw, pool);
    assert_eq!((b.policyHash, b.registryRoot), (U256::from(7), U256::from(9)));
}

#[test]
fn attack_expired_proposal_executed() {
    let mut pw = PollWorld::accepting();
    let p = proposal();
    let id = open(&mut pw, p.hash());
    decide(&mut pw, id, 0, 3);
    let deadline = pw.polls.poll(&mut pw.w.evm, id).unwrap().deadline;
    let expiry: U256 = pw.w.evm.call_sol(pw.w.rollup.rollup, &Rollup::PROPOSAL_EXPIRYCall {}).unwrap();
    let expired_at = U256::from(deadline) + expiry;
    pw.w.evm.mine((expired_at.saturating_to::<u64>() - pw.w.evm.timestamp()) / 12 + 1);
    // Before the fix: accepted, however old the vote.
    assert_eq!(
        rollup_error(pw.w.rollup.execute_proposal(&mut pw.w.evm, stranger(), id, &p)),
        RollupErrors::ProposalExpired(Rollup::ProposalExpired {
            pollId: U256::from(id),
            expiredAt: expired_at
        })
    );
    assert!(!pw.w.rollup.proposal_executed(&mut pw.w.evm, id).unwrap());
}
