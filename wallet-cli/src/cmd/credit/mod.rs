//! `credit`: borrow (prove and submit), prove eligibility on this machine, verify a proof. The
//! proving and checking are [`crate::credit`]'s.

use clap::Subcommand;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod application;
pub mod apply;
pub mod prove;
pub mod verify;

/// `credit` subcommands.
#[derive(Debug, Subcommand)]
pub enum CreditCommand {
    /// Borrow: prove eligibility on this machine for your account, then submit the credit.
    Apply(apply::ApplyArgs),
    /// Prove, on this machine, that the bank's policy grants your attested record the amount.
    Prove(prove::ProveArgs),
    /// Verify an eligibility proof file and show its statement.
    Verify(verify::VerifyArgs),
}

impl CreditCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        match self {
            Self::Apply(a) => a.run(s, json_mode).await,
            Self::Prove(a) => a.run(s, json_mode).await,
            Self::Verify(a) => a.run(s),
        }
    }
}
