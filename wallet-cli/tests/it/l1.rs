//! L1 operations and the audit on the embedded L1: the wallet opens accounts, a proven batch
//! settles, the audit rebuilds it from L1 alone (and names the check a tampered batch fails),
//! then the escape hatch pays a member from the rebuilt state.

use std::net::SocketAddr;
use std::sync::OnceLock;

use ccr_circuits::batch::BatchBuilder;
use ccr_circuits::state::tx::{Deposit, Tx};
use ccr_circuits::state::{RollupParams, RollupState};
use ccr_dev_chain::node::EmbeddedL1;
use ccr_l1::client::L1Client;
use ccr_prover::batch::prove_batch;
use ccr_prover::Keypair;
use ccr_verifier_contracts::rollup::{BatchSubmission, DeployConfig};
use ccr_verifier_contracts::{solc, Artifact, DevKey};
use ccr_wallet::audit::{self, AuditCheck, AuditError};
use ccr_wallet::l1ops::{self, L1};
use ccr_wallet::{ops, L1Key, WalletError, WalletKeys};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

const KEY: DevKey = DevKey::TEST;
const PARAMS: RollupParams = DevKey::TEST.params;
const ESCAPE_DELAY: u64 = 5;
/// The epoch clock the audit checks credits' bank versions against (no credits here).
const CLOCK: ccr_l1::client::EpochClock = ccr_l1::client::EpochClock { genesis_time: 0, epoch_seconds: 1 };

fn keys() -> &'static Keypair {
    static KEYS: OnceLock<Keypair> = OnceLock::new();
    KEYS.get_or_init(|| KEY.keypair().expect("dev setup"))
}

/// The batch prover of [`keys`]: its constraint matrices synthesized once per test binary.
fn prover() -> &'static ccr_prover::Prover {
    static PROVER: OnceLock<ccr_prover::Prover> = OnceLock::new();
    PROVER
        .get_or_init(|| ccr_prover::batch::batch_prover(keys().pk.clone(), KEY.params).expect("batch prover"))
}

fn verifier() -> &'static Artifact {
    static VERIFIER: OnceLock<Artifact> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let source = KEY.verifier_source(&keys().vk, "Groth16Verifier").expect("generate verifier");
        solc::compile_contract(&solc::js_tools_dir(), "Groth16Verifier", &source)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The rollup of [`PARAMS`] deployed at `url` from `operator`'s L1 account, with `verifier` and
/// a stand-in eligibility key (these rollups check no credit).
async fn deploy(
    url: &str,
    operator: &WalletKeys,
    verifier: &Artifact,
    config: &DeployConfig,
) -> (L1Client, ccr_l1::client::Deployment) {
    let keys = [ccr_verifier_contracts::dev::stand_in_eligibility_key(0)];
    L1Client::deploy(url, operator.l1.expose_b256(), verifier, &keys, &PARAMS, config).await.unwrap()
}

