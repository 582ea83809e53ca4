//! End to end on revm with the real verifier: accounts opened on L1, a proven batch consuming
//! their deposits with a transfer and an exit, settlement, a withdrawal paid exactly once; and
//! every way of submitting a wrong batch rejected with the contract's exact error.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
use ark_bn254::Fr;
use ccr_circuits::batch::{BatchBuilder, BatchWitness};
use ccr_circuits::state::tx::{Deposit, QueueEntry, Tx};
use ccr_circuits::state::RollupState;
use ccr_prover::batch::prove_batch;
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_verifier_contracts::rollup::{fr_to_u256, BatchSubmission};
use ccr_verifier_contracts::{Receipt, RollupError};

use crate::common::{exit, gwei, keys, operator, prover, rng, transfer, verifier, Member, World, PARAMS};

/// Alice and Bob open accounts on L1 (5,000 and 3,000 gwei); the L2 reads the deposits from
/// the events.
pub fn open_accounts(w: &mut World, alice: &Member, bob: &Member) -> Vec<Deposit> {
    w.fund(alice);
    w.fund(bob);
    let mut logs = Vec::new();
    for (m, amount) in [(alice, 5_000), (bob, 3_000)] {
        let r = w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), amount).unwrap();
        logs.extend(r.logs);
    }
    deposits(&w.rollup.queue_entries(&logs).unwrap())
}

/// The deposits among queue entries.
pub fn deposits(entries: &[(u64, QueueEntry)]) -> Vec<Deposit> {
    entries
        .iter()
        .map(|(_, e)| match e {
            QueueEntry::Deposit(d) => d.clone(),
            QueueEntry::ForcedExit(f) => panic!("not a deposit: {f:?}"),
        })
        .collect()
}

/// The batch: both deposits, Alice → Bob 1,000, Bob exits 2,500.
pub fn first_batch(
    state: &mut RollupState,
    deposits: &[Deposit],
    alice: &Member,
    bob: &Member,
) -> BatchWitness {
    let mut batch = BatchBuilder::new(state);
    for d in deposits {
        batch.push(state, &Tx::Deposit(d.clone())).unwrap();
    }
    let t = transfer(state, &alice.key, 0, 1, 1_000);
    batch.push(state, &t).unwrap();
    let x = exit(state, &bob.key, 1, 2_500);
    batch.push(state, &x).unwrap();
    batch.finish_from(state)
}

pub fn contract_error(result: Result<Receipt, RollupError>) -> RollupErrors {
    let err = result.expect_err("the contract accepted it");
    err.contract_error().unwrap_or_else(|| panic!("not a contract error: {err}"))
}

pub fn events<E: SolEvent>(receipt: &Receipt) -> Vec<E> {
    receipt.logs.iter().filter_map(|log| E::decode_log_data(&log.data).ok()).collect()
}

fn balance_invariant(w: &mut World) {
    w.check_balance_invariant();
}

