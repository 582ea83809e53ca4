//! `deposit`: deposit from L1, creating the wallet's account on the first deposit.

use std::time::Duration;

use clap::Args;
use serde_json::Value;

use crate::amount::DecimalAmount;
use crate::cli::{spinner, Output, Settings};
use crate::error::WalletError;
use crate::l1ops;

/// `deposit`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Examples:\n  ccr-wallet deposit --amount 1 --wait   # first time: creates the account\n  ccr-wallet deposit --amount 0.5"
)]
pub struct DepositArgs {
    /// Amount in the rollup's asset (e.g. 0.25 ETH; see "Amounts" in `ccr-wallet --help`).
    #[arg(long, value_name = "AMOUNT")]
    pub amount: DecimalAmount,
    /// Wait until the sequencer has ingested the deposit.
    #[arg(long)]
    pub wait: bool,
    /// How long to wait, in seconds.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
}

impl DepositArgs {
    /// Deposits on L1 (remembering a new account's index); with `--wait`, waits until the
    /// sequencer has ingested it.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's, the amount's, L1's and the sequencer's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let keys = s.keys()?;
        let l1 = s.l1(&keys).await?;
        let account = match s.account_index() {
            Ok(i) => Some(i),
            Err(WalletError::NoAccount) => None,
            Err(e) => return Err(e),
        };
        let asset = s.asset_from(&l1).await?;
        let units = asset.parse(&self.amount)?;
        let d = l1ops::deposit(&l1, &keys, account, units).await?;
        if d.created {
            s.remember_account(d.index)?;
        }
        let shown = asset.show(units);
        let mut text = if d.created {
            format!("created account {} with {shown} (L1 tx {})", d.index, d.l1_tx.hash)
        } else {
            format!("deposited {shown} to account {} (L1 tx {})", d.index, d.l1_tx.hash)
        };
        if self.wait {
            let seq = s.sequencer()?;
            let bar = spinner(json_mode);
            bar.set_message("waiting for the sequencer to ingest the deposit");
            let r = l1ops::wait_ingested(&seq, d.queue_length, Duration::from_secs(self.timeout)).await;
            bar.finish_and_clear();
            r?;
            text.push_str("\nthe sequencer has it: it applies in the next batch");
        }
        Ok(Output::new(text, serde_json::to_value(&d).unwrap_or(Value::Null)))
    }
}
