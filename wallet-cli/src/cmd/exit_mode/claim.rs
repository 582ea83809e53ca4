//! `exit-mode claim`: rebuild the state from L1, prove the wallet's account under the last
//! settled root and credit its balance (net of a borrower's debt) to the L1 owner.

use std::path::PathBuf;

use clap::Args;
use serde_json::Value;

use crate::cli::{progress_bar, Output, Settings};
use crate::error::WalletError;
use crate::l1ops;

/// `exit-mode claim`'s options.
#[derive(Debug, Clone, Args)]
pub struct ClaimArgs {
    /// The batch circuit's verifying key [default: the network file's].
    #[arg(long, value_name = "FILE")]
    pub verifying_key: Option<PathBuf>,
}

impl ClaimArgs {
    /// Audits, proves the account and sends the claim (with a progress bar over the batches).
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's, the audit's and L1's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let keys = s.keys()?;
        let params = s.params()?;
        let vk = s.verifying_key(self.verifying_key.as_deref())?;
        let l1 = s.l1(&keys).await?;
        let index = s.account_index()?;
        let bar = progress_bar(json_mode);
        let r = l1ops::exit_mode_claim(&l1, &keys, params, &vk, index, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
        bar.finish_and_clear();
        let c = r?;
        let netting = if c.netted > 0 {
            format!(
                "; {} netted to its bank's pool against its debt of {} ({} still owed)",
                c.netted,
                c.debt,
                c.debt - c.netted
            )
        } else {
            String::new()
        };
        let text = format!(
            "audited {} batches; account {index}'s balance {}: {} credited to {:#x}{netting} (L1 tx {})\nrun `ccr-wallet claim` to receive it",
            c.audit.batches,
            c.balance,
            c.paid,
            keys.l1_address(),
            c.l1_tx.hash
        );
        Ok(Output::new(text, serde_json::to_value(&c).unwrap_or(Value::Null)))
    }
}
