//! `credit verify`: verify an eligibility proof file ([`crate::credit::verify_credit`]) and show
//! its statement.

use std::path::PathBuf;

use ccr_prover::eligibility::EligibilityProofFile;
use ccr_prover::VerifyingKeyFile;
use clap::Args;
use serde_json::json;

use crate::cli::{Output, Settings};
use crate::credit::{load_policy, statement_output, verify_credit};
use crate::error::WalletError;

/// `credit verify`'s options.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Example:\n  ccr-wallet credit verify --vk keys/eligibility.vk --proof proof.json --policy german.json\n\
    Exit code 0: valid; 11: the proof does not verify (or names another key or policy);\n\
    2: bad command line; 4: unreadable files."
)]
pub struct VerifyArgs {
    /// The bank's verifying key.
    #[arg(long, value_name = "FILE")]
    pub vk: PathBuf,
    /// The proof file.
    #[arg(long, value_name = "FILE")]
    pub proof: PathBuf,
    /// Also check that the proof is for this policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

impl VerifyArgs {
    /// Verifies the proof (and its policy, with `--policy`).
    ///
    /// # Errors
    ///
    /// [`WalletError::ProofInvalid`]; [`WalletError::VerifyingKey`] and
    /// [`WalletError::Config`] for unreadable files.
    pub fn run(self, s: &Settings) -> Result<Output, WalletError> {
        let Self { vk, proof, policy } = self;
        let vk_file = VerifyingKeyFile::load(&vk)
            .map_err(|e| WalletError::VerifyingKey { path: vk.clone(), reason: e.to_string() })?;
        let file = EligibilityProofFile::load(&proof).map_err(|e| WalletError::Config(e.to_string()))?;
        let policy = policy.as_deref().map(load_policy).transpose()?;
        let st = verify_credit(&vk_file, &file, policy.as_ref())?;
        let head = if vk_file.metadata.insecure_dev_setup {
            "VALID eligibility proof (WARNING: the verifying key comes from an insecure development setup)"
        } else {
            "VALID eligibility proof"
        };
        let mut o = statement_output(&st, head, s.known_asset().as_ref());
        o.json = json!({ "valid": true, "insecureDevSetup": vk_file.metadata.insecure_dev_setup, "statement": o.json });
        Ok(o)
    }
}
