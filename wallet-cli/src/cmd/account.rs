//! `account`: show an account (default: the wallet's own), by index or by the L1 address that
//! opened it.

use clap::Args;

use crate::cli::{account_output, AccountRef, Output, Settings};
use crate::error::WalletError;
use crate::ops;

/// `account`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  ccr-wallet account 3\n  ccr-wallet account 0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
)]
pub struct AccountArgs {
    /// Account index, or the L1 address that opened it [default: the wallet's].
    pub index: Option<AccountRef>,
}

impl AccountArgs {
    /// Shows the account.
    ///
    /// # Errors
    ///
    /// The configuration's, the sequencer's and L1's errors; [`WalletError::AccountNotFound`].
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let seq = s.sequencer()?;
        let index = match self.index {
            Some(r) => s.resolve_account(&r).await?,
            None => s.account_index()?,
        };
        let a = ops::account(&seq, index).await?;
        Ok(account_output(&a, &s.asset().await?))
    }
}
