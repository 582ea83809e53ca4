//! The wallet's errors, each telling the user what to do, and the exit codes they map to.

use std::path::{Path, PathBuf};

use ccr_l1::L1Error;

use crate::audit::AuditError;

/// What to do about a contract's refusal, for the errors a member meets.
fn l1_hint(e: &L1Error) -> &'static str {
    match e.contract_error_name() {
        Some("NothingToWithdraw") => {
            " (nothing to claim yet: exits become claimable once their batch settles)"
        }
        Some("ExitModeActive") => " (the rollup is in exit mode: use `ccr-wallet exit-mode claim`)",
        Some("ExitModeNotActive") => {
            " (exit mode is not active: `ccr-wallet exit-mode activate` once a queued request is overdue)"
        }
        Some("EscapeDelayNotOver") | Some("NothingOverdue") => {
            " (exit mode can be activated only when a queued L1 request waited longer than the escape delay)"
        }
        Some("AlreadyExited") => " (this account already exited)",
        Some("NotAccountOwner") => " (only the L1 address that created the account can do this)",
        _ => match e {
            L1Error::Rpc(_) => " (is the L1 node running? check --l1-rpc or the network file)",
            _ => "",
        },
    }
}

/// Exit codes of `ccr-wallet` (also listed in `--help`).
pub mod exit_code {
    /// Success.
    pub const OK: i32 = 0;
    /// Any other failure (I/O, an unexpected answer).
    pub const FAILURE: i32 = 1;
    /// Bad command line (clap's own code).
    pub const USAGE: i32 = 2;
    /// Keystore or password: none, wrong password, corrupt, already exists.
    pub const KEYSTORE: i32 = 3;
    /// Configuration: no or bad network file, a missing URL or address, no account yet.
    pub const CONFIG: i32 = 4;
    /// A node could not be reached (sequencer or L1).
    pub const UNREACHABLE: i32 = 5;
    /// The sequencer or the rollup contract refused the request.
    pub const REJECTED: i32 = 6;
    /// The account or transaction asked for does not exist.
    pub const NOT_FOUND: i32 = 7;
    /// The audit found a batch that does not check out.
    pub const AUDIT_FAILED: i32 = 8;
    /// Gave up waiting (`--wait`).
    pub const TIMEOUT: i32 = 9;
    /// Not eligible for the credit asked (`credit prove`): no proof was made.
    pub const INELIGIBLE: i32 = 10;
    /// The eligibility proof does not verify (`credit verify`).
    pub const INVALID_PROOF: i32 = 11;
}

