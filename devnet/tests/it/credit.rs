//! Credit end to end, on the embedded L1 at test size, with the eligibility key of a test-size
//! multi-party ceremony made at start: a bank registers its policy, a member
//! proves eligibility and borrows through the sequencer's JSON-RPC, the credit settles on L1
//! with its eligibility proof, the member repays; every refusal at the sequencer comes with
//! its error code before anything reaches the log or L1.

#![allow(clippy::unwrap_used)] // tests: a panic is a failure with its location

use std::time::Duration;

use ccr_credit_policy::{Policy, Purpose};
use ccr_devnet::scenario::wait_settled;
use ccr_devnet::DevnetConfig;
use ccr_prover::eligibility::EligibilityProofFile;
use ccr_prover::ProvingKeyFile;
use ccr_sequencer::ErrorCode;
use ccr_wallet::audit;
use ccr_wallet::credit::{prove_credit, AttestationFile, CreditRequest, RegistryFile};
use ccr_wallet::error::WalletError;
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
    WalletKeys::generate(&mut ChaCha20Rng::seed_from_u64(0xC4ED17 + n as u64), Some(l1))
}

/// The API code and message of a refusal.
#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, WalletError>) -> (i32, String) {
    match r {
        Err(WalletError::Rejected { code, message, .. }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

struct Applicant<'a> {
    seq: &'a SequencerClient,
    member: &'a WalletKeys,
    account: u32,
    policy: &'a Policy,
    pk: &'a ProvingKeyFile,
    attestation: &'a AttestationFile,
    registry: &'a RegistryFile,
}

impl Applicant<'_> {
    /// A fresh proof for `amount` from `bank`, at L1's time minus `age` seconds.
    async fn prove(&self, bank: u32, amount: u64, age: u64) -> EligibilityProofFile {
        let ctx = self.seq.credit_context(self.account).await.expect("context").expect("sealed account");
        let request = CreditRequest {
            bank: u64::from(bank),
            amount,
            purpose: Purpose::CommunityInfrastructure,
            epoch: u64::from(ctx.epoch),
            now: ctx.l1_time.expect("L1 time") - age,
        };
        prove_credit(
            &self.member.l2,
            self.policy,
            self.pk,
            self.attestation,
            self.registry,
            &ctx.account_proof,
            request,
        )
        .expect("eligible")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_borrows_and_repays_and_every_bad_credit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Every key from a test-size multi-party ceremony made at start: the batches this test
    // settles, the credits it proves and the rollup's eligibility verifier all use them.
    let devnet = start(DevnetConfig { ceremony: true, ..config(dir.path(), embedded()) }).await;
    assert_eq!(devnet.eligibility_pk.metadata.circuit_name, "eligibility-64x4-d8");
    for circuit in ["batch-d8-n4", "eligibility-64x4-d8", "vote-process-s3-v1-b4", "vote-tally-s3-v1-t8"] {
        let transcript = dir.path().join(format!("ceremony/{circuit}.transcript.json"));
        let transcript: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&transcript).unwrap()).unwrap();
        let kinds: Vec<&str> = transcript["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["contribution", "contribution", "beacon"], "{circuit}");
        assert_eq!(transcript["circuit"], circuit);
    }
    let batch_vk = ccr_prover::load_verifying_key(&dir.path().join(ccr_devnet::VK_FILE)).unwrap();
    let transcript: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("ceremony/batch-d8-n4.transcript.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(transcript["vk_hash"], ccr_prover::key_hash(&batch_vk.vk).unwrap());
    let net = &devnet.network;
    let seq = SequencerClient::new(&net.sequencer_rpc).expect("client");
    let (bank, member, other) = (keys(4), keys(1), keys(2));
    let (bank_l1, member_l1, other_l1) = (
        L1::connect(&net.l1_rpc, &bank, net.rollup, net.deploy_block).await.unwrap(),
        L1::connect(&net.l1_rpc, &member, net.rollup, net.deploy_block).await.unwrap(),
        L1::connect(&net.l1_rpc, &other, net.rollup, net.deploy_block).await.unwrap(),
    );
    // The pool holds 1,000; the member and another account (not a bank) hold a little.
    let pool = l1ops::deposit(&bank_l1, &bank, None, 1_000).await.expect("pool").index;
    let account = l1ops::deposit(&member_l1, &member, None, 50).await.expect("member").index;
    let d = l1ops::deposit(&other_l1, &other, None, 70).await.expect("other");
    l1ops::wait_ingested(&seq, d.queue_length, STEP).await.expect("ingested");
    wait_sealed(&seq, d.index, STEP).await;

    // The bank: the German policy's keys at depth 8, one attester, registered on L1.
    let bank = GermanBank::new();
    bank.register(&bank_l1, pool).await;
    let attestation = bank.attest(member.l2_public(), Purpose::CommunityInfrastructure);
    let GermanBank { policy, registry, root, .. } = bank;
    let pk = devnet.eligibility_pk.clone();
    let applicant = Applicant {
        seq: &seq,
        member: &member,
        account,
        policy: &policy,
        pk: &pk,
        attestation: &attestation,
        registry: &registry,
    };
    let invalid_credit = ErrorCode::InvalidCredit.code();

    // Refused before the log, each with its reason:
    // a pool that is not a registered bank,
    let (code, msg) = refused(seq.send_credit(&applicant.prove(d.index, 500, 0).await).await);
    assert_eq!(code, invalid_credit, "{msg}");
    assert!(msg.contains("not a bank registered on L1"), "{msg}");
    // a proof older than the sequencer takes (L1 would refuse it after a day),
    let (code, msg) = refused(seq.send_credit(&applicant.prove(pool, 500, 13 * 3600).await).await);
    assert_eq!(code, invalid_credit, "{msg}");
    assert!(msg.contains("is not within"), "{msg}");
    // a statement edited after proving (a larger amount),
    let mut edited = applicant.prove(pool, 500, 0).await;
    edited.statement.amount = 900;
    let (code, msg) = refused(seq.send_credit(&edited).await);
    assert_eq!(code, invalid_credit, "{msg}");
    assert!(msg.contains("does not verify"), "{msg}");
    // a proof under another policy of the same shape, so under the same key (the bank's own
    // terms changed: its registered policy did not),
    let mut changed = policy.clone();
    for t in &mut changed.tiers {
        t.rate_bps += 100;
    }
    changed.seal();
    let other_policy = Applicant { policy: &changed, ..applicant };
    let (code, msg) = refused(seq.send_credit(&other_policy.prove(pool, 500, 0).await).await);
    assert_eq!(code, invalid_credit, "{msg}");
    assert!(msg.contains("registered policy"), "{msg}");
    // a valid proof for more than the pool holds: the loan rule refuses it.
    let (code, msg) = refused(seq.send_credit(&applicant.prove(pool, 1_500, 0).await).await);
    assert_eq!(code, ErrorCode::InvalidTransaction.code(), "{msg}");
    let health = seq.health().await.unwrap();
    assert_eq!(health.pending_txs, 0, "nothing refused reached the log");

    // Accepted: the pool pays 800, the member owes it.
    let proof = applicant.prove(pool, 800, 0).await;
    let receipt = seq.send_credit(&proof).await.expect("credit accepted");
    // The same proof again, or another proof in the same epoch: one credit per member, bank
    // and epoch.
    let (code, msg) = refused(seq.send_credit(&proof).await);
    assert_eq!(code, ErrorCode::NullifierUsed.code(), "{msg}");
    let (code, _) = refused(seq.send_credit(&applicant.prove(pool, 100, 0).await).await);
    assert_eq!(code, ErrorCode::NullifierUsed.code());
    wait_settled(&seq, &receipt.hash, &mut |l: &str| eprintln!("{l}")).await.expect("credit settles");
    let statement = proof.parts().unwrap().0;
    assert!(devnet.operator.nullifier_used(statement.nullifier).await.unwrap(), "L1 spent the nullifier");
    let loan = ops::account(&seq, account).await.unwrap();
    assert_eq!((loan.balance.0, loan.debt.0, loan.bank), (850, 800, Some(pool)));
    let l = loan.loan.clone().expect("an open loan");
    assert!(l.due_epoch > l.accrued_epoch && !l.written_down, "{l:?}");
    assert_eq!(l.purpose.as_deref(), Some("community_infrastructure"), "the loan shows its attested purpose");
    let pool_info = ops::account(&seq, pool).await.unwrap();
    assert_eq!((pool_info.balance.0, pool_info.debt.0), (200, 800), "the pool's receivable");

    // Repayments: to another pool is refused, to the bank reduces the debt.
    let (code, msg) =
        refused(ops::repay(&seq, &member, &devnet.config.params.domain, account, Some(d.index), 100).await);
    assert_eq!(code, ErrorCode::InvalidTransaction.code(), "{msg}");
    let (sent, to) =
        ops::repay(&seq, &member, &devnet.config.params.domain, account, None, 300).await.expect("repay");
    assert_eq!(to, pool);
    // A writedown before the loan is past due and grace is refused.
    let (code, msg) = refused(seq.send_upkeep("writedown", account, pool).await);
    assert_eq!(code, ErrorCode::InvalidTransaction.code(), "{msg}");
    wait_settled(&seq, &sent.hash, &mut |l: &str| eprintln!("{l}")).await.expect("repayment settles");
    let after = ops::account(&seq, account).await.unwrap();
    assert_eq!((after.balance.0, after.debt.0), (550, 500));
    assert_eq!(ops::account(&seq, pool).await.unwrap().debt.0, 500);

    // The bank's owner cannot change its attester registry alone: the devnet's rollup has a
    // governance, so a bank's parameters change only through a passed proposal.
    let err = bank_l1
        .client
        .set_registry_root(pool, root + ccr_circuits::Fr::from(1u64))
        .await
        .expect_err("setRegistryRoot by the owner under governance");
    assert!(
        matches!(
            err.contract_error(),
            Some(ccr_verifier_contracts::bindings::Rollup::RollupErrors::GovernedBank(_))
        ),
        "{err}"
    );

    // The audit replays the credit and the repayment from L1 data to L1's root.
    let report = audit::audit(&devnet.operator, PARAMS, &devnet.vk).await.expect("audit passes");
    assert_eq!(report.eligibility_proofs_verified, 1);
    assert_eq!(
        report.credits.iter().map(|c| (c.bank, c.borrower, c.amount, c.purpose.as_str())).collect::<Vec<_>>(),
        vec![(u64::from(pool), u64::from(account), 800, "community_infrastructure")],
        "the audit reports the credit with its attested purpose"
    );
    assert_eq!(
        report.final_root,
        ccr_sequencer::wire::fr_to_hex(&devnet.operator.state_root().await.unwrap())
    );
    std::mem::forget(dir);
    devnet.stop().await;
}
