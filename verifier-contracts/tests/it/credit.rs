//! Credit at the contract, with real eligibility proofs: a registered bank lends to a member
//! whose proof matches the credit and terms slots, the bank's policy and registry, the batch's
//! epoch, a settled state root and a fresh time; the nullifier is spent. Every mismatch has its
//! own error, and a bad proof fails the batched pairing check.
//!
//! The rollup holds one eligibility key per policy shape, fixed at deployment (here two: shape
//! 0, [`SHAPE`], and shape 1, [`SHAPE1`]: the universal eligibility circuit's keys of both); a
//! bank registers its policy's shape and hash, never a key. Banks of one shape share a batch
//! (one batched pairing check under their shape's key), whatever their policies; a batch mixing
//! shapes is refused, and so is a proof under another shape's key.

use std::sync::OnceLock;

use alloy_primitives::U256;
use ark_bn254::{Bn254, Fr};
use ark_groth16::{Proof, ProvingKey};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::batch::BatchWitness;
use ccr_circuits::credit::{
    AccountLeaf, Application, Attestation, AttesterRegistry, EligibilityShape, EligibilityStatement,
    EligibilityWitness, FinancialRecord, PolicyParams, TierTerms,
};
use ccr_circuits::state::loan::LoanTerms;
use ccr_circuits::state::tx::{CreditTx, Tx};
use ccr_prover::eligibility::{dev_setup_eligibility, prove_eligibility};
use ccr_prover::Keypair;
use ccr_verifier_contracts::bindings::Rollup;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_verifier_contracts::poll::PollContracts;
use ccr_verifier_contracts::rollup::{fr_to_u256, BatchSubmission, CreditProofs};
use ccr_verifier_contracts::BankProposal;
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

use crate::common::{accept_all_verifier, operator, Member, World, PARAMS};
use crate::flow::{contract_error, deposits, events, first_batch, open_accounts};
use crate::governance::stranger;
use crate::liveness::{pass, POLL_SETUP};

/// Alice (account 0) borrows; Bob's account 1 is the bank's pool.
pub(crate) const MEMBER: u32 = 0;
pub(crate) const POOL: u32 = 1;
/// [`Setup::with_second_bank`]: Carol's account 2 is a second bank's pool, Dave (account 3)
/// borrows from it.
const POOL2: u32 = 2;
const MEMBER2: u32 = 3;

/// Shape 0 of the test rollups: 5 inputs, 2 tiers.
pub(crate) const SHAPE: EligibilityShape = EligibilityShape { inputs: 5, tiers: 2 };
/// Shape 1: 8 inputs, 3 tiers (another circuit, so another key).
const SHAPE1: EligibilityShape = EligibilityShape { inputs: 8, tiers: 3 };

/// The schema digest the test records are encoded under (opaque to the rollup).
fn schema() -> Fr {
    Fr::from(0x5c4e3au64)
}

/// Two numeric inputs in [0, 100] and a 3-way category; score = 3·a − 2·b + 10·[cat 0] − 50.
/// Of shape 0.
pub(crate) fn params() -> PolicyParams {
    PolicyParams {
        shape: SHAPE,
        schema: schema(),
        coefficients: vec![3, -2, 10, 0, 0],
        bounds: vec![(0, 100), (0, 100), (0, 1), (0, 1), (0, 1)],
        one_hot: vec![(2, 3)],
        bias: -50,
        tiers: vec![
            TierTerms { threshold: 100, max_amount: 2_000, rate_bps: 500, term_months: 24 },
            TierTerms { threshold: 0, max_amount: 1_000, rate_bps: 900, term_months: 12 },
        ],
        purpose_weights: [0, 5, 10, 15, 20],
    }
}

/// Another policy of shape 0: another bias, other terms, so another hash (the record of
/// [`prove_loan`] scores 105 under it: the first tier, up to 2,500 at 4.5 % for 24 months).
fn other_policy() -> PolicyParams {
    PolicyParams {
        bias: -45,
        tiers: vec![
            TierTerms { threshold: 100, max_amount: 2_500, rate_bps: 450, term_months: 24 },
            TierTerms { threshold: 0, max_amount: 1_200, rate_bps: 850, term_months: 12 },
        ],
        ..params()
    }
}

