//! Epochs and credit slots at the contract: a batch's epoch never goes back and never passes
//! the L1 clock's; a credit slot needs its terms slot and an eligibility proof; credits and
//! repayments add up into their pools' flows per epoch.

use alloy_primitives::U256;
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_verifier_contracts::rollup::{BatchSubmission, DEFAULT_EPOCH_SECONDS};

use crate::common::{accept_all_verifier, operator, World, PARAMS};
use crate::flow::contract_error;

fn empty_batch(w: &World, epoch: u32) -> BatchSubmission {
    BatchSubmission {
        new_root: w.state.root(),
        deposits_consumed_after: 0,
        epoch,
        tx_data: vec![0; 12 * PARAMS.batch_size],
        proof: [U256::from(1); 8],
        credits: Default::default(),
    }
}

fn bad_epoch(epoch: u64, last: u64, current: u64) -> RollupErrors {
    RollupErrors::BadEpoch(Rollup::BadEpoch {
        epoch: U256::from(epoch),
        lastEpoch: U256::from(last),
        currentEpoch: U256::from(current),
    })
}

#[test]
fn batch_epochs_follow_the_l1_clock_and_never_go_back() {
    let mut w = World::new(&accept_all_verifier());
    let current = |w: &mut World| w.evm.call_sol(w.rollup.rollup, &Rollup::currentEpochCall {}).unwrap();
    assert_eq!(current(&mut w), U256::ZERO);
    // Epoch 1 has not begun.
    let r = {
        let b = empty_batch(&w, 1);
        w.rollup.submit_batch(&mut w.evm, operator(), &b)
    };
    assert_eq!(contract_error(r), bad_epoch(1, 0, 0));
    {
        let b = empty_batch(&w, 0);
        w.rollup.submit_batch(&mut w.evm, operator(), &b)
    }
    .unwrap();
    // One epoch of 12-second blocks later.
    w.evm.mine(DEFAULT_EPOCH_SECONDS / 12);
    assert_eq!(current(&mut w), U256::from(1));
    {
        let b = empty_batch(&w, 1);
        w.rollup.submit_batch(&mut w.evm, operator(), &b)
    }
    .unwrap();
    let last = w.evm.call_sol(w.rollup.rollup, &Rollup::lastEpochCall {}).unwrap();
    assert_eq!(last, U256::from(1));
    // Back to epoch 0: refused.
    let r = {
        let b = empty_batch(&w, 0);
        w.rollup.submit_batch(&mut w.evm, operator(), &b)
    };
    assert_eq!(contract_error(r), bad_epoch(0, 1, 1));
    // The same epoch again is fine (several batches per epoch).
    {
        let b = empty_batch(&w, 1);
        w.rollup.submit_batch(&mut w.evm, operator(), &b)
    }
    .unwrap();
}

#[test]
fn credit_slots_need_eligibility_proofs() {
    let mut w = World::new(&accept_all_verifier());
    // A credit without its proof, and loan terms without a credit.
    let mut batch = empty_batch(&w, 0);
    batch.tx_data[0] = 5;
    batch.tx_data[12] = 6;
    let r = w.rollup.submit_batch(&mut w.evm, operator(), &batch);
    assert_eq!(
        contract_error(r),
        RollupErrors::CreditCount(Rollup::CreditCount { slots: U256::from(1), proofs: U256::ZERO })
    );
    let mut batch = empty_batch(&w, 0);
    batch.tx_data[12] = 6;
    let r = w.rollup.submit_batch(&mut w.evm, operator(), &batch);
    assert_eq!(
        contract_error(r),
        RollupErrors::TermsWithoutCredit(Rollup::TermsWithoutCredit { slot: U256::from(1) })
    );
    // A credit as the last slot has no terms slot.
    let mut batch = empty_batch(&w, 0);
    batch.tx_data[12 * (PARAMS.batch_size - 1)] = 5;
    let mut credits = ccr_verifier_contracts::rollup::CreditProofs::default();
    credits.proofs.push([U256::ZERO; 8]);
    credits.inputs.push(vec![U256::ZERO; 14]);
    credits.state_batches.push(0);
    credits.versions.push(0);
    batch.credits = credits;
    let r = w.rollup.submit_batch(&mut w.evm, operator(), &batch);
    assert_eq!(
        contract_error(r),
        RollupErrors::CreditWithoutTerms(Rollup::CreditWithoutTerms {
            slot: U256::from(PARAMS.batch_size - 1)
        })
    );
    // Repayments, accruals and writedowns need nothing from L1.
    let mut batch = empty_batch(&w, 0);
    batch.tx_data[0] = 8;
    w.rollup.submit_batch(&mut w.evm, operator(), &batch).unwrap();
}

/// A repayment slot of `amount` to `pool` (by borrower 9) at `slot` of `data`.
fn repay(data: &mut [u8], slot: usize, pool: u32, amount: u64) {
    data[12 * slot..12 * (slot + 1)].copy_from_slice(&crate::solidarity_fund::repay_slot(pool, amount));
}

/// Each pool's flow per epoch, as the fund's table weighs it: repayments in the batches of the
/// epoch (credits too: `credit::a_bank_lends_on_a_valid_eligibility_proof_once`), per pool,
/// in the epoch the batch names.
#[test]
fn repayments_add_to_their_pools_flow_of_the_batch_epoch() {
    let mut w = World::new(&accept_all_verifier());
    let mut gas = Vec::new();
    for _ in 0..2 {
        let b = empty_batch(&w, 0);
        gas.push(w.rollup.submit_batch(&mut w.evm, operator(), &b).unwrap().gas_used);
    }
    let mut b = empty_batch(&w, 0);
    repay(&mut b.tx_data, 0, 3, 700);
    repay(&mut b.tx_data, 1, 4, 5);
    repay(&mut b.tx_data, 2, 3, 1_000_000_000_000);
    let r = w.rollup.submit_batch(&mut w.evm, operator(), &b).unwrap();
    println!(
        "submitBatch with three repayments (two pools new to the epoch): {} gas, {} more than without",
        r.gas_used,
        r.gas_used - gas[1]
    );
    let flow = |w: &mut World, epoch, pool| w.rollup.flow_of(&mut w.evm, epoch, pool).unwrap();
    assert_eq!(flow(&mut w, 0, 3), U256::from(1_000_000_000_700u64));
    assert_eq!(flow(&mut w, 0, 4), U256::from(5));
    assert_eq!(flow(&mut w, 0, 9), U256::ZERO, "the borrower's is not");
    w.evm.mine(DEFAULT_EPOCH_SECONDS / 12);
    let mut b = empty_batch(&w, 1);
    repay(&mut b.tx_data, 3, 3, 1);
    w.rollup.submit_batch(&mut w.evm, operator(), &b).unwrap();
    assert_eq!(flow(&mut w, 1, 3), U256::from(1));
    assert_eq!(flow(&mut w, 0, 3), U256::from(1_000_000_000_700u64), "epoch 0's stays");
}
