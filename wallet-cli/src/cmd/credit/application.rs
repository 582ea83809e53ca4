//! What a member applies for and the files proving takes: the options `credit apply` and
//! `credit prove` share.

use std::path::PathBuf;

use ccr_credit_policy::{Policy, Purpose};
use ccr_prover::ProvingKeyFile;
use clap::Args;

use crate::amount::{Asset, DecimalAmount};
use crate::cli::Settings;
use crate::credit::{load_policy, parse_purpose, read_json, AttestationFile, CreditRequest, RegistryFile};
use crate::error::WalletError;

/// What a member applies for and the files proving takes (`credit apply` and `credit prove`).
#[derive(Debug, Clone, Args)]
pub struct ApplicationArgs {
    /// The bank's policy file [default: fetched from the sequencer and checked against L1,
    /// with the registry and the key].
    #[arg(long, value_name = "FILE", requires_all = ["pk", "registry"])]
    policy: Option<PathBuf>,
    /// The rollup's eligibility proving key of the policy's shape (`eligibility.pk`, which banks publish) [default: fetched, with the policy].
    #[arg(long, value_name = "FILE", requires_all = ["policy", "registry"])]
    pk: Option<PathBuf>,
    /// Your attestation (`attester sign`).
    #[arg(long, value_name = "FILE")]
    attestation: PathBuf,
    /// The bank's attester registry (`bank registry`) [default: fetched, with the policy].
    #[arg(long, value_name = "FILE", requires_all = ["policy", "pk"])]
    registry: Option<PathBuf>,
    /// The bank: its pool account.
    #[arg(long, value_name = "ID")]
    pub(super) bank: u64,
    /// Principal asked for, in the rollup's asset like every amount (see "Amounts" in
    /// `ccr-wallet --help`; the policy's tiers are in L2 units, printed in the asset too).
    #[arg(long, value_name = "AMOUNT")]
    pub(super) amount: DecimalAmount,
    /// productive_enterprise, creative_project, community_infrastructure,
    /// ecological_restoration, educational_initiative (or 0-4): the purpose your attestation
    /// names.
    #[arg(long, value_name = "PURPOSE")]
    purpose: String,
}

/// [`ApplicationArgs`]' files read and checked.
pub(super) struct LoadedApplication {
    pub(super) policy: Policy,
    pub(super) attestation: AttestationFile,
    pub(super) registry: RegistryFile,
    pub(super) proving_key: ProvingKeyFile,
    pub(super) purpose: Purpose,
    /// The principal in L2 units.
    pub(super) amount: u64,
    /// How amounts are written.
    pub(super) asset: Asset,
}

impl ApplicationArgs {
    /// Reads the attestation and the bank's files: those given, or the bank's current ones
    /// fetched from the sequencer's mirror and checked against L1 (kept in
    /// [`Settings::bank_cache_dir`]). `bar` shows the progress.
    pub(super) async fn load(
        &self,
        s: &Settings,
        bar: &indicatif::ProgressBar,
    ) -> Result<LoadedApplication, WalletError> {
        let purpose = parse_purpose(&self.purpose)?;
        let asset = s.asset().await?;
        let amount = asset.parse(&self.amount)?;
        if amount == 0 {
            return Err(WalletError::Config("--amount: a credit of nothing".into()));
        }
        let attestation: AttestationFile = read_json(
            &self.attestation,
            "an attestation",
            "ask your attester for `ccr-wallet attester sign` output",
        )?;
        attestation.check_purpose(purpose)?;
        let (policy, registry, proving_key) = match (&self.policy, &self.registry, &self.pk) {
            (Some(policy), Some(registry), Some(pk)) => {
                let policy = load_policy(policy)?;
                let registry: RegistryFile =
                    read_json(registry, "an attester registry", "get the bank's published registry")?;
                bar.set_message("loading the proving key");
                let key = ProvingKeyFile::load(pk)
                    .map_err(|e| WalletError::Config(format!("proving key {}: {e}", pk.display())))?;
                (policy, registry, key)
            }
            _ => {
                let pool = u32::try_from(self.bank).map_err(|_| {
                    WalletError::Config(format!("--bank {} is not an account index", self.bank))
                })?;
                bar.set_message(format!("reading bank {pool}'s current version on L1"));
                let version = crate::cmd::bank::current_version(s, pool).await?;
                let files =
                    crate::cmd::bank::fetch_with_progress(s, &version, &s.bank_cache_dir(), bar).await?;
                (files.policy, files.registry, files.proving_key)
            }
        };
        Ok(LoadedApplication { policy, attestation, registry, proving_key, purpose, amount, asset })
    }

    pub(super) fn request(&self, loaded: &LoadedApplication, epoch: u64, now: u64) -> CreditRequest {
        CreditRequest { bank: self.bank, amount: loaded.amount, purpose: loaded.purpose, epoch, now }
    }
}
