//! The sequencer's error enum and its one exhaustive mapping to JSON-RPC error codes.

use ccr_circuits::state::TxError;
use serde_json::{json, Value};

use crate::api::ErrorCode;
use crate::invariants::InvariantError;
use crate::mempool::MempoolError;
use crate::store::StoreError;
use crate::vote_relay::RelayLimit;
use crate::wire::WireError;

/// Everything the sequencer can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum SequencerError {
    /// The input does not describe a transaction.
    #[error("malformed transaction: {0}")]
    Malformed(#[from] WireError),
    /// The transition function refuses the transaction in the pending state.
    #[error(transparent)]
    Rejected(#[from] TxError),
    /// No room in the mempool.
    #[error("mempool is full ({capacity} transactions)")]
    MempoolFull {
        /// Its capacity.
        capacity: usize,
    },
    /// A deposit out of L1 queue order.
    #[error("deposit at queue position {got} is out of order: the next expected is {expected}")]
    DepositOutOfOrder {
        /// Next queue position expected.
        expected: u64,
        /// Position given.
        got: u64,
    },
    /// A deposit at a recorded queue position, with other contents.
    #[error("deposit at queue position {queue_index} differs from the one recorded")]
    DepositConflict {
        /// Queue position.
        queue_index: u64,
    },
    /// A deposit the transition function refuses in the pending state. The L1 contract must
    /// not queue such deposits: the batch cannot skip them.
    #[error("deposit at queue position {queue_index} does not apply: {source}")]
    DepositRejected {
        /// Queue position.
        queue_index: u64,
        /// Why.
        source: TxError,
    },
    /// A solidarity-fund move out of the fund's log order.
    #[error("fund move at log position {got} is out of order: the next expected is {expected}")]
    FundMoveOutOfOrder {
        /// Next log position expected.
        expected: u64,
        /// Position given.
        got: u64,
    },
    /// A fund move at a recorded log position, with other contents.
    #[error("fund move at log position {position} differs from the one recorded")]
    FundMoveConflict {
        /// Log position.
        position: u64,
    },
    /// A fund move the transition function refuses in the pending state (an account that does
    /// not exist yet, a recipient's balance that would overflow): not taken; the watcher tries
    /// again (a batch cannot skip it, so batches carry no later move meanwhile).
    #[error("fund move at log position {position} does not apply: {source}")]
    FundMoveRejected {
        /// Log position.
        position: u64,
        /// Why.
        source: TxError,
    },
    /// The sequencer stopped accepting work after an internal inconsistency (fail-stop: a
    /// restart rebuilds the state from the log).
    #[error("sequencer halted: {0}")]
    Halted(String),
    /// A credit refused before the log: its eligibility proof does not verify under the
    /// bank's key, names another policy or registry, is stale, is for another epoch or over
    /// an unknown state root, or the pool is not a registered bank.
    #[error("credit refused: {0}")]
    Credit(String),
    /// The eligibility proof's nullifier was spent (one credit per member, bank and epoch).
    #[error("nullifier {0} was already used: one credit per member, bank and epoch")]
    NullifierUsed(String),
    /// A vote message that is malformed: not ten elements, a number that does not parse or is
    /// not canonical, an ephemeral key that is not a Baby Jubjub public key.
    #[error("malformed vote: {0}")]
    MalformedVote(String),
    /// A vote for a poll that no longer accepts messages (closed, or past its deadline on
    /// L1's clock).
    #[error("poll {poll} does not accept votes: {reason}")]
    VotingClosed {
        /// The poll.
        poll: u64,
        /// Why (its phase, or its deadline against L1's time).
        reason: String,
    },
    /// A vote for a poll the poll contract does not have.
    #[error("no poll {0} on L1: check the poll id (`ccr_getPoll`)")]
    UnknownPoll(u64),
    /// This node cannot relay votes: no L1, no poll contract, or L1 failed the relay.
    #[error("vote relay: {0}")]
    VoteRelay(String),
    /// A vote over one of the relay's limits (see [`crate::vote_relay`]): nothing is sent to L1.
    #[error("vote relay limit ({limit}) for poll {poll}: {detail}")]
    VoteRelayLimit {
        /// The poll.
        poll: u64,
        /// Which limit.
        limit: RelayLimit,
        /// Its value.
        max: u64,
        /// Seconds until the global window has room again (the global limit only).
        retry_after: Option<u64>,
        /// The counts, in words.
        detail: String,
    },
    /// A health report that is malformed: a field that does not decode, no value, a value out
    /// of range.
    #[error("malformed health report: {0}")]
    MalformedHealthReport(String),
    /// A health report whose signature does not verify under its attester's key.
    #[error("health report: {0}")]
    HealthReportSignature(String),
    /// A health report signed by a key outside the network's health attester registry.
    #[error("attester {attester} is not in the network's health attester registry{hint}")]
    UnregisteredAttester {
        /// The attester's packed key.
        attester: String,
        /// What to do, when the registry is empty.
        hint: &'static str,
    },
    /// A health report for a future epoch or one too old to count.
    #[error("a health report for epoch {epoch} does not count now: the node's epoch is {current}, reports of epochs {oldest}..={current} count")]
    StaleHealthReport {
        /// The report's epoch.
        epoch: u32,
        /// The node's epoch.
        current: u32,
        /// The oldest epoch that counts.
        oldest: u32,
    },
    /// A second report of one attester for one bioregion and epoch.
    #[error("attester {attester} already reported for bioregion {bioregion} and epoch {epoch}: the first report stays")]
    DuplicateHealthReport {
        /// The attester's packed key.
        attester: String,
        /// The bioregion.
        bioregion: u32,
        /// The epoch.
        epoch: u32,
    },
    /// A health report for a bioregion the network's configuration does not list.
    #[error("bioregion {0} is not one of this network's bioregions (the sequencer's --health-config)")]
    UnknownBioregion(u32),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database violates an invariant at start-up.
    #[error(transparent)]
    Invariant(#[from] InvariantError),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A bank file asked for by a name that is not one (`ccr_getBankFile`).
    #[error(
        "{0:?} is not a bank file name (policy-<hash>.json, registry-<root>.json, eligibility-<vkHash>.pk)"
    )]
    BankFileName(String),
    /// Reading a mirrored bank file failed.
    #[error("reading bank file {name}: {source}")]
    BankFile {
        /// The file.
        name: String,
        /// Why.
        source: std::io::Error,
    },
}

