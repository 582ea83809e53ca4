//! Bank polls as library functions shared by the CLI and the devnet: a bank creates a poll
//! (optionally a proposal to change its policy), members vote through the sequencer, the
//! coordinator proves the tally and publishes the results, anyone verifies them and executes
//! a passed proposal. The files and message rules are in [`crate::vote`].

use std::path::Path;

use alloy_primitives::B256;
use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::vote::{results_commitment, Message, OptionResult};
use ccr_circuits::Fr;
use ccr_l1::client::L1Client;
use ccr_l1::poll::PollClient;
use ccr_prover::vote::{coordinate, Coordinated, CoordinatorStep, PollRun};
use ccr_rpc_api::wire::{fr_from_be_canonical, fr_to_hex};
use ccr_verifier_contracts::poll::{NewPoll, PollInfo, PollPhase, PollSetup};
use ccr_verifier_contracts::rollup::BankProposal;
use jsonrpsee::core::client::ClientT;
use jsonrpsee::rpc_params;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::error::WalletError;
use crate::l1ops::{L1Tx, L1};
use crate::sequencer::SequencerClient;
use crate::vote::{
    build_vote, fr_dec, parse_fr, point_dec, send_vote_params, PollFile, ProposalFile, RosterMember,
    VoteChoice, VoterPollState,
};

/// What `poll create` asks for.
#[derive(Debug, Clone)]
pub struct CreatePoll {
    /// The bank's pool account (the caller's L1 key must own it).
    pub pool: u32,
    /// The members' L2 accounts, in state-index order.
    pub members: Vec<u32>,
    /// Number of options (forced to 2 with a proposal).
    pub options: u32,
    /// Last second (unix time) of voting.
    pub deadline: u64,
    /// Voice credits per member.
    pub voice_credits: u64,
    /// The coordinator's public key.
    pub coordinator: Point,
    /// The bank parameters adopted if the poll passes.
    pub proposal: Option<BankProposal>,
}

/// The bank proposal a roster file keeps, parsed.
///
/// # Errors
///
/// [`WalletError::Config`] for a malformed entry.
pub fn proposal_of_file(p: &ProposalFile) -> Result<BankProposal, WalletError> {
    Ok(BankProposal {
        shape: p.shape,
        policy_hash: parse_fr("proposal policy hash", &p.policy_hash)?,
        registry_root: parse_fr("proposal registry root", &p.registry_root)?,
    })
}

fn proposal_file(p: &BankProposal) -> ProposalFile {
    ProposalFile {
        shape: p.shape,
        policy_hash: fr_dec(&p.policy_hash),
        registry_root: fr_dec(&p.registry_root),
        hash: format!("{:#x}", p.hash()),
    }
}

/// The member's sign-up key from the sequencer: `ccr_getAccount`'s key.
async fn member_key(seq: &SequencerClient, account: u32) -> Result<Point, WalletError> {
    let info = seq.account(account).await?.ok_or(WalletError::AccountNotFound { index: account })?;
    let parse = |s: &str| {
        ccr_rpc_api::wire::from_hex(s).ok().and_then(|b| fr_from_be_canonical(&b)).ok_or_else(|| {
            WalletError::Protocol { url: seq.url().to_owned(), reason: format!("account key {s:?}") }
        })
    };
    Ok(Point::new_unchecked(parse(&info.pubkey_x)?, parse(&info.pubkey_y)?))
}

