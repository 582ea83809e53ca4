//! The JSON-RPC API: one trait for the server and every client, its types, its error codes.
//!
//! Methods live in the `ccr` namespace (`ccr_sendTransaction`, ...); parameters are
//! positional. Numbers that may exceed 2⁵³ (balances, amounts) are decimal strings; field
//! elements (roots, commitments) and byte strings are `0x` hex.
//!
//! # Error codes
//!
//! | code     | [`ErrorCode`]            | when                                                      |
//! |----------|--------------------------|-----------------------------------------------------------|
//! | `-32602` | `InvalidParams`          | malformed input: bad hex or JSON, wrong length, non-canonical slot, point or `S`, a deposit or no-op kind, an exit with a recipient, an amount with no exact Float40 encoding, an index above 24 bits |
//! | `-32603` | `Internal`               | storage failure; see the node's log                      |
//! | `-32001` | `BadSignature`           | the signature does not verify under the sender's key     |
//! | `-32002` | `NonceTooLow`            | replayed nonce: below the sender's pending nonce (`data`: `{expected, got}`) |
//! | `-32003` | `NonceTooHigh`           | gapped (future) nonce: rejected, not queued (`data`: `{expected, got}`) |
//! | `-32004` | `InsufficientBalance`    | the sender's pending balance is below the amount (`data`: `{balance, amount}`) |
//! | `-32005` | `UnknownAccount`         | no account at the sender's or recipient's index         |
//! | `-32006` | `IndexOutOfRange`        | an index beyond the tree's capacity (`2^depth`)          |
//! | `-32007` | `BalanceOverflow`        | the recipient's balance would exceed 2⁶⁴ − 1            |
//! | `-32008` | `NonceExhausted`         | the sender's nonce is 2³² − 1                             |
//! | `-32009` | `InvalidTransaction`     | a transaction the state machine refuses by its shape (kind, exit recipient, amount) after decoding |
//! | `-32010` | `MempoolFull`            | the mempool holds its capacity of L2 transactions; retry later |
//! | `-32011` | `Unavailable`            | the sequencer halted on an internal inconsistency; it needs a restart |
//! | `-32012` | `InvalidDeposit`         | (deposits from the L1 watcher, not the API) out of queue order, conflicting with the one recorded, or not applicable (e.g. opening an account at an index in use) |
//! | `-32013` | `InvalidCredit`          | a credit whose eligibility proof does not verify under the bank's registered key, or names another policy, registry, account, epoch or an unknown state root, or is older than [`MAX_CREDIT_PROOF_AGE`] on L1's clock; an unregistered bank; a node without L1 |
//! | `-32014` | `NullifierUsed`          | the eligibility proof's nullifier was spent: one credit per member, bank and epoch |
//! | `-32015` | `VotingClosed`           | a vote for a poll that is not open, or whose deadline is before L1's latest block time (`data`: `{poll}`) |
//! | `-32016` | `UnknownPoll`            | a vote for a poll id the poll contract does not have (`ccr_getPoll` answers `null`) (`data`: `{poll}`) |
//! | `-32017` | `VoteRelay`              | this node relays no votes (no L1, or no `--l1-poll-contract`), or L1 failed the relay (unreachable, or the transaction failed); see the message |
//! | `-32018` | `VoteRelayLimit`         | a vote over one of the relay's limits: the poll's messages, the messages of one encryption key in the poll, or the node's relays per window (`data`: `{poll, limit: "poll" \| "key" \| "global", max, retryAfter}`; `retryAfter` in seconds, `global` only); see `ccr_sequencer::vote_relay` |
//! | `-32019` | `UnregisteredAttester`   | a health report whose attester is not in the network's health attester registry (a node configured with none refuses every report) (`data`: `{attester}`) |
//! | `-32020` | `StaleHealthReport`      | a health report for an epoch after the node's current one, or older than `max_report_age` epochs before it (`data`: `{epoch, current, oldest}`) |
//! | `-32021` | `DuplicateHealthReport`  | a second health report of one attester for one bioregion and epoch: the first stays (`data`: `{attester, bioregion, epoch}`) |
//! | `-32022` | `UnknownBioregion`       | a health report for a bioregion the network's configuration does not list (`data`: `{bioregion}`) |
//!
//! A vote message with a non-canonical element or an ephemeral key off the curve is `-32602`
//! `InvalidParams`; nothing reaches L1 for a refused vote.
//!
//! A loan rule the pending state refuses (the pool lacks the amount, the borrower has a loan
//! already, a repayment to another pool, a writedown before due + grace) is `-32009`
//! `InvalidTransaction` with the rule in the message.
//!
//! A health report (`ccr_sendHealthReport`) whose signature does not verify under its
//! attester's key is `-32001` `BadSignature`; one with a malformed field, no value, or a value
//! out of ±2⁶² is `-32602` `InvalidParams`. `ccr_getHealth` of a pool with no bioregion is
//! `null`.
//!
//! Unknown transaction ids and batch numbers are not errors: the result is `null`; so is a bank
//! file the node does not have (`ccr_getBankFile`), while a name that is not a bank file's is
//! `-32602` `InvalidParams`.
//!
//! [`MAX_CREDIT_PROOF_AGE`]: crate::api::MAX_CREDIT_PROOF_AGE

