//! `transfer`: an L2 transfer signed with the wallet's key.

use clap::Args;

use crate::amount::DecimalAmount;
use crate::cli::{finish_sent, in_asset, AccountRef, Output, Settings, Signer, WaitArgs};
use crate::error::WalletError;
use crate::ops;

/// `transfer`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  ccr-wallet transfer --to 3 --amount 0.25 --wait\n  \
        ccr-wallet transfer --to 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 --amount 0.25")]
pub struct TransferArgs {
    /// Recipient: an account index, or the L1 address that opened the account (looked up
    /// in the rollup's `AccountCreated` events).
    #[arg(long, value_name = "INDEX|ADDRESS")]
    pub to: AccountRef,
    /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
    #[arg(long, value_name = "AMOUNT")]
    pub amount: DecimalAmount,
    /// Whether and how long to wait.
    #[command(flatten)]
    pub wait: WaitArgs,
}

impl TransferArgs {
    /// Signs and sends the transfer; with `--wait`, waits for its batch.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's, the amount's and the sequencer's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Signer { keys, seq, from, asset } = s.signer().await?;
        let to = s.resolve_account(&self.to).await?;
        let units = asset.parse_transfer(&self.amount)?;
        let sent = ops::transfer(&seq, &keys, &s.domain()?, from, to, units)
            .await
            .map_err(|e| in_asset(e, &asset))?;
        let text = format!(
            "transfer of {} from account {from} to {to} accepted\nhash {}",
            asset.show(units),
            sent.hash
        );
        finish_sent(&seq, sent, text, self.wait, json_mode).await
    }
}