/// Creates a poll from the bank owner's L1 account: reads the members' keys from the
/// sequencer, commits to the roster (`initial_sb`), sends `createPoll`, checks the
/// `PollCreated` event against the roster and returns the roster file (the caller saves it).
///
/// # Errors
///
/// [`WalletError::Config`] for an empty roster, a duplicate member or a roster that does not
/// fit the poll contract's trees; the sequencer's and L1's errors (`NotBankOwner`, ...).
pub async fn create_poll(
    l1: &L1,
    polls: &PollClient,
    seq: &SequencerClient,
    req: &CreatePoll,
) -> Result<(PollFile, L1Tx), WalletError> {
    if req.members.is_empty() {
        return Err(WalletError::Config("a poll needs members: pass --members 3,5,8".into()));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(dup) = req.members.iter().find(|m| !seen.insert(**m)) {
        return Err(WalletError::Config(format!("account {dup} is listed twice in --members")));
    }
    let setup: PollSetup = polls.setup().await.map_err(|e| l1.err(e))?;
    let options = if req.proposal.is_some() { 2 } else { req.options };
    let mut members = Vec::with_capacity(req.members.len());
    for &account in &req.members {
        members.push(RosterMember { account, pubkey: point_dec(&member_key(seq, account).await?) });
    }
    let mut file = PollFile {
        poll_contract: polls.address(),
        poll_id: 0,
        pool: req.pool,
        options,
        deadline: req.deadline,
        voice_credits: req.voice_credits,
        coordinator: point_dec(&req.coordinator),
        members,
        state_depth: setup.state_depth as usize,
        vote_depth: setup.vote_depth as usize,
        initial_sb: String::new(),
        proposal: req.proposal.as_ref().map(proposal_file),
        created_block: 0,
        tally: None,
    };
    let initial_sb = file.computed_initial_sb()?;
    file.initial_sb = fr_dec(&initial_sb);
    let new = NewPoll {
        pool: req.pool,
        options,
        deadline: req.deadline,
        voice_credits: req.voice_credits,
        coordinator: req.coordinator,
        initial_sb,
        voters: u32::try_from(file.members.len())
            .map_err(|_| WalletError::Config("too many members".into()))?,
        proposal: req.proposal.as_ref().map_or(B256::ZERO, BankProposal::hash),
    };
    let (id, tx) = polls.create_poll(&new).await.map_err(|e| l1.err(e))?;
    file.poll_id = id;
    file.created_block = tx.block;
    check_created(l1, polls, &file).await?;
    Ok((file, tx.into()))
}

/// Checks a roster file against L1's `PollCreated` event: the same poll parameters, and an
/// `initialSb` equal to the one recomputed from the roster's keys.
///
/// # Errors
///
/// [`WalletError::Config`] naming the first difference.
pub async fn check_created(l1: &L1, polls: &PollClient, file: &PollFile) -> Result<(), WalletError> {
    let created = polls.created(file.poll_id).await.map_err(|e| l1.err(e))?;
    let c = &created.poll;
    let sb = file.computed_initial_sb()?;
    let proposal = match &file.proposal {
        Some(p) => proposal_of_file(p)?.hash(),
        None => B256::ZERO,
    };
    let poll = file.poll()?;
    let checks = [
        ("the bank", c.pool == file.pool),
        ("the options", c.options == file.options),
        ("the deadline", c.deadline == file.deadline),
        ("the voice credits", c.voice_credits == file.voice_credits),
        ("the coordinator key", c.coordinator == poll.coordinator),
        ("the number of voters", c.voters as usize == file.members.len()),
        ("initialSb (recomputed from the roster's keys)", c.initial_sb == sb),
        ("the proposal", c.proposal == proposal),
    ];
    if let Some((what, _)) = checks.iter().find(|(_, ok)| !ok) {
        return Err(WalletError::Config(format!(
            "poll {} on L1 differs from the roster file in {what}: the file is not this poll's roster",
            file.poll_id
        )));
    }
    Ok(())
}

/// What `vote` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteSent {
    /// The poll.
    pub poll: u64,
    /// The voter's state index.
    pub voter: u64,
    /// The message's index in the poll's chain.
    pub index: u64,
    /// The chain after it (as the sequencer reported it).
    pub chain: String,
    /// The relaying L1 transaction (the sequencer's account sent it).
    pub l1_tx: String,
    /// Its block.
    pub block: u64,
    /// The voter's vote key generation after this vote.
    pub key_generation: u32,
}

/// Sends `message` through the sequencer's `ccr_sendVote`; returns the raw answer.
///
/// # Errors
///
/// [`WalletError::Rejected`] (`voting_closed`, `unknown_poll`, ...), unreachable sequencer.
pub async fn send_vote_message(
    seq: &SequencerClient,
    poll_id: u64,
    message: &Message,
) -> Result<serde_json::Value, WalletError> {
    seq.raw()
        .request::<serde_json::Value, _>("ccr_sendVote", rpc_params![send_vote_params(poll_id, message)])
        .await
        .map_err(|e| seq.map_err(e))
}

