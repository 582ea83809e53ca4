//! Forced exits and the escape hatch: only an account's owner may queue a forced exit, of an
//! amount the L2 can encode, on the same Poseidon chain as `ForcedExit::chain`; a settled
//! batch pays a forced exit the balance covers and nothing for one it does not; after an
//! entry waits more than the escape delay, anyone starts exit mode, which stops the rollup and
//! pays every account its balance in the last settled root once (Merkle proof against the
//! native state) and refunds every unconsumed deposit once.

use alloy_primitives::{Address, U256};
use ark_bn254::Fr;
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::state::amount::Float40;
use ccr_circuits::state::tx::{ForcedExit, QueueEntry, Tx};
use ccr_prover::batch::prove_batch;
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_verifier_contracts::rollup::{
    exit_payout, exit_with_proof_call, fr_to_u256, rollup_constructor, BatchSubmission, RollupContracts,
};
use ccr_verifier_contracts::{Receipt, RollupError};

use crate::common::{
    accept_all_verifier, gwei, operator, prover, rng, verifier, Member, World, ESCAPE_DELAY,
};
use crate::flow::{contract_error, deposits, events, first_batch, open_accounts};

fn is_error(result: Result<Receipt, RollupError>, expected: RollupErrors) {
    assert_eq!(contract_error(result), expected);
}

