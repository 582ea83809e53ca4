//! The poll contract through `PollClient` on the embedded L1, with stand-in verifiers (the
//! real proofs are the coordinator's tests'): deployment as the rollup's governance, a poll
//! created by its bank's owner, messages relayed by another account and read back from events,
//! the deadline, closing, processing and tallying, published results, and the passed proposal
//! executed; the send lock keeps concurrent transactions of one signer apart.

use std::net::SocketAddr;

use alloy_primitives::B256;
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::{chain_hash, results_commitment, Command, Message, OptionResult, EMPTY_CHAIN};
use ccr_dev_chain::node::{EmbeddedL1, EmbeddedL1Handle};
use ccr_l1::client::L1Client;
use ccr_l1::poll::PollClient;
use ccr_verifier_contracts::poll::{NewPoll, PollPhase, PollSetup};
use ccr_verifier_contracts::rollup::{BankProposal, DeployConfig};
use ccr_verifier_contracts::Artifact;

use crate::common::{contract_error, dev_key, eligibility_key, PARAMS};

/// Small sizes: 4 voters, 2 options, 2 messages per batch, 2 ballots per tally batch.
const SETUP: PollSetup = PollSetup { state_depth: 2, vote_depth: 1, batch_size: 2, tally_batch_size: 2 };
/// The bank's pool account (the first account opened).
const POOL: u32 = 0;

/// A stand-in verifier that accepts every proof (creation code returning the runtime
/// `PUSH1 1 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`), as `verifier-contracts`' tests use: for
/// everything but the proofs.
fn accept_all() -> Artifact {
    let runtime = alloy_primitives::hex::decode("600160005260206000f3").expect("hex");
    let creation =
        [&[0x69][..], &runtime, &alloy_primitives::hex::decode("600052600a6016f3").expect("hex")].concat();
    Artifact {
        contract_name: "AcceptAll".into(),
        abi: serde_json::json!([]),
        bytecode: creation.into(),
        deployed_bytecode: runtime.into(),
    }
}

/// The coordinator's key.
fn coordinator() -> PrivateKey {
    PrivateKey::from_bytes([0xc0; 32])
}

/// Message `seq`: voter `index` gives `weight` votes to `option` of poll `poll_id`.
fn vote(seq: u64, index: u64, option: u64, weight: u64, poll_id: u64) -> Message {
    let voter = PrivateKey::from_bytes([index as u8 + 1; 32]);
    let command = Command {
        state_index: index,
        new_pubkey: voter.public_key(),
        vote_option: option,
        new_vote_weight: weight,
        nonce: 1,
        poll_id,
        salt: Fr::from(1000 + seq),
    };
    let ephemeral = PrivateKey::from_bytes([0xe0 + seq as u8; 32]);
    Message::sign_and_encrypt(&command, &voter, &ephemeral, &coordinator().public_key()).expect("encrypt")
}

/// A chain with the rollup (stand-in batch verifier) deployed by dev account 0, and bank
/// [`POOL`] opened and registered by dev account 1.
struct World {
    node: EmbeddedL1Handle,
    operator: L1Client,
    bank: L1Client,
}

impl World {
    async fn new() -> Self {
        let node = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("start the L1");
        let url = node.url();
        let (operator, _) = L1Client::deploy(
            &url,
            dev_key(0),
            &accept_all(),
            &[eligibility_key()],
            &PARAMS,
            &DeployConfig::eth(),
        )
        .await
        .expect("deploy the rollup");
        let bank = operator.with_signer(&url, dev_key(1)).await.expect("the bank's client");
        let (pool, _) = bank
            .create_account(&PrivateKey::from_bytes([0xba; 32]).public_key(), 0)
            .await
            .expect("the bank opens its pool");
        assert_eq!(pool, POOL);
        bank.register_bank(POOL, 0, Fr::from(7u64), Fr::from(9u64)).await.expect("registerBank");
        Self { node, operator, bank }
    }

