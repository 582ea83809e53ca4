//! A member's and a bank's side of a poll, as files and pure functions (no network): the
//! derived vote keys, the roster file a bank writes when it creates a poll, the voter's small
//! per-poll state file, and the signed and encrypted vote message.
//!
//! # The rules a wallet must follow (the native rules of `ccr_circuits::vote::tally`)
//!
//! The coordinator processes a poll's messages **newest first**, each checked against the
//! voter's key as the messages processed before it left it (the sign-up key at the start).
//! So the wallet sends every vote as one message that is processed first among the voter's:
//! signed with the **sign-up key** (the wallet's spending key, which the roster names) and
//! with nonce 1. It replaces everything the voter sent before (the older messages then need
//! nonce 2 and fail), which is how a vote is changed. The message's new key is the voter's
//! current vote key: `vote --new-key` moves to the next derived key ([`vote_key`]), so every
//! message sent before it, now checked against a key that never signed it, is ignored even if
//! a briber holds a copy to replay. Derived keys are recomputed from the spending key and are not
//! stored; the voter's state file ([`VoterPollState`]) is nevertheless **secret**: it records how
//! the member voted (options, weights, key changes), which is exactly what a briber wants to
//! see. It is written atomically with permissions 0600, says so in its `secret` field, and its
//! types redact themselves in `Debug`.

use std::fmt;
use std::path::{Path, PathBuf};

use alloy_primitives::Address;
use ark_ff::{BigInteger, PrimeField};
use ccr_circuits::babyjubjub::eddsa::PrivateKey;
use ccr_circuits::babyjubjub::Point;
use ccr_circuits::vote::cipher::is_valid_public_key;
use ccr_circuits::vote::trees::{initial_sb, VoteParams};
use ccr_circuits::vote::{Command, Message, Poll, VoterState};
use ccr_circuits::{poseidon, Fr};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::error::WalletError;
use crate::fsutil::{parent_dir, write_private_atomic};

/// Domain tag of the vote key derivation: the field element of the ASCII bytes `ccr-vote-key`.
fn vote_key_domain() -> Fr {
    Fr::from_be_bytes_mod_order(b"ccr-vote-key")
}

/// The voter's vote key of generation `n` in poll `poll_id`: generation 0 is the spending key
/// itself (the roster's key); generation `n ≥ 1` is
/// `Poseidon([domain, seed_hi, seed_lo, poll_id, n])` of the spending key's 32-byte seed (two
/// 128-bit halves), as the next private key's seed (little-endian bytes).
pub fn vote_key(spending: &PrivateKey, poll_id: u64, n: u32) -> PrivateKey {
    if n == 0 {
        return spending.clone();
    }
    let seed = spending.expose_bytes();
    let mut hi = [0u8; 16];
    let mut lo = [0u8; 16];
    hi.copy_from_slice(&seed[..16]);
    lo.copy_from_slice(&seed[16..]);
    let h = poseidon::hash_n(&[
        vote_key_domain(),
        Fr::from(u128::from_be_bytes(hi)),
        Fr::from(u128::from_be_bytes(lo)),
        Fr::from(poll_id),
        Fr::from(u64::from(n)),
    ]);
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&h.into_bigint().to_bytes_le());
    PrivateKey::from_bytes(bytes)
}

/// A field element as the poll files spell it: decimal.
pub fn fr_dec(x: &Fr) -> String {
    x.to_string()
}

/// Parses a decimal field element below the modulus.
///
/// # Errors
///
/// [`WalletError::Config`] naming `what`.
pub fn parse_fr(what: &str, s: &str) -> Result<Fr, WalletError> {
    ccr_circuits::field::parse(s.trim()).map_err(|e| WalletError::Config(format!("{what}: {e}")))
}

/// A public key as the poll files spell it: `[x, y]` in decimal.
pub fn point_dec(p: &Point) -> [String; 2] {
    [fr_dec(&p.x), fr_dec(&p.y)]
}

