//! Issue 10, hole 3 on the devnet (embedded L1, real JSON-RPC, real proofs): after a credit is
//! accepted, the triggers that used to make its sealed batch unsettleable are played before
//! the batch settles: the borrower registers its own account as a bank, the bank's owner tries
//! to change its registry (refused: the devnet's rollup has a governance, so only a passed
//! proposal changes a bank), and L1's clock runs more than a day past the proof's time. The
//! batch still settles (the batch count grows, the nullifier is spent, the loan is open) and
//! the audit verifies the credit under the bank version its calldata names.

#![allow(clippy::unwrap_used)] // tests: a panic is a failure with its location

use std::time::Duration;

use ccr_credit_policy::Purpose;
use ccr_devnet::scenario::wait_settled;
use ccr_devnet::DevnetConfig;
use ccr_verifier_contracts::bindings::Rollup::RollupErrors;
use ccr_wallet::audit;
use ccr_wallet::credit::{prove_credit, CreditRequest};
use ccr_wallet::keys::{L1Key, WalletKeys};
use ccr_wallet::l1ops::{self, L1};
use ccr_wallet::ops;
use ccr_wallet::sequencer::SequencerClient;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use crate::common::*;

const STEP: Duration = Duration::from_secs(300);

fn keys(n: usize) -> WalletKeys {
    let l1 = L1Key::from_hex(ccr_l1::DEV_KEYS[n]).expect("dev key");
    WalletKeys::generate(&mut ChaCha20Rng::seed_from_u64(0x11FE + n as u64), Some(l1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_credit_triggers_between_acceptance_and_settlement_leave_settlement_advancing() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Batches seal only when full (4 slots): the credit's batch waits for the triggers below.
    let config = DevnetConfig { batch_timeout: Duration::from_secs(3600), ..config(dir.path(), embedded()) };
    let devnet = start(config).await;
    let net = &devnet.network;
    let seq = SequencerClient::new(&net.sequencer_rpc).expect("client");
    let (bank, member, a, b) = (keys(4), keys(1), keys(2), keys(3));
    let mut l1s = Vec::new();
    for k in [&bank, &member, &a, &b] {
        l1s.push(L1::connect(&net.l1_rpc, k, net.rollup, net.deploy_block).await.expect("L1 client"));
    }
    let (bank_l1, member_l1, a_l1, b_l1) = (&l1s[0], &l1s[1], &l1s[2], &l1s[3]);
    // Four deposits fill batch 1.
    let pool = l1ops::deposit(bank_l1, &bank, None, 1_000).await.expect("pool").index;
    let account = l1ops::deposit(member_l1, &member, None, 50).await.expect("member").index;
    let ia = l1ops::deposit(a_l1, &a, None, 70).await.expect("a").index;
    let d = l1ops::deposit(b_l1, &b, None, 70).await.expect("b");
    let ib = d.index;
    l1ops::wait_ingested(&seq, d.queue_length, STEP).await.expect("ingested");
    wait_sealed(&seq, ib, STEP).await;

    // The bank registers (its first registration: allowed under governance).
    let bank = GermanBank::new();
    bank.register(bank_l1, pool).await;
    let attestation = bank.attest(member.l2_public(), Purpose::CommunityInfrastructure);
    let GermanBank { policy, policy_hash, pk, registry, root, .. } = bank;

    // The member's credit of 800 is accepted (checked against bank version 0).
    let ctx = seq.credit_context(account).await.expect("context").expect("sealed account");
    let request = CreditRequest {
        bank: u64::from(pool),
        amount: 800,
        purpose: Purpose::CommunityInfrastructure,
        epoch: u64::from(ctx.epoch),
        now: ctx.l1_time.expect("L1 time"),
    };
    let proof = prove_credit(&member.l2, &policy, &pk, &attestation, &registry, &ctx.account_proof, request)
        .expect("eligible");
    let statement = proof.parts().unwrap().0;
    let receipt = seq.send_credit(&proof).await.expect("credit accepted");
    // The deposits' batch settles (its settlement may lag its sealing); the credit's waits.
    let started = std::time::Instant::now();
    while devnet.operator.batch_count().await.unwrap() < 1 {
        assert!(started.elapsed() < STEP, "the deposits' batch did not settle");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let batches = devnet.operator.batch_count().await.unwrap();
    assert_eq!(batches, 1, "only the deposits' batch settled");

    // Trigger: the borrower registers its own account as a bank (anyone may register its own
    // account). Before the fix L1 refused the sealed batch with BorrowerIsBank, forever.
    member_l1.client.register_bank(account, 0, policy_hash, root).await.expect("the member's registerBank");
    // Trigger: the bank's owner changes its registry. The devnet's rollup has a governance:
    // only a passed proposal changes a bank, so the owner is refused.
    let err = bank_l1
        .client
        .set_registry_root(pool, root + ccr_circuits::Fr::from(1u64))
        .await
        .expect_err("refused");
    assert!(matches!(err.contract_error(), Some(RollupErrors::GovernedBank(_))), "{err}");
    // Trigger: settlement more than a day after the proof's time (before the fix:
    // StaleEligibilityProof, forever).
    devnet.operator.advance_time_past(statement.now + 24 * 3600).await.expect("L1 time");
    assert_eq!(devnet.operator.batch_count().await.unwrap(), batches, "nothing settled yet");

    // Two transfers fill the credit's batch: it seals, is proven and settles.
    ops::transfer(&seq, &a, &devnet.config.params.domain, ia, ib, 5).await.expect("transfer");
    ops::transfer(&seq, &b, &devnet.config.params.domain, ib, ia, 5).await.expect("transfer");
    wait_settled(&seq, &receipt.hash, &mut |l: &str| eprintln!("{l}")).await.expect("the credit settles");
    assert_eq!(devnet.operator.batch_count().await.unwrap(), batches + 1, "settlement advanced");
    assert!(devnet.operator.nullifier_used(statement.nullifier).await.unwrap(), "L1 spent the nullifier");
    let loan = ops::account(&seq, account).await.unwrap();
    assert_eq!((loan.balance.0, loan.debt.0, loan.bank), (850, 800, Some(pool)));

    // The audit checks the credit under the version its calldata names (the member's account
    // became a bank with a version of its own meanwhile).
    let report = audit::audit(&devnet.operator, PARAMS, &devnet.vk).await.expect("audit passes");
    assert_eq!(report.eligibility_proofs_verified, 1);
    std::mem::forget(dir);
    devnet.stop().await;
}
