//! `attester`: attesters sign a member's financial record, and health indicator reports.

use clap::Subcommand;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod health;
pub mod sign;

/// `attester` subcommands.
#[derive(Debug, Subcommand)]
pub enum AttesterCommand {
    /// Sign a member's financial record (the policy's inputs, the member's key, an expiry) for
    /// the purpose of the credit.
    Sign(sign::SignArgs),
    /// Sign the health indicators of a bioregion for a rollup epoch, read from public data
    /// (OECD, Our World in Data, World Bank, Eurostat files).
    #[command(name = "health-report")]
    HealthReport(health::HealthReportArgs),
}

impl AttesterCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub fn run(self, s: &Settings) -> Result<Output, WalletError> {
        match self {
            Self::Sign(a) => a.run(s),
            Self::HealthReport(a) => a.run(s),
        }
    }
}
