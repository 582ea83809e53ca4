//! Votes through the sequencer into L1: `ccr_sendVote` relays a message to the poll contract on
//! an embedded L1 from the node's own account (the message lands in the chain at the index and
//! with the chain the contract computed), `ccr_getPoll` reads the poll back; a vote for an
//! unknown or closed poll, or a malformed one, is refused with its code and sends nothing to L1.

use std::net::SocketAddr;
use std::time::Duration;

use alloy_primitives::B256;
use ark_bn254::Fr;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::{chain_hash, Command, Message, EMPTY_CHAIN};
use ccr_dev_chain::node::EmbeddedL1;
use ccr_l1::client::L1Client;
use ccr_l1::poll::PollClient;
use ccr_sequencer::api::{DecU64, VoteInput};
use ccr_sequencer::vote_relay::VoteRelayLimits;
use ccr_sequencer::wire::fr_to_hex;
use ccr_sequencer::{CcrApiClient, ErrorCode, L1Config};
use ccr_verifier_contracts::poll::{NewPoll, PollSetup};
use jsonrpsee::core::client::ClientT;
use jsonrpsee::rpc_params;

use crate::common::*;

const SETUP: PollSetup = PollSetup { state_depth: 2, vote_depth: 1, batch_size: 2, tally_batch_size: 2 };

/// An eligibility key of the right shape (14 public inputs), for registering the bank.
fn dev_key(i: usize) -> B256 {
    ccr_l1::DEV_KEYS[i].parse().unwrap()
}

fn coordinator() -> PrivateKey {
    PrivateKey::from_bytes([0xc0; 32])
}

/// Voter `index`'s vote for `option` in poll `poll_id` (ephemeral key from `seq`).
fn vote_message(seq: u8, index: u64, option: u64, poll_id: u64) -> Message {
    let voter = PrivateKey::from_bytes([index as u8 + 1; 32]);
    let command = Command {
        state_index: index,
        new_pubkey: voter.public_key(),
        vote_option: option,
        new_vote_weight: 3,
        nonce: 1,
        poll_id,
        salt: Fr::from(u64::from(seq) + 100),
    };
    let ephemeral = PrivateKey::from_bytes([0xe0 + seq; 32]);
    Message::sign_and_encrypt(&command, &voter, &ephemeral, &coordinator().public_key()).unwrap()
}

fn decimal(x: &Fr) -> String {
    use ark_ff::{BigInteger, PrimeField};
    alloy_primitives::U256::from_be_slice(&x.into_bigint().to_bytes_be()).to_string()
}

fn vote_input(poll: u64, m: &Message) -> VoteInput {
    VoteInput {
        poll: DecU64(poll),
        data: m.data.iter().map(decimal).collect(),
        enc_pub_key: [decimal(&m.enc_pubkey.x), decimal(&m.enc_pubkey.y)],
    }
}

/// The test parameters, signed for the embedded L1's chain and `operator`'s rollup.
fn l1_params(operator: &L1Client) -> ccr_circuits::state::RollupParams {
    let p = params();
    let domain =
        ccr_circuits::state::Domain::new(ccr_dev_chain::node::CHAIN_ID, operator.rollup().into_array());
    ccr_circuits::state::RollupParams::new(p.depth, p.batch_size, domain).unwrap()
}