pub use ccr_prover::eligibility::{AccountProofFile, EligibilityProofFile};
use jsonrpsee::core::RpcResult;
use jsonrpsee::proc_macros::rpc;
use serde::{Deserialize, Serialize};

/// How old (on L1's clock) an eligibility proof may be when its credit is submitted. The
/// sequencer's own acceptance window: L1 checks the proof's time only against its epoch's start
/// (at most `ELIGIBILITY_MAX_AGE`, one day, before it) and against the settling block (not after
/// it), so how late the batch settles never matters there; this bound keeps what the sequencer
/// accepts recent on L1's clock.
pub const MAX_CREDIT_PROOF_AGE: u64 = 12 * 3600;

/// L1's bound (`Rollup.ELIGIBILITY_MAX_AGE`): an eligibility proof's time is at most this long
/// before the start of its credit's epoch.
pub const ELIGIBILITY_MAX_AGE: u64 = 24 * 3600;

/// The API's error codes (see the [module docs](self) for the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorCode {
    /// Malformed input.
    InvalidParams = -32602,
    /// Storage failure.
    Internal = -32603,
    /// The signature does not verify.
    BadSignature = -32001,
    /// Replayed nonce.
    NonceTooLow = -32002,
    /// Gapped (future) nonce.
    NonceTooHigh = -32003,
    /// Balance below the amount.
    InsufficientBalance = -32004,
    /// No account at an index.
    UnknownAccount = -32005,
    /// Index beyond the tree.
    IndexOutOfRange = -32006,
    /// Recipient balance overflow.
    BalanceOverflow = -32007,
    /// Nonce space exhausted.
    NonceExhausted = -32008,
    /// Refused by shape.
    InvalidTransaction = -32009,
    /// No room in the mempool.
    MempoolFull = -32010,
    /// The sequencer halted.
    Unavailable = -32011,
    /// Deposit out of order, conflicting, or not applicable.
    InvalidDeposit = -32012,
    /// A credit refused before the log.
    InvalidCredit = -32013,
    /// A spent eligibility nullifier.
    NullifierUsed = -32014,
    /// A vote for a closed poll.
    VotingClosed = -32015,
    /// A vote for no poll.
    UnknownPoll = -32016,
    /// Votes are not relayed by this node, or L1 failed the relay.
    VoteRelay = -32017,
    /// A vote over the relay's limits (per poll, per encryption key, global).
    VoteRelayLimit = -32018,
    /// A health report signed by a key outside the health attester registry.
    UnregisteredAttester = -32019,
    /// A health report for a future epoch, or too old to count.
    StaleHealthReport = -32020,
    /// A second health report of one attester for one bioregion and epoch.
    DuplicateHealthReport = -32021,
    /// A health report for a bioregion the network does not list.
    UnknownBioregion = -32022,
}