/// Votes: builds the message by the rules of [`crate::vote`], relays it through the sequencer
/// and, once L1 has it, saves the voter's state next to the keystore.
///
/// # Errors
///
/// As [`build_vote`] and [`send_vote_message`].
pub async fn vote<R: RngCore + CryptoRng>(
    seq: &SequencerClient,
    keystore: &Path,
    poll: &PollFile,
    spending: &PrivateKey,
    choice: VoteChoice,
    rng: &mut R,
) -> Result<VoteSent, WalletError> {
    let index = poll.voter_index(&spending.public_key()).ok_or_else(|| {
        WalletError::Config(format!(
            "this wallet's key is not in poll {}'s roster: only the bank's members listed at creation vote",
            poll.poll_id
        ))
    })?;
    let state = VoterPollState::load(keystore, poll, index)?;
    let (message, mut next) = build_vote(poll, &state, spending, choice, rng)?;
    let answer = send_vote_message(seq, poll.poll_id, &message).await?;
    let bad = |what: &str| WalletError::Protocol {
        url: seq.url().to_owned(),
        reason: format!("ccr_sendVote answered without {what}: {answer}"),
    };
    let msg_index = answer["index"].as_u64().ok_or_else(|| bad("index"))?;
    if let Some(v) = next.votes.last_mut() {
        v.index = Some(msg_index);
    }
    next.save(keystore)?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(VoteSent {
        poll: poll.poll_id,
        voter: index,
        index: msg_index,
        chain: text(&answer["chain"]),
        l1_tx: text(&answer["l1Tx"]),
        block: answer["block"].as_u64().unwrap_or(0),
        key_generation: next.key_generation,
    })
}

/// The coordinator's tally, as the roster file keeps it once published: only what L1 already
/// holds (the results `publishResults` stored and the salt in its calldata).
///
/// It never holds what became of each message: the roster file is given to members and
/// auditors, and a per-message outcome would be a vote receipt (a briber who saw message `i`
/// would learn whether the bribed vote counted, which MACI's processing exists to hide). Those
/// outcomes stay in the coordinator's memory ([`Coordinated`]) and are never written anywhere.
/// A file written before this rule (with an `outcomes` list) still loads; saving it drops them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TallyFile {
    /// `[votes, spent]` per option (decimal).
    pub results: Vec<[String; 2]>,
    /// Σ spent.
    pub total_spent: String,
    /// The salt of the results commitment (decimal; public once the results are).
    pub salt: String,
}

/// What `poll tally` records in the roster file from the coordinator's proven tally: the results
/// and the salt, both public on L1 once published. Nothing per message (see [`TallyFile`]).
pub fn tally_record(proven: &Coordinated) -> TallyFile {
    TallyFile {
        results: proven.results.iter().map(|r| [r.votes.to_string(), r.spent.to_string()]).collect(),
        total_spent: proven.total_spent.to_string(),
        salt: fr_dec(&proven.salt),
    }
}

impl TallyFile {
    /// The results, parsed.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a malformed entry.
    pub fn results(&self) -> Result<Vec<OptionResult>, WalletError> {
        let n = |s: &String| {
            s.parse::<u128>().map_err(|e| WalletError::Config(format!("tally result {s:?}: {e}")))
        };
        self.results.iter().map(|[v, s]| Ok(OptionResult { votes: n(v)?, spent: n(s)? })).collect()
    }
}

/// What `poll tally` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tallied {
    /// The poll.
    pub poll: u64,
    /// Messages in the chain (without padding; public on L1). How many of them were applied is
    /// not reported: with the chain's public indices it narrows down whose votes counted.
    pub messages: u64,
    /// Processing proofs accepted by L1.
    pub process_proofs: u64,
    /// Tally proofs accepted by L1.
    pub tally_proofs: u64,
    /// `[votes, spent]` per option.
    pub results: Vec<[u128; 2]>,
    /// L1 gas of every transaction (close, process…, tally…, publish).
    pub gas: Vec<u64>,
}

