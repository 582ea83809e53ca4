//! The scenario's poll: the community bank proposes a new credit policy (the German policy with
//! a lower rate for its best tier), its members vote through the sequencer — one changes their
//! vote, one changes key, one overspends, one votes too late — the coordinator tallies with real
//! proofs, the result is verified, the proposal executed, and L1's bank policy is the new one.
//!
//! Every step is the wallet's library code (`ccr_wallet::poll`): the same as `ccr-wallet poll
//! create`, `vote`, `poll tally`, `poll result --verify` and `poll execute`.

use anyhow::Context;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::vote::{process, Command, Message, Outcome, SubmittedMessage};
use ccr_circuits::Fr;
use ccr_credit_policy::hash::policy_hash;
use ccr_credit_policy::{german_policy, Policy};
use ccr_prover::eligibility::network_shape_index;
use ccr_prover::ProvingKeyFile;
use ccr_verifier_contracts::rollup::BankProposal;
use ccr_wallet::bank_files::publish_loaded;
use ccr_wallet::credit::RegistryFile;
use ccr_wallet::l1ops::L1;
use ccr_wallet::poll::{self as wpoll, CreatePoll};
use ccr_wallet::sequencer::SequencerClient;
use ccr_wallet::vote::{PollFile, VoteChoice};
use ccr_wallet::WalletError;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::scenario::Member;
use crate::{Devnet, Say};

/// Voice credits of each member.
pub const VOICE_CREDITS: u64 = 100;
/// Seconds of voting after the poll's creation.
pub const VOTING_SECS: u64 = 600;
/// How much the proposal lowers the best tier's rate (basis points).
pub const RATE_CUT_BPS: u32 = 100;

/// What the poll step did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PollSummary {
    /// The poll's id.
    pub poll: u64,
    /// The bank's pool.
    pub bank: u32,
    /// Members (voters).
    pub voters: usize,
    /// The best tier's rate before and after.
    pub rate_bps: [u32; 2],
    /// Messages in the chain.
    pub messages: u64,
    /// Messages applied (the coordinator's secret view: the devnet plays the coordinator).
    pub applied: u64,
    /// The outcome of each message, in chain order (the coordinator's secret view, from the
    /// native processing; `poll tally` publishes nothing per message).
    pub outcomes: Vec<String>,
    /// Whether the sequencer refused the vote after the deadline.
    pub late_vote_refused: bool,
    /// Processing and tally proofs accepted by L1.
    pub proofs: [u64; 2],
    /// `[votes, spent]` against (0) and for (1).
    pub results: Vec<[u128; 2]>,
    /// Whether the published results equal the native tally of L1's messages.
    pub native_equal: bool,
    /// Checks of `poll result --verify`.
    pub verified: Vec<String>,
    /// Whether the proposal passed.
    pub passed: bool,
    /// The bank's policy hash on L1 after the execution equals the proposal's.
    pub policy_adopted: bool,
    /// Gas of executeProposal.
    pub execute_gas: u64,
}

/// The proposal: the German policy with [`RATE_CUT_BPS`] off its best tier's rate, its hash
/// recomputed, the same shape (so the same eligibility key: no setup) and registry; with the
/// files the bank publishes for it (the rollup's key of the shape among them).
#[allow(clippy::type_complexity)]
fn proposal(
    pk: ProvingKeyFile,
) -> anyhow::Result<(BankProposal, [u32; 2], (Policy, RegistryFile, ProvingKeyFile))> {
    let mut policy = german_policy()?;
    let before = policy.tiers.first().context("the policy has tiers")?.rate_bps;
    let after = before.saturating_sub(RATE_CUT_BPS).max(1);
    policy.tiers[0].rate_bps = after;
    policy.hash = policy_hash(&policy).to_string();
    let params = policy.circuit_params()?;
    let shape = network_shape_index(params.shape).context("the German policy has the production shape")?;
    let registry = RegistryFile::new(&[(0, PrivateKey::from_bytes([0xA7; 32]).public_key())])?;
    let root = registry.registry()?.root();
    let proposal = BankProposal::new(shape, params.hash(), root);
    Ok((proposal, [before, after], (policy, registry, pk)))
}