fn member(i: usize) -> WalletKeys {
    let l1 = L1Key::from_hex(ccr_l1::DEV_KEYS[i]).unwrap();
    WalletKeys { l2: ccr_circuits::babyjubjub::eddsa::PrivateKey::from_bytes([i as u8 + 1; 32]), l1 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_rebuilds_l1_and_the_escape_hatch_pays() {
    let node = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let url = node.url();
    let (operator, alice, bob) = (member(0), member(1), member(2));
    let config = DeployConfig::eth().with_escape_delay(ESCAPE_DELAY);
    let verifier = tokio::task::spawn_blocking(verifier).await.unwrap();
    let (op, deployment) = deploy(&url, &operator, verifier, &config).await;
    let a = L1::connect(&url, &alice, deployment.rollup, deployment.block).await.unwrap();
    let b = L1::connect(&url, &bob, deployment.rollup, deployment.block).await.unwrap();

    // Nothing settled yet: the audit passes trivially.
    let empty = audit::audit(&op, PARAMS, &keys().vk).await.unwrap();
    assert_eq!((empty.batches, empty.queue_total), (0, 0));

    // The wallet's deposits: creations, then a top-up.
    let da = l1ops::deposit(&a, &alice, None, 5_000).await.unwrap();
    let db = l1ops::deposit(&b, &bob, None, 3_000).await.unwrap();
    assert_eq!((da.index, da.created, db.index, db.created), (0, true, 1, true));
    let top = l1ops::deposit(&b, &bob, Some(1), 500).await.unwrap();
    assert_eq!((top.created, top.queue_length), (false, 3));
    // Members are found by the L1 address that opened their account (a top-up opens none).
    assert_eq!(op.accounts_of(alice.l1_address()).await.unwrap(), [0]);
    assert_eq!(op.accounts_of(bob.l1_address()).await.unwrap(), [1]);
    assert_eq!(op.accounts_of(operator.l1_address()).await.unwrap(), Vec::<u32>::new());

    // The operator settles a proven batch of the three deposits and a transfer (signed for this
    // deployment).
    let mut state = RollupState::new(RollupParams { domain: op.domain().await.unwrap(), ..PARAMS }).unwrap();
    let mut batch = BatchBuilder::new(&state);
    let deposits = [
        Deposit { index: 0, pubkey: Some(alice.l2_public()), amount: 5_000 },
        Deposit { index: 1, pubkey: Some(bob.l2_public()), amount: 3_000 },
        Deposit { index: 1, pubkey: None, amount: 500 },
    ];
    for d in deposits {
        batch.push(&mut state, &Tx::Deposit(d)).unwrap();
    }
    let t = ops::sign_transfer(&alice, &state.params().domain, 0, 1, 1_000, 0).unwrap();
    batch.push(&mut state, &Tx::Signed(t)).unwrap();
    let witness = batch.finish_from(&state);
    let w = witness.clone();
    let (proof, _) = tokio::task::spawn_blocking(move || {
        prove_batch(prover(), w, &mut ChaCha20Rng::seed_from_u64(1)).unwrap()
    })
    .await
    .unwrap();
    op.submit_batch(&BatchSubmission::new(&witness, state.deposits_consumed(), &proof)).await.unwrap();

    let report = audit::audit(&op, PARAMS, &keys().vk).await.unwrap();
    assert_eq!(
        (report.batches, report.proofs_verified, report.transactions, report.queue_consumed, report.accounts),
        (1, 1, 4, 3, 2)
    );
    assert_eq!(report.final_root, ccr_rpc_api::wire::fr_to_hex(&state.root()));
    // Per batch: the evidence of each check, the recomputed commitment, the settling tx.
    assert_eq!(report.per_batch.len(), 1);
    let first = &report.per_batch[0];
    assert_eq!((first.batch, first.transactions, first.queue), (1, 4, [0, 3]));
    assert_eq!(first.checks, ["sequence", "queue", "proof", "credit", "replay", "fund", "root"]);
    assert_eq!(first.new_root, report.final_root);
    assert!(first.l1_tx.starts_with("0x") && first.commitment.starts_with("0x"), "{first:?}");

    // The audit refuses to vouch with a key L1's verifier does not carry, before any batch:
    // proofs it verified would say nothing about what L1 accepted.
    let other_vk = DevKey { seed: [3; 32], ..KEY }.keypair().unwrap().vk;
    match audit::audit(&op, PARAMS, &other_vk).await {
        Err(AuditError::VerifierKey { missing, .. }) => assert_eq!(missing, "alpha"),
        other => panic!("expected VerifierKey, got {other:?}"),
    }
    let (_, code) = op.batch_verifier_code().await.unwrap();
    assert!(audit::code_carries_key(&code, &keys().vk).is_ok());
    // The same key with one IC point swapped for another key's is caught by name.
    let mut mixed = keys().vk.clone();
    mixed.gamma_abc_g1[1] = other_vk.gamma_abc_g1[1];
    assert_eq!(audit::code_carries_key(&code, &mixed), Err("IC1".to_owned()));

    // Tampered copies of the L1 data fail the named check.
    let batches = op.settled_batches(1).await.unwrap();
    let queue: Vec<_> = op.queue_entries(0, 0).await.unwrap().into_iter().map(|(_, e)| e).collect();
    let check_of = |r: Result<_, AuditError>| match r {
        Err(AuditError::Batch { check, .. }) => check,
        other => panic!("expected a batch failure, got {:?}", other.map(|(r, _)| r)),
    };
    let mut bad = batches.clone();
    bad[0].tx_data[11] ^= 1; // an amount byte of slot 0
    assert_eq!(
        check_of(audit::check_batches(PARAMS, &keys().vk, &bad, &queue, &[], CLOCK, &mut |_, _| {})),
        AuditCheck::Proof
    );
    assert_eq!(
        check_of(audit::check_batches(PARAMS, &keys().vk, &batches, &queue[..2], &[], CLOCK, &mut |_, _| {})),
        AuditCheck::Queue
    );
    let mut bad = batches.clone();
    bad[0].number = 2;
    assert_eq!(
        check_of(audit::check_batches(PARAMS, &keys().vk, &bad, &queue, &[], CLOCK, &mut |_, _| {})),
        AuditCheck::Sequence
    );
    assert_eq!(
        check_of(audit::check_batches(PARAMS, &other_vk, &batches, &queue, &[], CLOCK, &mut |_, _| {})),
        AuditCheck::Proof
    );

    // Claims with nothing pending name the contract's error and what to do.
    let err = l1ops::claim(&a).await.unwrap_err();
    assert!(err.to_string().contains("NothingToWithdraw"), "{err}");
    assert_eq!(err.exit_code(), ccr_wallet::error::exit_code::REJECTED);

    // Bob's forced exit is never included: after the escape delay, exit mode; Alice leaves
    // with a proof from the rebuilt state, and claims.
    l1ops::force_exit(&b, 1, 100).await.unwrap();
    let err = l1ops::activate_exit_mode(&a).await.unwrap_err();
    assert!(err.to_string().contains("EscapeDelayNotOver"), "{err}");
    op.mine(ESCAPE_DELAY + 1).await.unwrap();
    // ccr-l1's client keeps counting nonces after a refused call: a fresh client (as each CLI
    // run is) after the refusals above.
    let a = L1::connect(&url, &alice, deployment.rollup, deployment.block).await.unwrap();
    l1ops::activate_exit_mode(&a).await.unwrap();
    let mut calls = 0;
    let err =
        l1ops::exit_mode_claim(&a, &alice, PARAMS, &keys().vk, 1, &mut |_, _| calls += 1).await.unwrap_err();
    assert!(matches!(err, WalletError::NotOurAccount { index: 1 }), "{err:?}");
    let c = l1ops::exit_mode_claim(&a, &alice, PARAMS, &keys().vk, 0, &mut |_, _| {}).await.unwrap();
    assert_eq!(c.balance, 4_000);
    assert_eq!((c.paid, c.netted), (4_000, 0), "no loan: nothing netted");
    assert!(calls >= 2, "progress reported per batch");
    assert_eq!(
        l1ops::pending_withdrawal(&a).await.unwrap(),
        alloy_primitives::U256::from(4_000u64) * alloy_primitives::U256::from(1_000_000_000u64)
    );
    let paid = l1ops::claim(&a).await.unwrap();
    assert_eq!(paid.amount, alloy_primitives::U256::from(4_000_000_000_000u64));
    node.stop().await;
}

/// A relayer's contract, test only: makes the calls it is given in order, as a multisig, a
/// relayer or a smart wallet would (the outer transaction's calldata is `forward(...)`).
const FORWARDER: &str = r#"// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @notice Test only: calls `target` with each of `calls`, in order, in one transaction.
contract Forwarder {
    /// @notice Makes the calls; reverts with the first failing call's revert data.
    function forward(address target, bytes[] calldata calls) external {
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = target.call(calls[i]);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }
}
"#;

alloy::sol! {
    /// `Forwarder.forward`.
    function forward(address target, bytes[] calls) external;
}

/// Whatever L1 accepts, the audit can read: two valid batches settled in one transaction
/// through another contract (submission is open to anyone) are read back from L1 and audited.
/// Before the fix the audit decoded a batch from its transaction's calldata, here a
/// `forward(...)` call: it failed, and so did every member's exit-mode claim after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_batch_submitted_through_contract_breaks_audit() {
    use alloy::network::{EthereumWallet, TransactionBuilder};
    use alloy::providers::{Provider, ProviderBuilder};
    use alloy::rpc::types::TransactionRequest;
    use alloy::signers::local::PrivateKeySigner;
    use alloy_primitives::Bytes;
    use alloy_sol_types::SolCall;

    let node = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let url = node.url();
    let (operator, alice, bob, relayer) = (member(0), member(1), member(2), member(3));
    let config = DeployConfig::eth().with_escape_delay(ESCAPE_DELAY);
    let verifier = tokio::task::spawn_blocking(verifier).await.unwrap();
    let (op, deployment) = deploy(&url, &operator, verifier, &config).await;
    let a = L1::connect(&url, &alice, deployment.rollup, deployment.block).await.unwrap();
    let b = L1::connect(&url, &bob, deployment.rollup, deployment.block).await.unwrap();
    l1ops::deposit(&a, &alice, None, 5_000).await.unwrap();
    l1ops::deposit(&b, &bob, None, 3_000).await.unwrap();
    l1ops::deposit(&b, &bob, Some(1), 500).await.unwrap();

    // Two proven batches: the two openings, then the top-up.
    let mut state = RollupState::new(RollupParams { domain: op.domain().await.unwrap(), ..PARAMS }).unwrap();
    let deposits = [
        vec![
            Deposit { index: 0, pubkey: Some(alice.l2_public()), amount: 5_000 },
            Deposit { index: 1, pubkey: Some(bob.l2_public()), amount: 3_000 },
        ],
        vec![Deposit { index: 1, pubkey: None, amount: 500 }],
    ];
    let mut calls = Vec::new();
    for (seed, batch_deposits) in deposits.into_iter().enumerate() {
        let mut batch = BatchBuilder::new(&state);
        for d in batch_deposits {
            batch.push(&mut state, &Tx::Deposit(d)).unwrap();
        }
        let witness = batch.finish_from(&state);
        let w = witness.clone();
        let (proof, _) = tokio::task::spawn_blocking(move || {
            prove_batch(prover(), w, &mut ChaCha20Rng::seed_from_u64(seed as u64)).unwrap()
        })
        .await
        .unwrap();
        let submission = BatchSubmission::new(&witness, state.deposits_consumed(), &proof);
        calls.push(Bytes::from(submission.call().abi_encode()));
    }

    // A relayer's contract settles both in one transaction.
    let forwarder = tokio::task::spawn_blocking(|| {
        solc::compile_contract(&solc::js_tools_dir(), "Forwarder", FORWARDER)
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap();
    let signer = PrivateKeySigner::from_bytes(&relayer.l1.expose_b256()).unwrap();
    ccr_l1::tls::init();
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().unwrap());
    let created = provider
        .send_transaction(TransactionRequest::default().with_deploy_code(forwarder.bytecode.clone()))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let forwarder = created.contract_address.unwrap();
    let call = forwardCall { target: deployment.rollup, calls };
    let settled = provider
        .send_transaction(TransactionRequest::default().with_to(forwarder).with_input(call.abi_encode()))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(settled.status(), "the forwarded batches settle");
    assert_eq!(op.batch_count().await.unwrap(), 2);
    assert_eq!(op.state_root().await.unwrap(), state.root());

    // The audit reads both back from L1 and passes; the batch reader names the relayer's
    // transaction for each.
    let report = audit::audit(&op, PARAMS, &keys().vk).await.unwrap();
    assert_eq!(
        (report.batches, report.proofs_verified, report.transactions, report.queue_consumed, report.accounts),
        (2, 2, 3, 3, 2)
    );
    assert_eq!(report.final_root, ccr_rpc_api::wire::fr_to_hex(&state.root()));
    let batches = op.settled_batches(1).await.unwrap();
    assert_eq!(
        batches.iter().map(|b| (b.number, b.l1_tx)).collect::<Vec<_>>(),
        [(1, settled.transaction_hash), (2, settled.transaction_hash)]
    );
    node.stop().await;
}