/// The coordinator's deterministic randomness for poll `poll_id`: a ChaCha20 stream seeded with
/// `Poseidon([domain, sk_hi, sk_lo, poll_id])` of the coordinator's secret seed. The salts it
/// draws stay as secret as the key; a rerun draws the same ones.
fn tally_rng(coordinator: &PrivateKey, poll_id: u64) -> rand_chacha::ChaCha20Rng {
    use ark_ff::{BigInteger, PrimeField};
    use rand::SeedableRng;
    let seed = coordinator.expose_bytes();
    let half = |b: &[u8]| {
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        Fr::from(u128::from_be_bytes(a))
    };
    let h = ccr_circuits::poseidon::hash_n(&[
        Fr::from_be_bytes_mod_order(b"ccr-poll-tally"),
        half(&seed[..16]),
        half(&seed[16..]),
        Fr::from(poll_id),
    ]);
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&h.into_bigint().to_bytes_le());
    rand_chacha::ChaCha20Rng::from_seed(bytes)
}

/// How many of the processing and tally steps (in submission order) L1 has already taken.
fn steps_done(info: &PollInfo, proven: &Coordinated) -> (usize, usize) {
    let (n_process, n_tally) = (proven.process.len(), proven.tally.len());
    match info.phase {
        // Processing counts down: the batches above `next_process_batch` are done.
        PollPhase::Processing => {
            (proven.process.iter().take_while(|s| s.batch > info.next_process_batch).count(), 0)
        }
        PollPhase::Tallying => (n_process, info.next_tally_batch.min(n_tally as u64) as usize),
        PollPhase::Tallied | PollPhase::Published => (n_process, n_tally),
        PollPhase::None | PollPhase::Open => (0, 0),
    }
}

