//! `balance`: the wallet's own account, sealed and pending.

use clap::Args;

use crate::cli::{account_output, Output, Settings};
use crate::error::WalletError;
use crate::ops;

/// `balance`'s options (none).
#[derive(Debug, Clone, Args)]
pub struct BalanceArgs {}

impl BalanceArgs {
    /// Shows the wallet's account.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's and the sequencer's errors.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let keys = s.keys()?;
        let seq = s.sequencer()?;
        let index = s.account_index()?;
        let a = ops::own_account(&seq, &keys, index).await?;
        Ok(account_output(&a, &s.asset().await?))
    }
}