/// Everything that can go wrong in the wallet.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    /// No keystore file.
    #[error("no keystore at {}: run `ccr-wallet key new` (or pass --keystore FILE)", path.display())]
    NoKeystore {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// `key new` on an existing file.
    #[error("a keystore already exists at {}: pass another --keystore path (it is never overwritten)", path.display())]
    KeystoreExists {
        /// The file.
        path: PathBuf,
    },
    /// The MAC did not match: wrong password.
    #[error("wrong password for the keystore {}", path.display())]
    WrongPassword {
        /// The keystore.
        path: PathBuf,
    },
    /// Not a keystore of ours.
    #[error("the keystore {} is unreadable: {reason}", path.display())]
    KeystoreCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The password could not be read.
    #[error("{0}")]
    Password(String),
    /// A key given on the command line is not valid.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// A malformed wallet state file.
    #[error("the wallet state file {} is malformed: {reason}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Missing or bad configuration (network file, URLs, addresses, parameters).
    #[error("{0}")]
    Config(String),
    /// The wallet does not know its account index.
    #[error("this wallet has no account on this rollup yet: run `ccr-wallet deposit --amount AMOUNT` (or pass --account INDEX)")]
    NoAccount,
    /// The account at the index belongs to another key.
    #[error("account {index} belongs to another key: pass the right --account INDEX or --keystore")]
    NotOurAccount {
        /// The index.
        index: u32,
    },
    /// No account at the index.
    #[error("no account at index {index}")]
    AccountNotFound {
        /// The index.
        index: u32,
    },
    /// Unknown transaction.
    #[error("no transaction {id} at the sequencer")]
    TxNotFound {
        /// The id asked for.
        id: String,
    },
    /// The amount has no exact 40-bit float encoding.
    #[error(
        "amount {amount} cannot be sent: amounts are m·10^e with m < 2^35 and e < 32 (try a rounder number)"
    )]
    Amount {
        /// The amount.
        amount: u64,
    },
    /// An amount typed in the asset that the rollup cannot carry exactly (with the nearest
    /// amounts it can), or not an amount.
    #[error(transparent)]
    BadAmount(#[from] crate::amount::AmountError),
    /// The sequencer could not be reached.
    #[error(
        "cannot reach the sequencer at {url}: {reason} (is it running? check --rpc or the network file)"
    )]
    SequencerUnreachable {
        /// URL tried.
        url: String,
        /// Transport error.
        reason: String,
    },
    /// The sequencer refused the request with an API error code.
    #[error("the sequencer refused: {message} (code {code}, {label})")]
    Rejected {
        /// JSON-RPC error code (see the sequencer's table).
        code: i32,
        /// The code's snake-case label (`insufficient_balance`, `nonce_too_low`, ...).
        label: &'static str,
        /// The sequencer's message.
        message: String,
        /// The error's `data`, JSON (printed with `--json`, as the error's `data`).
        data: Option<String>,
    },
    /// Any other answer the wallet cannot use.
    #[error("unexpected answer from {url}: {reason}")]
    Protocol {
        /// URL.
        url: String,
        /// What.
        reason: String,
    },
    /// Gave up waiting.
    #[error("gave up after {secs} s waiting for {what} (the request stands; check later with `ccr-wallet status`)")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        secs: u64,
    },
    /// A transaction was accepted, then dropped by the sequencer.
    #[error("transaction {hash} was dropped by the sequencer: {reason}")]
    Dropped {
        /// Its hash.
        hash: String,
        /// Why.
        reason: String,
    },
    /// An L1 request failed (the contract refused, or the node could not be reached).
    #[error("L1 at {url}: {source}{}", l1_hint(source))]
    L1 {
        /// The L1 node's URL.
        url: String,
        /// The client's error (the contract's custom error decoded by name).
        #[source]
        source: Box<ccr_l1::L1Error>,
    },
    /// The audit failed.
    #[error(transparent)]
    Audit(Box<crate::audit::AuditError>),
    /// The verifying key could not be read.
    #[error("verifying key {}: {reason}", path.display())]
    VerifyingKey {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The native eligibility check refused the application (no proof is made).
    #[error("not eligible: {0}")]
    Ineligible(String),
    /// An eligibility proof does not verify.
    #[error("invalid eligibility proof: {0}")]
    ProofInvalid(String),
    /// File I/O.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

impl From<AuditError> for WalletError {
    fn from(e: AuditError) -> Self {
        Self::Audit(Box::new(e))
    }
}

impl WalletError {
    /// An L1 error from the node at `url`.
    pub fn l1(url: &str, source: L1Error) -> Self {
        Self::L1 { url: url.to_owned(), source: Box::new(source) }
    }

    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), source }
    }

    /// The process exit code for this error (see [`exit_code`]).
    pub fn exit_code(&self) -> i32 {
        use exit_code::*;
        match self {
            Self::NoKeystore { .. }
            | Self::KeystoreExists { .. }
            | Self::WrongPassword { .. }
            | Self::KeystoreCorrupt { .. }
            | Self::Password(_) => KEYSTORE,
            Self::InvalidKey(_)
            | Self::State { .. }
            | Self::Config(_)
            | Self::NoAccount
            | Self::NotOurAccount { .. } => CONFIG,
            Self::Amount { .. } | Self::BadAmount(_) => USAGE,
            Self::SequencerUnreachable { .. } => UNREACHABLE,
            Self::Rejected { .. } | Self::Dropped { .. } => REJECTED,
            Self::AccountNotFound { .. } | Self::TxNotFound { .. } => NOT_FOUND,
            Self::Timeout { .. } => TIMEOUT,
            Self::L1 { source, .. } => match source.as_ref() {
                L1Error::Contract { .. }
                | L1Error::PollContract { .. }
                | L1Error::Reverted { .. }
                | L1Error::Failed { .. } => REJECTED,
                L1Error::Rpc(_) | L1Error::Listen { .. } => UNREACHABLE,
                L1Error::Url { .. }
                | L1Error::Key(_)
                | L1Error::NoRollup(_)
                | L1Error::Deploy(_)
                | L1Error::Tls(_)
                | L1Error::InsecureDevKey { .. } => CONFIG,
                // Data, NoContract, and variants ccr-l1 may add.
                _ => FAILURE,
            },
            Self::Audit(a) if matches!(a.as_ref(), AuditError::L1(_)) => UNREACHABLE,
            Self::Audit(_) => AUDIT_FAILED,
            Self::VerifyingKey { .. } => CONFIG,
            Self::Ineligible(_) => INELIGIBLE,
            Self::ProofInvalid(_) => INVALID_PROOF,
            Self::Protocol { .. } | Self::Io { .. } => FAILURE,
        }
    }
}