impl ErrorCode {
    /// Every code of the API.
    pub const ALL: [ErrorCode; 24] = [
        Self::InvalidParams,
        Self::Internal,
        Self::BadSignature,
        Self::NonceTooLow,
        Self::NonceTooHigh,
        Self::InsufficientBalance,
        Self::UnknownAccount,
        Self::IndexOutOfRange,
        Self::BalanceOverflow,
        Self::NonceExhausted,
        Self::InvalidTransaction,
        Self::MempoolFull,
        Self::Unavailable,
        Self::InvalidDeposit,
        Self::InvalidCredit,
        Self::NullifierUsed,
        Self::VotingClosed,
        Self::UnknownPoll,
        Self::VoteRelay,
        Self::VoteRelayLimit,
        Self::UnregisteredAttester,
        Self::StaleHealthReport,
        Self::DuplicateHealthReport,
        Self::UnknownBioregion,
    ];

    /// The API's code for a numeric code, if it is one.
    pub fn from_code(code: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The numeric code.
    pub fn code(self) -> i32 {
        self as i32
    }

    /// A short snake-case name, used as the `reason` label of the rejection metric.
    pub fn label(self) -> &'static str {
        match self {
            Self::InvalidParams => "malformed",
            Self::Internal => "internal",
            Self::BadSignature => "bad_signature",
            Self::NonceTooLow => "nonce_too_low",
            Self::NonceTooHigh => "nonce_too_high",
            Self::InsufficientBalance => "insufficient_balance",
            Self::UnknownAccount => "unknown_account",
            Self::IndexOutOfRange => "index_out_of_range",
            Self::BalanceOverflow => "balance_overflow",
            Self::NonceExhausted => "nonce_exhausted",
            Self::InvalidTransaction => "invalid_transaction",
            Self::MempoolFull => "mempool_full",
            Self::Unavailable => "unavailable",
            Self::InvalidDeposit => "invalid_deposit",
            Self::InvalidCredit => "invalid_credit",
            Self::NullifierUsed => "nullifier_used",
            Self::VotingClosed => "voting_closed",
            Self::UnknownPoll => "unknown_poll",
            Self::VoteRelay => "vote_relay",
            Self::VoteRelayLimit => "vote_relay_limit",
            Self::UnregisteredAttester => "unregistered_attester",
            Self::StaleHealthReport => "stale_health_report",
            Self::DuplicateHealthReport => "duplicate_health_report",
            Self::UnknownBioregion => "unknown_bioregion",
        }
    }
}

/// A `u64` carried as a decimal string (JSON numbers lose precision above 2⁵³); a JSON number
/// is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DecU64(pub u64);

impl Serialize for DecU64 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for DecU64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Num(u64),
            Str(String),
        }
        match Either::deserialize(d)? {
            Either::Num(n) => Ok(Self(n)),
            Either::Str(s) => s
                .parse()
                .map(Self)
                .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a decimal u64"))),
        }
    }
}

/// A signed transfer or exit, as 80-byte hex (see [`crate::wire`]) or as JSON fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TxInput {
    /// The wire encoding in hex (`0x` optional).
    Hex(String),
    /// The fields.
    Json(SignedTxJson),
}

impl<'de> Deserialize<'de> for TxInput {
    /// A string is the hex form, an object the JSON form (with the object's own error
    /// message, which an untagged enum would hide).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Self::Hex(s)),
            v @ serde_json::Value::Object(_) => {
                serde_json::from_value(v).map(Self::Json).map_err(D::Error::custom)
            }
            _ => Err(D::Error::custom("expected a hex string or a transaction object")),
        }
    }
}

