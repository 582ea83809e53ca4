//! A rollup of an ERC-20 (the test token, 1 L2 unit = 10⁴ base units): deposits pulled with
//! `transferFrom` under an allowance, exits paid with `transfer`, `msg.value` refused, and a
//! token call that returns `false` refused (the return value is checked).

use alloy_primitives::U256;
use ccr_prover::batch::prove_batch;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_verifier_contracts::bindings::{Rollup, TestToken};
use ccr_verifier_contracts::rollup::{fr_to_u256, BatchSubmission};
use ccr_verifier_contracts::RollupError;

use crate::common::{accept_all_verifier, operator, prover, rng, verifier, Member, World, TOKEN_UNIT};
use crate::flow::{contract_error, events, first_batch, open_accounts};

#[test]
fn erc20_deposit_prove_settle_withdraw() {
    let (alice, bob) = (Member::new(1), Member::new(2));
    let mut w = World::with_token(verifier());
    assert_eq!(w.evm.call_sol(w.rollup.rollup, &Rollup::tokenCall {}).unwrap(), w.token());
    assert_eq!(w.evm.call_sol(w.rollup.rollup, &Rollup::unitCall {}).unwrap(), U256::from(TOKEN_UNIT));
    let deposits = open_accounts(&mut w, &alice, &bob);
    // The tokens moved into the rollup; no ETH did.
    let minted = U256::from(10u64.pow(12));
    assert_eq!(w.asset_balance(alice.l1), minted - w.units(5_000));
    assert_eq!(w.asset_balance(bob.l1), minted - w.units(3_000));
    assert_eq!(w.asset_balance(w.rollup.rollup), w.units(8_000));
    assert_eq!(w.evm.balance(w.rollup.rollup), U256::ZERO);
    w.check_balance_invariant();

    let witness = first_batch(&mut w.state, &deposits, &alice, &bob);
    let (proof, _) = prove_batch(prover(), witness.clone(), &mut rng(40)).unwrap();
    let receipt =
        w.rollup.submit_batch(&mut w.evm, operator(), &BatchSubmission::new(&witness, 2, &proof)).unwrap();
    assert_eq!(w.rollup.state_root(&mut w.evm).unwrap(), w.state.root());
    let exits: Vec<Rollup::ExitCredited> = events(&receipt);
    assert_eq!(
        exits,
        [Rollup::ExitCredited { batchNumber: U256::from(1), accountIndex: 1, owner: bob.l1, amount: 2_500 }]
    );
    assert_eq!(w.rollup.pending_withdrawal(&mut w.evm, bob.l1).unwrap(), w.units(2_500));
    w.check_balance_invariant();

    // Bob is paid in tokens, exactly once.
    let paid = w.rollup.withdraw(&mut w.evm, bob.l1).unwrap();
    let withdrawn: Vec<Rollup::Withdrawn> = events(&paid);
    assert_eq!(withdrawn, [Rollup::Withdrawn { owner: bob.l1, amount: w.units(2_500) }]);
    assert_eq!(w.asset_balance(bob.l1), minted - w.units(500));
    assert_eq!(
        contract_error(w.rollup.withdraw(&mut w.evm, bob.l1)),
        RollupErrors::NothingToWithdraw(Rollup::NothingToWithdraw {})
    );
    assert_eq!(w.asset_balance(bob.l1), minted - w.units(500));
    assert_eq!(w.asset_balance(w.rollup.rollup), w.units(5_500));
    w.check_balance_invariant();
}

#[test]
fn erc20_refuses_ether_and_failed_transfers() {
    let mut w = World::with_token(&accept_all_verifier());
    let (alice, bob) = (Member::new(1), Member::new(2));
    w.fund(&alice);
    let pk = alice.key.public_key();
    let (ax, ay) = (fr_to_u256(&pk.x), fr_to_u256(&pk.y));

    // Ether sent to a token rollup is refused, with or without an amount.
    for (amount, value) in [(5u64, U256::from(1)), (0, U256::from(1)), (5, w.units(5))] {
        let call = Rollup::createAccountCall { ax, ay, amount };
        let result = w.evm.transact_sol(alice.l1, w.rollup.rollup, value, &call).map_err(RollupError::from);
        assert_eq!(
            contract_error(result),
            RollupErrors::WrongValue(Rollup::WrongValue { value, expected: U256::ZERO }),
            "{amount} units with {value} wei"
        );
    }
    w.rollup.create_account(&mut w.evm, alice.l1, &pk, 5).unwrap();
    let top_up = Rollup::depositCall { index: 0, amount: 1 };
    let result =
        w.evm.transact_sol(alice.l1, w.rollup.rollup, U256::from(7), &top_up).map_err(RollupError::from);
    assert_eq!(
        contract_error(result),
        RollupErrors::WrongValue(Rollup::WrongValue { value: U256::from(7), expected: U256::ZERO })
    );

    // The token returns false (no revert) on a missing allowance or balance: the rollup refuses.
    w.fund(&bob);
    let bob_pk = bob.key.public_key();
    w.approve(&bob, w.units(10) - U256::from(1));
    assert_eq!(
        contract_error(w.rollup.create_account(&mut w.evm, bob.l1, &bob_pk, 10)),
        RollupErrors::TokenTransferFailed(Rollup::TokenTransferFailed {})
    );
    w.approve(&bob, U256::ZERO);
    assert_eq!(
        contract_error(w.rollup.deposit(&mut w.evm, bob.l1, 0, 1)),
        RollupErrors::TokenTransferFailed(Rollup::TokenTransferFailed {})
    );
    // An allowance without the balance.
    let carol = Member::new(3);
    w.evm.set_balance(carol.l1, crate::common::eth(1));
    w.approve(&carol, U256::MAX);
    assert_eq!(
        contract_error(w.rollup.create_account(&mut w.evm, carol.l1, &carol.key.public_key(), 1)),
        RollupErrors::TokenTransferFailed(Rollup::TokenTransferFailed {})
    );
    // A zero-amount opening needs no tokens.
    w.rollup.create_account(&mut w.evm, carol.l1, &carol.key.public_key(), 0).unwrap();

    // Nothing of the refused calls was queued or moved.
    assert_eq!(w.rollup.deposit_counts(&mut w.evm).unwrap().0, U256::from(2));
    assert_eq!(w.asset_balance(w.rollup.rollup), w.units(5));
    let allowance = TestToken::allowanceCall { owner: carol.l1, spender: w.rollup.rollup };
    assert_eq!(w.evm.call_sol(w.token(), &allowance).unwrap(), U256::MAX);
    w.check_balance_invariant();
}
