//! `bank registry`: write the bank's attester registry (public).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::cli::Output;
use crate::credit::{parse_pubkey, RegistryFile};
use crate::error::WalletError;

/// `bank registry`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet bank registry --attester 0=0x1d5a... --attester 1=0x0c3e... --out registry.json"
)]
pub struct RegistryArgs {
    /// `SLOT=PUBKEY` (packed hex, or `x,y`), repeated.
    #[arg(long = "attester", value_name = "SLOT=PUBKEY", required = true)]
    pub attesters: Vec<String>,
    /// Registry file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

impl RegistryArgs {
    /// Builds the registry of the attesters and writes it with its root.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a malformed `--attester` or an unwritable file;
    /// [`WalletError::InvalidKey`].
    pub fn run(self) -> Result<Output, WalletError> {
        let Self { attesters, out } = self;
        let entries = attesters
            .iter()
            .map(|a| {
                let (slot, key) = a
                    .split_once('=')
                    .ok_or_else(|| WalletError::Config(format!("--attester {a:?}: write SLOT=PUBKEY")))?;
                let slot = slot.trim().parse::<u64>().map_err(|_| {
                    WalletError::Config(format!("--attester {a:?}: the slot must be a number"))
                })?;
                Ok((slot, parse_pubkey(key)?))
            })
            .collect::<Result<Vec<_>, WalletError>>()?;
        let file = RegistryFile::new(&entries)?;
        let json = serde_json::to_vec_pretty(&file).map_err(|e| WalletError::Config(e.to_string()))?;
        ccr_prover::atomic::write_atomic(&out, &json)
            .map_err(|e| WalletError::Config(format!("writing {}: {e}", out.display())))?;
        Ok(Output {
            text: format!(
                "registry of {} attesters, root {}\nwritten to {}",
                entries.len(),
                file.root,
                out.display()
            ),
            json: json!({ "root": file.root, "attesters": entries.len(), "out": out.display().to_string() }),
        })
    }
}