/// Runs the poll step on a devnet whose `bank` is a registered bank (the credit step) and
/// `voters` are its members.
///
/// # Errors
///
/// The first step that fails.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    devnet: &Devnet,
    seq: &SequencerClient,
    bank: &Member,
    bank_l1: &L1,
    voters: &[&Member],
    say: Say<'_>,
) -> anyhow::Result<PollSummary> {
    let pool = bank.index.context("the bank's account is open")?;
    let coordinator = crate::coordinator_keys()?;
    let (proposal, rate_bps, (policy, registry, pk)) = proposal(devnet.eligibility_pk.clone())?;
    // Published with the proposal, so members can check what they vote on.
    publish_loaded(&devnet.dir().join(crate::BANK_FILES_DIR), &policy, &registry, &pk)?;
    let polls = wpoll::poll_client(&bank_l1.client, devnet.polls.address());
    let now = bank_l1.client.latest_timestamp().await.map_err(|e| bank_l1.err(e))?;
    let req = CreatePoll {
        pool,
        members: voters.iter().map(|m| m.index.context("member account")).collect::<Result<_, _>>()?,
        options: 2,
        deadline: now + VOTING_SECS,
        voice_credits: VOICE_CREDITS,
        coordinator: coordinator.l2_public(),
        proposal: Some(proposal.clone()),
    };
    let (mut file, tx) = wpoll::create_poll(bank_l1, &polls, seq, &req).await?;
    let roster = devnet.dir().join(PollFile::file_name(file.poll_id));
    file.save(&roster)?;
    say(&format!(
        "   {} proposes its best tier at {} bps instead of {} (poll {}, {} members, {VOICE_CREDITS} voice credits each, gas {}); roster {}",
        bank.name,
        rate_bps[1],
        rate_bps[0],
        file.poll_id,
        voters.len(),
        tx.gas_used,
        roster.display()
    ));

    // Votes, each encrypted to the coordinator and relayed by the sequencer.
    let wallets = devnet.dir().join("wallets");
    std::fs::create_dir_all(&wallets)?;
    let mut rng = ChaCha20Rng::seed_from_u64(0x5073);
    let mut cast = |m: &Member, option: u64, weight: u64, new_key: bool| {
        let keystore = wallets.join(format!("{}.json", m.name));
        let choice = VoteChoice { option, weight, new_key };
        let file = file.clone();
        let key = m.keys.l2.clone();
        let mut r = ChaCha20Rng::seed_from_u64(rand::RngCore::next_u64(&mut rng));
        async move { wpoll::vote(seq, &keystore, &file, &key, choice, &mut r).await }
    };
    let (a, b, c) = (voters[0], voters[1], voters[2]);
    let sent = cast(a, 0, 2, false).await?;
    say(&format!("   {} votes 2 against (message {})", a.name, sent.index));
    let sent = cast(b, 1, 2, false).await?;
    say(&format!("   {} votes 2 for (message {})", b.name, sent.index));
    let sent = cast(c, 0, 2, false).await?;
    say(&format!("   {} votes 2 against (message {})", c.name, sent.index));
    let sent = cast(a, 1, 4, false).await?;
    say(&format!(
        "   {} changes their vote: 4 for (message {}; the earlier one no longer counts)",
        a.name, sent.index
    ));
    let sent = cast(b, 1, 3, true).await?;
    say(&format!(
        "   {} changes key (vote key generation {}) with 3 for (message {}): the message under the old key is void",
        b.name, sent.key_generation, sent.index
    ));
    // An overspending message (11² > 100), built by hand: the wallet refuses to build it.
    let poll = file.poll()?;
    let c_index = file.voter_index(&c.keys.l2_public()).context("carol is in the roster")?;
    let command = Command {
        state_index: c_index,
        new_pubkey: c.keys.l2_public(),
        vote_option: 1,
        new_vote_weight: 11,
        nonce: 1,
        poll_id: file.poll_id,
        salt: Fr::from(42u64),
    };
    let message = Message::sign_and_encrypt(
        &command,
        &c.keys.l2,
        &PrivateKey::random(&mut ChaCha20Rng::seed_from_u64(0xE7)),
        &poll.coordinator,
    )?;
    let answer = wpoll::send_vote_message(seq, file.poll_id, &message).await?;
    say(&format!(
        "   {} sends 11 for, 121 voice credits of 100 (message {}): the coordinator will ignore it",
        c.name, answer["index"]
    ));

    // Past the deadline (L1's clock: anvil's moved forward, the embedded L1's mined forward).
    devnet.operator.advance_time_past(file.deadline).await?;
    let late = cast(a, 0, 1, false).await;
    let late_vote_refused = matches!(late, Err(WalletError::Rejected { code: -32015, .. }));
    anyhow::ensure!(late_vote_refused, "a vote after the deadline was not refused: {late:?}");
    say("   a vote after the deadline: refused by the sequencer (voting_closed)");

    say("   the coordinator closes the poll and proves the processing and the tally (real Groth16 proofs) …");
    let coord_l1 =
        L1::connect(&devnet.l1_url, &coordinator, devnet.network.rollup, devnet.network.deploy_block).await?;
    let coord_polls = wpoll::poll_client(&coord_l1.client, devnet.polls.address());
    let t = wpoll::tally(
        &coord_l1,
        &coord_polls,
        &mut file,
        &coordinator.l2,
        &devnet.poll_process_pk,
        &devnet.poll_tally_pk,
        &mut |_| {},
    )
    .await?;
    file.save(&roster)?;
    say(&format!(
        "   {} processing and {} tally proof(s) accepted on L1 (gas {:?}); the roster file records the results and the salt, nothing per message",
        t.process_proofs, t.tally_proofs, t.gas
    ));

    // The native processing of L1's messages with the coordinator's key: the proven tally must
    // equal it. What became of each message is the coordinator's secret (published, it would be
    // a vote receipt): the devnet plays the coordinator and shows it as a demonstration only.
    let on_l1 = coord_polls.messages(file.poll_id).await?;
    let submitted: Vec<SubmittedMessage> =
        on_l1.iter().map(|m| SubmittedMessage { message: m.message, submitted_at: file.deadline }).collect();
    let native = process(&poll, &file.voters()?, &submitted, &coordinator.l2, Fr::from(0u64))?;
    let native_equal = native.tally.results.iter().map(|r| [r.votes, r.spent]).collect::<Vec<_>>()
        == t.results
        && native.outcomes.len() as u64 == t.messages;
    let outcomes: Vec<String> = native
        .outcomes
        .iter()
        .map(|o| match o {
            Outcome::Applied => "applied".to_owned(),
            Outcome::Ignored(r) => format!("ignored: {r}"),
        })
        .collect();
    let applied = native.outcomes.iter().filter(|o| matches!(o, Outcome::Applied)).count() as u64;
    say(&format!(
        "   the coordinator's secret view (never published; shown by the devnet only): {applied} of {} messages applied",
        t.messages
    ));
    for (i, o) in outcomes.iter().enumerate() {
        say(&format!("     message {i}: {o}"));
    }

    let reader =
        L1::connect(&devnet.l1_url, &voters[0].keys, devnet.network.rollup, devnet.network.deploy_block)
            .await?;
    let result =
        wpoll::result(&reader, &wpoll::poll_client(&reader.client, devnet.polls.address()), &file, true)
            .await?;
    let passed = result.passed.unwrap_or(false);
    say(&format!(
        "   result: against {} votes, for {} votes: the proposal {}; verified: {}",
        result.results[0][0],
        result.results[1][0],
        if passed { "PASSED" } else { "failed" },
        result.verified.join("; ")
    ));
    let exec = wpoll::execute(&reader, &file).await?;
    let bank_now =
        bank_l1.client.bank(pool).await.map_err(|e| bank_l1.err(e))?.context("the bank is registered")?;
    let policy_adopted = bank_now.policy_hash == proposal.policy_hash;
    say(&format!(
        "   {} executes the proposal (gas {}): bank {pool}'s policy on L1 is now {}… ({})",
        voters[0].name,
        exec.gas_used,
        &bank_now.policy_hash.to_string()[..12],
        if policy_adopted { "the proposal's" } else { "NOT the proposal's" }
    ));
    anyhow::ensure!(policy_adopted, "L1's bank policy is not the proposal's after executeProposal");
    Ok(PollSummary {
        poll: file.poll_id,
        bank: pool,
        voters: voters.len(),
        rate_bps,
        messages: t.messages,
        applied,
        outcomes,
        late_vote_refused,
        proofs: [t.process_proofs, t.tally_proofs],
        results: t.results,
        native_equal,
        verified: result.verified,
        passed,
        policy_adopted,
        execute_gas: exec.gas_used,
    })
}