impl From<MempoolError> for SequencerError {
    fn from(e: MempoolError) -> Self {
        match e {
            MempoolError::Full { capacity } => Self::MempoolFull { capacity },
            MempoolError::Invalid(t) => Self::Rejected(t),
            e @ MempoolError::Inconsistent { .. } => Self::Halted(e.to_string()),
        }
    }
}

impl SequencerError {
    /// The JSON-RPC error code: the one place where errors meet codes.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Malformed(_)
            | Self::MalformedVote(_)
            | Self::BankFileName(_)
            | Self::MalformedHealthReport(_) => ErrorCode::InvalidParams,
            Self::HealthReportSignature(_) => ErrorCode::BadSignature,
            Self::UnregisteredAttester { .. } => ErrorCode::UnregisteredAttester,
            Self::StaleHealthReport { .. } => ErrorCode::StaleHealthReport,
            Self::DuplicateHealthReport { .. } => ErrorCode::DuplicateHealthReport,
            Self::UnknownBioregion(_) => ErrorCode::UnknownBioregion,
            Self::Rejected(t) => match t {
                TxError::BadSignature(_) => ErrorCode::BadSignature,
                TxError::WrongNonce { expected, got } if got < expected => ErrorCode::NonceTooLow,
                TxError::WrongNonce { .. } => ErrorCode::NonceTooHigh,
                TxError::InsufficientBalance { .. } => ErrorCode::InsufficientBalance,
                TxError::UnknownAccount(_) => ErrorCode::UnknownAccount,
                TxError::IndexOutOfRange { .. } => ErrorCode::IndexOutOfRange,
                TxError::Overflow { .. } => ErrorCode::BalanceOverflow,
                TxError::NonceExhausted(_) => ErrorCode::NonceExhausted,
                // Only deposits open accounts; they come from L1, not from the API.
                TxError::AccountExists(_) => ErrorCode::InvalidDeposit,
                // The sealed state's epoch is the node's own.
                TxError::Kind { .. }
                | TxError::ExitRecipient(_)
                | TxError::Amount(_)
                | TxError::Loan(_)
                | TxError::ZeroFundMove
                | TxError::EpochBackwards { .. } => ErrorCode::InvalidTransaction,
            },
            Self::MempoolFull { .. } => ErrorCode::MempoolFull,
            // L1's entries (queue entries, fund moves) come from the watcher, not the API.
            Self::DepositOutOfOrder { .. }
            | Self::DepositConflict { .. }
            | Self::DepositRejected { .. }
            | Self::FundMoveOutOfOrder { .. }
            | Self::FundMoveConflict { .. }
            | Self::FundMoveRejected { .. } => ErrorCode::InvalidDeposit,
            Self::Credit(_) => ErrorCode::InvalidCredit,
            Self::NullifierUsed(_) => ErrorCode::NullifierUsed,
            Self::VotingClosed { .. } => ErrorCode::VotingClosed,
            Self::UnknownPoll(_) => ErrorCode::UnknownPoll,
            Self::VoteRelay(_) => ErrorCode::VoteRelay,
            Self::VoteRelayLimit { .. } => ErrorCode::VoteRelayLimit,
            Self::Halted(_) => ErrorCode::Unavailable,
            Self::Store(_) | Self::Invariant(_) | Self::Config(_) | Self::BankFile { .. } => {
                ErrorCode::Internal
            }
        }
    }

    /// Structured details for the error's `data` field, where there are any.
    pub fn data(&self) -> Option<Value> {
        match self {
            Self::Rejected(TxError::WrongNonce { expected, got }) => {
                Some(json!({ "expected": expected, "got": got }))
            }
            Self::Rejected(TxError::InsufficientBalance { balance, amount }) => {
                Some(json!({ "balance": balance.to_string(), "amount": amount.to_string() }))
            }
            Self::Rejected(TxError::UnknownAccount(index)) => Some(json!({ "index": index })),
            Self::MempoolFull { capacity } => Some(json!({ "capacity": capacity })),
            Self::DepositOutOfOrder { expected, got } => Some(json!({ "expected": expected, "got": got })),
            Self::VotingClosed { poll, .. } | Self::UnknownPoll(poll) => Some(json!({ "poll": poll })),
            Self::UnregisteredAttester { attester, .. } => Some(json!({ "attester": attester })),
            Self::StaleHealthReport { epoch, current, oldest } => {
                Some(json!({ "epoch": epoch, "current": current, "oldest": oldest }))
            }
            Self::DuplicateHealthReport { attester, bioregion, epoch } => {
                Some(json!({ "attester": attester, "bioregion": bioregion, "epoch": epoch }))
            }
            Self::UnknownBioregion(bioregion) => Some(json!({ "bioregion": bioregion })),
            Self::VoteRelayLimit { poll, limit, max, retry_after, .. } => Some(json!({
                "poll": poll, "limit": limit.label(), "max": max, "retryAfter": retry_after
            })),
            _ => None,
        }
    }

    /// The message sent to clients: internal details stay in the node's log.
    pub fn client_message(&self) -> String {
        match self.code() {
            ErrorCode::Internal => "internal error; see the sequencer's log".to_owned(),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use ccr_circuits::state::amount::AmountError;
    use ccr_circuits::state::tx::TxKind;

    use super::*;

    /// The codes no end-to-end test can reach (a nonce of 2³² − 1, shapes the wire format
    /// already refuses, a halted node, storage failures).
    #[test]
    fn unreachable_by_api_codes() {
        let cases = [
            (SequencerError::Rejected(TxError::NonceExhausted(1)), ErrorCode::NonceExhausted),
            (
                SequencerError::Rejected(TxError::Kind { variant: "signed transaction", kind: TxKind::Noop }),
                ErrorCode::InvalidTransaction,
            ),
            (SequencerError::Rejected(TxError::ExitRecipient(2)), ErrorCode::InvalidTransaction),
            (
                SequencerError::Rejected(TxError::Amount(AmountError::NotRepresentable(1))),
                ErrorCode::InvalidTransaction,
            ),
            (SequencerError::Rejected(TxError::AccountExists(1)), ErrorCode::InvalidDeposit),
            (SequencerError::Halted("x".into()), ErrorCode::Unavailable),
            (SequencerError::Config("x".into()), ErrorCode::Internal),
            (SequencerError::Store(StoreError::MissingColumnFamily("txs")), ErrorCode::Internal),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code, "{e}");
        }
        let internal = SequencerError::Store(StoreError::MissingColumnFamily("txs"));
        assert!(!internal.client_message().contains("txs"), "internal details stay in the log");
    }
}
