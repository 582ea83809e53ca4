//! `bank publish`: copy the bank's policy, attester registry and the rollup's eligibility
//! proving key of the policy's shape into a directory under the names of their L1 commitments,
//! for a sequencer to mirror (`ccr-sequencer --bank-files DIR`) and members' wallets to fetch.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::cli::Output;
use crate::error::WalletError;

/// `bank publish`'s options.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Example:\n  \
    ccr-wallet bank publish --policy german.json --registry registry.json --pk keys/eligibility.pk --out bank-files\n\
    The names are the commitments L1 holds (policy-<hash>.json, registry-<root>.json,\n\
    eligibility-<vkHash>.pk): publish before `bank register` or with a proposal, so that members\n\
    can check and fetch them. Members' wallets check every file against L1: the mirror is not trusted.")]
pub struct PublishArgs {
    /// The bank's policy file.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// The bank's attester registry (`bank registry`).
    #[arg(long, value_name = "FILE")]
    pub registry: PathBuf,
    /// The rollup's eligibility proving key of the policy's shape (`eligibility.pk` from the
    /// network's keys, whose verifying key L1 holds).
    #[arg(long, value_name = "FILE")]
    pub pk: PathBuf,
    /// The directory to write them into (the sequencer's `--bank-files`).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl PublishArgs {
    /// Checks and copies the three files.
    ///
    /// # Errors
    ///
    /// [`WalletError::Config`] for a file that is not what it should be; [`WalletError::Io`].
    pub fn run(self) -> Result<Output, WalletError> {
        let written = crate::bank_files::publish(&self.out, &self.policy, &self.registry, &self.pk)?;
        let shown: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        Ok(Output::new(
            format!("published for the sequencer's mirror:\n  {}", shown.join("\n  ")),
            json!({ "policy": shown[0], "registry": shown[1], "provingKey": shown[2] }),
        ))
    }
}
