//! `poll execute`: adopt a passed proposal ([`crate::poll::execute`]).

use clap::Args;
use serde_json::json;

use super::roster::PollFileArg;
use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::poll::execute;
use crate::vote::PollFile;

/// `poll execute`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet --network .devnet/network.json poll execute --poll-file poll-1.json"
)]
pub struct ExecuteArgs {
    /// The roster file.
    #[command(flatten)]
    pub file: PollFileArg,
}

impl ExecuteArgs {
    /// Sends the execution from the wallet's L1 account.
    ///
    /// # Errors
    ///
    /// As [`execute`].
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let file = PollFile::load(&self.file.path(s)?)?;
        let keys = s.keys()?;
        let l1 = s.l1(&keys).await?;
        let tx = execute(&l1, &file).await?;
        let text = format!(
            "proposal of poll {} executed (L1 tx {}): bank {} now uses the new policy {}",
            file.poll_id,
            tx.hash,
            file.pool,
            file.proposal.as_ref().map_or("", |p| p.policy_hash.as_str())
        );
        Ok(Output::new(text, json!({ "poll": file.poll_id, "l1Tx": tx })))
    }
}
