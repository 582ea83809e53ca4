//! Epochs and credit slots at the contract: a batch's epoch never goes back and never passes
//! the L1 clock's; a credit slot needs its terms slot and an eligibility proof.

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