/// [`params`]'s weights as a policy of shape 1.
fn shape1_policy() -> PolicyParams {
    PolicyParams { shape: SHAPE1, ..params() }
}

/// The rollup's eligibility keys (one setup per test binary): shape 0's, the universal
/// eligibility circuit's key of [`SHAPE`], and shape 1's, of [`SHAPE1`].
pub(crate) fn shape_keys() -> &'static [Keypair] {
    static KEYS: OnceLock<Vec<Keypair>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [(SHAPE, [5; 32]), (SHAPE1, [6; 32])]
            .into_iter()
            .map(|(shape, seed)| dev_setup_eligibility(shape, PARAMS.depth, seed).expect("eligibility setup"))
            .collect()
    })
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
    /// Shape 0's proving key.
    pub(crate) pk: ProvingKey<Bn254>,
    /// The batch whose root is `w.state`'s (what a proof made now names).
    state_batch: u64,
}

/// A rollup with [`shape_keys`]; accounts opened and settled in batch 1; Bob registers his
/// account as a bank of shape 0 with the policy [`params`].
pub(crate) fn setup() -> Setup {
    setup_with(shape_keys())
}

/// As [`setup`], with `keys` as the rollup's eligibility keys (shape 0's first).
pub(crate) fn setup_with(keys: &[Keypair]) -> Setup {
    let vks: Vec<_> = keys.iter().map(|k| k.vk.clone()).collect();
    let mut w = World::with_eligibility_keys(&accept_all_verifier(), &vks);
    let (alice, bob) = (Member::new(1), Member::new(2));
    let deposits = open_accounts(&mut w, &alice, &bob);
    let batch = first_batch(&mut w.state, &deposits, &alice, &bob);
    let first = BatchSubmission::new(&batch, 2, &Proof::default());
    w.rollup.submit_batch(&mut w.evm, operator(), &first).unwrap();
    let r = w.rollup.register_bank(&mut w.evm, bob.l1, POOL, 0, params().hash(), registry().root()).unwrap();
    println!("registerBank: {} gas", r.gas_used);
    Setup { w, alice, bob, pk: keys[0].pk.clone(), state_batch: 1 }
}

impl Setup {
    /// Carol opens account 2 and registers it as a bank of shape `shape` with the hash of
    /// `policy` and the same registry; Dave opens account 3 (batch 2 settles both). Returns
    /// Carol and Dave.
    fn with_second_bank(&mut self, shape: u8, policy: &PolicyParams) -> (Member, Member) {
        let (carol, dave) = (Member::new(3), Member::new(4));
        let mut logs = Vec::new();
        for (m, amount) in [(&carol, 5_000), (&dave, 100)] {
            self.w.fund(m);
            logs.extend(
                self.w
                    .rollup
                    .create_account(&mut self.w.evm, m.l1, &m.key.public_key(), amount)
                    .unwrap()
                    .logs,
            );
        }
        let state = &mut self.w.state;
        let mut b = BatchBuilder::new(state);
        for d in deposits(&self.w.rollup.queue_entries(&logs).unwrap()) {
            b.push(state, &Tx::Deposit(d)).unwrap();
        }
        let batch = b.finish_from(state);
        let second = BatchSubmission::new(&batch, state.deposits_consumed(), &Proof::default());
        self.w.rollup.submit_batch(&mut self.w.evm, operator(), &second).unwrap();
        self.state_batch = 2;
        let hash = policy.hash();
        self.w
            .rollup
            .register_bank(&mut self.w.evm, carol.l1, POOL2, shape, hash, registry().root())
            .unwrap();
        (carol, dave)
    }
}

/// Alice's proof of eligibility for `amount` against the current (settled) state.
pub(crate) fn prove(s: &Setup, amount: u64) -> (Proof<Bn254>, EligibilityStatement) {
    prove_loan(s, &s.pk, &params(), &s.alice.key, MEMBER, POOL, amount)
}