#[test]
fn deposit_prove_settle_withdraw() {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut w = World::new(verifier());
    let genesis = w.state.root();
    assert_eq!(w.rollup.state_root(&mut w.evm).unwrap(), genesis);
    let deposits = open_accounts(&mut w, &alice, &bob);
    balance_invariant(&mut w);

    let witness = first_batch(&mut w.state, &deposits, &alice, &bob);
    let (proof, commitment) = prove_batch(prover(), witness.clone(), &mut rng(20)).unwrap();
    let submission = BatchSubmission::new(&witness, w.state.deposits_consumed(), &proof);
    assert_eq!(submission.deposits_consumed_after, 2);

    let receipt = w.rollup.submit_batch(&mut w.evm, operator(), &submission).unwrap();
    println!(
        "submitBatch, batch of {} (2 deposits, 1 transfer, 1 exit), real verifier: {} gas",
        PARAMS.batch_size, receipt.gas_used
    );

    // Settled: root, queue pointer, events.
    assert_eq!(w.rollup.state_root(&mut w.evm).unwrap(), w.state.root());
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap(), (U256::from(2), U256::from(2)));
    let batches: Vec<Rollup::BatchSubmitted> = events(&receipt);
    assert_eq!(batches.len(), 1);
    let b = &batches[0];
    assert_eq!(b.batchNumber, U256::from(1));
    assert_eq!((b.oldRoot, b.newRoot), (fr_to_u256(&genesis), fr_to_u256(&w.state.root())));
    assert_eq!((b.depositsConsumedBefore, b.depositsConsumedAfter), (U256::ZERO, U256::from(2)));
    assert_eq!(b.txDataHash, alloy_primitives::keccak256(witness.tx_data()));
    assert_eq!(b.commitment, fr_to_u256(&commitment));
    let exits: Vec<Rollup::ExitCredited> = events(&receipt);
    assert_eq!(
        exits,
        [Rollup::ExitCredited { batchNumber: U256::from(1), accountIndex: 1, owner: bob.l1, amount: 2_500 }]
    );
    balance_invariant(&mut w);

    // Bob is paid exactly once; Alice has nothing to withdraw.
    assert_eq!(w.rollup.pending_withdrawal(&mut w.evm, bob.l1).unwrap(), gwei(2_500));
    let before = w.evm.balance(bob.l1);
    let paid = w.rollup.withdraw(&mut w.evm, bob.l1).unwrap();
    assert_eq!(w.evm.balance(bob.l1), before + gwei(2_500));
    let withdrawn: Vec<Rollup::Withdrawn> = events(&paid);
    assert_eq!(withdrawn, [Rollup::Withdrawn { owner: bob.l1, amount: gwei(2_500) }]);
    assert_eq!(
        contract_error(w.rollup.withdraw(&mut w.evm, bob.l1)),
        RollupErrors::NothingToWithdraw(Rollup::NothingToWithdraw {})
    );
    assert_eq!(w.evm.balance(bob.l1), before + gwei(2_500));
    assert_eq!(
        contract_error(w.rollup.withdraw(&mut w.evm, alice.l1)),
        RollupErrors::NothingToWithdraw(Rollup::NothingToWithdraw {})
    );
    balance_invariant(&mut w);
    assert_eq!(w.evm.balance(w.rollup.rollup), gwei(5_500));

    // The same batch again: its old root is gone.
    assert!(matches!(
        contract_error(w.rollup.submit_batch(&mut w.evm, operator(), &submission)),
        RollupErrors::InvalidProof(_)
    ));
}

/// Every wrong submission of the first batch is rejected, each from a fresh valid submission,
/// with the contract's exact error; the valid one then still settles.
#[test]
fn wrong_batches_are_rejected() {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut w = World::new(verifier());
    let deposits = open_accounts(&mut w, &alice, &bob);
    let witness = first_batch(&mut w.state, &deposits, &alice, &bob);
    let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(21)).unwrap();
    let valid = || BatchSubmission::new(&witness, 2, &proof);
    let mut submit = |s: &BatchSubmission| contract_error(w.rollup.submit_batch(&mut w.evm, operator(), s));

    // A wrong new root (the proof is for another statement).
    let mut s = valid();
    s.new_root += Fr::from(1u64);
    assert!(matches!(submit(&s), RollupErrors::InvalidProof(_)));
    // A wrong proof: one word changed, or A replaced by C.
    let mut s = valid();
    s.proof[7] += U256::from(1);
    assert!(matches!(submit(&s), RollupErrors::InvalidProof(_)));
    let mut s = valid();
    s.proof[0] = s.proof[6];
    s.proof[1] = s.proof[7];
    assert!(matches!(submit(&s), RollupErrors::InvalidProof(_)));
    // Claiming fewer deposits consumed than the batch consumed (the second one skipped on L1).
    let mut s = valid();
    s.deposits_consumed_after = 1;
    assert!(matches!(submit(&s), RollupErrors::InvalidProof(_)));
    // Claiming deposits that were never queued.
    let mut s = valid();
    s.deposits_consumed_after = 3;
    assert_eq!(
        submit(&s),
        RollupErrors::BadDepositRange(Rollup::BadDepositRange {
            consumed: U256::ZERO,
            consumedAfter: U256::from(3),
            queued: U256::from(2)
        })
    );
    // Transaction data of another length, or with a slot changed (an exit's amount raised).
    let mut s = valid();
    s.tx_data.truncate(36);
    assert_eq!(
        submit(&s),
        RollupErrors::BadTxDataLength(Rollup::BadTxDataLength {
            got: U256::from(36),
            expected: U256::from(48)
        })
    );
    let mut s = valid();
    s.tx_data[47] += 1;
    assert!(matches!(submit(&s), RollupErrors::InvalidProof(_)));

    // A root that is not a field element.
    let mut call = valid().call();
    call.newRoot += U256::from_str_radix(&<Fr as ark_ff::PrimeField>::MODULUS.to_string(), 10).unwrap();
    let err = w.evm.transact_sol(operator(), w.rollup.rollup, U256::ZERO, &call).unwrap_err();
    assert!(matches!(RollupError::from(err).contract_error(), Some(RollupErrors::NonCanonicalRoot(_))));

    // Nothing of it changed the contract: the valid batch settles.
    w.rollup.submit_batch(&mut w.evm, operator(), &valid()).unwrap();
    assert_eq!(w.rollup.state_root(&mut w.evm).unwrap(), w.state.root());
}

