//! `loan`: show a loan (default: the wallet's): debt, rate, due epoch, written down or not.

use ccr_rpc_api::api::AccountInfo;
use clap::Args;
use serde_json::{json, Value};

use crate::amount::Asset;
use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::ops;

/// `loan`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet loan\n  ccr-wallet loan 7")]
pub struct LoanArgs {
    /// Account index [default: the wallet's].
    pub index: Option<u32>,
}

impl LoanArgs {
    /// Shows the loan with the sequencer's current epoch.
    ///
    /// # Errors
    ///
    /// The configuration's and the sequencer's errors; [`WalletError::AccountNotFound`].
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let seq = s.sequencer()?;
        let index = match self.index {
            Some(i) => i,
            None => s.account_index()?,
        };
        let info = ops::account(&seq, index).await?;
        let epoch = seq.health().await?.epoch;
        Ok(loan_output(&info, epoch, &s.asset().await?))
    }
}

fn loan_output(a: &AccountInfo, epoch: u32, asset: &Asset) -> Output {
    let mut json = serde_json::to_value(a).unwrap_or(Value::Null);
    json["epoch"] = json!(epoch);
    let text = match &a.loan {
        Some(l) => format!(
            "account {} owes bank {}: {} (after pending transactions)\npurpose {}\nrate    {} bps a year\ndue     epoch {} (now {epoch}){}\ninterest accrued to epoch {}{}",
            a.index,
            a.bank.map_or_else(|| "?".to_string(), |b| b.to_string()),
            asset.show(a.debt.0),
            l.purpose.as_deref().unwrap_or("unknown (no credit record at this sequencer)"),
            l.rate_bps,
            l.due_epoch,
            if epoch > l.due_epoch { ": PAST DUE" } else { "" },
            l.accrued_epoch,
            if l.written_down { "\nWRITTEN DOWN: the bank took the loss; repayments are recoveries" } else { "" }
        ),
        None if a.pool => format!(
            "account {} is a bank pool: its borrowers owe it {} (epoch {epoch})",
            a.index,
            asset.show(a.debt.0)
        ),
        None => format!("account {} has no loan (epoch {epoch})", a.index),
    };
    Output::new(text, json)
}
