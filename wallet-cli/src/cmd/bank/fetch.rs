//! `bank fetch`: a bank's current policy, attester registry and eligibility proving key from
//! the sequencer's mirror, each checked against the commitments L1 holds for the bank.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::cli::{spinner, Output, Settings};
use crate::error::WalletError;

/// `bank fetch`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  ccr-wallet --network .devnet/network.json bank fetch 3 --out bank-3\n\
    `credit apply` does this itself when it is given no --policy/--registry/--pk.")]
pub struct FetchArgs {
    /// The bank: its pool account.
    #[arg(value_name = "POOL")]
    pub pool: u32,
    /// Where to keep the files [default: `bank-cache/` beside the network file, or the keystore].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

impl FetchArgs {
    /// Fetches (or finds in `--out`) and checks the bank's current files.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for an account that is not a bank, a file the sequencer does not
    /// mirror or serves wrong; L1's and the sequencer's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let version = super::current_version(s, self.pool).await?;
        let dir = self.out.unwrap_or_else(|| s.bank_cache_dir());
        let bar = spinner(json_mode);
        let files = super::fetch_with_progress(s, &version, &dir, &bar).await;
        bar.finish_and_clear();
        let files = files?;
        let shown: Vec<String> = files.paths.iter().map(|p| p.display().to_string()).collect();
        Ok(Output::new(
            format!(
                "bank {} version {}: files checked against L1\n  {}",
                self.pool,
                version.version,
                shown.join("\n  ")
            ),
            json!({
                "pool": self.pool,
                "version": version.version,
                "policy": shown[0],
                "registry": shown[1],
                "provingKey": shown[2],
            }),
        ))
    }
}
