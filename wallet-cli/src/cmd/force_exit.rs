//! `force-exit`: request an exit through L1 (when the sequencer ignores an L2 exit).

use clap::Args;
use serde_json::json;

use crate::amount::DecimalAmount;
use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::l1ops;

/// `force-exit`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet force-exit --amount 0.1")]
pub struct ForceExitArgs {
    /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
    #[arg(long, value_name = "AMOUNT")]
    pub amount: DecimalAmount,
}

impl ForceExitArgs {
    /// Queues the forced exit on L1.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's, the amount's and L1's errors.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let keys = s.keys()?;
        let l1 = s.l1(&keys).await?;
        let index = s.account_index()?;
        let asset = s.asset_from(&l1).await?;
        let units = asset.parse(&self.amount)?;
        let tx = l1ops::force_exit(&l1, index, units).await?;
        let text = format!(
            "forced exit of {} from account {index} queued on L1 (tx {})\nthe sequencer must include it; \
             once its batch settles, `ccr-wallet claim` pays it",
            asset.show(units),
            tx.hash
        );
        Ok(Output::new(text, json!({ "index": index, "amount": units, "l1Tx": tx })))
    }
}
