//! Credit at the contract, with real eligibility proofs: a registered bank lends to a member
//! whose proof matches the credit and terms slots, the bank's policy and registry, the batch's
//! epoch, a settled state root and a fresh time; the nullifier is spent. Every mismatch has its
//! own error, and a bad proof fails the batched pairing check.

use alloy_primitives::U256;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, ProvingKey};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::credit::{
    AccountLeaf, Application, Attestation, AttesterRegistry, EligibilityStatement, EligibilityWitness,
    FinancialRecord, PolicyParams, TierTerms,
};
use ccr_circuits::state::loan::LoanTerms;
use ccr_circuits::state::tx::{CreditTx, Tx};
use ccr_prover::eligibility::{dev_setup_eligibility, prove_eligibility};
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_verifier_contracts::rollup::{BatchSubmission, CreditProofs};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

use crate::common::{accept_all_verifier, operator, Member, World, PARAMS};
use crate::flow::{contract_error, events, first_batch, open_accounts};

/// Alice (account 0) borrows; Bob's account 1 is the bank's pool.
pub(crate) const MEMBER: u32 = 0;
pub(crate) const POOL: u32 = 1;

/// Two numeric inputs in [0, 100] and a 3-way category; score = 3·a − 2·b + 10·[cat 0] − 50.
pub(crate) fn params() -> PolicyParams {
    PolicyParams {
        coefficients: vec![3, -2, 10, 0, 0],
        bounds: vec![(0, 100), (0, 100), (0, 1), (0, 1), (0, 1)],
        one_hot: vec![(2, 3)],
        bias: -50,
        tiers: vec![
            TierTerms { threshold: 100, max_amount: 2_000, rate_bps: 500, term_months: 24 },
            TierTerms { threshold: 0, max_amount: 1_000, rate_bps: 900, term_months: 12 },
        ],
        purpose_weights: [0, 5, 10, 15, 20],
        hash: Fr::from(4242u64),
    }
}

fn attester() -> PrivateKey {
    PrivateKey::from_bytes([77; 32])
}

pub(crate) fn registry() -> AttesterRegistry {
    let mut r = AttesterRegistry::new();
    r.add(3, &attester().public_key()).unwrap();
    r
}

pub(crate) struct Setup {
    pub(crate) w: World,
    pub(crate) alice: Member,
    pub(crate) bob: Member,
    pub(crate) pk: ProvingKey<Bn254>,
}

/// Accounts opened and settled in batch 1; Bob registers his account as a bank.
pub(crate) fn setup() -> Setup {
    let mut w = World::new(&accept_all_verifier());
    let (alice, bob) = (Member::new(1), Member::new(2));
    let deposits = open_accounts(&mut w, &alice, &bob);
    let batch = first_batch(&mut w.state, &deposits, &alice, &bob);
    let first = BatchSubmission::new(&batch, 2, &Proof::default());
    w.rollup.submit_batch(&mut w.evm, operator(), &first).unwrap();
    let keys = dev_setup_eligibility(&params(), PARAMS.depth, [5; 32]).unwrap();
    let r =
        w.rollup.register_bank(&mut w.evm, bob.l1, POOL, &keys.vk, params().hash, registry().root()).unwrap();
    println!("registerBank: {} gas", r.gas_used);
    Setup { w, alice, bob, pk: keys.pk }
}

/// Alice's proof of eligibility for `amount` against the current (settled) state.
pub(crate) fn prove(s: &Setup, amount: u64) -> (Proof<Bn254>, EligibilityStatement) {
    let member_key = s.alice.key.clone();
    let record = FinancialRecord {
        features: vec![50, 10, 1, 0, 0],
        member: member_key.public_key(),
        expiry: u64::MAX,
    };
    let account = s.w.state.account(MEMBER).unwrap();
    let witness = EligibilityWitness {
        attestation: Attestation::sign(&attester(), &record, 2),
        record,
        registry_proof: registry().proof(3).unwrap(),
        member_key,
        application: Application {
            bank: u64::from(POOL),
            amount,
            purpose: 2,
            epoch: 0,
            account: u64::from(MEMBER),
            now: s.w.evm.timestamp(),
        },
        account_leaf: AccountLeaf { balance: account.balance, nonce: account.nonce, ext: account.ext_hash() },
        account_proof: s.w.state.proof(MEMBER).unwrap(),
    };
    prove_eligibility(
        &s.pk,
        &params(),
        PARAMS.depth,
        registry().root(),
        s.w.state.root(),
        witness,
        &mut ChaCha20Rng::seed_from_u64(amount),
    )
    .unwrap()
}

/// The batch lending `amount` with the terms of `st`, carrying `credits`.
pub(crate) fn credit_batch(
    s: &Setup,
    amount: u64,
    st: &EligibilityStatement,
    credits: CreditProofs,
) -> BatchSubmission {
    let mut state = s.w.state.clone();
    let mut b = BatchBuilder::new(&state);
    let terms = LoanTerms {
        rate_bps: st.rate_bps as u16,
        term_epochs: st.term_months as u8,
        max_amount: st.max_amount,
    };
    b.push(&mut state, &Tx::Credit(CreditTx { borrower: MEMBER, bank: POOL, amount, terms })).unwrap();
    let w = b.finish_from(&state);
    BatchSubmission::new(&w, 2, &Proof::default()).with_credits(credits)
}

pub(crate) fn proofs(proof: &Proof<Bn254>, st: &EligibilityStatement) -> CreditProofs {
    let mut c = CreditProofs::default();
    c.push(proof, &st.public_inputs(), 1, 0);
    c
}