/// The proof of `member_key`'s account `account` for a credit of `amount` from bank `pool`
/// under `policy`, made with `pk`, against the current (settled) state.
fn prove_loan(
    s: &Setup,
    pk: &ProvingKey<Bn254>,
    policy: &PolicyParams,
    member_key: &PrivateKey,
    account: u32,
    pool: u32,
    amount: u64,
) -> (Proof<Bn254>, EligibilityStatement) {
    let member_key = member_key.clone();
    let mut features = vec![50, 10, 1, 0, 0];
    features.resize(policy.shape.inputs, 0);
    let record =
        FinancialRecord { features, member: member_key.public_key(), expiry: u64::MAX, schema: schema() };
    let leaf = s.w.state.account(account).unwrap();
    let witness = EligibilityWitness {
        attestation: Attestation::sign(&attester(), &record, 2),
        record,
        registry_proof: registry().proof(3).unwrap(),
        member_key,
        application: Application {
            bank: u64::from(pool),
            amount,
            purpose: 2,
            epoch: 0,
            account: u64::from(account),
            now: s.w.evm.timestamp(),
        },
        account_leaf: AccountLeaf { balance: leaf.balance, nonce: leaf.nonce, ext: leaf.ext_hash() },
        account_proof: s.w.state.proof(account).unwrap(),
    };
    prove_eligibility(
        pk,
        policy,
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
    let w = loans_batch(s, &[(amount, st)]);
    BatchSubmission::new(&w, s.w.state.deposits_consumed(), &Proof::default()).with_credits(credits)
}

/// The batch of one credit per `(amount, statement)`: from the statement's bank to its
/// account, with its terms.
fn loans_batch(s: &Setup, loans: &[(u64, &EligibilityStatement)]) -> BatchWitness {
    let mut state = s.w.state.clone();
    let mut b = BatchBuilder::new(&state);
    for &(amount, st) in loans {
        let terms = LoanTerms {
            rate_bps: st.rate_bps as u16,
            term_epochs: st.term_months as u8,
            max_amount: st.max_amount,
        };
        let credit = CreditTx { borrower: st.account as u32, bank: st.bank as u32, amount, terms };
        b.push(&mut state, &Tx::Credit(credit)).unwrap();
    }
    b.finish_from(&state)
}

pub(crate) fn proofs(proof: &Proof<Bn254>, st: &EligibilityStatement) -> CreditProofs {
    let mut c = CreditProofs::default();
    c.push(proof, &st.public_inputs(), 1, 0);
    c
}

/// The credit proofs of `loans` (proof and statement), over the state of `s.state_batch`,
/// each under its bank's version `version`.
fn proofs_of(s: &Setup, loans: &[(&Proof<Bn254>, &EligibilityStatement)], version: u64) -> CreditProofs {
    let mut c = CreditProofs::default();
    for (proof, st) in loans {
        c.push(proof, &st.public_inputs(), s.state_batch, version);
    }
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
    // The credit is its pool's flow of the batch's epoch (the fund's table weighs it).
    assert_eq!(s.w.rollup.flow_of(&mut s.w.evm, batch.epoch, POOL).unwrap(), U256::from(1_500));
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
fn only_an_accounts_owner_registers_it_as_a_bank() {
    let mut s = setup();
    let alice = s.alice.l1;
    let err = contract_error(s.w.rollup.register_bank(
        &mut s.w.evm,
        alice,
        POOL,
        0,
        params().hash(),
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

#[test]
fn the_rollup_holds_one_eligibility_key_per_shape() {
    let mut s = setup();
    assert_eq!(s.w.rollup.eligibility_shapes(&mut s.w.evm).unwrap(), 2);
    for (shape, keys) in shape_keys().iter().enumerate() {
        let shape = u8::try_from(shape).unwrap();
        assert_eq!(s.w.rollup.eligibility_key(&mut s.w.evm, shape).unwrap(), keys.vk, "shape {shape}");
    }
    let pointers = [0, 1].map(|shape| s.w.rollup.eligibility_key_pointer(&mut s.w.evm, shape).unwrap());
    assert_ne!(pointers[0], pointers[1]);
    // Bob's bank names its policy's shape, hash and registry: no key of its own.
    let bank = s.w.evm.call_sol(s.w.rollup.rollup, &Rollup::banksCall { pool: U256::from(POOL) }).unwrap();
    assert_eq!(
        (bank.owner, bank.shape, bank.policyHash, bank.registryRoot),
        (s.bob.l1, 0, fr_to_u256(&params().hash()), fr_to_u256(&registry().root()))
    );
    let v0 = s
        .w
        .evm
        .call_sol(s.w.rollup.rollup, &Rollup::bankVersionCall { pool: U256::from(POOL), version: U256::ZERO })
        .unwrap();
    assert_eq!((v0.shape, v0.policyHash), (0, fr_to_u256(&params().hash())));
    // `setRegistryRoot` keeps the shape.
    let bob = s.bob.l1;
    let r = s.w.rollup.set_registry_root(&mut s.w.evm, bob, POOL, Fr::from(1u64)).unwrap();
    let added: Vec<Rollup::BankVersionAdded> = events(&r);
    assert_eq!((added[0].version, added[0].shape, added[0].registryRoot), (U256::from(1), 0, U256::from(1)));
}

#[test]
fn a_bank_of_an_unknown_shape_is_refused() {
    let mut s = setup();
    // The rollup has keys for shapes 0 and 1: Alice's account cannot become a bank of shape 2
    // (or 255), however it is registered.
    let alice = s.alice.l1;
    for shape in [2u8, 255] {
        assert_eq!(
            contract_error(s.w.rollup.register_bank(
                &mut s.w.evm,
                alice,
                MEMBER,
                shape,
                params().hash(),
                registry().root()
            )),
            RollupErrors::UnknownShape(Rollup::UnknownShape { shape: U256::from(shape) })
        );
    }
    let count =
        s.w.evm
            .call_sol(s.w.rollup.rollup, &Rollup::bankVersionCountCall { pool: U256::from(MEMBER) })
            .unwrap();
    assert_eq!(count, U256::ZERO, "not a bank");
    assert!(matches!(
        s.w.rollup.eligibility_key_pointer(&mut s.w.evm, 2).unwrap_err().contract_error(),
        Some(RollupErrors::UnknownShape(e)) if e.shape == U256::from(2)
    ));
    // Shape 1 is known.
    s.w.rollup
        .register_bank(&mut s.w.evm, alice, MEMBER, 1, shape1_policy().hash(), registry().root())
        .unwrap();
}

#[test]
fn banks_of_one_shape_lend_in_one_batch() {
    let mut s = setup();
    // Carol's bank: another policy (another hash), the same shape as Bob's.
    let (_, dave) = s.with_second_bank(0, &other_policy());
    let (alice_proof, alice_st) = prove_loan(&s, &s.pk, &params(), &s.alice.key, MEMBER, POOL, 1_500);
    let (dave_proof, dave_st) = prove_loan(&s, &s.pk, &other_policy(), &dave.key, MEMBER2, POOL2, 1_000);
    assert_ne!(alice_st.policy_hash, dave_st.policy_hash);
    // Before: `MixedBanks`, one bank per batch. Now one batched pairing check under shape 0's key.
    let w = loans_batch(&s, &[(1_500, &alice_st), (1_000, &dave_st)]);
    let credits = proofs_of(&s, &[(&alice_proof, &alice_st), (&dave_proof, &dave_st)], 0);
    let batch =
        BatchSubmission::new(&w, s.w.state.deposits_consumed(), &Proof::default()).with_credits(credits);
    let r = s.w.rollup.submit_batch(&mut s.w.evm, operator(), &batch).unwrap();
    let granted: Vec<Rollup::CreditGranted> = events(&r);
    let loans: Vec<_> = granted.iter().map(|g| (g.pool, g.borrower, g.amount)).collect();
    assert_eq!(loans, vec![(POOL, MEMBER, 1_500), (POOL2, MEMBER2, 1_000)]);
    println!("submitBatch with two credits of two banks of one shape: {} gas", r.gas_used);
}

#[test]
fn a_proof_under_another_shapes_key_is_refused() {
    let mut s = setup();
    // Carol's bank says shape 1 with the hash of a shape-0 policy; Dave's proof of that policy
    // was made under shape 0's key.
    let (carol, dave) = s.with_second_bank(1, &other_policy());
    let (dave_proof, dave_st) = prove_loan(&s, &s.pk, &other_policy(), &dave.key, MEMBER2, POOL2, 1_000);
    let w = loans_batch(&s, &[(1_000, &dave_st)]);
    let credits = proofs_of(&s, &[(&dave_proof, &dave_st)], 0);
    let alone =
        BatchSubmission::new(&w, s.w.state.deposits_consumed(), &Proof::default()).with_credits(credits);
    // Every input matches the bank's version (policy hash, registry, ...): only the pairing
    // check under shape 1's key fails.
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &alone)),
        RollupErrors::InvalidEligibilityProofs(Rollup::InvalidEligibilityProofs {})
    );
    // Beside a credit of a shape-0 bank: one batch, one key, so shapes do not mix.
    let (alice_proof, alice_st) = prove(&s, 1_500);
    let w = loans_batch(&s, &[(1_500, &alice_st), (1_000, &dave_st)]);
    let credits = proofs_of(&s, &[(&alice_proof, &alice_st), (&dave_proof, &dave_st)], 0);
    let mixed =
        BatchSubmission::new(&w, s.w.state.deposits_consumed(), &Proof::default()).with_credits(credits);
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &mixed)),
        RollupErrors::MixedShapes(Rollup::MixedShapes { slot: U256::from(2) })
    );
    // Carol registers a policy of shape 1 (version 1): Dave's proof of it, made under shape
    // 1's key, settles.
    let hash = shape1_policy().hash();
    s.w.rollup.register_bank(&mut s.w.evm, carol.l1, POOL2, 1, hash, registry().root()).unwrap();
    let (proof, st) = prove_loan(&s, &shape_keys()[1].pk, &shape1_policy(), &dave.key, MEMBER2, POOL2, 1_000);
    let w = loans_batch(&s, &[(1_000, &st)]);
    let batch = BatchSubmission::new(&w, s.w.state.deposits_consumed(), &Proof::default())
        .with_credits(proofs_of(&s, &[(&proof, &st)], 1));
    s.w.rollup.submit_batch(&mut s.w.evm, operator(), &batch).unwrap();
}