/// The JSON form of a signed transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignedTxJson {
    /// `"transfer"`, `"repay"` (to = the bank's pool) or `"exit"`.
    pub kind: String,
    /// Sender's account index.
    pub from: u32,
    /// Recipient's index (0 or absent for an exit).
    #[serde(default)]
    pub to: u32,
    /// Amount in L2 units (must have an exact Float40 encoding).
    pub amount: DecU64,
    /// The sender's nonce.
    pub nonce: u32,
    /// circomlibjs `packSignature` in hex: packed `R8` then `S` little-endian (64 bytes).
    pub signature: String,
}

/// What `ccr_sendTransaction` returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxReceipt {
    /// Sequence number in the sequencer's log.
    pub seq: u64,
    /// Transaction hash (`0x` hex).
    pub hash: String,
}

/// A transaction id: a sequence number or a `0x` hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TxId {
    /// Sequence number.
    Seq(u64),
    /// Hash, `0x` hex.
    Hash(String),
}

/// An account, in the sealed state and in the pending state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// Index in the tree.
    pub index: u32,
    /// Public key `x` (`0x` hex, iden3 coordinates).
    pub pubkey_x: String,
    /// Public key `y`.
    pub pubkey_y: String,
    /// Balance after the last sealed batch (0 if the account is not sealed yet).
    pub balance: DecU64,
    /// Nonce after the last sealed batch.
    pub nonce: u32,
    /// Whether the account exists in the sealed state.
    pub sealed: bool,
    /// Balance after the pending transactions.
    pub pending_balance: DecU64,
    /// The nonce the account's next transaction must carry.
    pub pending_nonce: u32,
    /// The bank pool the account owes (`null`: no loan), after the pending transactions.
    pub bank: Option<u32>,
    /// Whether the account is a bank's pool (it has lent; a pool never borrows).
    pub pool: bool,
    /// What the account owes its bank, interest accrued so far included; for a bank's pool,
    /// what its borrowers owe it (its receivable). After the pending transactions.
    pub debt: DecU64,
    /// The open loan's terms, after the pending transactions (`null`: none).
    pub loan: Option<LoanInfo>,
}

/// An open loan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoanInfo {
    /// Yearly rate, in basis points.
    pub rate_bps: u16,
    /// The epoch it falls due.
    pub due_epoch: u32,
    /// The epoch interest was last accrued to.
    pub accrued_epoch: u32,
    /// Whether the bank wrote it down (past due and grace): later repayments are recoveries.
    pub written_down: bool,
    /// What the loan is for: the purpose the attester signed with the record and the
    /// eligibility proof states (`productive_enterprise`, `creative_project`,
    /// `community_infrastructure`, `ecological_restoration`, `educational_initiative`).
    /// Absent when the sequencer holds no credit record for the loan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// A loan upkeep anyone may ask for: `"accrue"` (bring a loan's interest up to the current
/// epoch) or `"writedown"` (a loan past due plus the grace epochs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpkeepInput {
    /// `"accrue"` or `"writedown"`.
    pub kind: String,
    /// The borrower's account.
    pub borrower: u32,
    /// The bank's pool account.
    pub bank: u32,
}

/// What a member needs to prove eligibility for a credit now (`ccr_getCreditContext`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditContext {
    /// The epoch of the next batch: the proof's epoch.
    pub epoch: u32,
    /// L1's latest block time (`null` without L1): the proof's time.
    pub l1_time: Option<u64>,
    /// The L1 batch number of the account proof's root.
    pub state_batch: u64,
    /// The member's account under the sealed state root.
    pub account_proof: AccountProofFile,
}

/// Where a transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TxState {
    /// In the mempool.
    Pending,
    /// In a sealed batch, not yet proven.
    InBatch,
    /// In a proven batch.
    Proven,
    /// In a batch settled on L1: final once L1 is.
    Settled,
    /// Accepted, then dropped (see `reason`).
    Rejected,
}

/// The answer of `ccr_getTransactionStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TxStatusInfo {
    /// Sequence number.
    pub seq: u64,
    /// Hash.
    pub hash: String,
    /// `"deposit"`, `"transfer"` or `"exit"`.
    pub kind: String,
    /// Where it stands.
    pub status: TxState,
    /// The batch holding it.
    pub batch: Option<u64>,
    /// Why it was dropped.
    pub reason: Option<String>,
}