fn mismatch(slot: u64, input: u64) -> RollupErrors {
    RollupErrors::CreditMismatch(Rollup::CreditMismatch { slot: U256::from(slot), input: U256::from(input) })
}

#[test]
fn a_bank_lends_on_a_valid_eligibility_proof_once() {
    let mut s = setup();
    let (proof, st) = prove(&s, 1_500);
    assert_eq!((st.tier, st.max_amount, st.rate_bps), (1, 2_000, 500));
    let batch = credit_batch(&s, 1_500, &st, proofs(&proof, &st));
    let r = s.w.rollup.submit_batch(&mut s.w.evm, operator(), &batch).unwrap();
    let granted: Vec<Rollup::CreditGranted> = events(&r);
    assert_eq!(granted.len(), 1);
    assert_eq!(
        (granted[0].pool, granted[0].borrower, granted[0].amount, granted[0].purpose, granted[0].nullifier),
        (POOL, MEMBER, 1_500, st.purpose, ccr_verifier_contracts::rollup::fr_to_u256(&st.nullifier))
    );
    assert_eq!(st.purpose, 2, "the loan carries the attested purpose (community infrastructure) on L1");
    let used =
        s.w.evm
            .call_sol(s.w.rollup.rollup, &Rollup::nullifierUsedCall { nullifier: granted[0].nullifier })
            .unwrap();
    assert!(used);
    println!("submitBatch with one credit: {} gas", r.gas_used);
    // The same proof again (its batch replayed on the new state): the nullifier is spent.
    let again = batch.clone();
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &again)),
        RollupErrors::NullifierUsed(Rollup::NullifierUsed { nullifier: granted[0].nullifier })
    );
}

#[test]
fn every_credit_mismatch_is_refused_by_name() {
    let mut s = setup();
    let (proof, st) = prove(&s, 1_000);
    let submit = |s: &mut Setup, b: &BatchSubmission| {
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), b))
    };
    // No proof for the credit.
    let b = credit_batch(&s, 1_000, &st, CreditProofs::default());
    assert_eq!(
        submit(&mut s, &b),
        RollupErrors::CreditCount(Rollup::CreditCount { slots: U256::from(1), proofs: U256::ZERO })
    );
    // Another amount than proven.
    let b = credit_batch(&s, 900, &st, proofs(&proof, &st));
    assert_eq!(submit(&mut s, &b), mismatch(0, 1));
    // Other terms than the tier's (a better rate).
    let better = EligibilityStatement { rate_bps: 100, ..st };
    let b = credit_batch(&s, 1_000, &better, proofs(&proof, &st));
    assert_eq!(submit(&mut s, &b), mismatch(0, 5));
    // A state root that was never settled (batch 0 is the genesis root).
    let mut c = proofs(&proof, &st);
    c.state_batches[0] = 0;
    let b = credit_batch(&s, 1_000, &st, c);
    assert_eq!(submit(&mut s, &b), mismatch(0, 13));
    // A tampered proof: the batched pairing check fails.
    let mut c = proofs(&proof, &st);
    c.proofs[0].swap(0, 6);
    c.proofs[0].swap(1, 7);
    let b = credit_batch(&s, 1_000, &st, c);
    assert_eq!(
        submit(&mut s, &b),
        RollupErrors::InvalidEligibilityProofs(Rollup::InvalidEligibilityProofs {})
    );
    // A terms slot alone.
    let mut b = credit_batch(&s, 1_000, &st, CreditProofs::default());
    b.tx_data[0] = 0;
    assert_eq!(
        submit(&mut s, &b),
        RollupErrors::TermsWithoutCredit(Rollup::TermsWithoutCredit { slot: U256::from(1) })
    );
    // The bank's owner changed the registry since the proof: under the new version (1) the
    // proof's registry is not the bank's.
    let bob = s.bob.l1;
    s.w.rollup.set_registry_root(&mut s.w.evm, bob, POOL, Fr::from(1u64)).unwrap();
    let mut c = proofs(&proof, &st);
    c.versions[0] = 1;
    let b = credit_batch(&s, 1_000, &st, c);
    assert_eq!(submit(&mut s, &b), mismatch(0, 8));
    // A day and more later, under the version it was checked against (0, in force during the
    // batch's epoch), the credit still settles: how late a batch settles never matters.
    s.w.evm.mine(24 * 300 + 1);
    let b = credit_batch(&s, 1_000, &st, proofs(&proof, &st));
    s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b).unwrap();
}

#[test]
fn only_an_accounts_owner_registers_it_as_a_bank_with_an_eligibility_key() {
    let mut s = setup();
    let keys = dev_setup_eligibility(&params(), PARAMS.depth, [6; 32]).unwrap();
    let alice = s.alice.l1;
    let err = contract_error(s.w.rollup.register_bank(
        &mut s.w.evm,
        alice,
        POOL,
        &keys.vk,
        params().hash,
        Fr::from(0u64),
    ));
    assert_eq!(
        err,
        RollupErrors::NotBankOwner(Rollup::NotBankOwner { pool: U256::from(POOL), owner: s.bob.l1 })
    );
    let err = contract_error(s.w.rollup.set_registry_root(&mut s.w.evm, alice, POOL, Fr::from(0u64)));
    assert!(matches!(err, RollupErrors::NotBankOwner(_)));
    // A credit to an account that is not a bank.
    let (proof, st) = prove(&s, 1_000);
    let mut b = credit_batch(&s, 1_000, &st, proofs(&proof, &st));
    b.tx_data[4..7].copy_from_slice(&[0, 0, 7]);
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::UnknownBank(Rollup::UnknownBank { pool: U256::from(7) })
    );
}