/// The BN254 scalar field's order r: the smallest non-canonical element.
const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn votes_are_relayed_to_l1_and_refused_votes_send_nothing() {
    let _serial = SERIAL.lock().await;
    // L1: the rollup (no batch is proven here), bank 0 registered by dev account 1, the poll
    // contract deployed by the operator, two polls opened by the bank.
    let l1 = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let url = l1.url();
    let operator = deploy_accepting_all(&url, dev_key(0)).await;
    let bank = operator.with_signer(&url, dev_key(1)).await.unwrap();
    let (pool, _) = bank.create_account(&member(9).public_key(), 0).await.unwrap();
    bank.register_bank(pool, 0, Fr::from(7u64), Fr::from(9u64)).await.unwrap();
    let (polls, _) = PollClient::deploy(&operator, &accept_all(), &accept_all(), SETUP).await.unwrap();
    let now = operator.latest_timestamp().await.unwrap();
    let new_poll = |deadline| NewPoll {
        pool,
        options: 2,
        deadline,
        voice_credits: 100,
        coordinator: coordinator().public_key(),
        initial_sb: Fr::from(4242u64),
        voters: 4,
        proposal: B256::ZERO,
    };
    let bank_polls = PollClient::connect(&bank, polls.address());
    let (open, _) = bank_polls.create_poll(&new_poll(now + 3600)).await.unwrap();
    let (short, _) = bank_polls.create_poll(&new_poll(now + 60)).await.unwrap();

    // The node relays from the operator's account (the client it also settles with).
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), l1_params(&operator), None, Duration::from_millis(200));
    cfg.l1 = Some(L1Config {
        client: operator.clone(),
        confirmations: 0,
        poll: Duration::from_millis(100),
        poll_contract: Some(polls.address()),
        fund_contract: None,
        vote_relay: VoteRelayLimits::default(),
    });
    let (node, client) = launch(cfg).await;
    let before = scrape(node.metrics_addr().unwrap());

    // Two votes land in the chain, at the indices and with the chain the contract computed.
    let sent = [vote_message(0, 0, 1, open), vote_message(1, 1, 0, open)];
    let mut chain = EMPTY_CHAIN;
    for (i, m) in sent.iter().enumerate() {
        let r = client.send_vote(vote_input(open, m)).await.unwrap();
        chain = chain_hash(chain, m);
        assert_eq!((r.poll, r.index, r.chain.as_str()), (open, i as u64, fr_to_hex(&chain).as_str()));
        let on_l1 = &polls.messages(open).await.unwrap()[i];
        assert_eq!((on_l1.message, on_l1.block), (*m, r.block));
    }
    // The JSON shapes, raw.
    let third = vote_message(2, 2, 1, open);
    let raw: serde_json::Value = client
        .request("ccr_sendVote", rpc_params![serde_json::to_value(vote_input(open, &third)).unwrap()])
        .await
        .unwrap();
    chain = chain_hash(chain, &third);
    assert_eq!(raw["index"], 2);
    assert_eq!(raw["chain"], fr_to_hex(&chain));
    assert!(raw["l1Tx"].as_str().unwrap().starts_with("0x"), "{raw}");
    let view = client.get_poll(DecU64(open)).await.unwrap().unwrap();
    assert_eq!((view.phase.as_str(), view.accepting_votes, view.messages), ("open", true, 3));
    assert_eq!((view.chain, view.pool, view.options), (fr_to_hex(&chain), pool, 2));
    assert_eq!(view.proposal, format!("0x{}", "0".repeat(64)));
    assert_eq!(client.get_poll(DecU64(99)).await.unwrap(), None);

    // Refused votes: nothing reaches L1.
    let block = operator.block_number().await.unwrap();
    let m = vote_message(3, 3, 1, open);
    let refused = |r| error_object(r).code();
    assert_eq!(refused(client.send_vote(vote_input(99, &m)).await), ErrorCode::UnknownPoll.code());
    let mut non_canonical = vote_input(open, &m);
    non_canonical.data[4] = R.into();
    let e = error_object(client.send_vote(non_canonical).await);
    assert_eq!(e.code(), ErrorCode::InvalidParams.code());
    assert!(e.message().contains("not canonical"), "{}", e.message());
    let mut short_data = vote_input(open, &m);
    short_data.data.pop();
    assert_eq!(refused(client.send_vote(short_data).await), ErrorCode::InvalidParams.code());
    let mut off_curve = vote_input(open, &m);
    off_curve.enc_pub_key = ["1".into(), "2".into()];
    assert_eq!(refused(client.send_vote(off_curve).await), ErrorCode::InvalidParams.code());
    // Past its deadline on L1's clock (the phase is still open), then closed.
    operator.mine(6).await.unwrap();
    let block = block + 6;
    let e = error_object(client.send_vote(vote_input(short, &vote_message(4, 0, 1, short))).await);
    assert_eq!(e.code(), ErrorCode::VotingClosed.code());
    assert!(e.message().contains("deadline"), "{}", e.message());
    assert!(!client.get_poll(DecU64(short)).await.unwrap().unwrap().accepting_votes);
    assert_eq!(operator.block_number().await.unwrap(), block, "a refused vote sent an L1 transaction");
    polls.close_poll(short).await.unwrap();
    let block = block + 1;
    let e = error_object(client.send_vote(vote_input(short, &vote_message(5, 0, 1, short))).await);
    assert_eq!(e.code(), ErrorCode::VotingClosed.code());
    assert!(e.message().contains("processing"), "{}", e.message());
    assert_eq!(operator.block_number().await.unwrap(), block, "a refused vote sent an L1 transaction");
    assert_eq!(polls.poll(open).await.unwrap().unwrap().messages, 3);

    let metrics = scrape(node.metrics_addr().unwrap());
    let delta = |series: &str| metric(&metrics, series) - metric(&before, series);
    assert_eq!(delta("ccr_sequencer_votes_relayed_total"), 3, "{metrics}");
    assert_eq!(delta("ccr_sequencer_votes_rejected_total{reason=\"voting_closed\"}"), 2, "{metrics}");
    node.shutdown().await;
    l1.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_without_a_poll_contract_relays_no_votes() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (node, client) = launch(config(dir.path(), params(), None, Duration::from_millis(200))).await;
    let e = error_object(client.send_vote(vote_input(1, &vote_message(0, 0, 1, 1))).await);
    assert_eq!(e.code(), ErrorCode::VoteRelay.code());
    assert!(e.message().contains("no L1"), "{}", e.message());
    assert_eq!(error_object(client.get_poll(DecU64(1)).await).code(), ErrorCode::VoteRelay.code());
    node.shutdown().await;
}

