//! `claim`: pay out the wallet's pending withdrawals on L1.

use clap::Args;
use serde_json::Value;

use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::l1ops;

/// `claim`'s options (none).
#[derive(Debug, Clone, Args)]
pub struct ClaimArgs {}

impl ClaimArgs {
    /// Claims the pending withdrawals of the wallet's L1 address.
    ///
    /// # Errors
    ///
    /// The keystore's, the configuration's and L1's errors.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let keys = s.keys()?;
        let l1 = s.l1(&keys).await?;
        let c = l1ops::claim(&l1).await?;
        let text =
            format!("paid {} (base units) to {:#x} (L1 tx {})", c.amount, keys.l1_address(), c.l1_tx.hash);
        Ok(Output::new(text, serde_json::to_value(&c).unwrap_or(Value::Null)))
    }
}