/// Parses `[x, y]` into a valid Baby Jubjub public key.
///
/// # Errors
///
/// [`WalletError::Config`] for a malformed or invalid key.
pub fn parse_point(what: &str, p: &[String; 2]) -> Result<Point, WalletError> {
    let point = Point::new_unchecked(parse_fr(what, &p[0])?, parse_fr(what, &p[1])?);
    if !is_valid_public_key(&point) {
        return Err(WalletError::Config(format!("{what}: not a valid Baby Jubjub public key")));
    }
    Ok(point)
}

/// A member of a poll's roster: their L2 account and its key (their sign-up key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RosterMember {
    /// The L2 account.
    pub account: u32,
    /// Its public key `[x, y]` (decimal), as `ccr_getAccount` gave it when the poll was created.
    pub pubkey: [String; 2],
}

/// A proposal's bank parameters, as the roster file keeps them (so anyone can execute it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalFile {
    /// The new policy's shape (L1's shape number: its eligibility key is the rollup's).
    pub shape: u8,
    /// The new policy's hash (decimal).
    pub policy_hash: String,
    /// The attester registry root (decimal).
    pub registry_root: String,
    /// `keccak256(abi.encode(shape, policyHash, registryRoot))`, `0x` hex, as on L1.
    pub hash: String,
}

/// The roster file `poll-<id>.json` that `poll create` writes: everything a voter, the
/// coordinator and an auditor need that L1 holds only as a commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PollFile {
    /// The poll contract.
    pub poll_contract: Address,
    /// The poll's id.
    pub poll_id: u64,
    /// The bank's pool account.
    pub pool: u32,
    /// Number of options (2 for a proposal: 0 against, 1 for).
    pub options: u32,
    /// Last second (unix time) at which L1 accepts a message.
    pub deadline: u64,
    /// Voice credits of each member.
    pub voice_credits: u64,
    /// The coordinator's public key `[x, y]` (decimal).
    pub coordinator: [String; 2],
    /// The members by state index.
    pub members: Vec<RosterMember>,
    /// The state and ballot trees' shape of the poll contract.
    pub state_depth: usize,
    /// Depth of a ballot's votes tree.
    pub vote_depth: usize,
    /// The initial `sb` of the roster (decimal), as createPoll stored it.
    pub initial_sb: String,
    /// The proposal, for a 2-option proposal poll.
    pub proposal: Option<ProposalFile>,
    /// The L1 block of `createPoll`.
    pub created_block: u64,
    /// The coordinator's published tally with its salt (written by `poll tally`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tally: Option<crate::poll::TallyFile>,
}

impl PollFile {
    /// The file name of poll `id`: `poll-<id>.json`.
    pub fn file_name(id: u64) -> String {
        format!("poll-{id}.json")
    }

    /// The native poll.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a bad coordinator key.
    pub fn poll(&self) -> Result<Poll, WalletError> {
        Ok(Poll {
            id: self.poll_id,
            options: self.options,
            deadline: self.deadline,
            voice_credits: self.voice_credits,
            coordinator: parse_point("the roster's coordinator key", &self.coordinator)?,
        })
    }

    /// The members' starting states, by state index.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a bad member key.
    pub fn voters(&self) -> Result<Vec<VoterState>, WalletError> {
        let poll = self.poll()?;
        self.members
            .iter()
            .map(|m| Ok(poll.voter(parse_point(&format!("member account {}", m.account), &m.pubkey)?)))
            .collect()
    }

    /// The roster's initial `sb`, recomputed from the members' keys.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a roster that does not fit the trees.
    pub fn computed_initial_sb(&self) -> Result<Fr, WalletError> {
        let params = VoteParams { state_depth: self.state_depth, vote_depth: self.vote_depth, batch_size: 1 };
        initial_sb(&self.voters()?, &params).map_err(|e| WalletError::Config(format!("the roster: {e}")))
    }

    /// The state index of the member whose sign-up key is `pubkey`.
    pub fn voter_index(&self, pubkey: &Point) -> Option<u64> {
        let key = point_dec(pubkey);
        self.members.iter().position(|m| m.pubkey == key).map(|i| i as u64)
    }

