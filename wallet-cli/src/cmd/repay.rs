//! `repay`: repay the wallet's loan from its balance to the bank's pool.

use clap::Args;

use crate::amount::DecimalAmount;
use crate::cli::{finish_sent, in_asset, Output, Settings, Signer, WaitArgs};
use crate::error::WalletError;
use crate::ops;

/// `repay`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet repay --amount 0.0000003 --wait\n\
        Interest accrues per epoch (a month); `ccr-wallet loan` shows what is owed.")]
pub struct RepayArgs {
    /// The bank's pool [default: the bank your account owes].
    #[arg(long, value_name = "ID")]
    pub bank: Option<u32>,
    /// Amount in the rollup's asset (at most the debt).
    #[arg(long, value_name = "AMOUNT")]
    pub amount: DecimalAmount,
    /// Whether and how long to wait.
    #[command(flatten)]
    pub wait: WaitArgs,
}

impl RepayArgs {
    /// Signs and sends the repayment; with `--wait`, waits for its batch.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's, the amount's and the sequencer's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Signer { keys, seq, from, asset } = s.signer().await?;
        let units = asset.parse_transfer(&self.amount)?;
        let (sent, pool) = ops::repay(&seq, &keys, &s.domain()?, from, self.bank, units)
            .await
            .map_err(|e| in_asset(e, &asset))?;
        let text = format!(
            "repayment of {} from account {from} to bank {pool} accepted\nhash {}",
            asset.show(units),
            sent.hash
        );
        finish_sent(&seq, sent, text, self.wait, json_mode).await
    }
}
