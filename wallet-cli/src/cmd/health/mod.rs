//! `health`: community health (issue 11) as the sequencer computes it: a bank's score and its
//! components, the solidarity fund's table, and sending an attester's signed report.

use clap::Subcommand;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod fund;
pub mod score;
pub mod send_report;

/// `health` subcommands.
#[derive(Debug, Subcommand)]
pub enum HealthCommand {
    /// Show a bank's health score: the bioregion's indicators (medians of the attesters'
    /// reports), the bank's own activity, the five components and the score (0-100).
    Score(score::ScoreArgs),
    /// Send a signed indicator report (written by `ccr-wallet attester health-report`) to the
    /// sequencer, which checks and stores it.
    #[command(name = "send-report")]
    SendReport(send_report::SendReportArgs),
    /// Show the solidarity fund's table for an epoch (each bank's contribution, cap and grant, as
    /// the sequencer computes it) and the moves of the last table settled on L1, each taken,
    /// paid or short, settled or not.
    Fund(fund::FundArgs),
}

impl HealthCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        match self {
            Self::Score(a) => a.run(s).await,
            Self::SendReport(a) => a.run(s).await,
            Self::Fund(a) => a.run(s).await,
        }
    }
}
