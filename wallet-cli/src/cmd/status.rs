//! `status`: where a transaction stands.

use ccr_rpc_api::api::{TxState, TxStatusInfo};
use clap::Args;
use serde_json::Value;

use crate::cli::{Output, Settings};
use crate::error::WalletError;
use crate::ops;

/// `status`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet status 0x5e1f...   (the hash `transfer` printed)")]
pub struct StatusArgs {
    /// The transaction's `0x` hash, or its sequence number.
    pub id: String,
}

impl StatusArgs {
    /// Asks the sequencer where the transaction stands.
    ///
    /// # Errors
    ///
    /// The configuration's and the sequencer's errors; [`WalletError::TxNotFound`].
    pub async fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let seq = s.sequencer()?;
        Ok(status_output(&ops::status(&seq, &self.id).await?))
    }
}

fn status_output(st: &TxStatusInfo) -> Output {
    let state = match st.status {
        TxState::Pending => "pending (accepted, not in a batch yet)",
        TxState::InBatch => "in a sealed batch, not proven yet",
        TxState::Proven => "proven, not settled on L1 yet",
        TxState::Settled => "settled on L1",
        TxState::Rejected => "rejected",
    };
    let mut text = format!("{} {} (seq {}): {state}", st.kind, st.hash, st.seq);
    if let Some(b) = st.batch {
        text.push_str(&format!(" (batch {b})"));
    }
    if let Some(r) = &st.reason {
        text.push_str(&format!(", reason: {r}"));
    }
    Output::new(text, serde_json::to_value(st).unwrap_or(Value::Null))
}