#[test]
fn forced_exits_only_by_the_owner_of_representable_amounts() {
    let mut w = World::new(&accept_all_verifier());
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut logs = open_accounts_logs(&mut w, &alice, &bob);
    let e = &mut w.evm;
    let r = &w.rollup;
    is_error(
        r.force_exit(e, bob.l1, 0, 10),
        RollupErrors::NotAccountOwner(Rollup::NotAccountOwner { accountIndex: U256::ZERO, owner: alice.l1 }),
    );
    is_error(
        r.force_exit(e, alice.l1, 2, 10),
        RollupErrors::UnknownAccount(Rollup::UnknownAccount { accountIndex: U256::from(2) }),
    );
    is_error(r.force_exit(e, alice.l1, 0, 0), RollupErrors::ZeroExit(Rollup::ZeroExit {}));
    for amount in [(1u64 << 35) + 1, (1 << 35) * 10, u64::MAX] {
        is_error(
            r.force_exit(e, alice.l1, 0, amount),
            RollupErrors::AmountNotRepresentable(Rollup::AmountNotRepresentable { amount }),
        );
    }
    // More than the balance is queued (the L2 consumes it as an exit of 0).
    let block = e.block_number();
    let receipt = r.force_exit(e, alice.l1, 0, 700).unwrap();
    logs.extend(receipt.logs.clone());
    logs.extend(r.force_exit(e, bob.l1, 1, 34_359_738_370_000).unwrap().logs);
    let requested: Vec<Rollup::ForcedExitRequested> = events(&receipt);
    assert_eq!(
        requested,
        [Rollup::ForcedExitRequested {
            position: U256::from(2),
            accountIndex: 0,
            owner: alice.l1,
            amount: 700,
            queueHash: fr_to_u256(&r.queue_hash(e, 3).unwrap()),
        }]
    );
    assert_eq!(r.queued_at_block(e, 2).unwrap(), block);
    assert_eq!(r.queued_at_block(e, 3).unwrap(), block + 1);
    assert_eq!(r.queued_at_block(e, 4).unwrap(), 0, "no such entry");

    // The queue as the L2 reads it, and its chain equals the native `QueueEntry::chain`.
    let entries = r.queue_entries(&logs).unwrap();
    assert_eq!(entries.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!(entries[2].1, QueueEntry::ForcedExit(ForcedExit { index: 0, amount: 700 }));
    assert_eq!(entries[3].1, QueueEntry::ForcedExit(ForcedExit { index: 1, amount: 34_359_738_370_000 }));
    let mut chain = Fr::from(0u64);
    for (n, entry) in &entries {
        chain = entry.chain(chain);
        assert_eq!(r.queue_hash(e, n + 1).unwrap(), chain, "after entry {n}");
    }
    // A forced exit moves nothing on L1 until a batch pays it.
    assert_eq!(r.l2_supply(e).unwrap(), U256::from(8_000));
    assert_eq!(r.deposit_counts(e).unwrap(), (U256::from(4), U256::ZERO));
    w.check_balance_invariant();
}

/// `isFloat40Representable` is `Float40::encode(..).is_ok()`.
#[test]
fn float40_representability_equals_rust() {
    let mut w = World::new(&accept_all_verifier());
    let mut amounts = vec![0u64, 1, (1 << 35) - 1, 1 << 35, (1 << 35) + 1, u64::MAX, 10u64.pow(19)];
    for e in 0..20u32 {
        for m in [1u64, 7, (1 << 35) - 1, 1 << 35] {
            amounts.extend(m.checked_mul(10u64.pow(e)));
        }
    }
    let mut rng = rng(50);
    amounts.extend((0..200).map(|_| rand::Rng::gen::<u64>(&mut rng)));
    amounts.extend((0..200).map(|_| {
        rand::Rng::gen_range(&mut rng, 0..1u64 << 36) * 10u64.pow(rand::Rng::gen_range(&mut rng, 0..9))
    }));
    for amount in amounts {
        let sol = w.evm.call_sol(w.rollup.rollup, &Rollup::isFloat40RepresentableCall { amount }).unwrap();
        assert_eq!(sol, Float40::encode(amount).is_ok(), "{amount}");
    }
}

/// Exit mode cannot start while nothing is overdue, starts once the oldest unconsumed entry
/// waited more than the delay, and then stops batches, deposits and forced exits.
#[test]
fn exit_mode_starts_after_the_delay_and_stops_the_rollup() {
    let mut w = World::new(&accept_all_verifier());
    let (alice, bob) = (Member::new(1), Member::new(2));
    is_error(
        w.rollup.activate_exit_mode(&mut w.evm, bob.l1),
        RollupErrors::NothingOverdue(Rollup::NothingOverdue {}),
    );
    is_error(
        w.rollup.refund_deposit(&mut w.evm, bob.l1, 0),
        RollupErrors::ExitModeNotActive(Rollup::ExitModeNotActive {}),
    );
    w.fund(&alice);
    let queued = w.evm.block_number();
    w.rollup.create_account(&mut w.evm, alice.l1, &alice.key.public_key(), 50).unwrap();
    assert_eq!(w.rollup.queued_at_block(&mut w.evm, 0).unwrap(), queued);
    // The last block in which it is not overdue: queued + delay.
    w.evm.mine(queued + ESCAPE_DELAY - w.evm.block_number());
    assert_eq!(w.evm.block_number(), queued + ESCAPE_DELAY);
    is_error(
        w.rollup.activate_exit_mode(&mut w.evm, bob.l1),
        RollupErrors::EscapeDelayNotOver(Rollup::EscapeDelayNotOver {
            position: U256::ZERO,
            fromBlock: U256::from(queued + ESCAPE_DELAY + 1),
        }),
    );
    assert!(!w.rollup.exit_mode(&mut w.evm).unwrap());
    // Anyone, one block later.
    let receipt = w.rollup.activate_exit_mode(&mut w.evm, bob.l1).unwrap();
    let activated: Vec<Rollup::ExitModeActivated> = events(&receipt);
    assert_eq!(
        activated,
        [Rollup::ExitModeActivated {
            blockNumber: U256::from(queued + ESCAPE_DELAY + 1),
            position: U256::ZERO
        }]
    );
    assert!(w.rollup.exit_mode(&mut w.evm).unwrap());

    let active = || RollupErrors::ExitModeActive(Rollup::ExitModeActive {});
    w.fund(&bob);
    is_error(w.rollup.activate_exit_mode(&mut w.evm, bob.l1), active());
    is_error(w.rollup.create_account(&mut w.evm, bob.l1, &bob.key.public_key(), 5), active());
    is_error(w.rollup.deposit(&mut w.evm, alice.l1, 0, 5), active());
    is_error(w.rollup.force_exit(&mut w.evm, alice.l1, 0, 5), active());
    let batch = BatchSubmission {
        new_root: w.state.root(),
        deposits_consumed_after: 1,
        epoch: 0,
        tx_data: vec![0; 12 * crate::common::PARAMS.batch_size],
        proof: [U256::from(1); 8],
        credits: Default::default(),
    };
    is_error(w.rollup.submit_batch(&mut w.evm, operator(), &batch), active());
    // Withdrawals still work: the refund is the only way out for Alice's deposit.
    w.rollup.refund_deposit(&mut w.evm, bob.l1, 0).unwrap();
    w.rollup.withdraw(&mut w.evm, alice.l1).unwrap();
    assert_eq!(w.evm.balance(w.rollup.rollup), U256::ZERO);
    w.check_balance_invariant();
}

/// A settled entry is not overdue: after a batch consumed the whole queue, exit mode cannot start.
#[test]
fn a_consumed_queue_is_never_overdue() {
    let mut w = World::new(&accept_all_verifier());
    let (alice, bob) = (Member::new(1), Member::new(2));
    open_accounts_logs(&mut w, &alice, &bob);
    let batch = BatchSubmission {
        new_root: w.state.root(),
        deposits_consumed_after: 2,
        epoch: 0,
        tx_data: [1u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].repeat(2).into_iter().chain([0; 24]).collect(),
        proof: [U256::from(1); 8],
        credits: Default::default(),
    };
    w.rollup.submit_batch(&mut w.evm, operator(), &batch).unwrap();
    w.evm.mine(ESCAPE_DELAY + 1);
    is_error(
        w.rollup.activate_exit_mode(&mut w.evm, bob.l1),
        RollupErrors::NothingOverdue(Rollup::NothingOverdue {}),
    );
}

/// Real batches: a forced exit the balance covers is paid, one it does not is consumed as 0.
#[test]
fn forced_exits_in_a_settled_batch() {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut w = World::new(verifier());
    let mut logs = open_accounts_logs(&mut w, &alice, &bob);
    logs.extend(w.rollup.force_exit(&mut w.evm, alice.l1, 0, 1_200).unwrap().logs);
    logs.extend(w.rollup.force_exit(&mut w.evm, bob.l1, 1, 9_000).unwrap().logs);
    let entries = w.rollup.queue_entries(&logs).unwrap();
    assert_eq!(entries.len(), 4);
    let mut batch = BatchBuilder::new(&w.state);
    for (_, entry) in &entries {
        batch.push(&mut w.state, &Tx::from(entry.clone())).unwrap();
    }
    let witness = batch.finish_from(&w.state);
    assert_eq!(w.state.account(0).unwrap().balance, 3_800);
    assert_eq!(w.state.account(1).unwrap().balance, 3_000, "bob's forced exit is nullified");
    let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(51)).unwrap();
    let submission = BatchSubmission::new(&witness, w.state.deposits_consumed(), &proof);
    assert_eq!(submission.deposits_consumed_after, 4);
    let receipt = w.rollup.submit_batch(&mut w.evm, operator(), &submission).unwrap();
    assert_eq!(w.rollup.state_root(&mut w.evm).unwrap(), w.state.root());
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap(), (U256::from(4), U256::from(4)));
    let credited: Vec<Rollup::ExitCredited> = events(&receipt);
    assert_eq!(
        credited,
        [Rollup::ExitCredited {
            batchNumber: U256::from(1),
            accountIndex: 0,
            owner: alice.l1,
            amount: 1_200
        }]
    );
    assert_eq!(w.rollup.pending_withdrawal(&mut w.evm, alice.l1).unwrap(), gwei(1_200));
    assert_eq!(w.rollup.pending_withdrawal(&mut w.evm, bob.l1).unwrap(), U256::ZERO);
    assert_eq!(w.rollup.l2_supply(&mut w.evm).unwrap(), U256::from(6_800));
    w.check_balance_invariant();
    let before = w.evm.balance(alice.l1);
    w.rollup.withdraw(&mut w.evm, alice.l1).unwrap();
    assert_eq!(w.evm.balance(alice.l1), before + gwei(1_200));
    w.check_balance_invariant();
}