/// Whether a batch is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BatchState {
    /// Sealed, waiting for its proof.
    Sealed,
    /// Proof stored.
    Proven,
    /// Settled on L1 (`l1Tx`, `l1Block`).
    Settled,
}

/// A sealed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInfo {
    /// Batch number.
    pub number: u64,
    /// Sealed or proven.
    pub state: BatchState,
    /// Root before.
    pub old_root: String,
    /// Root after.
    pub new_root: String,
    /// Deposit-queue hash before.
    pub queue_before: String,
    /// Deposit-queue hash after.
    pub queue_after: String,
    /// The batch's epoch (in its commitment).
    pub epoch: u32,
    /// First L1 queue position consumed.
    pub deposits_from: u64,
    /// Deposits consumed.
    pub deposits: u32,
    /// Sequence numbers of its transactions, in slot order (no padding).
    pub txs: Vec<u64>,
    /// Data-availability bytes, hex.
    pub tx_data: String,
    /// The proof's public input (batch commitment).
    pub commitment: String,
    /// Proof, arkworks compressed, hex.
    pub proof: Option<String>,
    /// The L1 transaction that settled it.
    pub l1_tx: Option<String>,
    /// Its L1 block.
    pub l1_block: Option<u64>,
    /// Its L1 gas (0 when recovered from L1 events after a restart).
    pub l1_gas_used: Option<u64>,
}

/// The answer of `ccr_health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `true` unless the sequencer halted.
    pub ok: bool,
    /// Why it halted.
    pub halted: Option<String>,
    /// Next sequence number.
    pub next_seq: u64,
    /// Pending deposits.
    pub pending_deposits: usize,
    /// Pending L2 transactions.
    pub pending_txs: usize,
    /// Sealed batches.
    pub batches: u64,
    /// Proven batches.
    pub proven: u64,
    /// Batches settled on L1.
    pub settled: u64,
    /// L1 deposits recorded.
    pub deposits_seen: u64,
    /// Root after the last sealed batch.
    pub sealed_root: String,
    /// Root after the pending transactions.
    pub pending_root: String,
    /// Accounts in the pending state.
    pub accounts: usize,
    /// Whether this node proves batches.
    pub proving: bool,
    /// Whether its proving key comes from the insecure development setup.
    pub insecure_dev_keys: bool,
    /// The epoch of pending transactions and of the next batch.
    pub epoch: u32,
}

/// A vote message to relay to the poll contract (`ccr_sendVote`): the ciphertext and the
/// ephemeral key of `ccr_circuits::vote::Message`. Field elements are decimal strings (`0x` hex
/// is accepted too) and must be canonical (below the BN254 scalar field's order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoteInput {
    /// The poll's id.
    pub poll: DecU64,
    /// The message's ten ciphertext elements.
    pub data: Vec<String>,
    /// The ephemeral public key `[x, y]` (Baby Jubjub, iden3 coordinates).
    pub enc_pub_key: [String; 2],
}

/// What `ccr_sendVote` returns once the message is included on L1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteReceipt {
    /// The poll.
    pub poll: u64,
    /// The message's index in the poll (0-based).
    pub index: u64,
    /// The poll's message chain after it (`0x` hex).
    pub chain: String,
    /// The L1 transaction that published it (`0x` hex).
    pub l1_tx: String,
    /// Its L1 block.
    pub block: u64,
}

