//! What a member applies for and the files proving takes: the options `credit apply` and
//! `credit prove` share.

use std::path::PathBuf;

use ccr_credit_policy::{Policy, Purpose};
use ccr_prover::ProvingKeyFile;
use clap::Args;

use crate::credit::{load_policy, parse_purpose, read_json, AttestationFile, CreditRequest, RegistryFile};
use crate::error::WalletError;

/// What a member applies for and the files proving takes (`credit apply` and `credit prove`).
#[derive(Debug, Clone, Args)]
pub struct ApplicationArgs {
    /// The bank's policy file.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// The bank's proving key (`bank keygen`).
    #[arg(long, value_name = "FILE")]
    pk: PathBuf,
    /// Your attestation (`attester sign`).
    #[arg(long, value_name = "FILE")]
    attestation: PathBuf,
    /// The bank's attester registry (`bank registry`).
    #[arg(long, value_name = "FILE")]
    registry: PathBuf,
    /// The bank: its pool account.
    #[arg(long, value_name = "ID")]
    pub(super) bank: u64,
    /// Principal asked for.
    #[arg(long, value_name = "N")]
    pub(super) amount: u64,
    /// productive_enterprise, creative_project, community_infrastructure,
    /// ecological_restoration, educational_initiative (or 0-4): the purpose your attestation
    /// names.
    #[arg(long, value_name = "PURPOSE")]
    purpose: String,
}

/// [`ApplicationArgs`]' files read: everything but the proving key, which loads behind the
/// spinner.
pub(super) struct LoadedApplication {
    pub(super) policy: Policy,
    pub(super) attestation: AttestationFile,
    pub(super) registry: RegistryFile,
    pub(super) purpose: Purpose,
}

impl ApplicationArgs {
    pub(super) fn load(&self) -> Result<LoadedApplication, WalletError> {
        let purpose = parse_purpose(&self.purpose)?;
        let policy = load_policy(&self.policy)?;
        let attestation: AttestationFile = read_json(
            &self.attestation,
            "an attestation",
            "ask your attester for `ccr-wallet attester sign` output",
        )?;
        attestation.check_purpose(purpose)?;
        let registry: RegistryFile =
            read_json(&self.registry, "an attester registry", "get the bank's published registry")?;
        Ok(LoadedApplication { policy, attestation, registry, purpose })
    }

    pub(super) fn proving_key(&self) -> Result<ProvingKeyFile, WalletError> {
        ProvingKeyFile::load(&self.pk)
            .map_err(|e| WalletError::Config(format!("proving key {}: {e}", self.pk.display())))
    }

    pub(super) fn request(&self, purpose: Purpose, epoch: u64, now: u64) -> CreditRequest {
        CreditRequest { bank: self.bank, amount: self.amount, purpose, epoch, now }
    }
}
