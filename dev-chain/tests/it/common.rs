//! Shared fixtures: the test-size key and its compiled verifier (once per test binary), L1
//! accounts, and the whole rollup flow run against any node URL.

use std::str::FromStr;
use std::sync::OnceLock;

use alloy_primitives::{Address, B256, U256};
use ccr_circuits::babyjubjub::eddsa::{sign_poseidon, PrivateKey};
use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::state::tx::{Deposit, ForcedExit, QueueEntry, Tx, UnsignedTx};
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_l1::client::L1Client;
use ccr_l1::DEV_KEYS;
use ccr_prover::batch::prove_batch;
use ccr_prover::Keypair;
use ccr_verifier_contracts::rollup::{BatchSubmission, DeployConfig};
use ccr_verifier_contracts::{solc, Artifact, DevKey};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The test-size key: depth 8, 4 slots, chain id 5, seed `[9; 32]`.
pub const KEY: DevKey = DevKey::TEST;
/// Its parameters.
pub const PARAMS: RollupParams = DevKey::TEST.params;
/// Escape delay of the test deployments, in blocks.
pub const ESCAPE_DELAY: u64 = 5;

/// The development keys of [`KEY`] (one setup per test binary).
pub fn keys() -> &'static Keypair {
    static KEYS: OnceLock<Keypair> = OnceLock::new();
    KEYS.get_or_init(|| KEY.keypair().expect("dev setup"))
}

/// The batch prover of [`keys`]: its constraint matrices synthesized once per test binary.
pub fn prover() -> &'static ccr_prover::Prover {
    static PROVER: OnceLock<ccr_prover::Prover> = OnceLock::new();
    PROVER
        .get_or_init(|| ccr_prover::batch::batch_prover(keys().pk.clone(), KEY.params).expect("batch prover"))
}

/// The verifier of [`keys`], compiled by the pinned solc-js (once per test binary).
pub fn verifier() -> &'static Artifact {
    static VERIFIER: OnceLock<Artifact> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let source = KEY.verifier_source(&keys().vk, "Groth16Verifier").expect("generate verifier");
        solc::compile_contract(&solc::js_tools_dir(), "Groth16Verifier", &source)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Development key `i` as bytes.
pub fn dev_key(i: usize) -> B256 {
    B256::from_str(DEV_KEYS[i]).expect("dev key")
}

/// One gwei (one L2 unit of an ETH rollup) in wei.
pub fn gwei(n: u64) -> U256 {
    U256::from(n) * U256::from(1_000_000_000u64)
}

/// A signed transfer.
fn transfer(state: &RollupState, key: &PrivateKey, from: u32, to: u32, amount: u64) -> Tx {
    let nonce = state.account(from).expect("sender").nonce;
    let u = UnsignedTx::transfer(from, to, amount, nonce).expect("amount");
    Tx::Signed(u.with_signature(sign_poseidon(key, u.message(&state.params().domain))))
}

/// A signed exit.
fn exit(state: &RollupState, key: &PrivateKey, from: u32, amount: u64) -> Tx {
    let nonce = state.account(from).expect("sender").nonce;
    let u = UnsignedTx::exit(from, amount, nonce).expect("amount");
    Tx::Signed(u.with_signature(sign_poseidon(key, u.message(&state.params().domain))))
}

/// The name of the rollup's custom error `result` failed with.
pub fn contract_error<T: std::fmt::Debug>(result: Result<T, ccr_l1::L1Error>) -> &'static str {
    let err = result.expect_err("the contract accepted it");
    err.contract_error_name().unwrap_or_else(|| panic!("not a contract error: {err}"))
}