/// The vote tests read the process-wide vote counters: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A message of a flood: a fresh ephemeral key per message, as an attacker would (and as
/// honest wallets do).
fn flood_message(i: u16, poll_id: u64) -> Message {
    let voter = PrivateKey::from_bytes([0x77; 32]);
    let command = Command {
        state_index: 0,
        new_pubkey: voter.public_key(),
        vote_option: 1,
        new_vote_weight: 1,
        nonce: 1,
        poll_id,
        salt: Fr::from(u64::from(i)),
    };
    let mut eph = [0x5a; 32];
    eph[..2].copy_from_slice(&i.to_be_bytes());
    Message::sign_and_encrypt(&command, &voter, &PrivateKey::from_bytes(eph), &coordinator().public_key())
        .unwrap()
}

/// The relay's limit refusal of `r`: `(limit, max)` from the error's data, after checking
/// its code.
#[track_caller]
fn limit_refusal<T: std::fmt::Debug>(r: Result<T, jsonrpsee::core::client::Error>) -> (String, u64) {
    let e = error_object(r);
    assert_eq!(e.code(), ErrorCode::VoteRelayLimit.code(), "{}", e.message());
    let data: serde_json::Value = serde_json::from_str(e.data().unwrap().get()).unwrap();
    (data["limit"].as_str().unwrap().to_owned(), data["max"].as_u64().unwrap())
}

