//! `exit`: exit an amount from L2, claimable on L1 once its batch settles.

use clap::Args;

use crate::amount::DecimalAmount;
use crate::cli::{finish_sent, in_asset, Output, Settings, Signer, WaitArgs};
use crate::error::WalletError;
use crate::ops;

/// `exit`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet exit --amount 0.1 --wait")]
pub struct ExitArgs {
    /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
    #[arg(long, value_name = "AMOUNT")]
    pub amount: DecimalAmount,
    /// Whether and how long to wait.
    #[command(flatten)]
    pub wait: WaitArgs,
}

impl ExitArgs {
    /// Signs and sends the exit; with `--wait`, waits for its batch.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's, the amount's and the sequencer's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Signer { keys, seq, from, asset } = s.signer().await?;
        let units = asset.parse_transfer(&self.amount)?;
        let sent =
            ops::exit(&seq, &keys, &s.domain()?, from, units).await.map_err(|e| in_asset(e, &asset))?;
        let text = format!(
            "exit of {} from account {from} accepted\nhash {}\nonce its batch settles on L1, `ccr-wallet claim` pays it out",
            asset.show(units),
            sent.hash
        );
        finish_sent(&seq, sent, text, self.wait, json_mode).await
    }
}