    /// Reads a roster file.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] naming the file and what to do.
    pub fn load(path: &Path) -> Result<Self, WalletError> {
        let bytes = std::fs::read(path).map_err(|e| {
            WalletError::Config(format!(
                "cannot read the poll file {}: {e} (the bank's `poll create` writes it; pass --poll-file FILE)",
                path.display()
            ))
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|e| WalletError::Config(format!("poll file {}: {e}", path.display())))
    }

    /// Writes the file crash-safely (pretty JSON).
    ///
    /// # Errors
    ///
    /// [`WalletError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), WalletError> {
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|e| WalletError::Config(format!("serializing the poll file: {e}")))?;
        json.push(b'\n');
        write_private_atomic(path, &json).map_err(|(p, e)| WalletError::io(&p, e))
    }
}

/// A vote the wallet sent, as its state file remembers it. Secret (how the member voted):
/// `Debug` shows only its chain index.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentVote {
    /// The option.
    pub option: u64,
    /// The weight (votes); it costs `weight²` voice credits.
    pub weight: u64,
    /// The command's nonce (1: processed first among the voter's messages).
    pub nonce: u64,
    /// The generation of the key that signed it (0: the sign-up key).
    pub signer_generation: u32,
    /// The generation of the key it installs.
    pub new_key_generation: u32,
    /// Its index in the poll's message chain, once L1 has it.
    pub index: Option<u64>,
}

impl fmt::Debug for SentVote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentVote").field("index", &self.index).finish_non_exhaustive()
    }
}

/// The label every voter state file carries in its `secret` field.
pub const VOTER_STATE_LABEL: &str =
    "SECRET: how this wallet voted in this poll (options, weights, key changes). \
     Never share or publish this file: it would prove your vote to a briber.";

fn voter_state_label() -> String {
    VOTER_STATE_LABEL.to_owned()
}

/// The voter's per-poll state: `NAME.poll-<id>.json` next to the keystore. **Secret**: it says
/// how the member voted. Written with permissions 0600 ([`VoterPollState::save`]), labelled by
/// its `secret` field, and `Debug` shows only the poll, the voter index and how many votes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoterPollState {
    /// The label saying the file is secret ([`VOTER_STATE_LABEL`]; rewritten on every save).
    #[serde(default = "voter_state_label")]
    pub secret: String,
    /// The poll contract.
    pub poll_contract: Address,
    /// The poll.
    pub poll_id: u64,
    /// The voter's state index in the roster.
    pub voter_index: u64,
    /// The generation of the voter's current vote key ([`vote_key`]).
    pub key_generation: u32,
    /// The votes sent, oldest first.
    pub votes: Vec<SentVote>,
}

impl fmt::Debug for VoterPollState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoterPollState")
            .field("poll_contract", &self.poll_contract)
            .field("poll_id", &self.poll_id)
            .field("voter_index", &self.voter_index)
            .field("votes", &format_args!("<{} redacted>", self.votes.len()))
            .finish_non_exhaustive()
    }
}

impl VoterPollState {
    /// The state file of poll `poll_id` for the keystore at `keystore`.
    pub fn path_for(keystore: &Path, poll_id: u64) -> PathBuf {
        let stem = keystore.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        parent_dir(keystore).join(format!("{stem}.poll-{poll_id}.json"))
    }

    /// A fresh state for voter `voter_index` of `poll`.
    pub fn new(poll: &PollFile, voter_index: u64) -> Self {
        Self {
            secret: voter_state_label(),
            poll_contract: poll.poll_contract,
            poll_id: poll.poll_id,
            voter_index,
            key_generation: 0,
            votes: Vec::new(),
        }
    }

    /// Reads the state of `poll` (a fresh one if there is no file), checking it is this poll's.
    ///
    /// # Errors
    ///
    /// [`WalletError::Io`]; [`WalletError::State`] for a malformed file or another poll's.
    pub fn load(keystore: &Path, poll: &PollFile, voter_index: u64) -> Result<Self, WalletError> {
        let path = Self::path_for(keystore, poll.poll_id);
        let state: Self = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| WalletError::State {
                path: path.clone(),
                reason: format!("{e}; fix it (deleting it forgets your vote key changes)"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::new(poll, voter_index)),
            Err(e) => return Err(WalletError::io(&path, e)),
        };
        if state.poll_contract != poll.poll_contract || state.voter_index != voter_index {
            return Err(WalletError::State {
                path,
                reason: format!(
                    "it is for poll contract {:#x} voter {}, not {:#x} voter {voter_index}: move it away",
                    state.poll_contract, state.voter_index, poll.poll_contract
                ),
            });
        }
        Ok(state)
    }