#[test]
fn a_passed_proposal_of_a_new_policy_of_the_same_shape_binds_the_next_credits() {
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
    // The members vote a new policy of the same shape (only its hash changes on L1).
    let p = BankProposal::new(0, other_policy().hash(), registry().root());
    let id = pass(&mut s, &polls, p.hash());
    let (old_proof, old_st) = prove(&s, 1_000);
    s.w.rollup.execute_proposal(&mut s.w.evm, stranger(), id, &p).unwrap();
    // Under the new version (1), a proof of the old policy is refused by its policy hash.
    let b = credit_batch(&s, 1_000, &old_st, proofs_of(&s, &[(&old_proof, &old_st)], 1));
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::CreditMismatch(Rollup::CreditMismatch { slot: U256::ZERO, input: U256::from(7) })
    );
    // A proof of the new policy, under the same key (shape 0's), is accepted.
    let (proof, st) = prove_loan(&s, &s.pk, &other_policy(), &s.alice.key, MEMBER, POOL, 1_000);
    assert_eq!(st.policy_hash, other_policy().hash());
    let b = credit_batch(&s, 1_000, &st, proofs_of(&s, &[(&proof, &st)], 1));
    s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b).unwrap();
    // From the next epoch on, version 0 (the old policy) was never in force: only the new
    // policy's proofs pass.
    let start =
        s.w.evm.call_sol(s.w.rollup.rollup, &Rollup::epochStartCall { epoch: U256::from(1) }).unwrap();
    s.w.evm.mine((start.saturating_to::<u64>() - s.w.evm.timestamp()) / 12 + 1);
    let later = EligibilityStatement { epoch: 1, now: s.w.evm.timestamp(), ..old_st };
    let mut b = credit_batch(&s, 1_000, &later, proofs_of(&s, &[(&old_proof, &later)], 0));
    b.epoch = 1;
    assert_eq!(
        contract_error(s.w.rollup.submit_batch(&mut s.w.evm, operator(), &b)),
        RollupErrors::BankVersionNotInForce(Rollup::BankVersionNotInForce {
            slot: U256::ZERO,
            version: U256::ZERO
        })
    );
}