/// A poll as the poll contract stores it (`ccr_getPoll`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollView {
    /// The poll's id.
    pub poll: u64,
    /// The bank (pool account) that opened it.
    pub pool: u32,
    /// `"open"`, `"processing"`, `"tallying"`, `"tallied"` or `"published"`.
    pub phase: String,
    /// Whether a vote sent now is relayed: open, and the deadline is not before L1's time.
    pub accepting_votes: bool,
    /// Number of options.
    pub options: u32,
    /// Number of voters.
    pub voters: u32,
    /// Last second (unix time, inclusive) at which messages are accepted.
    pub deadline: u64,
    /// L1's latest block time, which the deadline is checked against.
    pub l1_time: u64,
    /// Voice credits per voter.
    pub voice_credits: DecU64,
    /// Messages published (padding excluded).
    pub messages: u64,
    /// Message batches (0 until closed).
    pub batches: u64,
    /// The next message batch to process (counts down).
    pub next_process_batch: u64,
    /// The next ballot batch to tally (counts up).
    pub next_tally_batch: u64,
    /// The coordinator's key `[x, y]` (`0x` hex).
    pub coordinator: [String; 2],
    /// `Poseidon2(coordinator)` (`0x` hex).
    pub coordinator_hash: String,
    /// The message chain (`0x` hex; padded once closed).
    pub chain: String,
    /// The state-and-ballot commitment (`0x` hex).
    pub sb: String,
    /// The tally commitment (`0x` hex; 0 before the first tally proof).
    pub tally: String,
    /// The bank proposal it decides (`0x` 32-byte hash; zero: none).
    pub proposal: String,
}

/// The sequencer's JSON-RPC API, shared by the server ([`CcrApiServer`]) and clients
/// ([`CcrApiClient`]).
#[rpc(server, client, namespace = "ccr")]
pub trait CcrApi {
    /// Submits a signed transfer, repayment or exit; returns its sequence number and hash
    /// once it is durably in the log.
    #[method(name = "sendTransaction")]
    async fn send_transaction(&self, tx: TxInput) -> RpcResult<TxReceipt>;

    /// Submits a credit: the member's eligibility proof file (`ccr-wallet credit prove`). The
    /// node checks it as L1 will (the bank's registered key, policy and registry, the
    /// epoch, the time, the nullifier, a state root of this rollup) and that the loan applies,
    /// then logs it; the batch that carries it brings the proof to L1.
    #[method(name = "sendCredit")]
    async fn send_credit(&self, proof: EligibilityProofFile) -> RpcResult<TxReceipt>;

    /// Submits a loan upkeep (accrual or writedown), valid under the loan rules.
    #[method(name = "sendUpkeep")]
    async fn send_upkeep(&self, upkeep: UpkeepInput) -> RpcResult<TxReceipt>;

    /// The epoch, L1's time and the account's Merkle proof under the sealed root: the public
    /// half of an eligibility proof (`null` if the sealed state has no account there).
    #[method(name = "getCreditContext")]
    async fn get_credit_context(&self, index: u32) -> RpcResult<Option<CreditContext>>;

    /// An account (`null` if there is none at the index).
    #[method(name = "getAccount")]
    async fn get_account(&self, index: u32) -> RpcResult<Option<AccountInfo>>;

    /// Where a transaction stands (`null` for an unknown id).
    #[method(name = "getTransactionStatus")]
    async fn get_transaction_status(&self, id: TxId) -> RpcResult<Option<TxStatusInfo>>;

    /// Sealed batch `n` (`null` if not sealed).
    #[method(name = "getBatch")]
    async fn get_batch(&self, n: u64) -> RpcResult<Option<BatchInfo>>;

    /// The last sealed batch (`null` before the first).
    #[method(name = "latestBatch")]
    async fn latest_batch(&self) -> RpcResult<Option<BatchInfo>>;

    /// Liveness and progress.
    #[method(name = "health")]
    async fn health(&self) -> RpcResult<Health>;

    /// Relays a vote message to the poll contract from the node's own L1 account (the voter's
    /// L1 address never appears) once the poll is open and before its deadline on L1's clock;
    /// returns once the message is included on L1.
    #[method(name = "sendVote")]
    async fn send_vote(&self, vote: VoteInput) -> RpcResult<VoteReceipt>;