/// An operator who skips the first deposit: a valid proof of a batch that consumes only Bob's
/// deposit (as if it were the queue's first) is refused, under every claim of the queue position.
#[test]
fn a_batch_skipping_a_deposit_is_rejected() {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut w = World::new(verifier());
    let deposits = open_accounts(&mut w, &alice, &bob);

    let mut state = RollupState::new(*w.state.params()).unwrap();
    let mut batch = BatchBuilder::new(&state);
    batch.push(&mut state, &Tx::Deposit(deposits[1].clone())).unwrap();
    let witness = batch.finish_from(&state);
    let (proof, commitment) = prove_batch(prover(), witness.clone(), &mut rng(22)).unwrap();
    assert!(ccr_prover::verify(&keys().vk, &[commitment], &proof).unwrap(), "the proof itself is valid");
    for consumed_after in [1, 2] {
        let s = BatchSubmission::new(&witness, consumed_after, &proof);
        assert!(
            matches!(
                contract_error(w.rollup.submit_batch(&mut w.evm, operator(), &s)),
                RollupErrors::InvalidProof(_)
            ),
            "accepted with depositsConsumedAfter = {consumed_after}"
        );
    }
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap(), (U256::from(2), U256::ZERO));
}

/// Deposits of L1 outside the first batch stay queued for the next one; two batches settle in
/// a row, the second consuming a top-up made after the first was built.
#[test]
fn two_batches_in_a_row() {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut w = World::new(verifier());
    let deposits = open_accounts(&mut w, &alice, &bob);
    let witness = first_batch(&mut w.state, &deposits, &alice, &bob);
    let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(23)).unwrap();
    // A top-up arrives before the first batch settles.
    let top_up = w.rollup.deposit(&mut w.evm, alice.l1, 1, 40).unwrap();
    w.rollup.submit_batch(&mut w.evm, operator(), &BatchSubmission::new(&witness, 2, &proof)).unwrap();
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap(), (U256::from(3), U256::from(2)));

    let (n, e) = w.rollup.queue_entries(&top_up.logs).unwrap().remove(0);
    let d = Deposit { index: 1, pubkey: None, amount: 40 };
    assert_eq!((n, &e), (2, &QueueEntry::Deposit(d.clone())));
    let mut batch = BatchBuilder::new(&w.state);
    batch.push(&mut w.state, &Tx::Deposit(d)).unwrap();
    let x = exit(&w.state, &alice.key, 0, 4_000);
    batch.push(&mut w.state, &x).unwrap();
    let witness = batch.finish_from(&w.state);
    let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(24)).unwrap();
    let receipt =
        w.rollup.submit_batch(&mut w.evm, operator(), &BatchSubmission::new(&witness, 3, &proof)).unwrap();
    assert_eq!(w.rollup.state_root(&mut w.evm).unwrap(), w.state.root());
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap(), (U256::from(3), U256::from(3)));
    let batches: Vec<Rollup::BatchSubmitted> = events(&receipt);
    assert_eq!(batches[0].batchNumber, U256::from(2));
    assert_eq!(w.rollup.pending_withdrawal(&mut w.evm, alice.l1).unwrap(), gwei(4_000));
    balance_invariant(&mut w);
    let _: Address = alice.l1;
}
