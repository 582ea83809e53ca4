//! `poll show`: a poll as L1 holds it.

use alloy_primitives::B256;
use clap::Args;
use serde_json::json;

use super::roster::poll_address;
use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::poll::poll_client;

/// `poll show`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet --network .devnet/network.json poll show 1")]
pub struct ShowArgs {
    /// The poll's id.
    pub id: u64,
}

impl ShowArgs {
    /// Reads the poll from the deployment's poll contract.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a deployment without a poll contract or an unknown poll;
    /// L1's errors.
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let id = self.id;
        let l1 = s.l1_reader().await?;
        let polls = poll_client(&l1.client, poll_address(s)?);
        let info = polls
            .poll(id)
            .await
            .map_err(|e| l1.err(e))?
            .ok_or_else(|| WalletError::Config(format!("there is no poll {id} on L1")))?;
        let text = format!(
            "poll {id} of bank {}: {:?}, {} option(s), {} voter(s), deadline {}, {} message(s) in {} batch(es){}",
            info.pool,
            info.phase,
            info.options,
            info.voters,
            info.deadline,
            info.messages,
            info.batches,
            if info.proposal == B256::ZERO { String::new() } else { format!(", proposal {:#x}", info.proposal) }
        );
        let json = json!({
            "poll": id, "pool": info.pool, "phase": format!("{:?}", info.phase), "options": info.options,
            "voters": info.voters, "deadline": info.deadline, "messages": info.messages,
            "batches": info.batches, "proposal": format!("{:#x}", info.proposal),
        });
        Ok(Output::new(text, json))
    }
}