/// The coordinator's work: closes the poll (after its deadline), reads every message from L1,
/// proves the processing and the tally ([`coordinate`]), submits the processing proofs last
/// batch first, the tally proofs first batch first, publishes the results, and records them
/// with their salt in the roster file (`file.tally`, [`tally_record`]: nothing per message).
///
/// Rerunning it after a crash or a failed submission finishes the job: the salts and the proofs'
/// randomness derive from the coordinator's key and the poll (`tally_rng`), so the rerun
/// recomputes the same commitments, checks those L1 holds are its own, and submits only the
/// steps L1 has not taken.
///
/// # Errors
///
/// [`WalletError::Config`] before the deadline, for a wrong coordinator key or a roster that
/// is not the poll's; the prover's and L1's errors.
#[allow(clippy::too_many_arguments)]
pub async fn tally(
    l1: &L1,
    polls: &PollClient,
    file: &mut PollFile,
    coordinator: &PrivateKey,
    process_pk: &ProvingKey<Bn254>,
    tally_pk: &ProvingKey<Bn254>,
    progress: &mut (dyn FnMut(CoordinatorStep) + Send),
) -> Result<Tallied, WalletError> {
    let id = file.poll_id;
    check_created(l1, polls, file).await?;
    let poll = file.poll()?;
    if coordinator.public_key() != poll.coordinator {
        return Err(WalletError::Config(format!(
            "this keystore's key is not poll {id}'s coordinator key: pass the coordinator's --keystore"
        )));
    }
    let setup = polls.setup().await.map_err(|e| l1.err(e))?;
    let info = polls.poll(id).await.map_err(|e| l1.err(e))?.ok_or_else(|| {
        WalletError::Config(format!("there is no poll {id} on L1 at {:#x}", polls.address()))
    })?;
    let mut gas = Vec::new();
    if info.phase == PollPhase::Open {
        let now = l1.client.latest_timestamp().await.map_err(|e| l1.err(e))?;
        if now <= file.deadline {
            return Err(WalletError::Config(format!(
                "poll {id} is open until {} (L1's time is {now}): tally after the deadline",
                file.deadline
            )));
        }
        gas.push(polls.close_poll(id).await.map_err(|e| l1.err(e))?.gas_used);
    }
    let messages: Vec<Message> =
        polls.messages(id).await.map_err(|e| l1.err(e))?.into_iter().map(|m| m.message).collect();
    let voters = file.voters()?;
    let params = ccr_circuits::vote::trees::VoteParams {
        state_depth: setup.state_depth as usize,
        vote_depth: setup.vote_depth as usize,
        batch_size: setup.batch_size as usize,
    };
    let tally_batch = setup.tally_batch_size as usize;
    let (coord, ppk, tpk) = (coordinator.clone(), process_pk.clone(), tally_pk.clone());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let msgs = messages.clone();
    // Salts and proof randomness from the coordinator's key and the poll: a second run after a
    // crash recomputes the same commitments, so the steps L1 already took are recognised.
    let mut rng = tally_rng(coordinator, id);
    let task = tokio::task::spawn_blocking(move || {
        let run = PollRun { poll, voters: &voters, messages: &msgs, coordinator: &coord };
        coordinate(&run, &ppk, params, &tpk, tally_batch, &mut rng, &mut |s| {
            let _ = tx.send(s);
        })
    });
    while let Some(step) = rx.recv().await {
        progress(step);
    }
    let proven = task
        .await
        .map_err(|e| WalletError::Config(format!("the prover task failed: {e}")))?
        .map_err(|e| WalletError::Config(format!("the coordinator cannot prove poll {id}: {e}")))?;
    // Resume where L1 is: skip the steps an earlier run submitted (their results must be ours).
    let info = polls.poll(id).await.map_err(|e| l1.err(e))?.ok_or_else(|| {
        WalletError::Config(format!("there is no poll {id} on L1 at {:#x}", polls.address()))
    })?;
    let (skip_process, skip_tally) = steps_done(&info, &proven);
    let on_chain = |what: &str, ours: Option<Fr>, theirs: Fr| {
        if ours.is_some_and(|ours| ours != theirs) {
            return Err(WalletError::Config(format!(
                "poll {id}: L1's {what} is not this coordinator's: another key or run submitted it, \
                 and this run cannot continue it"
            )));
        }
        Ok(())
    };
    if skip_process > 0 {
        on_chain(
            "state-and-ballot commitment",
            proven.process.get(skip_process - 1).map(|s| s.after),
            info.sb,
        )?;
    }
    if skip_tally > 0 {
        on_chain("tally commitment", proven.tally.get(skip_tally - 1).map(|s| s.after), info.tally)?;
    }
    for step in &proven.process[skip_process..] {
        gas.push(polls.process_messages(id, step.after, &step.proof).await.map_err(|e| l1.err(e))?.gas_used);
    }
    for step in &proven.tally[skip_tally..] {
        gas.push(polls.tally_votes(id, step.after, &step.proof).await.map_err(|e| l1.err(e))?.gas_used);
    }
    if info.phase != PollPhase::Published {
        gas.push(
            polls.publish_results(id, &proven.results, proven.salt).await.map_err(|e| l1.err(e))?.gas_used,
        );
    }
    file.tally = Some(tally_record(&proven));
    Ok(Tallied {
        poll: id,
        messages: messages.len() as u64,
        process_proofs: proven.process.len() as u64,
        tally_proofs: proven.tally.len() as u64,
        results: proven.results.iter().map(|r| [r.votes, r.spent]).collect(),
        gas,
    })
}

/// A poll's published result, and what `--verify` checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PollResult {
    /// The poll.
    pub poll: u64,
    /// The option with the most votes.
    pub winner: u32,
    /// `[votes, spent]` per option.
    pub results: Vec<[u128; 2]>,
    /// Σ spent.
    pub total_spent: u128,
    /// For a proposal: whether it passed (votes for > votes against).
    pub passed: Option<bool>,
    /// The checks `--verify` made (empty without it).
    pub verified: Vec<String>,
}