    /// Poll `poll` as the poll contract stores it (`null`: no such poll).
    #[method(name = "getPoll")]
    async fn get_poll(&self, poll: DecU64) -> RpcResult<Option<PollView>>;

    /// Up to [`BANK_FILE_CHUNK`](crate::bank_files::BANK_FILE_CHUNK) bytes of a bank's
    /// published file from `offset`, by its name ([`crate::bank_files`]: `policy-<hash>.json`,
    /// `registry-<root>.json`, `eligibility-<vkHash>.pk`); `null` if this node does not have
    /// it. The reader checks the bytes against L1's commitment: the node is only a mirror.
    #[method(name = "getBankFile")]
    async fn get_bank_file(
        &self,
        name: String,
        offset: u64,
    ) -> RpcResult<Option<crate::bank_files::BankFileChunk>>;

    /// Submits an attester's signed indicator report for a bioregion and epoch
    /// ([`crate::health::HealthReportInput`]). The node checks the signature, that the
    /// attester is in the network's health attester registry, that the epoch is not after the
    /// current one nor more than `max_report_age` before it, that the bioregion is one the
    /// network lists, and that the attester has no report for this bioregion and epoch yet;
    /// then stores it durably and returns.
    #[method(name = "sendHealthReport")]
    async fn send_health_report(
        &self,
        report: crate::health::HealthReportInput,
    ) -> RpcResult<crate::health::HealthReportReceipt>;

    /// Bank `pool`'s health in `epoch` (default: the current one): its bioregion, the reports
    /// counted and their medians, its activity, the normalised indicators, the five components
    /// and the score, and its line of the fund's table (`null` if the pool has no bioregion).
    #[method(name = "getHealth")]
    async fn get_health(&self, pool: u32, epoch: Option<u32>)
        -> RpcResult<Option<crate::health::BankHealth>>;

    /// The solidarity fund: its table for `epoch` (default: the current one), over every bank
    /// with a bioregion, as the node computes it natively (`FundParams::table`; `table` is
    /// `null` when it lapses, `tableUnavailable` says why), and the moves of the last table
    /// settled on L1 (`SolidarityFund.settleEpoch`) as the node carries them out: taken into its
    /// log, sealed paid or short, settled on L1.
    #[method(name = "getFund")]
    async fn get_fund(&self, epoch: Option<u32>) -> RpcResult<crate::health::FundView>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ALL` lists every variant once (clients name a code by it). The match below has no
    /// wildcard: a variant added to the enum stops this test compiling until it is listed.
    #[test]
    fn all_codes_are_listed_once_and_round_trip() {
        let listed = |c: ErrorCode| match c {
            ErrorCode::InvalidParams
            | ErrorCode::Internal
            | ErrorCode::BadSignature
            | ErrorCode::NonceTooLow
            | ErrorCode::NonceTooHigh
            | ErrorCode::InsufficientBalance
            | ErrorCode::UnknownAccount
            | ErrorCode::IndexOutOfRange
            | ErrorCode::BalanceOverflow
            | ErrorCode::NonceExhausted
            | ErrorCode::InvalidTransaction
            | ErrorCode::MempoolFull
            | ErrorCode::Unavailable
            | ErrorCode::InvalidDeposit
            | ErrorCode::InvalidCredit
            | ErrorCode::NullifierUsed
            | ErrorCode::VotingClosed
            | ErrorCode::UnknownPoll
            | ErrorCode::VoteRelay
            | ErrorCode::VoteRelayLimit
            | ErrorCode::UnregisteredAttester
            | ErrorCode::StaleHealthReport
            | ErrorCode::DuplicateHealthReport
            | ErrorCode::UnknownBioregion => ErrorCode::ALL.contains(&c),
        };
        let mut codes = std::collections::HashSet::new();
        let mut labels = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(listed(c));
            assert!(codes.insert(c.code()) && labels.insert(c.label()), "{c:?} twice");
            assert_eq!(ErrorCode::from_code(c.code()), Some(c));
        }
        assert_eq!(ErrorCode::from_code(-32099), None);
    }
}