/// After a real settled batch, the operator stops; a top-up, a new account and a forced exit
/// stay queued. Exit mode pays each account its settled balance once (proof from the native
/// state), refuses wrong proofs, and refunds each unconsumed deposit once; in the end the
/// rollup holds nothing.
#[test]
fn exit_mode_pays_settled_balances_and_refunds_deposits_once() {
    let (alice, bob, carol) = (Member::new(1), Member::new(2), Member::new(3));
    let mut w = World::new(verifier());
    let deposits = open_accounts(&mut w, &alice, &bob);
    let witness = first_batch(&mut w.state, &deposits, &alice, &bob);
    let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(52)).unwrap();
    w.rollup.submit_batch(&mut w.evm, operator(), &BatchSubmission::new(&witness, 2, &proof)).unwrap();
    // Settled: Alice 4,000, Bob 1,500 (and 2,500 exited, pending).
    w.rollup.deposit(&mut w.evm, alice.l1, 0, 40).unwrap(); // position 2
    w.fund(&carol);
    w.rollup.create_account(&mut w.evm, carol.l1, &carol.key.public_key(), 700).unwrap(); // position 3
    w.rollup.force_exit(&mut w.evm, bob.l1, 1, 100).unwrap(); // position 4
    w.check_balance_invariant();

    let (a, a_proof) = (w.state.account(0).unwrap().clone(), w.state.proof(0).unwrap());
    is_error(
        w.rollup.exit_with_proof(&mut w.evm, alice.l1, 0, &a, &a_proof),
        RollupErrors::ExitModeNotActive(Rollup::ExitModeNotActive {}),
    );
    w.evm.mine(ESCAPE_DELAY + 1);
    w.rollup.activate_exit_mode(&mut w.evm, carol.l1).unwrap();

    // Wrong proofs: a sibling, the balance, the index, the length.
    let call = exit_with_proof_call(0, &a, &a_proof);
    let send = |w: &mut World, c: &Rollup::exitWithProofCall| {
        w.evm.transact_sol(carol.l1, w.rollup.rollup, U256::ZERO, c).map_err(RollupError::from)
    };
    let invalid = RollupErrors::InvalidMerkleProof(Rollup::InvalidMerkleProof { accountIndex: 0 });
    let mut c = call.clone();
    c.siblings[3] += U256::from(1);
    is_error(send(&mut w, &c), invalid.clone());
    let mut c = call.clone();
    c.leaf.balance += 1;
    is_error(send(&mut w, &c), invalid.clone());
    // The opened extension is bound too: a claimed debt or role other than the leaf's.
    let mut c = call.clone();
    c.leaf.debt += 1;
    is_error(send(&mut w, &c), invalid.clone());
    let mut c = call.clone();
    c.leaf.bank = 1;
    is_error(send(&mut w, &c), invalid);
    let mut c = call.clone();
    c.index = 1;
    is_error(
        send(&mut w, &c),
        RollupErrors::InvalidMerkleProof(Rollup::InvalidMerkleProof { accountIndex: 1 }),
    );
    let mut c = call.clone();
    c.siblings.pop();
    is_error(
        send(&mut w, &c),
        RollupErrors::BadProofLength(Rollup::BadProofLength {
            got: U256::from(crate::common::PARAMS.depth - 1),
            expected: U256::from(crate::common::PARAMS.depth),
        }),
    );
    // Carol's account was never settled: its leaf is empty under the root.
    let carol_account = ccr_circuits::state::Account::new(carol.key.public_key(), 700);
    let carol_proof = w.state.proof(2).unwrap();
    is_error(
        w.rollup.exit_with_proof(&mut w.evm, carol.l1, 2, &carol_account, &carol_proof),
        RollupErrors::InvalidMerkleProof(Rollup::InvalidMerkleProof { accountIndex: 2 }),
    );

    // The right proofs, sent by anyone, pay the owners; once.
    let receipt = send(&mut w, &call).unwrap();
    let exited: Vec<Rollup::ExitedWithProof> = events(&receipt);
    assert_eq!(exited, [Rollup::ExitedWithProof { accountIndex: 0, owner: alice.l1, balance: 4_000 }]);
    assert!(w.rollup.exited(&mut w.evm, 0).unwrap());
    is_error(send(&mut w, &call), RollupErrors::AlreadyExited(Rollup::AlreadyExited { accountIndex: 0 }));
    let (b, b_proof) = (w.state.account(1).unwrap().clone(), w.state.proof(1).unwrap());
    assert_eq!(b.balance, 1_500);
    w.rollup.exit_with_proof(&mut w.evm, bob.l1, 1, &b, &b_proof).unwrap();
    w.check_balance_invariant();

    // Refunds: only unconsumed deposits, once.
    let queue = |position: u64| {
        RollupErrors::NotInQueue(Rollup::NotInQueue {
            position: U256::from(position),
            consumed: U256::from(2),
            queued: U256::from(5),
        })
    };
    is_error(w.rollup.refund_deposit(&mut w.evm, carol.l1, 1), queue(1));
    is_error(w.rollup.refund_deposit(&mut w.evm, carol.l1, 5), queue(5));
    is_error(
        w.rollup.refund_deposit(&mut w.evm, carol.l1, 4),
        RollupErrors::NotADeposit(Rollup::NotADeposit { position: U256::from(4) }),
    );
    let receipt = w.rollup.refund_deposit(&mut w.evm, carol.l1, 2).unwrap();
    let refunded: Vec<Rollup::DepositRefunded> = events(&receipt);
    assert_eq!(refunded, [Rollup::DepositRefunded { position: U256::from(2), sender: alice.l1, amount: 40 }]);
    is_error(
        w.rollup.refund_deposit(&mut w.evm, carol.l1, 2),
        RollupErrors::NothingToRefund(Rollup::NothingToRefund { position: U256::from(2) }),
    );
    w.rollup.refund_deposit(&mut w.evm, alice.l1, 3).unwrap();
    w.check_balance_invariant();

    // Everyone withdraws everything: the rollup is empty.
    let expected: [(&Member, u64); 3] = [(&alice, 4_040), (&bob, 2_500 + 1_500), (&carol, 700)];
    for (m, amount) in expected {
        assert_eq!(w.rollup.pending_withdrawal(&mut w.evm, m.l1).unwrap(), gwei(amount), "{}", m.l1);
        let before = w.evm.balance(m.l1);
        w.rollup.withdraw(&mut w.evm, m.l1).unwrap();
        assert_eq!(w.evm.balance(m.l1), before + gwei(amount));
    }
    assert_eq!(w.evm.balance(w.rollup.rollup), U256::ZERO);
    assert_eq!(w.rollup.l2_supply(&mut w.evm).unwrap(), U256::ZERO);
    assert_eq!(w.rollup.total_pending(&mut w.evm).unwrap(), U256::ZERO);
    let _: Address = carol.l1;
}

