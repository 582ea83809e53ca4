//! `exit-mode`: the escape hatch. Activate exit mode, or claim the balance from the last
//! settled state.

use clap::Subcommand;

use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod activate;
pub mod claim;

/// `exit-mode` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExitModeCommand {
    /// Switch the rollup to exit mode (allowed once a queued L1 request waited past the escape delay).
    Activate(activate::ActivateArgs),
    /// Rebuild the state from L1 (a full audit), prove the wallet's account under the last
    /// settled root, credit its balance to the L1 owner; then `claim` pays it. A borrower's
    /// debt is netted first: up to the balance goes to its bank's pool, the rest to you.
    Claim(claim::ClaimArgs),
}

impl ExitModeCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        match self {
            Self::Activate(a) => a.run(s).await,
            Self::Claim(a) => a.run(s, json_mode).await,
        }
    }
}
