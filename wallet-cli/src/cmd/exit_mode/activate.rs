//! `exit-mode activate`: switch the rollup to exit mode.

use clap::Args;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::l1ops;

/// `exit-mode activate`'s options (none).
#[derive(Debug, Clone, Args)]
pub struct ActivateArgs {}

impl ActivateArgs {
    /// Sends the activation from the wallet's L1 account.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's and L1's errors (a refusal while no queued request
    /// waited past the escape delay).
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let keys = s.keys()?;
        let l1 = s.l1(&keys).await?;
        let tx = l1ops::activate_exit_mode(&l1).await?;
        Ok(Output::new(
            format!(
                "exit mode active (L1 tx {}): members now leave with `ccr-wallet exit-mode claim`",
                tx.hash
            ),
            json!({ "l1Tx": tx }),
        ))
    }
}
