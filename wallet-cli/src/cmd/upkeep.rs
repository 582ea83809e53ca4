//! `upkeep`: loan upkeep anyone may ask for (accrue a loan's interest, write down a loan past
//! due plus the grace epochs).

use clap::Args;

use crate::cli::{finish_sent, Output, Settings, WaitArgs};
use crate::error::WalletError;
use crate::ops;

/// `upkeep`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet upkeep writedown --borrower 7")]
pub struct UpkeepArgs {
    /// accrue or writedown.
    #[arg(value_enum)]
    pub kind: UpkeepKind,
    /// The borrower's account.
    #[arg(long, value_name = "INDEX")]
    pub borrower: u32,
    /// The bank's pool [default: the borrower's bank].
    #[arg(long, value_name = "ID")]
    pub bank: Option<u32>,
    /// Whether and how long to wait.
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// A loan upkeep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UpkeepKind {
    /// Bring the loan's interest up to the current epoch.
    Accrue,
    /// Write down a loan past due plus the grace epochs.
    Writedown,
}

impl UpkeepKind {
    /// The API's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Accrue => "accrue",
            Self::Writedown => "writedown",
        }
    }
}

impl UpkeepArgs {
    /// Asks the sequencer for the upkeep; with `--wait`, waits for its batch.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a borrower that owes no bank (without `--bank`); the
    /// configuration's and the sequencer's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Self { kind, borrower, bank, wait } = self;
        let seq = s.sequencer()?;
        let bank = match bank {
            Some(b) => b,
            None => ops::account(&seq, borrower).await?.bank.ok_or_else(|| {
                WalletError::Config(format!("account {borrower} owes no bank: nothing to {}", kind.name()))
            })?,
        };
        let r = seq.send_upkeep(kind.name(), borrower, bank).await?;
        let sent = ops::Sent { hash: r.hash, seq: r.seq, nonce: 0 };
        let text = format!(
            "{} of account {borrower}'s loan from bank {bank} accepted\nhash {}",
            kind.name(),
            sent.hash
        );
        finish_sent(&seq, sent, text, wait, json_mode).await
    }
}