/// Hole 9: every relayed vote costs the node's L1 account ≈ 352k gas. A flood with fresh
/// ephemeral keys stops at the poll's limit, a replayed message at the per-key limit, and
/// everything at the global window, each with `-32018` and counted; the per-poll and per-key
/// counts come from L1, so a restart does not reset them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_vote_relay_flood_drains_operator_gas() {
    let _serial = SERIAL.lock().await;
    let l1 = EmbeddedL1::start(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let url = l1.url();
    let operator = deploy_accepting_all(&url, dev_key(0)).await;
    let bank = operator.with_signer(&url, dev_key(1)).await.unwrap();
    let (pool, _) = bank.create_account(&member(9).public_key(), 0).await.unwrap();
    bank.register_bank(pool, 0, Fr::from(7u64), Fr::from(9u64)).await.unwrap();
    let (polls, _) = PollClient::deploy(&operator, &accept_all(), &accept_all(), SETUP).await.unwrap();
    let now = operator.latest_timestamp().await.unwrap();
    let bank_polls = PollClient::connect(&bank, polls.address());
    let mut open = Vec::new();
    for voters in [4, 4] {
        let poll = NewPoll {
            pool,
            options: 2,
            deadline: now + 3600,
            voice_credits: 100,
            coordinator: coordinator().public_key(),
            initial_sb: Fr::from(4242u64),
            voters,
            proposal: B256::ZERO,
        };
        open.push(bank_polls.create_poll(&poll).await.unwrap().0);
    }
    let (a, b) = (open[0], open[1]);

    // At most 1 message per voter (4 for these polls), 1 per key, 7 relays an hour.
    let limits = VoteRelayLimits {
        poll_max: 1024,
        per_voter: 1,
        per_key: 1,
        global_max: 7,
        window: Duration::from_secs(3600),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), l1_params(&operator), None, Duration::from_millis(200));
    cfg.l1 = Some(L1Config {
        client: operator.clone(),
        confirmations: 0,
        poll: Duration::from_millis(100),
        poll_contract: Some(polls.address()),
        fund_contract: None,
        vote_relay: limits,
    });
    let (node, client) = launch(cfg.clone()).await;
    let metrics_addr = node.metrics_addr().unwrap();
    let before = scrape(metrics_addr);
    let start_block = operator.block_number().await.unwrap();

    // A flood of poll a (bounded loop): 4 relayed, the other 8 refused by the poll's limit.
    let mut relayed = 0;
    for i in 0..12u16 {
        match client.send_vote(vote_input(a, &flood_message(i, a))).await {
            Ok(r) => {
                assert_eq!(r.index, relayed);
                relayed += 1;
            }
            Err(e) => assert_eq!(limit_refusal::<()>(Err(e)), ("poll".to_owned(), 4)),
        }
    }
    assert_eq!(relayed, 4, "the relay published every flood message");
    assert_eq!(polls.poll(a).await.unwrap().unwrap().messages, 4);
    assert_eq!(operator.block_number().await.unwrap(), start_block + 4, "a refused vote cost L1 gas");

    // A replay of one message (one encryption key) on poll b: the copy is refused.
    let m = flood_message(100, b);
    client.send_vote(vote_input(b, &m)).await.unwrap();
    assert_eq!(limit_refusal(client.send_vote(vote_input(b, &m)).await), ("key".to_owned(), 1));

    // The global window: 5 relayed, 2 more, then the node relays nothing for an hour.
    for i in 101..103 {
        client.send_vote(vote_input(b, &flood_message(i, b))).await.unwrap();
    }
    let e = error_object(client.send_vote(vote_input(b, &flood_message(103, b))).await);
    assert_eq!(e.code(), ErrorCode::VoteRelayLimit.code());
    let data: serde_json::Value = serde_json::from_str(e.data().unwrap().get()).unwrap();
    assert_eq!(
        (data["limit"].as_str(), data["max"].as_u64(), data["poll"].as_u64()),
        (Some("global"), Some(7), Some(b))
    );
    assert!((1..=3600).contains(&data["retryAfter"].as_u64().unwrap()), "{data}");
    assert_eq!(polls.poll(b).await.unwrap().unwrap().messages, 3);
    assert_eq!(operator.block_number().await.unwrap(), start_block + 7, "a refused vote cost L1 gas");

    let after = scrape(metrics_addr);
    let delta = |series: &str| metric(&after, series) - metric(&before, series);
    assert_eq!(delta("ccr_sequencer_votes_relayed_total"), 7, "{after}");
    assert_eq!(delta("ccr_sequencer_vote_relay_refused_total{limit=\"poll\"}"), 8, "{after}");
    assert_eq!(delta("ccr_sequencer_vote_relay_refused_total{limit=\"key\"}"), 1, "{after}");
    assert_eq!(delta("ccr_sequencer_vote_relay_refused_total{limit=\"global\"}"), 1, "{after}");
    assert_eq!(delta("ccr_sequencer_votes_rejected_total{reason=\"vote_relay_limit\"}"), 10, "{after}");

    // A restart: the poll's and the key's counts come back from L1; the global window is the
    // process's and starts empty.
    node.shutdown().await;
    let (node, client) = launch(cfg).await;
    assert_eq!(
        limit_refusal(client.send_vote(vote_input(a, &flood_message(12, a))).await),
        ("poll".to_owned(), 4)
    );
    assert_eq!(limit_refusal(client.send_vote(vote_input(b, &m)).await), ("key".to_owned(), 1));
    client.send_vote(vote_input(b, &flood_message(103, b))).await.unwrap();
    assert_eq!(
        limit_refusal(client.send_vote(vote_input(b, &flood_message(104, b))).await),
        ("poll".to_owned(), 4)
    );
    assert_eq!(operator.block_number().await.unwrap(), start_block + 8, "a refused vote cost L1 gas");
    node.shutdown().await;
    l1.stop().await;
}
