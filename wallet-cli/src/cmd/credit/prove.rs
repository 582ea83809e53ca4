//! `credit prove`: prove, on this machine, that the bank's policy grants the member's attested
//! record the amount, against an account proof the member supplies; the proof goes to a file.

use std::path::PathBuf;

use ccr_prover::eligibility::AccountProofFile;
use clap::Args;
use serde_json::json;

use super::application::{ApplicationArgs, LoadedApplication};
use crate::cli::{spinner, Output, Settings};
use crate::credit::{now_secs, prove_credit, statement_output};
use crate::error::WalletError;

/// `credit prove`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example (offline: every file given, the amount in L2 units):\n  \
    ccr-wallet --l2-units credit prove --policy german.json --pk keys/eligibility.pk --attestation att.json \\\n      \
    --registry registry.json --bank 1 --amount 2000 --purpose ecological_restoration --epoch 3 \\\n      \
    --account-proof account.json --out proof.json\n\
    Without --policy/--registry/--pk (and with --network), the bank's files come from the sequencer.\n\
    The record never leaves the wallet: only the statement (bank, amount, purpose, tier and terms,\n\
    policy hash, registry and state roots, nullifier, account, epoch, time) is public.\n\
    Exit code 10: not eligible (declined, expired, not your record or account); no proof is written.")]
pub struct ProveArgs {
    /// What you apply for, and the files proving takes.
    #[command(flatten)]
    pub application: ApplicationArgs,
    /// The epoch (one proof per member, bank and epoch: the nullifier).
    #[arg(long, value_name = "N")]
    pub epoch: u64,
    /// Your account's proof under a settled state root (index, leaf, path).
    #[arg(long, value_name = "FILE")]
    pub account_proof: PathBuf,
    /// The time the record's expiry is checked against [default: now].
    #[arg(long, value_name = "SECS")]
    pub now: Option<u64>,
    /// Proof file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

impl ProveArgs {
    /// Proves (behind a spinner) and writes the proof file (the bank's files fetched as for
    /// `credit apply` when not given).
    ///
    /// # Errors
    ///
    /// [`WalletError::Ineligible`] (no proof is written), the files' and the keystore's errors.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        let Self { application, epoch, account_proof, now, out } = self;
        let account =
            AccountProofFile::load(&account_proof).map_err(|e| WalletError::Config(e.to_string()))?;
        let keys = s.keys()?;
        let bar = spinner(json_mode);
        let result = match application.load(s, &bar).await {
            Ok(loaded) => {
                let request = application.request(&loaded, epoch, now.unwrap_or_else(now_secs));
                let LoadedApplication { policy, attestation, registry, proving_key, asset, .. } = loaded;
                bar.set_message("proving eligibility on this machine (the record stays here)");
                prove_credit(&keys.l2, &policy, &proving_key, &attestation, &registry, &account, request)
                    .map(|file| (file, asset))
            }
            Err(e) => Err(e),
        };
        bar.finish_and_clear();
        let (file, asset) = result?;
        file.save(&out).map_err(|e| WalletError::Config(e.to_string()))?;
        let (st, _) = file.parts().map_err(|e| WalletError::Config(e.to_string()))?;
        let mut o =
            statement_output(&st, &format!("eligibility proof written to {}", out.display()), Some(&asset));
        o.json = json!({ "out": out.display().to_string(), "statement": o.json, "vkHash": file.vk_hash });
        Ok(o)
    }
}