    /// Moves L1's clock past `deadline`.
    async fn pass(&self, deadline: u64) {
        self.operator.advance_time_past(deadline).await.expect("advance the clock");
        assert!(self.operator.latest_timestamp().await.expect("time") > deadline);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_from_deployment_to_an_executed_proposal() {
    let w = World::new().await;
    let url = w.node.url();

    // Sizes Poll refuses are refused before anything is deployed.
    let odd = PollSetup { tally_batch_size: 3, ..SETUP };
    let err = PollClient::deploy(&w.operator, &accept_all(), &accept_all(), odd).await.expect_err("odd T");
    assert!(matches!(err, ccr_l1::L1Error::Deploy(_)), "{err}");
    assert_eq!(w.operator.governance().await.expect("governance"), None);

    // Deployed by the rollup's deployer: Poll becomes the rollup's governance, once.
    let (polls, deployment) =
        PollClient::deploy(&w.operator, &accept_all(), &accept_all(), SETUP).await.expect("deploy Poll");
    assert_eq!(polls.address(), deployment.poll);
    assert_eq!(w.operator.governance().await.expect("governance"), Some(deployment.poll));
    assert_eq!(polls.setup().await.expect("setup"), SETUP);
    assert_eq!(
        contract_error(PollClient::deploy(&w.operator, &accept_all(), &accept_all(), SETUP).await),
        "GovernanceAlreadySet"
    );

    // The bank's owner opens a proposal poll; nobody else may.
    let proposal = BankProposal::new(0, Fr::from(77u64), Fr::from(99u64));
    let deadline = w.operator.latest_timestamp().await.expect("time") + 120;
    let new_poll = NewPoll {
        pool: POOL,
        options: 2,
        deadline,
        voice_credits: 100,
        coordinator: coordinator().public_key(),
        initial_sb: Fr::from(4242u64),
        voters: 4,
        proposal: proposal.hash(),
    };
    let stranger = PollClient::connect(
        &w.operator.with_signer(&url, dev_key(2)).await.expect("client"),
        polls.address(),
    );
    assert_eq!(contract_error(stranger.create_poll(&new_poll).await), "NotBankOwner");
    let bank_polls = PollClient::connect(&w.bank, polls.address());
    let (id, created_tx) = bank_polls.create_poll(&new_poll).await.expect("createPoll");
    assert_eq!(id, 1);
    assert_eq!(polls.poll_count().await.expect("count"), 1);
    let created = polls.created(id).await.expect("PollCreated");
    assert_eq!((created.poll_id, created.poll, created.block), (id, new_poll, created_tx.block));
    assert_eq!(contract_error(polls.created(9).await), "UnknownPoll");
    assert_eq!(polls.poll(9).await.expect("no poll"), None);

    // Anyone relays messages (here the stranger): the chain is the native one.
    let sent = [vote(0, 0, 1, 5, id), vote(1, 1, 0, 3, id), vote(2, 2, 1, 2, id)];
    let mut chain = EMPTY_CHAIN;
    let mut blocks = Vec::new();
    for (i, m) in sent.iter().enumerate() {
        let (index, after, tx) = stranger.publish_message(id, m).await.expect("publishMessage");
        chain = chain_hash(chain, m);
        assert_eq!((index, after), (i as u64, chain));
        blocks.push(tx.block);
    }
    let read = polls.messages(id).await.expect("messages");
    assert_eq!(read.len(), 3);
    let mut expected_chain = EMPTY_CHAIN;
    for ((r, m), block) in read.iter().zip(&sent).zip(&blocks) {
        expected_chain = chain_hash(expected_chain, m);
        assert_eq!((&r.message, r.chain, r.block), (m, expected_chain, *block));
    }
    assert_eq!(polls.messages(9).await.expect("none"), []);
    let info = polls.poll(id).await.expect("poll").expect("exists");
    assert_eq!((info.phase, info.messages, info.chain), (PollPhase::Open, 3, chain));
    assert_eq!((info.pool, info.options, info.voters, info.deadline), (POOL, 2, 4, deadline));
    assert_eq!((info.coordinator, info.proposal), (coordinator().public_key(), proposal.hash()));
    assert_eq!(contract_error(polls.publish_message(9, &sent[0]).await), "UnknownPoll");
    assert_eq!(contract_error(polls.close_poll(id).await), "VotingNotOver");

    // After the deadline: no more messages; the poll closes (3 messages: two batches of 2).
    w.pass(deadline).await;
    assert_eq!(contract_error(stranger.publish_message(id, &sent[0]).await), "VotingClosed");
    polls.close_poll(id).await.expect("closePoll");
    let info = polls.poll(id).await.expect("poll").expect("exists");
    assert_eq!((info.phase, info.batches, info.next_process_batch), (PollPhase::Processing, 2, 1));
    assert_eq!(polls.batch_chain(id, 1).await.expect("chain"), read[1].chain);

    // Processed and tallied (the stand-in verifiers accept any proof), results published.
    let results = [OptionResult { votes: 3, spent: 9 }, OptionResult { votes: 7, spent: 29 }];
    let salt = Fr::from(31337u64);
    assert_eq!(polls.result_of(id).await.expect("not yet"), None);
    assert!(!polls.proposal_of(id).await.expect("proposal").passed);
    let proof = Proof::<Bn254>::default();
    polls.process_messages(id, Fr::from(1u64), &proof).await.expect("batch 1");
    polls.process_messages(id, Fr::from(2u64), &proof).await.expect("batch 0");
    assert_eq!(contract_error(polls.process_messages(id, Fr::from(3u64), &proof).await), "WrongPhase");
    polls.tally_votes(id, Fr::from(5u64), &proof).await.expect("tally 0");
    polls.tally_votes(id, results_commitment(&results, salt), &proof).await.expect("tally 1");
    assert_eq!(
        contract_error(polls.publish_results(id, &results, salt + Fr::from(1u64)).await),
        "ResultsMismatch"
    );
    assert_eq!(polls.published_salt(id).await.expect("salt"), None, "not published yet");
    polls.publish_results(id, &results, salt).await.expect("publishResults");
    // The salt is read back from L1 alone (the publishResults calldata): what `poll result
    // --verify` opens the tally commitment with.
    assert_eq!(polls.published_salt(id).await.expect("salt"), Some(salt));
    let outcome = polls.result_of(id).await.expect("result").expect("published");
    assert_eq!((outcome.winner, outcome.results.as_slice(), outcome.total_spent), (1, &results[..], 38));
    let status = polls.proposal_of(id).await.expect("proposal");
    assert_eq!((status.pool, status.proposal, status.passed), (POOL, proposal.hash(), true));

    // The passed proposal becomes the bank's policy, once; anyone may execute it.
    let other = BankProposal { policy_hash: Fr::from(78u64), ..proposal.clone() };
    assert_eq!(contract_error(stranger.l1().execute_proposal(id, &other).await), "ProposalMismatch");
    stranger.l1().execute_proposal(id, &proposal).await.expect("executeProposal");
    let bank = w.operator.bank(POOL).await.expect("bank").expect("registered");
    assert_eq!(
        (bank.policy_hash, bank.registry_root, bank.owner),
        (Fr::from(77u64), Fr::from(99u64), w.bank.address())
    );
    assert_eq!(
        contract_error(stranger.l1().execute_proposal(id, &proposal).await),
        "ProposalAlreadyExecuted"
    );
    w.node.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_transactions_of_one_signer_take_turns() {
    let w = World::new().await;
    let (polls, _) =
        PollClient::deploy(&w.operator, &accept_all(), &accept_all(), SETUP).await.expect("deploy Poll");
    let deadline = w.operator.latest_timestamp().await.expect("time") + 3600;
    let new_poll = NewPoll {
        pool: POOL,
        options: 2,
        deadline,
        voice_credits: 100,
        coordinator: coordinator().public_key(),
        initial_sb: Fr::from(1u64),
        voters: 4,
        proposal: B256::ZERO,
    };
    let (id, _) =
        PollClient::connect(&w.bank, polls.address()).create_poll(&new_poll).await.expect("createPoll");
    // The operator's account relays 8 messages and sends 8 rollup transactions at once, from
    // clones of one client: without the send lock, two would read the same nonce.
    let before = w.operator.deposit_count().await.expect("queue");
    let mut tasks = Vec::new();
    for k in 0..8u64 {
        let p = polls.clone();
        tasks.push(tokio::spawn(async move {
            p.publish_message(id, &vote(k, k % 4, 1, 1, id)).await.map(|r| r.2)
        }));
        let op = w.operator.clone();
        tasks.push(tokio::spawn(async move { op.deposit(POOL, 1).await }));
    }
    for t in tasks {
        t.await.expect("task").expect("every transaction is included");
    }
    assert_eq!(w.operator.deposit_count().await.expect("queue"), before + 8);
    assert_eq!(polls.poll(id).await.expect("poll").expect("exists").messages, 8);
    let indices: Vec<u64> = polls.messages(id).await.expect("messages").iter().map(|m| m.index).collect();
    assert_eq!(indices, (0..8).collect::<Vec<_>>());
    w.node.stop().await;
}