/// Alice (5,000) and Bob (3,000) open accounts, as `open_accounts`; returns their logs.
fn open_accounts_logs(w: &mut World, alice: &Member, bob: &Member) -> Vec<alloy_primitives::Log> {
    let mut logs = Vec::new();
    for (m, amount) in [(alice, 5_000), (bob, 3_000)] {
        w.fund(m);
        logs.extend(w.rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), amount).unwrap().logs);
    }
    assert_eq!(deposits(&w.rollup.queue_entries(&logs).unwrap()).len(), 2);
    logs
}

/// Exit mode and debts (issue 10): a borrower leaving through `exitWithProof` took its whole
/// balance, the unspent principal included, and its pool's receivable was never paid. Now the
/// exit opens the leaf's extension and nets the debt: `min(balance, debt)` goes to the owner of
/// the borrower's pool, the rest to the borrower; a pool, or an account with no role, takes its
/// balance. The settled state is built natively (a pool, two borrowers of it, a member with no
/// loan) and deployed as the rollup's genesis root, so the test needs no credit proofs.
#[test]
fn attack_borrower_exits_with_the_principal() {
    use ccr_circuits::state::account::POOL;
    use ccr_circuits::state::{Account, RollupState};
    let (bank, bob, carol, dave) = (Member::new(1), Member::new(2), Member::new(3), Member::new(4));
    let mut w = World::new(&accept_all_verifier());
    let account = |m: &Member, balance: u64, role: u32, debt: u64| Account {
        bank: role,
        debt,
        loan: if role == Account::borrower_of(0) { Fr::from(42u64 + debt) } else { Fr::from(0u64) },
        ..Account::new(m.key.public_key(), balance)
    };
    let accounts = [
        // the pool: 5,000 left after lending 2,000 + 9,000 (its receivable)
        account(&bank, 5_000, POOL, 11_000),
        // bob borrowed 2,000 and holds 3,000: 2,000 to the pool, 1,000 to bob
        account(&bob, 3_000, Account::borrower_of(0), 2_000),
        // carol owes 9,000 and holds 4,000: all of it to the pool, 5,000 stays owed
        account(&carol, 4_000, Account::borrower_of(0), 9_000),
        // dave has no loan
        account(&dave, 700, 0, 0),
    ];
    let params = *w.state.params();
    let settled = RollupState::from_accounts(params, 0, (0u32..).zip(accounts.iter().cloned())).unwrap();
    // The same contracts, with the settled state as genesis.
    let r = w.rollup;
    let keys = crate::common::stand_in_eligibility_keys();
    let ctor =
        rollup_constructor(r.verifier, r.poseidon5, r.poseidon4, r.poseidon2, &keys, &params, &r.config)
            .unwrap();
    let ctor = Rollup::constructorCall { genesisRoot: fr_to_u256(&settled.root()), ..ctor };
    let code = ccr_verifier_contracts::Artifact::rollup().unwrap();
    let (address, _) = w
        .evm
        .deploy(operator(), code.deploy_code(&alloy_sol_types::SolConstructor::abi_encode(&ctor)))
        .unwrap();
    let rollup = RollupContracts { rollup: address, ..r };
    // The owners register accounts 0..4 on L1 (queued, never settled: they become overdue).
    for (m, a) in [&bank, &bob, &carol, &dave].into_iter().zip(&accounts) {
        w.fund(m);
        rollup.create_account(&mut w.evm, m.l1, &m.key.public_key(), a.balance).unwrap();
    }
    w.evm.mine(ESCAPE_DELAY + 1);
    rollup.activate_exit_mode(&mut w.evm, dave.l1).unwrap();

    let pending = |w: &mut World, m: &Member| rollup.pending_withdrawal(&mut w.evm, m.l1).unwrap();
    let exit = |w: &mut World, i: u32, m: &Member| {
        let proof = settled.proof(i).unwrap();
        rollup.exit_with_proof(&mut w.evm, m.l1, i, &accounts[i as usize], &proof).unwrap()
    };
    // bob: the debt first.
    let receipt = exit(&mut w, 1, &bob);
    assert_eq!(exit_payout(&accounts[1]), (1_000, 2_000));
    assert_eq!(
        events::<Rollup::DebtNetted>(&receipt),
        [Rollup::DebtNetted { borrower: 1, pool: 0, poolOwner: bank.l1, amount: 2_000 }]
    );
    assert_eq!(
        events::<Rollup::ExitedWithProof>(&receipt),
        [Rollup::ExitedWithProof { accountIndex: 1, owner: bob.l1, balance: 1_000 }]
    );
    assert_eq!((pending(&mut w, &bob), pending(&mut w, &bank)), (gwei(1_000), gwei(2_000)));
    // carol: everything to the pool.
    let receipt = exit(&mut w, 2, &carol);
    assert_eq!(exit_payout(&accounts[2]), (0, 4_000));
    assert_eq!(
        events::<Rollup::ExitedWithProof>(&receipt),
        [Rollup::ExitedWithProof { accountIndex: 2, owner: carol.l1, balance: 0 }]
    );
    assert_eq!((pending(&mut w, &carol), pending(&mut w, &bank)), (gwei(0), gwei(6_000)));
    // The pool and dave: their balances, nothing netted.
    for (i, m) in [(0u32, &bank), (3, &dave)] {
        let receipt = exit(&mut w, i, m);
        assert!(events::<Rollup::DebtNetted>(&receipt).is_empty());
        assert_eq!(exit_payout(&accounts[i as usize]), (accounts[i as usize].balance, 0));
    }
    assert_eq!((pending(&mut w, &bank), pending(&mut w, &dave)), (gwei(11_000), gwei(700)));
}