    /// Writes the state crash-safely (a temporary file renamed into place) with permissions
    /// 0600, labelled secret.
    ///
    /// # Errors
    ///
    /// [`WalletError::Io`].
    pub fn save(&self, keystore: &Path) -> Result<(), WalletError> {
        let path = Self::path_for(keystore, self.poll_id);
        let labelled = Self { secret: voter_state_label(), ..self.clone() };
        let json = serde_json::to_vec_pretty(&labelled)
            .map_err(|e| WalletError::State { path: path.clone(), reason: e.to_string() })?;
        write_private_atomic(&path, &json).map_err(|(p, e)| WalletError::io(&p, e))
    }
}

/// What a voter asks: a weight on an option, and whether to move to a new vote key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteChoice {
    /// The option.
    pub option: u64,
    /// The weight.
    pub weight: u64,
    /// Move to the next derived vote key (every earlier message becomes void).
    pub new_key: bool,
}

/// Builds the voter's next message (see the [module documentation](self) for the rules) and
/// the state after it; the caller saves the state once L1 has the message.
///
/// # Errors
///
/// [`WalletError::Config`] for an option outside the poll or a weight the voice credits
/// cannot pay (`weight² > credits`), or a spending key that is not the roster's.
pub fn build_vote<R: RngCore + CryptoRng>(
    poll: &PollFile,
    state: &VoterPollState,
    spending: &PrivateKey,
    choice: VoteChoice,
    rng: &mut R,
) -> Result<(Message, VoterPollState), WalletError> {
    if choice.option >= u64::from(poll.options) {
        return Err(WalletError::Config(format!(
            "option {} does not exist: poll {} has options 0..{}{}",
            choice.option,
            poll.poll_id,
            poll.options,
            if poll.proposal.is_some() { " (0 against, 1 for)" } else { "" }
        )));
    }
    let cost = u128::from(choice.weight) * u128::from(choice.weight);
    if cost > u128::from(poll.voice_credits) {
        return Err(WalletError::Config(format!(
            "weight {} costs {cost} voice credits, each member has {}: pick a weight of at most {}",
            choice.weight,
            poll.voice_credits,
            poll.voice_credits.isqrt()
        )));
    }
    let index = poll.voter_index(&spending.public_key()).ok_or_else(|| {
        WalletError::Config(format!(
            "this wallet's key is not in poll {}'s roster: only the bank's members listed at creation vote",
            poll.poll_id
        ))
    })?;
    if index != state.voter_index {
        return Err(WalletError::Config(format!(
            "the state file says voter {}, the roster says {index}",
            state.voter_index
        )));
    }
    let generation = state.key_generation + u32::from(choice.new_key);
    let new_key = vote_key(spending, poll.poll_id, generation).public_key();
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    let command = Command {
        state_index: index,
        new_pubkey: new_key,
        vote_option: choice.option,
        new_vote_weight: choice.weight,
        nonce: 1,
        poll_id: poll.poll_id,
        salt: Fr::from_le_bytes_mod_order(&salt),
    };
    let ephemeral = PrivateKey::random(rng);
    let message = Message::sign_and_encrypt(&command, spending, &ephemeral, &poll.poll()?.coordinator)
        .map_err(|e| WalletError::Config(format!("the vote does not fit a command: {e}")))?;
    let mut next = state.clone();
    next.key_generation = generation;
    next.votes.push(SentVote {
        option: choice.option,
        weight: choice.weight,
        nonce: 1,
        signer_generation: 0,
        new_key_generation: generation,
        index: None,
    });
    Ok((message, next))
}

/// The message as `ccr_sendVote` takes it: `{ poll, data: [10 decimal], encPubKey: [x, y] }`.
pub fn send_vote_params(poll_id: u64, message: &Message) -> serde_json::Value {
    serde_json::json!({
        "poll": poll_id,
        "data": message.data.iter().map(fr_dec).collect::<Vec<_>>(),
        "encPubKey": point_dec(&message.enc_pubkey),
    })
}
