//! `bank`: the attester registry, registration on L1 (a policy's hash and shape: the
//! eligibility key is the rollup's, one per shape), the banks as L1 records them (`list`,
//! `show`), and their files on the network (`publish`, `fetch`).

use std::path::Path;

use ccr_l1::client::BankVersion;
use clap::Subcommand;

use crate::bank_files::BankFiles;
use crate::cli::{Output, Settings};
use crate::error::WalletError;

pub mod fetch;
pub mod list;
pub mod publish;
pub mod register;
pub mod registry;
pub mod show;

/// `bank` subcommands.
#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Register your account as a community bank pool on L1: its policy's hash and shape, and its registry.
    Register(register::RegisterArgs),
    /// The registered banks, as L1 records them: each one's current policy hash, shape and registry.
    List(list::ListArgs),
    /// One bank's every version on L1; with files, checks that they are its current ones.
    Show(show::ShowArgs),
    /// Write the bank's attester registry (public): attester keys at their slots, and its root.
    Registry(registry::RegistryArgs),
    /// Copy the bank's policy, registry and proving key under their L1 commitments' names, for
    /// the sequencer to mirror (`--bank-files`).
    Publish(publish::PublishArgs),
    /// A bank's current policy, registry and proving key from the sequencer, checked against L1.
    Fetch(fetch::FetchArgs),
}

impl BankCommand {
    /// Runs the subcommand.
    ///
    /// # Errors
    ///
    /// As the subcommand's `run`.
    pub async fn run(self, s: &Settings, json_mode: bool) -> Result<Output, WalletError> {
        match self {
            Self::Register(a) => a.run(s).await,
            Self::List(a) => a.run(s).await,
            Self::Show(a) => a.run(s).await,
            Self::Registry(a) => a.run(),
            Self::Publish(a) => a.run(),
            Self::Fetch(a) => a.run(s, json_mode).await,
        }
    }
}

/// Bank `pool`'s current version on the configured L1 ([`crate::bank_files::current_version`]).
///
/// # Errors
///
/// As [`crate::bank_files::current_version`]; the configuration's.
pub async fn current_version(s: &Settings, pool: u32) -> Result<BankVersion, WalletError> {
    crate::bank_files::current_version(&s.l1_reader().await?, pool).await
}

/// [`crate::bank_files::fetch`] from the configured sequencer into `dir`, its download shown on
/// `bar`.
///
/// # Errors
///
/// As [`crate::bank_files::fetch`].
pub async fn fetch_with_progress(
    s: &Settings,
    version: &BankVersion,
    dir: &Path,
    bar: &indicatif::ProgressBar,
) -> Result<BankFiles, WalletError> {
    let seq = s.sequencer()?;
    bar.set_message(format!("bank {}'s files: checking {} against L1", version.pool, dir.display()));
    crate::bank_files::fetch(&seq, version, dir, |done, total| {
        bar.set_message(format!(
            "fetching bank {}'s files from the sequencer: {:.1} of {:.1} MB",
            version.pool,
            done as f64 / 1e6,
            total as f64 / 1e6
        ));
    })
    .await
}