/// Reads poll `file.poll_id`'s published result; with `verify`, checks from L1 and the roster
/// alone: that the roster's keys give L1's `initialSb` (and the roster's parameters the
/// `PollCreated` event's), that the results L1 stored open L1's proven tally commitment with the
/// salt of the `publishResults` transaction's calldata, and L1's verdict on the proposal. The
/// roster file's `tally` record (if any) is not needed; when present it must agree with L1.
///
/// # Errors
///
/// [`WalletError::Config`] when nothing is published yet; [`WalletError::ProofInvalid`] for a
/// failed check.
pub async fn result(
    l1: &L1,
    polls: &PollClient,
    file: &PollFile,
    verify: bool,
) -> Result<PollResult, WalletError> {
    let id = file.poll_id;
    let outcome = polls.result_of(id).await.map_err(|e| l1.err(e))?.ok_or_else(|| {
        WalletError::Config(format!(
            "poll {id} has no published result yet: the coordinator runs `poll tally`"
        ))
    })?;
    let status = polls.proposal_of(id).await.map_err(|e| l1.err(e))?;
    let passed = (file.proposal.is_some() || status.proposal != B256::ZERO).then_some(status.passed);
    let mut verified = Vec::new();
    if verify {
        let fail = |what: String| WalletError::ProofInvalid(format!("poll {id}: {what}"));
        check_created(l1, polls, file).await.map_err(|e| fail(e.to_string()))?;
        verified.push("initialSb recomputed from the roster's keys equals PollCreated's".to_owned());
        if let Some(t) = &file.tally {
            if t.results()? != outcome.results {
                return Err(fail("the roster file's results differ from L1's".into()));
            }
        }
        verified.extend(verify_published(l1, polls, id).await?.unwrap_or_default());
    }
    Ok(PollResult {
        poll: id,
        winner: outcome.winner,
        results: outcome.results.iter().map(|r| [r.votes, r.spent]).collect(),
        total_spent: outcome.total_spent,
        passed,
        verified,
    })
}

/// The checks of a published poll that need nothing but L1 (`audit` makes them for every
/// poll): the results L1 stored open L1's proven tally commitment with the salt of the
/// `publishResults` transaction's calldata, and L1's verdict on the proposal agrees with them.
/// `None` when poll `id` has no published result.
///
/// # Errors
///
/// [`WalletError::ProofInvalid`] for a failed check; L1's errors.
pub async fn verify_published(
    l1: &L1,
    polls: &PollClient,
    id: u64,
) -> Result<Option<Vec<String>>, WalletError> {
    let fail = |what: String| WalletError::ProofInvalid(format!("poll {id}: {what}"));
    let Some(outcome) = polls.result_of(id).await.map_err(|e| l1.err(e))? else { return Ok(None) };
    let status = polls.proposal_of(id).await.map_err(|e| l1.err(e))?;
    let info = polls.poll(id).await.map_err(|e| l1.err(e))?.ok_or_else(|| fail("no poll on L1".into()))?;
    let mut verified = Vec::new();
    match polls.published_salt(id).await.map_err(|e| l1.err(e))? {
        Some(salt) => {
            if results_commitment(&outcome.results, salt) != info.tally {
                return Err(fail("the published results do not open the proven tally commitment".into()));
            }
            verified.push(format!(
                "the results open the tally commitment {} that the tally proofs established \
                 (salt from the publishResults transaction)",
                fr_to_hex(&info.tally)
            ));
        }
        None => verified.push(format!(
            "the results were published through another contract: their opening of the tally \
             commitment {} was checked by Poll.publishResults only",
            fr_to_hex(&info.tally)
        )),
    }
    if status.proposal != B256::ZERO {
        let p = status.passed;
        let expect = outcome.results.len() == 2 && outcome.results[1].votes > outcome.results[0].votes;
        if p != expect {
            return Err(fail(format!("L1 says passed = {p}, the results say {expect}")));
        }
        verified.push(format!(
            "the proposal {} (for > against is {expect})",
            if p { "passed" } else { "failed" }
        ));
    }
    Ok(Some(verified))
}

/// Executes poll `file.poll_id`'s passed proposal: the bank's eligibility key, policy and
/// registry become the proposal's (anyone may send it).
///
/// # Errors
///
/// [`WalletError::Config`] for a poll without a proposal; L1's refusals
/// (`ProposalNotPassed`, `ProposalAlreadyExecuted`, ...).
pub async fn execute(l1: &L1, file: &PollFile) -> Result<L1Tx, WalletError> {
    let p = file
        .proposal
        .as_ref()
        .ok_or_else(|| WalletError::Config(format!("poll {} has no proposal to execute", file.poll_id)))?;
    let proposal = proposal_of_file(p)?;
    let tx = l1.client.execute_proposal(file.poll_id, &proposal).await.map_err(|e| l1.err(e))?;
    Ok(tx.into())
}

/// The L1 client of the poll contract for `l1`.
pub fn poll_client(l1: &L1Client, address: alloy_primitives::Address) -> PollClient {
    PollClient::connect(l1, address)
}