/// The whole rollup on the node at `url`: deploy, open accounts (Alice, Bob), read the queue
/// back, settle a proven batch (both deposits, a transfer, Bob's exit), read it back from
/// logs and calldata, withdraw once (a second time is `NothingToWithdraw`), a forced exit
/// refused to a non-owner and queued for the owner, then exit mode after the escape delay and
/// Alice's exit with a Merkle proof.
pub async fn rollup_flow(url: &str) {
    let (operator, alice, bob) = (dev_key(0), dev_key(1), dev_key(2));
    let config = DeployConfig::eth().with_escape_delay(ESCAPE_DELAY);
    let (op, deployment) =
        L1Client::deploy(url, operator, verifier(), &[eligibility_key()], &PARAMS, &config)
            .await
            .expect("deploy the rollup");
    assert_eq!(op.rollup(), deployment.rollup);
    assert_eq!(deployment.token, None);
    let a = op.with_signer(url, alice).await.expect("alice's client");
    let b = op.with_signer(url, bob).await.expect("bob's client");
    // A client connecting to the deployed rollup reads its configuration back.
    let connected = L1Client::connect(url, bob, deployment.rollup).await.expect("connect");
    assert_eq!(connected.config(), &config);
    assert_eq!(connected.address(), b.address());
    // The L2 state signs for this deployment.
    let params = RollupParams { domain: op.domain().await.expect("domain"), ..PARAMS };
    let mut state = RollupState::new(params).expect("state");
    assert_eq!(op.state_root().await.expect("root"), state.root());

    // Accounts opened on L1, read back from the queue's logs.
    let (alice_key, bob_key) = (PrivateKey::from_bytes([1; 32]), PrivateKey::from_bytes([2; 32]));
    let (ia, _) = a.create_account(&alice_key.public_key(), 5_000).await.expect("alice opens");
    let (ib, _) = b.create_account(&bob_key.public_key(), 3_000).await.expect("bob opens");
    assert_eq!((ia, ib), (0, 1));
    assert_eq!(op.deposit_count().await.expect("count"), 2);
    let queue = op.queue_entries(0, 0).await.expect("queue");
    let expected = [
        Deposit { index: 0, pubkey: Some(alice_key.public_key()), amount: 5_000 },
        Deposit { index: 1, pubkey: Some(bob_key.public_key()), amount: 3_000 },
    ];
    assert_eq!(
        queue,
        vec![(0, QueueEntry::Deposit(expected[0].clone())), (1, QueueEntry::Deposit(expected[1].clone()))]
    );
    assert_eq!(op.queue_entries(1, 0).await.expect("queue"), queue[1..]);
    // Deeper than the chain: nothing confirmed yet.
    assert_eq!(op.queue_entries(0, 1_000).await.expect("queue"), []);

    // A proven batch settles.
    let mut batch = BatchBuilder::new(&state);
    for d in &expected {
        batch.push(&mut state, &Tx::Deposit(d.clone())).expect("deposit");
    }
    let t = transfer(&state, &alice_key, 0, 1, 1_000);
    batch.push(&mut state, &t).expect("transfer");
    let x = exit(&state, &bob_key, 1, 2_500);
    batch.push(&mut state, &x).expect("exit");
    let witness = batch.finish_from(&state);
    let prove = witness.clone();
    let (proof, _) = tokio::task::spawn_blocking(move || {
        prove_batch(prover(), prove, &mut ChaCha20Rng::seed_from_u64(7)).expect("prove")
    })
    .await
    .expect("proving task");
    let submission = BatchSubmission::new(&witness, state.deposits_consumed(), &proof);
    let settled = op.submit_batch(&submission).await.expect("submit the batch");
    assert_eq!(op.state_root().await.expect("root"), state.root());
    assert_eq!(op.batch_count().await.expect("batches"), 1);
    assert_eq!(op.deposits_consumed().await.expect("consumed"), 2);
    assert_eq!(op.root_at(1).await.expect("root 1"), state.root());
    let batches = op.settled_batches(1).await.expect("settled batches");
    assert_eq!(batches.len(), 1);
    let s = &batches[0];
    assert_eq!((s.number, s.consumed_before, s.consumed_after), (1, 0, 2));
    assert_eq!((s.old_root, s.new_root), (RollupState::new(params).expect("genesis").root(), state.root()));
    assert_eq!((s.tx_data.as_slice(), s.proof), (witness.tx_data().as_slice(), submission.proof));
    assert_eq!((s.l1_tx, s.block, s.gas_used), (settled.hash, settled.block, settled.gas_used));
    assert_eq!(op.settled_batches(2).await.expect("none after"), []);
    // The same batch again: the contract refuses it by name.
    assert_eq!(contract_error(op.submit_batch(&submission).await), "InvalidProof");

    // Bob withdraws his exit exactly once.
    assert_eq!(op.pending_withdrawal(b.address()).await.expect("pending"), gwei(2_500));
    let before = b.balance(b.address()).await.expect("balance");
    let (paid, outcome) = b.withdraw().await.expect("withdraw");
    assert_eq!(paid, gwei(2_500));
    assert_eq!(b.balance(b.address()).await.expect("balance"), before + gwei(2_500) - outcome.fee_wei);
    assert_eq!(contract_error(b.withdraw().await), "NothingToWithdraw");
    assert_eq!(b.asset_balance(op.rollup()).await.expect("rollup balance"), gwei(5_500));

    // Forced exits: only the owner may queue one.
    assert_eq!(contract_error(b.force_exit(0, 100).await), "NotAccountOwner");
    a.force_exit(0, 100).await.expect("alice's forced exit");
    assert_eq!(
        op.queue_entries(2, 0).await.expect("queue"),
        [(2, QueueEntry::ForcedExit(ForcedExit { index: 0, amount: 100 }))]
    );

    // Unconsumed past the escape delay: exit mode; Alice exits with a proof of her leaf.
    assert_eq!(contract_error(op.activate_exit_mode().await), "EscapeDelayNotOver");
    op.mine(ESCAPE_DELAY + 1).await.expect("mine");
    op.activate_exit_mode().await.expect("exit mode");
    assert!(op.exit_mode().await.expect("exit mode"));
    assert_eq!(contract_error(a.deposit(0, 10).await), "ExitModeActive");
    let account = state.account(0).expect("alice's account").clone();
    let merkle = state.proof(0).expect("alice's proof");
    a.exit_with_proof(0, &account, &merkle).await.expect("exit with proof");
    assert_eq!(op.pending_withdrawal(a.address()).await.expect("pending"), gwei(account.balance));
    assert_eq!(contract_error(a.exit_with_proof(0, &account, &merkle).await), "AlreadyExited");
    let (paid, _) = a.withdraw().await.expect("alice withdraws");
    assert_eq!(paid, gwei(4_000));

    // The clock moves past a time an hour ahead (anvil: evm_increaseTime; embedded: mining).
    let ahead = op.latest_timestamp().await.expect("time") + 3_600;
    op.advance_time_past(ahead).await.expect("advance the clock");
    assert!(op.latest_timestamp().await.expect("time") > ahead);
    op.advance_time_past(ahead).await.expect("already past: nothing to do");
}

/// A deterministic address.
pub fn addr(n: u8) -> Address {
    Address::repeat_byte(n)
}

/// An eligibility key of the right shape (14 public inputs): the rollup checks its length and
/// encoding, never a proof against it here.
pub fn eligibility_key() -> ark_groth16::VerifyingKey<ark_bn254::Bn254> {
    ccr_verifier_contracts::dev::stand_in_eligibility_key(0)
}