/// The current `[votes, spent]` as text lines.
pub fn results_text(results: &[[u128; 2]], proposal: bool) -> String {
    results
        .iter()
        .enumerate()
        .map(|(i, [v, s])| {
            let name = match (proposal, i) {
                (true, 0) => " (against)",
                (true, 1) => " (for)",
                _ => "",
            };
            format!("option {i}{name}: {v} votes, {s} voice credits")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses a coordinator public key given as `X,Y` (decimal or `0x` hex).
///
/// # Errors
///
/// [`WalletError::InvalidKey`].
pub fn parse_coordinator(s: &str) -> Result<Point, WalletError> {
    let bad = || {
        WalletError::InvalidKey(format!(
            "--coordinator {s:?}: give the public key as X,Y (decimal or 0x hex)"
        ))
    };
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    let one = |t: &str| -> Result<Fr, WalletError> {
        let t = t.trim();
        if t.starts_with("0x") {
            ccr_rpc_api::wire::from_hex(t).ok().and_then(|b| fr_from_be_canonical(&b)).ok_or_else(bad)
        } else {
            parse_fr("--coordinator", t).map_err(|_| bad())
        }
    };
    let p = Point::new_unchecked(one(x)?, one(y)?);
    if !ccr_circuits::vote::cipher::is_valid_public_key(&p) {
        return Err(bad());
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccr_prover::vote::ProvenStep;

    fn step(batch: u64) -> ProvenStep {
        ProvenStep {
            batch,
            after: Fr::from(batch + 1),
            public_input: Fr::from(0u64),
            proof: Default::default(),
        }
    }

    fn info(phase: PollPhase, next_process_batch: u64, next_tally_batch: u64) -> PollInfo {
        PollInfo {
            pool: 0,
            options: 2,
            voters: 3,
            deadline: 0,
            voice_credits: 100,
            phase,
            messages: 9,
            batches: 3,
            next_process_batch,
            next_tally_batch,
            coordinator_hash: Fr::from(0u64),
            coordinator: ccr_circuits::babyjubjub::BASE8,
            chain: Fr::from(0u64),
            sb: Fr::from(0u64),
            tally: Fr::from(0u64),
            proposal: B256::ZERO,
        }
    }

    #[test]
    fn a_rerun_skips_the_steps_l1_took() {
        // Three message batches proven last first, two ballot batches first first.
        let proven = Coordinated {
            process: vec![step(2), step(1), step(0)],
            tally: vec![step(0), step(1)],
            results: Vec::new(),
            total_spent: 0,
            salt: Fr::from(0u64),
            outcomes: Vec::new(),
        };
        assert_eq!(steps_done(&info(PollPhase::Open, 0, 0), &proven), (0, 0));
        // Closed, nothing processed: batch 2 is next.
        assert_eq!(steps_done(&info(PollPhase::Processing, 2, 0), &proven), (0, 0));
        assert_eq!(steps_done(&info(PollPhase::Processing, 1, 0), &proven), (1, 0));
        assert_eq!(steps_done(&info(PollPhase::Processing, 0, 0), &proven), (2, 0));
        assert_eq!(steps_done(&info(PollPhase::Tallying, 0, 0), &proven), (3, 0));
        assert_eq!(steps_done(&info(PollPhase::Tallying, 0, 1), &proven), (3, 1));
        assert_eq!(steps_done(&info(PollPhase::Tallied, 0, 2), &proven), (3, 2));
        assert_eq!(steps_done(&info(PollPhase::Published, 0, 2), &proven), (3, 2));
    }

    #[test]
    fn the_tally_randomness_is_the_coordinators_and_the_polls() {
        use rand::RngCore;
        let a = PrivateKey::from_bytes([1; 32]);
        let b = PrivateKey::from_bytes([2; 32]);
        let draw = |k: &PrivateKey, id: u64| tally_rng(k, id).next_u64();
        assert_eq!(draw(&a, 1), draw(&a, 1), "a rerun draws the same salts");
        assert_ne!(draw(&a, 1), draw(&a, 2));
        assert_ne!(draw(&a, 1), draw(&b, 1));
    }
}
